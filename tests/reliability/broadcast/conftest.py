"""The broadcast world (the real state machine, the sandbox, one virtual clock) for reliability."""

from tests.broadcast.conftest import world  # noqa: F401 - the fixture, shared as is
