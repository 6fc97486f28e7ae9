"""Reading an operator's rule or campaign file: one mapping, or one clear line saying why not.

The file may be hostile or just broken (a 50 MB upload, UTF-16 from a Windows editor, a
billion-laughs alias bomb, a `!!python/object` tag, a key written twice, a number with ten
thousand digits, nesting a thousand levels deep). Whatever it is, the command ends with
`BadFileError` naming the file (and the line when YAML knows it) before anything is written.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import yaml
from pydantic import BaseModel, ValidationError
from yaml.constructor import SafeConstructor
from yaml.error import Mark, MarkedYAMLError
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, ScalarNode
from yaml.reader import ReaderError

from wxengage_cli.errors import BadFileError, validation_problems

M = TypeVar("M", bound=BaseModel)

# A rule or campaign is a few KB; a quarter of a MB leaves room and parses in well under a second.
MAX_BYTES = 256 * 1024
# Rules and campaigns nest about six levels; Python's own recursion stops near a thousand.
MAX_DEPTH = 32
# DynamoDB keeps 38 significant digits; no field of ours needs more than a dozen.
MAX_DIGITS = 38
_MERGE_TAG = "tag:yaml.org,2002:merge"


class _Refused(MarkedYAMLError):
    """A construct the strict loader does not accept, at its place in the file."""

    def __init__(self, problem: str, mark: Mark | None) -> None:
        super().__init__(problem=problem, problem_mark=mark)


class StrictLoader(yaml.SafeLoader):
    """YAML's safe loader without aliases, merge keys, duplicate keys, deep nesting or odd numbers.

    Aliases go because one line can expand to billions of nodes once a model walks them
    (billion laughs); rule and campaign files have no use for them. Tags beyond YAML's plain
    types are already refused by the safe loader.
    """

    # Its own tables, built from PyYAML's pristine safe constructor: libraries in the same
    # process (samtranslator, moto) register CloudFormation tags on yaml.SafeLoader itself.
    yaml_constructors: ClassVar[dict[Any, Any]] = dict(SafeConstructor.yaml_constructors)
    yaml_multi_constructors: ClassVar[dict[Any, Any]] = {}

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        if self.check_event(AliasEvent) or getattr(event, "anchor", None) is not None:
            raise _Refused("anchors and aliases (&name, *name) are not accepted", event.start_mark)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _Refused(f"nested deeper than {MAX_DEPTH} levels", event.start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == _MERGE_TAG:
                raise _Refused("merge keys (<<) are not accepted", key_node.start_mark)
            key = self.construct_object(key_node, deep=True)
            try:
                first = seen.get(key)
                seen.setdefault(key, key_node.start_mark.line)
            except TypeError:
                continue  # an unhashable key: the safe loader's own error names it
            if first is not None:
                raise _Refused(
                    f"duplicate key {_short(key)} (first at line {first + 1})",
                    key_node.start_mark,
                )
        mapping: dict[Any, Any] = super().construct_mapping(node, deep=deep)
        return mapping

    def construct_object(self, node: Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, OverflowError) as err:
            # The safe loader's int(), float() and date() raise plain errors on some input
            # (a 13th month, more digits than Python converts): place them in the file.
            raise _Refused(f"cannot read {_short(_text(node))}: {err}", node.start_mark) from None
        except (AttributeError, TypeError, IndexError, KeyError):
            # An explicit tag on a value it does not fit (`!!timestamp hello`) crashes the
            # safe loader's constructor itself.
            tag = str(node.tag).replace("tag:yaml.org,2002:", "!!")
            raise _Refused(f"cannot read {_short(_text(node))} as {tag}", node.start_mark) from None

    def construct_scalar(self, node: ScalarNode | MappingNode) -> Any:
        value = super().construct_scalar(node)
        if isinstance(value, str) and any("\ud800" <= ch <= "\udfff" for ch in value):
            raise _Refused(
                "a \\u escape names half a character (a lone surrogate)", node.start_mark
            )
        return value


def _int(loader: StrictLoader, node: ScalarNode) -> int:
    digits = sum(ch.isdigit() for ch in str(node.value))
    if digits > MAX_DIGITS:
        raise _Refused(f"a number of {digits} digits is too large", node.start_mark)
    value: int = yaml.SafeLoader.construct_yaml_int(loader, node)
    return value


def _float(loader: StrictLoader, node: ScalarNode) -> float:
    value: float = yaml.SafeLoader.construct_yaml_float(loader, node)
    if not math.isfinite(value):
        raise _Refused(f"{_short(node.value)} is not a finite number", node.start_mark)
    return value


StrictLoader.add_constructor("tag:yaml.org,2002:int", _int)
StrictLoader.add_constructor("tag:yaml.org,2002:float", _float)


def _text(node: Node) -> str:
    return node.value if isinstance(node.value, str) else node.tag


def _short(value: Any, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def read_text(path: Path) -> str:
    """The file's text: at most MAX_BYTES, and UTF-8."""
    with path.open("rb") as handle:
        data = handle.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise BadFileError(
            path, f"larger than {MAX_BYTES // 1024} KB (a rule or campaign is a few KB)"
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise BadFileError(
            path,
            f"not UTF-8 text (byte 0x{data[err.start]:02x} at offset {err.start}); "
            "save it as UTF-8",
            line=line,
        ) from None


def parse(path: Path, text: str) -> Any:
    """The one YAML (or JSON) document in `text`, through the strict loader."""
    try:
        return yaml.load(text, Loader=StrictLoader)  # noqa: S506 (StrictLoader is a SafeLoader)
    except ReaderError as err:
        line = text[: err.position].count("\n") + 1
        raise BadFileError(
            path, f"character #x{err.character:04x} is not allowed in YAML", line=line
        ) from None
    except MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        problem = ", ".join(p for p in (err.context, err.problem) if p) or type(err).__name__
        raise BadFileError(
            path, problem, line=mark.line + 1 if mark else None, column=_column(mark)
        ) from None
    except yaml.YAMLError as err:
        raise BadFileError(path, f"not valid YAML: {err}") from None
    except RecursionError:  # the depth guard stops nesting first; this is belt and braces
        raise BadFileError(path, "nested too deeply") from None
    except (ValueError, TypeError, AttributeError, IndexError, KeyError, OverflowError) as err:
        # Belt and braces again: the file is untrusted input and the parser its only gate.
        raise BadFileError(path, f"cannot be read as YAML ({type(err).__name__})") from None


def _column(mark: Mark | None) -> int | None:
    return mark.column + 1 if mark is not None else None


def load_mapping(path: Path, what: str) -> dict[str, Any]:
    """A YAML (or JSON) file holding one mapping; BadFileError naming the file otherwise."""
    data = parse(path, read_text(path))
    if data is None:
        raise BadFileError(path, f"empty: it must hold one {what}")
    if not isinstance(data, dict):
        raise BadFileError(path, f"must hold one {what}, not a {_kind(data)}")
    return data


def load_model(path: Path, model: type[M], what: str) -> M:
    """The file's one mapping validated as `model`; BadFileError naming the file and fields."""
    data = load_mapping(path, what)
    try:
        return model.model_validate(data)
    except ValidationError as err:
        problems = validation_problems(err)
        raise BadFileError(path, f"invalid {what.split(' (')[0]}: " + "; ".join(problems)) from None


def _kind(data: Any) -> str:
    return {list: "list", str: "string", int: "number", float: "number", bool: "boolean"}.get(
        type(data), type(data).__name__
    )
