"""Entry point of the `wxengage` command: the root group and, in one place, every command."""

from __future__ import annotations

import click

from wxengage_cli import (
    accounts,
    campaign,
    campaign_content,
    campaign_estimate,
    campaign_resume,
    campaign_run,
    catalog,
    followers,
    local,
    recall,
    rules,
    rules_stats,
    sandbox,
    sandbox_catalog,
    sandbox_faults,
    sandbox_followers,
    sandbox_mass,
    status,
)
from wxengage_cli.context import CliContext, follow_local_clock
from wxengage_cli.errors import FriendlyGroup


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


def _with(group: click.Group, *commands: click.Command) -> click.Group:
    """The group with the commands its sibling modules define added to it."""
    for command in commands:
        group.add_command(command)
    return group


for _command in (
    accounts.accounts,
    _with(campaign.campaign, *campaign_run.COMMANDS, *campaign_content.COMMANDS),
    followers.followers,
    local.local,
    _with(rules.rules, *rules_stats.COMMANDS),
    recall.recall,
    _with(
        sandbox.sandbox,
        *sandbox_followers.COMMANDS,
        *sandbox_faults.COMMANDS,
        *sandbox_mass.COMMANDS,
        *sandbox_catalog.COMMANDS,
    ),
    status.status,
    *catalog.COMMANDS,
):
    cli.add_command(_command)
_with(campaign.campaign, *campaign_resume.COMMANDS)  # its own module: failed runs, resumed
_with(campaign.campaign, *campaign_estimate.COMMANDS)  # the designer's estimate, from the CLI

if __name__ == "__main__":  # `python -m wxengage_cli.main`, the demo's fallback
    cli()
