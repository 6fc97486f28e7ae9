"""One DynamoDB mapping: pydantic models to low-level items and back, and the one conflict error."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from decimal import Decimal
from enum import Enum
from typing import Any, TypeVar

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError
from pydantic import BaseModel, SecretStr

from wxengage.errors import ConflictError

# The low-level client's shapes: {"S": "..."}, {"N": "..."}, {"BOOL": true}, ...
AttributeValue = dict[str, Any]
Item = dict[str, AttributeValue]
M = TypeVar("M", bound=BaseModel)

_SERIALIZER = TypeSerializer()
_DESERIALIZER = TypeDeserializer()


def to_item(model: BaseModel, *, sparse: Collection[str] = (), **attributes: Any) -> Item:
    """Every field of `model` as an attribute, then `attributes` (keys, TTL, index keys,
    overrides) on top. A field holding None is left out, and so is a `sparse` field while
    it is falsy (items written before never had it). A nested model is stored as its JSON."""
    values = {
        name: getattr(model, name)
        for name in type(model).model_fields
        if not (name in sparse and not getattr(model, name))
    }
    return to_attributes(values | attributes)


def from_item(
    model: type[M], item: Mapping[str, AttributeValue], context: dict[str, Any] | None = None
) -> M:
    """The model read back from an item: its fields only (keys, TTL and index attributes
    are ignored), numbers as int or float, a nested model parsed from its JSON; `context`
    reaches the model's validators."""
    values: dict[str, Any] = {}
    for name, field in model.model_fields.items():
        if name not in item:
            continue
        value = _plain(_DESERIALIZER.deserialize(item[name]))
        kind = field.annotation
        if isinstance(value, str) and isinstance(kind, type) and issubclass(kind, BaseModel):
            value = kind.model_validate_json(value, context=context)
        values[name] = value
    return model.model_validate(values, context=context)


def to_attributes(values: Mapping[str, Any]) -> Item:
    """Plain values as attributes (None left out): a key, or a few attributes of an update."""
    return {name: serialize(value) for name, value in values.items() if value is not None}


def key(**values: Any) -> Item:
    """An item's key, e.g. key(app_id="wx...", openid="o-...")."""
    return to_attributes(values)


def expression_values(**values: Any) -> Item:
    """ExpressionAttributeValues with their colons: expression_values(v=3) == {":v": {"N": "3"}}."""
    return {f":{name}": serialize(value) for name, value in values.items()}


def serialize(value: Any) -> AttributeValue:
    """One value as an attribute: a model as its JSON document, enums by value, secrets
    revealed, floats as exact decimals; the rest as boto3's TypeSerializer maps it."""
    result: AttributeValue = _SERIALIZER.serialize(_storable(value))
    return result


def _storable(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump_json()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, float):
        return Decimal(repr(value))  # the shortest exact text: 0.1 stays "0.1"
    if isinstance(value, list | tuple):
        return [_storable(v) for v in value]
    if isinstance(value, dict):
        return {k: _storable(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        return {_storable(v) for v in value}
    return value


def deserialize(value: AttributeValue) -> Any:
    """One attribute as a plain value (numbers as int or float)."""
    return _plain(_DESERIALIZER.deserialize(value))


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, set):
        return {_plain(v) for v in value}
    return value


def _is_conflict(err: ClientError) -> bool:
    """A conditional check failed, alone or inside a cancelled transaction."""
    code = err.response.get("Error", {}).get("Code")
    if code == "ConditionalCheckFailedException":
        return True
    if code == "TransactionCanceledException":
        reasons = err.response.get("CancellationReasons", [])
        return any(r.get("Code") == "ConditionalCheckFailed" for r in reasons)
    return False


@contextmanager
def conditional(what: str) -> Iterator[None]:
    """Turn a failed condition inside the block into ConflictError(`what`); other errors pass."""
    try:
        yield
    except ClientError as err:
        if _is_conflict(err):
            raise ConflictError(what) from None
        raise
