"""moto with the template's own resources, made cheap: what every deploy repeats is done once.

Imported only by fixtures that use moto, so `pytest tests/unit` never loads moto or boto3.
"""

from __future__ import annotations

import functools
import json
import pickle
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import botocore.loaders
import botocore.session
import moto.kms.models
import pytest
from moto.cloudformation.models import Stack as MotoStack
from moto.kms.utils import generate_private_key

from wxengage_local import template as local_template


class _SearchPaths(list[str]):
    """A loader's search paths; every boto3 Session appends boto3's data folder once more."""

    def append(self, path: str) -> None:
        if path not in self:
            super().append(path)


@functools.cache
def _shared_loader(data_path: str | None) -> botocore.loaders.Loader:
    loader = botocore.loaders.create_loader(data_path)
    loader._search_paths = _SearchPaths(loader.search_paths)
    return loader


def _pickled_memo(fn: Callable[..., Any], key: Callable[..., Any]) -> Callable[..., Any]:
    """`fn`, computed once per distinct `key(*args)`; each caller gets its own (unpickled) copy."""
    results: dict[Any, bytes] = {}

    def wrapper(*args: Any) -> Any:
        k = key(*args)
        if k not in results:
            results[k] = pickle.dumps(fn(*args))
        return pickle.loads(results[k])  # noqa: S301 (our own bytes, from this process)

    return wrapper


def _json_first(parse: Callable[[str], dict[str, Any]]) -> Callable[[str], dict[str, Any]]:
    def parse_template(template: str) -> dict[str, Any]:
        try:
            parsed: dict[str, Any] = json.loads(template)
        except ValueError:
            return parse(template)
        return parsed

    return parse_template


@contextmanager
def fast_process() -> Iterator[None]:
    """Work every test repeated and that gives the same answer each time, done once per process.

    Each test still gets a fresh `mock_aws()` with the template deployed into it; these only
    spare the CPU: botocore re-reading its JSON service models for each new Session (the code
    builds one per client), the template's YAML and its SAM transform for each deploy, moto's
    pure-Python YAML parser reading the JSON template we hand it, and an RSA key per KMS key."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(botocore.session, "create_loader", _shared_loader)
        mp.setattr(local_template, "yaml_parse", _pickled_memo(local_template.yaml_parse, str))
        mp.setattr(
            local_template,
            "transform",
            _pickled_memo(
                local_template.transform,
                lambda doc, params=None, region="us-east-1": (
                    pickle.dumps(doc),
                    tuple(sorted((params or {}).items())),
                    region,
                ),
            ),
        )
        mp.setattr(MotoStack, "parse_template", staticmethod(_json_first(MotoStack.parse_template)))
        mp.setattr(moto.kms.models, "generate_private_key", functools.cache(generate_private_key))
        yield
