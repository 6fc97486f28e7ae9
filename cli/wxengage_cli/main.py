"""Entry point of the `wxengage` command."""

from __future__ import annotations

import click

from wxengage_cli.accounts import accounts
from wxengage_cli.campaign import campaign
from wxengage_cli.context import CliContext, FriendlyGroup, follow_local_clock
from wxengage_cli.followers import followers
from wxengage_cli.local import local
from wxengage_cli.recall import recall
from wxengage_cli.rules import rules
from wxengage_cli.sandbox import sandbox
from wxengage_cli.sandbox_mass import masses  # noqa: F401 - registers the mass-send commands
from wxengage_cli.status import status


@click.group(cls=FriendlyGroup)
@click.option(
    "--stack",
    default="wxengage",
    show_default=True,
    envvar="WXENGAGE_STACK",
    help="CloudFormation stack whose outputs name the tables (env WXENGAGE_STACK).",
)
@click.version_option(package_name="wxengage")
@click.pass_context
def cli(ctx: click.Context, stack: str) -> None:
    """Operate wxengage: accounts, followers, recall rules, campaigns, the local stack and its sandbox.

    AWS is reached the way boto3 always does (profile, AWS_REGION, AWS_ENDPOINT_URL), so the
    same commands work against a deployed stack and against `wxengage local up`.
    """
    ctx.obj = CliContext(stack=stack)
    follow_local_clock()


cli.add_command(accounts)
cli.add_command(campaign)
cli.add_command(followers)
cli.add_command(local)
cli.add_command(rules)
cli.add_command(recall)
cli.add_command(sandbox)
cli.add_command(status)
