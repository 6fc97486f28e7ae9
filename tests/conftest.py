"""Shared fixtures: moto with the template's own resources, and a clock the tests control."""

from __future__ import annotations

import functools
import json
import pickle
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import botocore.loaders
import botocore.session
import moto.kms.models
import pytest
from aws_lambda_powertools.utilities import parameters
from moto import mock_aws
from moto.cloudformation.models import Stack as MotoStack
from moto.kms.utils import generate_private_key

from tests.support import reset_services
from wxengage import clock
from wxengage.settings import Settings, get_settings
from wxengage.store.aws import reset_clients
from wxengage_local import template as local_template
from wxengage_local.aws import deploy

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "template.yaml"


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


@pytest.fixture(autouse=True, scope="session")
def _fast_process() -> Iterator[None]:
    """Work every test repeated and that gives the same answer each time, done once per process.

    Each test still gets a fresh `mock_aws()` with the template deployed into it; these only
    spare the CPU: botocore re-reading its JSON service models for each new Session (the code
    builds one per client), the template's YAML and its SAM transform for each deploy, moto's
    pure-Python YAML parser reading the JSON template we hand it, and an RSA key per KMS key.
    """
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


def _reset_process_caches() -> None:
    get_settings.cache_clear()
    reset_services()
    reset_clients()
    parameters.clear_caches()


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials and no endpoint override, so boto3 talks to moto's in-process mock."""
    for key in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "1")


@pytest.fixture
def stack(aws_env: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """template.yaml deployed into moto (tables, TTL, outputs); env set as the Lambdas get it."""
    with mock_aws():
        _reset_process_caches()
        outputs = deploy(boto3.Session(), TEMPLATE, stack_name="wxengage")
        settings = Settings.from_stack_outputs(outputs)
        for key, value in settings.model_dump().items():
            monkeypatch.setenv(f"WXENGAGE_{key.upper()}", str(value))
        _reset_process_caches()
        yield settings
        _reset_process_caches()


class FakeClock:
    """A settable time source for the one clock."""

    def __init__(self, start: float) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def fake_clock() -> Iterator[FakeClock]:
    """The engine's clock pinned to 2026-11-22T10:00:00Z, movable by the test."""
    fake = FakeClock(1_795_341_600)
    clock.set_source(fake)
    yield fake
    clock.set_source(None)
