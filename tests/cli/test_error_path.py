"""The CLI's one error path: every expected failure is one clear message, exit 1, no traceback."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, NoCredentialsError
from click.testing import CliRunner, Result
from pydantic import ValidationError

from tests.support.callbacks import APP_ID
from wxengage.accounts import AccountNotFoundError, AccountSettings
from wxengage.broadcast.operations import CampaignStateError
from wxengage.broadcast.schedule import ScheduleError
from wxengage.broadcast.state import CampaignNotFoundError
from wxengage.errors import ConflictError
from wxengage.recall.rules import PlanCapError, RuleNotFoundError
from wxengage.store.executions import ExecutionError
from wxengage_cli.context import CliContext
from wxengage_cli.errors import StackNotFoundError
from wxengage_cli.main import cli


def _validation_error() -> ValidationError:
    try:
        AccountSettings.model_validate({"app_id": "not-an-appid"})
    except ValidationError as err:
        return err
    raise AssertionError("the AppID should have been refused")


FAMILIES: list[tuple[Exception, str]] = [
    (
        _validation_error(),
        "invalid input:\n  app_id: String should match pattern '^wx[0-9A-Za-z]{16}$'",
    ),
    (AccountNotFoundError(APP_ID), f"no account '{APP_ID}' is registered"),
    (
        FileExistsError(f"account {APP_ID} already exists (use --replace to overwrite)"),
        f"account {APP_ID} already exists (use --replace to overwrite)",
    ),
    (RuleNotFoundError(APP_ID, "ghost"), f"no rule 'ghost' for account {APP_ID}"),
    (
        PlanCapError("the professional plan allows 1 enabled rule"),
        "the professional plan allows 1 enabled rule",
    ),
    (CampaignNotFoundError("no campaign c1 for account"), "no campaign c1 for account"),
    (CampaignStateError("only drafts can be edited"), "only drafts can be edited"),
    (
        ScheduleError("variants must be at least 1 hour ahead"),
        "variants must be at least 1 hour ahead",
    ),
    (
        ExecutionError("an execution named c1-r1 already exists"),
        "an execution named c1-r1 already exists",
    ),
    (
        ConflictError("Campaign c1 changed"),
        "the campaign changed while this command ran (another operator, or the engine): "
        "nothing was changed; look at `campaign status` and try again",
    ),
    (
        NoCredentialsError(),
        "no AWS credentials: configure a profile, or for the local stack export the "
        "variables `wxengage local up` prints",
    ),
    (
        ClientError({"Error": {"Code": "AccessDenied", "Message": "not you"}}, "GetItem"),
        "AWS call failed: An error occurred (AccessDenied) when calling the GetItem operation: not you",
    ),
    (
        EndpointConnectionError(endpoint_url="http://127.0.0.1:4566/"),
        'AWS call failed: Could not connect to the endpoint URL: "http://127.0.0.1:4566/"',
    ),
    (
        StackNotFoundError("nope"),
        "stack 'nope' not found: deploy it (sam deploy) or start the local stack "
        "(wxengage local up) and export the AWS_ENDPOINT_URL it prints",
    ),
    (OSError(98, "Address already in use"), "[Errno 98] Address already in use"),
]


def failing_stack(monkeypatch: pytest.MonkeyPatch, err: BaseException) -> None:
    """Reading the stack raises `err`, inside whichever command asks for its settings."""

    def outputs(self: CliContext) -> dict[str, str]:
        raise err

    monkeypatch.delenv("WXENGAGE_SANDBOX_URL", raising=False)
    monkeypatch.setattr(CliContext, "outputs", outputs)


def run(*args: str) -> Result:
    # catch_exceptions=False: an error the path does not explain escapes into the test.
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.mark.parametrize(
    ("err", "message"), FAMILIES, ids=[type(err).__name__ for err, _ in FAMILIES]
)
def test_each_error_family_is_one_clear_message_and_exit_1(
    monkeypatch: pytest.MonkeyPatch, err: Exception, message: str
) -> None:
    # Given a command whose work fails with one of the errors an operator can meet
    failing_stack(monkeypatch, err)
    # When it runs
    result = run("accounts", "list")
    # Then stderr holds the message alone, stdout nothing, and the status is 1
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", f"Error: {message}\n")
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    "args",
    [
        ["rules", "enable", "--app-id", APP_ID, "--name", "r"],
        ["campaign", "start", "--app-id", APP_ID, "--campaign", "c1"],
        ["campaign", "preview", "--app-id", APP_ID, "--campaign", "c1", "--to", "o-1"],
        ["followers", "show", "--app-id", APP_ID, "--openid", "o-1"],
        ["recall", "sweep"],
        ["status"],
    ],
)
def test_every_group_takes_the_same_path(monkeypatch: pytest.MonkeyPatch, args: list[str]) -> None:
    # Given any command, wherever its module registers it
    failing_stack(monkeypatch, CampaignStateError("cancelled campaigns cannot start"))
    # When its work fails
    result = run(*args)
    # Then the root group explains it the same way
    assert (result.exit_code, result.stderr) == (1, "Error: cancelled campaigns cannot start\n")


def test_a_bug_keeps_its_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a failure nobody expects (a programming error)
    failing_stack(monkeypatch, KeyError("Outputs"))
    # When a command meets it / Then it is not dressed up as an operator's mistake
    with pytest.raises(KeyError):
        run("accounts", "list")
