"""What every command gets: the stack (its CloudFormation outputs), the local clock, YAML files."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click
from botocore.exceptions import ClientError

from wxengage import clock
from wxengage.settings import Settings
from wxengage.store.aws import client
from wxengage_cli.errors import StackNotFoundError

if TYPE_CHECKING:
    from pydantic import BaseModel

M = TypeVar("M", bound="BaseModel")


@dataclass
class CliContext:
    """What every command gets: the stack name and, on first use, its settings."""

    stack: str
    _settings: Settings | None = field(default=None, repr=False)

    def outputs(self) -> dict[str, str]:
        """The CloudFormation stack's outputs."""
        try:
            stacks = client("cloudformation").describe_stacks(StackName=self.stack)["Stacks"]
        except ClientError as err:
            if "does not exist" in str(err):  # CloudFormation's only sign of a missing stack
                raise StackNotFoundError(self.stack) from None
            raise
        return {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", [])}

    @property
    def settings(self) -> Settings:
        """Settings built from the stack outputs, so the CLI and the Lambdas agree."""
        if self._settings is None:
            self._settings = Settings.from_stack_outputs(self.outputs())
        return self._settings


pass_ctx = click.make_pass_decorator(CliContext)


def follow_local_clock() -> None:
    """Against the local stack, read "now" from its sandbox: under --warp its clock leaps ahead.

    Without WXENGAGE_SANDBOX_URL (a deployed stack) the system clock stays.
    """
    url = os.environ.get("WXENGAGE_SANDBOX_URL")
    if not url:
        return
    import requests  # only the local stack pays for it

    try:
        remote = float(requests.get(f"{url.rstrip('/')}/_sandbox/clock", timeout=2).json()["now"])
    except (requests.RequestException, ValueError, KeyError, TypeError):
        return  # an older sandbox or none running: the commands that need it will say so
    offset = remote - time.time()
    if abs(offset) > 1:  # the same clock anyway: leave the system clock in place
        clock.set_source(lambda: time.time() + offset)


def load_mapping(path: Path, what: str) -> dict[str, Any]:
    """A YAML (or JSON) file holding one mapping; BadFileError naming the file and line otherwise."""
    from wxengage_cli import files  # only the commands that read files pay for YAML

    return files.load_mapping(path, what)


def load_model(path: Path, model: type[M], what: str) -> M:
    """The file's one mapping validated as `model`; one line naming the file and fields otherwise."""
    from wxengage_cli import files

    return files.load_model(path, model, what)
