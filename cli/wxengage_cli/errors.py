"""The CLI's one error path: an expected failure becomes a clear message and exit status 1.

Commands raise the domain's typed errors and never catch them; the root group explains them
here. Anything not listed is a bug and keeps its traceback.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError
from pydantic import ValidationError

from wxengage.accounts import AccountNotFoundError
from wxengage.broadcast.budget import AccountTypeError
from wxengage.broadcast.operations import CampaignStateError
from wxengage.broadcast.schedule import ScheduleError
from wxengage.broadcast.state import CampaignNotFoundError
from wxengage.errors import ConflictError
from wxengage.recall.rules import PlanCapError, RuleNotFoundError
from wxengage.store.executions import ExecutionError


class StackNotFoundError(LookupError):
    """The CloudFormation stack the CLI was pointed at does not exist."""

    def __init__(self, stack: str) -> None:
        super().__init__(
            f"stack {stack!r} not found: deploy it (sam deploy) or start the local "
            "stack (wxengage local up) and export the AWS_ENDPOINT_URL it prints"
        )


class BadFileError(ValueError):
    """A rule or campaign file that cannot be read as one mapping: the file, the line, why."""

    def __init__(
        self, path: Path, problem: str, *, line: int | None = None, column: int | None = None
    ) -> None:
        where = f", line {line}" if line is not None else ""
        where += f", column {column}" if line is not None and column is not None else ""
        one_line = " ".join(problem.split())
        super().__init__(f"{path}{where}: {one_line}; nothing was written")


# Their own message already says what is wrong and what to do instead.
SELF_EXPLAINED: tuple[type[Exception], ...] = (
    StackNotFoundError,
    BadFileError,
    AccountNotFoundError,
    FileExistsError,  # an account registered twice without --replace
    RuleNotFoundError,
    PlanCapError,
    CampaignNotFoundError,
    CampaignStateError,
    ScheduleError,
    AccountTypeError,
    ExecutionError,
    OSError,  # the machine refused: a port in use, a file not readable
)

# Conditional writes that can lose a race are the campaign's (the engine updates it too).
CONFLICT = (
    "the campaign changed while this command ran (another operator, or the engine): "
    "nothing was changed; look at `campaign status` and try again"
)

NO_CREDENTIALS = (
    "no AWS credentials: configure a profile, or for the local stack export the "
    "variables `wxengage local up` prints"
)


def validation_problems(err: ValidationError) -> list[str]:
    """`field: problem` for each problem, never echoing the input (it may be secret)."""
    lines = []
    for e in err.errors(include_input=False, include_url=False):
        where = ".".join(str(p) for p in e["loc"]) or "input"
        lines.append(f"{where}: {e['msg']}")
    return lines


def describe_validation(err: ValidationError) -> str:
    """One line per problem, naming the field and never echoing the input (it may be secret)."""
    return "invalid input:\n  " + "\n  ".join(validation_problems(err))


def explain(err: Exception) -> str | None:
    """What an expected failure prints after "Error: ", or None for a bug."""
    if isinstance(err, ValidationError):
        return describe_validation(err)
    if isinstance(err, ConflictError):
        return CONFLICT
    if isinstance(err, NoCredentialsError):
        return NO_CREDENTIALS
    if isinstance(err, (ClientError, BotoCoreError)):
        return f"AWS call failed: {err}"
    if isinstance(err, SELF_EXPLAINED):
        return str(err)
    return None


class FriendlyGroup(click.Group):
    """The root group: every command's expected failure ends here as one clear message."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.ClickException:
            raise  # already a message for the operator
        except Exception as err:
            message = explain(err)
            if message is None:
                raise
            raise click.ClickException(message) from None
