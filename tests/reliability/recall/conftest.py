"""The recall world (real Lambdas on moto, WeChat in memory) for the reliability tests."""

from tests.recall.conftest import world  # noqa: F401 - the fixture, shared as is
