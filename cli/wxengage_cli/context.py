"""How the CLI finds the stack (CloudFormation outputs) and turns failures into clear messages."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError
from pydantic import ValidationError

from wxengage import clock
from wxengage.accounts import AccountNotFoundError
from wxengage.settings import Settings
from wxengage.store.aws import client


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
            if "does not exist" in str(err):
                raise click.ClickException(
                    f"stack {self.stack!r} not found: deploy it (sam deploy) or start the local "
                    "stack (wxengage local up) and export the AWS_ENDPOINT_URL it prints"
                ) from None
            raise
        return {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", [])}

    @property
    def settings(self) -> Settings:
        """Settings built from the stack outputs, so the CLI and the Lambdas agree."""
        if self._settings is None:
            self._settings = Settings.from_stack_outputs(self.outputs())
        return self._settings


pass_ctx = click.make_pass_decorator(CliContext)


def describe_validation(err: ValidationError) -> str:
    """One line per problem, naming the field and never echoing the input (it may be secret)."""
    lines = []
    for e in err.errors(include_input=False, include_url=False):
        where = ".".join(str(p) for p in e["loc"]) or "input"
        lines.append(f"{where}: {e['msg']}")
    return "invalid input:\n  " + "\n  ".join(lines)


class FriendlyGroup(click.Group):
    """A group that turns expected failures into one clear line and exit status 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ValidationError as err:
            raise click.ClickException(describe_validation(err)) from None
        except AccountNotFoundError as err:
            raise click.ClickException(str(err)) from None
        except NoCredentialsError:
            raise click.ClickException(
                "no AWS credentials: configure a profile, or for the local stack export the "
                "variables `wxengage local up` prints"
            ) from None
        except (ClientError, BotoCoreError) as err:
            raise click.ClickException(f"AWS call failed: {err}") from None


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
    """A YAML (or JSON) file holding one mapping; a clear error names the file otherwise."""
    import yaml  # only the commands that read files pay for it

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise click.ClickException(f"{path} is not valid YAML: {err}") from None
    if not isinstance(data, dict):
        raise click.ClickException(f"{path} must hold one {what}")
    return data
