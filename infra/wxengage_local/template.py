"""Reading template.yaml the way the local stack needs it: functions, routes, schedules, and a CFN transform."""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import yaml
from samtranslator.parser.parser import Parser
from samtranslator.translator.translator import Translator
from samtranslator.utils.py27hash_fix import undo_mark_unicode_str_in_template
from samtranslator.yaml_helper import yaml_parse

_SUB_KEY = re.compile(r"\$\{([A-Za-z0-9_]+)\}")


@dataclass(frozen=True)
class FunctionSpec:
    """One AWS::Serverless::Function as the local stack runs it."""

    logical_id: str
    code_uri: Path
    handler: str
    http_routes: tuple[tuple[str, str], ...] = ()
    schedules: tuple[tuple[str, str], ...] = ()
    queues: tuple[str, ...] = ()  # logical ids of SQS queues that trigger it


@dataclass
class Artifact:
    """A local folder the transformed template now expects as a zip in S3."""

    local_path: Path
    key: str


@dataclass
class LocalTemplate:
    """A SAM template on disk."""

    path: Path
    document: dict[str, Any] = field(init=False)

    def __post_init__(self) -> None:
        self.document = yaml_parse(self.path.read_text())

    @property
    def root(self) -> Path:
        return self.path.parent

    def resources(self, kind: str) -> dict[str, dict[str, Any]]:
        """Resources of one type, by logical id."""
        return {
            k: v for k, v in self.document.get("Resources", {}).items() if v.get("Type") == kind
        }

    def functions(self) -> dict[str, FunctionSpec]:
        """Every function with its code folder, handler, HTTP routes, schedules and queue triggers."""
        glob = self.document.get("Globals", {}).get("Function", {})
        out: dict[str, FunctionSpec] = {}
        for logical_id, res in self.resources("AWS::Serverless::Function").items():
            props = res.get("Properties", {})
            routes: list[tuple[str, str]] = []
            schedules: list[tuple[str, str]] = []
            queues: list[str] = []
            for name, event in (props.get("Events") or {}).items():
                eprops = event.get("Properties", {})
                if event["Type"] == "HttpApi":
                    routes.append((eprops.get("Method", "ANY").upper(), eprops.get("Path", "/")))
                elif event["Type"] in ("Schedule", "ScheduleV2"):
                    expr = eprops.get("Schedule") or eprops.get("ScheduleExpression")
                    schedules.append((name, str(expr)))
                elif event["Type"] == "SQS":
                    queue = eprops.get("Queue", {})
                    ref = queue.get("Fn::GetAtt", [None])[0] if isinstance(queue, dict) else None
                    if ref:
                        queues.append(str(ref))
            out[logical_id] = FunctionSpec(
                logical_id=logical_id,
                code_uri=(
                    self.root / str(props.get("CodeUri", glob.get("CodeUri", ".")))
                ).resolve(),
                handler=str(props.get("Handler", glob.get("Handler", "app.lambda_handler"))),
                http_routes=tuple(routes),
                schedules=tuple(schedules),
                queues=tuple(queues),
            )
        return out

    def to_cloudformation(
        self, bucket: str, parameters: dict[str, str] | None = None, region: str = "us-east-1"
    ) -> tuple[dict[str, Any], list[Artifact]]:
        """Transform SAM to plain CloudFormation that moto can create, and the code it needs in S3."""
        doc = copy.deepcopy(self.document)
        artifacts: list[Artifact] = []
        glob = doc.get("Globals", {}).get("Function", {})
        for logical_id, res in doc.get("Resources", {}).items():
            props = res.setdefault("Properties", {})
            kind = res.get("Type")
            if kind == "AWS::Serverless::Function":
                local = props.get("CodeUri", glob.get("CodeUri", "."))
                props["CodeUri"] = self._s3(bucket, logical_id, local, artifacts)
            elif kind == "AWS::Serverless::LayerVersion":
                props["ContentUri"] = self._s3(
                    bucket, logical_id, props.get("ContentUri", "."), artifacts
                )
            elif kind == "AWS::Serverless::StateMachine" and isinstance(
                props.get("DefinitionUri"), str
            ):
                props["Definition"] = _load_definition(self.root / props.pop("DefinitionUri"))
        # The translator needs only a region (no credentials) and, offline, no managed policies.
        translator = Translator(None, Parser(), boto_session=boto3.Session(region_name=region))
        cfn = undo_mark_unicode_str_in_template(
            translator.translate(
                doc, parameter_values=dict(parameters or {}), get_managed_policy_map=dict
            )
        )
        for res in cfn.get("Resources", {}).values():
            if res.get("Type") == "AWS::StepFunctions::StateMachine":
                fold_substitutions(res["Properties"])
        return cfn, artifacts

    @staticmethod
    def _s3(bucket: str, logical_id: str, local: object, artifacts: list[Artifact]) -> object:
        if not isinstance(local, str) or local.startswith("s3://"):
            return local
        key = f"{logical_id}.zip"
        artifacts.append(Artifact(local_path=Path(local), key=key))
        return f"s3://{bucket}/{key}"


def fold_substitutions(props: dict[str, Any]) -> None:
    """moto ignores DefinitionSubstitutions: fold them into an Fn::Sub of the definition text."""
    subs = props.pop("DefinitionSubstitutions", None)
    if not subs:
        return
    definition = props.pop("Definition", None)
    text = json.dumps(definition) if definition is not None else props.pop("DefinitionString")
    if not isinstance(text, str):
        raise ValueError("a state machine with DefinitionSubstitutions needs a literal definition")
    unknown = set(_SUB_KEY.findall(text)) - set(subs)
    # Fn::Sub would also try to resolve these as resource names: catch typos here.
    if unknown - {"AWS::Region", "AWS::AccountId", "AWS::Partition", "AWS::StackName"}:
        raise ValueError(
            f"definition uses substitutions the template does not give: {sorted(unknown)}"
        )
    props["DefinitionString"] = {"Fn::Sub": [text, subs]}


def render_definition(path: Path, substitutions: dict[str, str]) -> str:
    """The ASL text with ${Key} replaced (regex, not string.Template: JSONPath uses `$`)."""
    text = json.dumps(_load_definition(path))
    return _SUB_KEY.sub(lambda m: substitutions.get(m.group(1), m.group(0)), text)


def _load_definition(path: Path) -> Any:
    text = path.read_text()
    return json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
