"""Shared fixtures: moto with the template's own resources, and a clock the tests control."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import reset_services
from wxengage import clock
from wxengage.settings import Settings, get_settings

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "template.yaml"


@pytest.fixture(autouse=True, scope="session")
def _fast_process(request: pytest.FixtureRequest) -> Iterator[None]:
    """moto's per-deploy work done once per process (tests/support/moto_stack.py).

    Skipped when every collected test is a unit test: those never load moto or boto3.
    """
    unit = Path(__file__).resolve().parent / "unit"
    if all(unit in Path(item.path).parents for item in request.session.items):
        yield
        return
    from tests.support.moto_stack import fast_process

    with fast_process():
        yield


def _reset_process_caches() -> None:
    from aws_lambda_powertools.utilities import parameters

    from wxengage.store.aws import reset_clients

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
    import boto3
    from moto import mock_aws

    from wxengage_local.aws import deploy

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
