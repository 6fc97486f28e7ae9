"""Reading a SAM template the way the local stack needs it: functions, routes, schedules, a CFN transform."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import yaml
from samtranslator.parser.parser import Parser
from samtranslator.translator.translator import Translator
from samtranslator.utils.py27hash_fix import (
    to_py27_compatible_template,
    undo_mark_unicode_str_in_template,
)
from samtranslator.yaml_helper import yaml_parse

# `${Key}` as Step Functions' DefinitionSubstitutions (and Fn::Sub) write it; `${!Key}` is a literal.
_SUB_KEY = re.compile(r"\$\{(?!!)([^}]*)\}")


@dataclass(frozen=True)
class FunctionSpec:
    """One AWS::Serverless::Function as the local stack runs it (Globals merged in)."""

    logical_id: str
    code_uri: Path
    handler: str
    http_routes: tuple[tuple[str, str], ...] = ()  # (METHOD, /path/{param}) of HttpApi events
    schedules: tuple[tuple[str, str], ...] = ()  # (event name, expression) of enabled schedules
    queues: tuple[str, ...] = ()  # logical ids of SQS queues that trigger it
    # Each queue's BatchSize (SAM's and Lambda's default for SQS is 10).
    batch_sizes: Mapping[str, int] = field(default_factory=dict, hash=False, compare=False)
    # Environment.Variables as written: intrinsics unresolved (LocalStack reads moto's resolved copy).
    environment: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=False)
    # An event's `Input` replaces the Scheduled Event, as EventBridge does.
    schedule_inputs: Mapping[str, str] = field(default_factory=dict, hash=False, compare=False)
    memory_mb: int = 128
    timeout_s: int = 3


@dataclass(frozen=True)
class Artifact:
    """A local folder the transformed template now expects as a zip in S3."""

    local_path: Path
    key: str


class FakeManagedPolicies(dict[str, str]):
    """Managed policy name -> ARN without asking IAM (the translator's fallback map).

    samtranslator knows most AWS managed policies already; for the rest, an ARN of the
    right shape is enough for moto, which never evaluates policies.
    """

    def __bool__(self) -> bool:
        return True  # the translator skips an empty-looking map

    def get(self, name: str, default: Any = None) -> str:
        return f"arn:aws:iam::aws:policy/{name}"

    def load(self) -> FakeManagedPolicies:
        """The `ManagedPolicyLoader.load()` interface."""
        return self


def transform(
    document: dict[str, Any], parameters: Mapping[str, Any] | None = None, region: str = "us-east-1"
) -> dict[str, Any]:
    """SAM -> CloudFormation, offline. Mirrors `samtranslator.translator.transform.transform`,
    which reads the region from the environment; here it is explicit."""
    doc = copy.deepcopy(document)
    params = dict(parameters or {})
    to_py27_compatible_template(doc, params)  # logical-id hashes then match `sam deploy`'s
    translator = Translator(None, Parser(), boto_session=boto3.Session(region_name=region))
    policies = FakeManagedPolicies()
    out = translator.translate(doc, parameter_values=params, get_managed_policy_map=policies.load)
    translator.metrics.publish()  # to its no-op publisher; unpublished metrics log a warning
    result: dict[str, Any] = undo_mark_unicode_str_in_template(out)
    return result


class LocalTemplate:
    """A SAM template on disk (short-form tags like !Ref load through samtranslator's YAML)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.document: dict[str, Any] = yaml_parse(self.path.read_text())

    @property
    def root(self) -> Path:
        return self.path.parent

    def resources(self, kind: str) -> dict[str, dict[str, Any]]:
        """Resources of one type, by logical id."""
        return {
            k: v for k, v in self.document.get("Resources", {}).items() if v.get("Type") == kind
        }

    def _mapped_queues(self, function_id: str) -> dict[str, int]:
        """Queues wired to a function by an explicit AWS::Lambda::EventSourceMapping, and
        their BatchSize."""
        found: dict[str, int] = {}
        for res in self.resources("AWS::Lambda::EventSourceMapping").values():
            props = res.get("Properties") or {}
            target, source = props.get("FunctionName"), props.get("EventSourceArn")
            queue = source.get("Fn::GetAtt", [None])[0] if isinstance(source, dict) else None
            if (
                isinstance(target, dict)
                and target.get("Ref") == function_id
                and isinstance(queue, str)
            ):
                found[queue] = _int(props.get("BatchSize"), 10)
        return found

    def functions(self) -> dict[str, FunctionSpec]:
        """Every zip function with local code: its folder, handler, routes, schedules, queues."""
        glob = self.document.get("Globals", {}).get("Function", {})
        out: dict[str, FunctionSpec] = {}
        for logical_id, res in self.resources("AWS::Serverless::Function").items():
            props = {**glob, **res.get("Properties", {})}
            code_uri = props.get("CodeUri", ".")
            if "InlineCode" in props or "ImageUri" in props or not isinstance(code_uri, str):
                continue  # no local folder to import from
            routes: list[tuple[str, str]] = []
            schedules: list[tuple[str, str]] = []
            inputs: dict[str, str] = {}
            queues: dict[str, int] = {}
            for name, event in (props.get("Events") or {}).items():
                kind, eprops = event.get("Type"), event.get("Properties") or {}
                if kind == "HttpApi":
                    routes.append(
                        (str(eprops.get("Method", "ANY")).upper(), eprops.get("Path", "/"))
                    )
                elif kind in ("Schedule", "ScheduleV2") and _schedule_enabled(eprops):
                    schedules.append(
                        (name, str(eprops.get("Schedule") or eprops.get("ScheduleExpression")))
                    )
                    if isinstance(eprops.get("Input"), str):
                        inputs[name] = eprops["Input"]
                elif kind == "SQS":
                    queue = eprops.get("Queue")
                    ref = queue.get("Fn::GetAtt", [None])[0] if isinstance(queue, dict) else None
                    if isinstance(ref, str):
                        queues[ref] = _int(eprops.get("BatchSize"), 10)
            queues |= self._mapped_queues(logical_id)
            out[logical_id] = FunctionSpec(
                logical_id=logical_id,
                code_uri=(self.root / code_uri).resolve(),
                handler=str(props.get("Handler", "app.lambda_handler")),
                http_routes=tuple(routes),
                schedules=tuple(schedules),
                queues=tuple(queues),
                batch_sizes=queues,
                environment=_merged_variables(glob, res.get("Properties", {})),
                schedule_inputs=inputs,
                memory_mb=_int(props.get("MemorySize"), 128),
                timeout_s=_int(props.get("Timeout"), 3),
            )
        return out

    def to_cloudformation(
        self, bucket: str, parameters: Mapping[str, str] | None = None, region: str = "us-east-1"
    ) -> tuple[dict[str, Any], list[Artifact]]:
        """Plain CloudFormation moto can create, and the code artifacts it expects in `bucket`."""
        doc = copy.deepcopy(self.document)
        artifacts: list[Artifact] = []
        glob = doc.get("Globals", {}).get("Function", {})
        for logical_id, res in doc.get("Resources", {}).items():
            props = res.setdefault("Properties", {})
            kind = res.get("Type")
            if kind == "AWS::Serverless::Function":
                if "InlineCode" not in props and "ImageUri" not in props:
                    local = props.get("CodeUri", glob.get("CodeUri", "."))
                    props["CodeUri"] = self._s3(bucket, logical_id, local, artifacts)
            elif kind == "AWS::Serverless::LayerVersion":
                props["ContentUri"] = self._s3(
                    bucket, logical_id, props.get("ContentUri", "."), artifacts
                )
            elif kind == "AWS::Serverless::StateMachine" and "DefinitionUri" in props:
                uri = props.pop("DefinitionUri")
                if not isinstance(uri, str) or uri.startswith("s3://"):
                    raise ValueError(
                        f"{logical_id}: the local stack needs DefinitionUri as a local file"
                    )
                props["Definition"] = load_definition(self.root / uri)
        cfn = transform(doc, parameters, region)
        for res in cfn.get("Resources", {}).values():
            if res.get("Type") == "AWS::StepFunctions::StateMachine":
                fold_substitutions(res.setdefault("Properties", {}))
        return cfn, artifacts

    def _s3(self, bucket: str, logical_id: str, local: object, artifacts: list[Artifact]) -> object:
        if not isinstance(local, str) or local.startswith("s3://"):
            return local
        key = f"{logical_id}.zip"
        artifacts.append(Artifact(local_path=(self.root / local).resolve(), key=key))
        return f"s3://{bucket}/{key}"


def fold_substitutions(props: dict[str, Any]) -> None:
    """Give a state machine a `DefinitionString: {Fn::Sub: text}` with its substitutions folded in.

    moto ignores DefinitionSubstitutions and reads only DefinitionString. Its Fn::Sub runs
    string.Template over the text when given a variable map, which turns ASL's `$$.` into `$.`;
    so the values go into the text itself: literals as they are, Ref/GetAtt as `${Name}` /
    `${Name.Attr}` that moto resolves without a map.
    """
    subs: dict[str, Any] = props.pop("DefinitionSubstitutions", None) or {}
    text = _definition_text(props)
    if text is None:
        if subs:
            raise ValueError("DefinitionSubstitutions need a literal definition (file or inline)")
        return
    for key in ("Definition", "DefinitionS3Location"):
        props.pop(key, None)
    props["DefinitionString"] = {"Fn::Sub": substitute(text, subs)}


def substitute(text: str, subs: Mapping[str, Any]) -> str:
    """Replace each `${Key}` (regex, not string.Template: ASL is full of `$`) with its Fn::Sub form."""
    unknown = sorted({key for key in _SUB_KEY.findall(text) if key not in subs})
    if unknown:
        # Step Functions would leave them in the ASL verbatim: almost surely a typo.
        raise ValueError(f"the definition uses ${{...}} keys it is not given: {unknown}")
    return _SUB_KEY.sub(lambda m: _sub_form(m.group(1), subs[m.group(1)]), text)


def render_definition(path: Path, substitutions: Mapping[str, str]) -> str:
    """An ASL file as text with literal substitutions applied (unknown keys are left alone)."""
    text = json.dumps(load_definition(path))
    return _SUB_KEY.sub(lambda m: str(substitutions.get(m.group(1), m.group(0))), text)


def load_definition(path: Path) -> Any:
    """An ASL file, JSON or YAML."""
    text = path.read_text()
    return json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)


def _sub_form(key: str, value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value).replace("${", "${!")  # a literal must not be read as a reference
    if isinstance(value, dict) and len(value) == 1:
        ((fn, arg),) = value.items()
        if fn == "Ref" and isinstance(arg, str):
            return f"${{{arg}}}"
        if fn == "Fn::GetAtt" and isinstance(arg, list) and len(arg) == 2:
            return f"${{{arg[0]}.{arg[1]}}}"
        if fn == "Fn::GetAtt" and isinstance(arg, str):
            return f"${{{arg}}}"
        if fn == "Fn::Sub" and isinstance(arg, str):
            return arg  # its own ${...} are resolved by the enclosing Fn::Sub
    raise ValueError(
        f"DefinitionSubstitutions.{key}: the local stack folds literals, Ref, Fn::GetAtt and "
        f"Fn::Sub strings, not {json.dumps(value)}"
    )


def _definition_text(props: dict[str, Any]) -> str | None:
    """The definition as JSON text, if it is literal (SAM emits Fn::Join of plain lines)."""
    definition = props.get("Definition")
    if isinstance(definition, dict):
        if _has_intrinsics(definition):
            raise ValueError(
                "an inline Definition with intrinsic functions: use DefinitionSubstitutions"
            )
        return json.dumps(props.pop("Definition"))
    value = props.get("DefinitionString")
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and list(value) == ["Fn::Join"]:
        sep, parts = value["Fn::Join"]
        if isinstance(sep, str) and all(isinstance(p, str) for p in parts):
            return str(sep).join(parts)
    return None


def _has_intrinsics(node: object) -> bool:
    if isinstance(node, dict):
        if any(k == "Ref" or k.startswith("Fn::") for k in node):
            return True
        return any(_has_intrinsics(v) for v in node.values())
    return isinstance(node, list) and any(_has_intrinsics(v) for v in node)


def _schedule_enabled(props: Mapping[str, Any]) -> bool:
    # Schedule uses Enabled: false; ScheduleV2 uses State: DISABLED.
    return props.get("Enabled", True) is not False and props.get("State", "ENABLED") != "DISABLED"


def _merged_variables(glob: Mapping[str, Any], props: Mapping[str, Any]) -> dict[str, Any]:
    def variables(source: Mapping[str, Any]) -> dict[str, Any]:
        env = source.get("Environment") or {}
        return dict(env.get("Variables") or {}) if isinstance(env, dict) else {}

    return {**variables(glob), **variables(props)}


def _int(value: object, default: int) -> int:
    # A parameter reference (!Ref) cannot be read here: fall back to Lambda's default.
    return value if isinstance(value, int) and not isinstance(value, bool) else default
