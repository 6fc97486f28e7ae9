"""`wxengage accounts`: register official accounts; credentials go to Secrets Manager only."""

from __future__ import annotations

import json

import click

from wxengage.account_edits import SettingsEdit
from wxengage.accounts import (
    Account,
    AccountSecrets,
    AccountSettings,
    AccountType,
    MessageMode,
    Plan,
)
from wxengage.store.accounts import AccountStore
from wxengage.wiring.accounts import AccountChanges
from wxengage_cli.changes import applies_json
from wxengage_cli.context import CliContext, pass_ctx
from wxengage_cli.options import app_id_option


@click.group()
def accounts() -> None:
    """Register, list, show and remove official accounts."""


@accounts.command("add")
@app_id_option("The account's AppID, wx + 16 characters")
@click.option(
    "--token",
    envvar="WXENGAGE_TOKEN",
    help="The callback Token from the WeChat console (env WXENGAGE_TOKEN; prompted if omitted).",
    hide_input=True,
    prompt=True,
    show_default=False,
)
@click.option(
    "--aes-key",
    envvar="WXENGAGE_AES_KEY",
    default="",
    help="EncodingAESKey, 43 characters (env WXENGAGE_AES_KEY; prompted if omitted; empty for plaintext mode).",
    hide_input=True,
    prompt=True,
    show_default=False,
)
@click.option(
    "--app-secret",
    envvar="WXENGAGE_APP_SECRET",
    help="AppSecret (env WXENGAGE_APP_SECRET; prompted if omitted).",
    hide_input=True,
    prompt=True,
    show_default=False,
)
@click.option(
    "--mode", type=click.Choice([m.value for m in MessageMode]), default="safe", show_default=True
)
@click.option(
    "--type",
    "type_",
    type=click.Choice([t.value for t in AccountType]),
    default="service",
    show_default=True,
    help="Service account or subscription account.",
)
@click.option(
    "--plan", type=click.Choice([p.value for p in Plan]), default="professional", show_default=True
)
@click.option(
    "--timezone",
    default="Asia/Shanghai",
    show_default=True,
    help="IANA time zone for quiet hours and stats.",
)
@click.option(
    "--freshness-seconds",
    type=int,
    default=300,
    show_default=True,
    help="Refuse callbacks whose timestamp is further from now than this; 0 disables.",
)
@click.option("--replace", is_flag=True, help="Overwrite an existing account with the same AppID.")
@pass_ctx
def add(
    ctx: CliContext,
    app_id: str,
    token: str,
    aes_key: str,
    app_secret: str,
    mode: str,
    type_: str,
    plan: str,
    timezone: str,
    freshness_seconds: int,
    replace: bool,
) -> None:
    """Register an account (validated first; nothing is written if anything is wrong)."""
    account = Account(
        settings=AccountSettings(
            app_id=app_id,
            mode=MessageMode(mode),
            type=AccountType(type_),
            plan=Plan(plan),
            timezone=timezone,
            freshness_seconds=freshness_seconds,
        ),
        secrets=AccountSecrets.model_validate(
            {"token": token, "aes_key": aes_key or None, "app_secret": app_secret}
        ),
    )
    # Rules outlive a removed account: registering it again must not bypass the plan's cap.
    AccountChanges(ctx.settings).add(account, replace=replace)
    click.echo(
        f"account {app_id} registered ({mode} mode, {type_}, {plan}, {timezone}); "
        "credentials stored in Secrets Manager"
    )


@accounts.command("set")
@app_id_option()
@click.option("--mode", type=click.Choice([m.value for m in MessageMode]))
@click.option("--type", "type_", type=click.Choice([t.value for t in AccountType]))
@click.option("--plan", type=click.Choice([p.value for p in Plan]))
@click.option("--timezone", help="IANA time zone.")
@click.option("--freshness-seconds", type=int)
@click.option(
    "--quiet-hours", help="Daily quiet span HH:MM-HH:MM in the account's time zone, or 'none'."
)
@click.option(
    "--safety-margin-minutes", type=int, help="Never send a recall this close to the window's end."
)
@click.option("--reserve-messages", type=int, help="Window messages kept for human agents.")
@click.option("--recalls-per-window", type=int, help="Recalls allowed per follower window.")
@click.option(
    "--cooldown-days", type=float, help="Days between recalls of the same follower; 0 turns it off."
)
@click.option(
    "--mass-calls-per-day",
    type=int,
    help="Mass-send calls a day shared by every campaign (WeChat's default: 100).",
)
@click.option(
    "--mass-calls-per-minute",
    type=int,
    help="Mass-send calls a minute shared by every campaign (WeChat's limit: 60).",
)
@pass_ctx
def set_(
    ctx: CliContext,
    app_id: str,
    mode: str | None,
    type_: str | None,
    plan: str | None,
    timezone: str | None,
    freshness_seconds: int | None,
    quiet_hours: str | None,
    safety_margin_minutes: int | None,
    reserve_messages: int | None,
    recalls_per_window: int | None,
    cooldown_days: float | None,
    mass_calls_per_day: int | None,
    mass_calls_per_minute: int | None,
) -> None:
    """Change an account's settings (validated first; credentials are not touched)."""
    given: dict[str, object] = {
        "mode": mode,
        "type": type_,
        "plan": plan,
        "timezone": timezone,
        "freshness_seconds": freshness_seconds,
        "safety_margin_minutes": safety_margin_minutes,
        "reserve_messages": reserve_messages,
        "recalls_per_window": recalls_per_window,
        "cooldown_days": cooldown_days,
        "mass_calls_per_day": mass_calls_per_day,
        "mass_calls_per_minute": mass_calls_per_minute,
    }
    fields = {k: v for k, v in given.items() if v is not None}
    if quiet_hours is not None:
        fields["quiet_hours"] = _quiet_hours(quiet_hours)
    # The same edit the console's accounts page sends (wxengage.account_edits).
    updated, change = AccountChanges(ctx.settings).update(
        app_id, SettingsEdit.model_validate(fields)
    )
    # The settings as JSON (scripts read them), plus from when they apply and what moved.
    click.echo(
        json.dumps(updated.model_dump(mode="json") | applies_json(change, updated), indent=2)
    )


def _quiet_hours(text: str) -> dict[str, str] | None:
    if text.strip().lower() == "none":
        return None
    start, sep, end = text.partition("-")
    if not sep:
        raise click.BadParameter(
            "use HH:MM-HH:MM, for example 22:00-08:00, or 'none'", param_hint="--quiet-hours"
        )
    return {"start": start.strip(), "end": end.strip()}


@accounts.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@pass_ctx
def list_(ctx: CliContext, as_json: bool) -> None:
    """List registered accounts (never their credentials)."""
    rows = AccountStore(ctx.settings).list_settings()
    if as_json:
        click.echo(json.dumps([r.model_dump(mode="json") for r in rows], indent=2))
        return
    if not rows:
        click.echo("no accounts registered (add one with: wxengage accounts add --app-id ...)")
        return
    click.echo(f"{'APP ID':<20} {'MODE':<11} {'TYPE':<13} {'PLAN':<13} TIMEZONE")
    for r in rows:
        click.echo(
            f"{r.app_id:<20} {r.mode.value:<11} {r.type.value:<13} {r.plan.value:<13} {r.timezone}"
        )


@accounts.command("show")
@app_id_option()
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@pass_ctx
def show(ctx: CliContext, app_id: str, as_json: bool) -> None:
    """Show one account's settings; credentials are shown only as present or absent."""
    store = AccountStore(ctx.settings)
    settings = store.read_settings(app_id)
    secrets = store.get_secrets(app_id)
    data = settings.model_dump(mode="json") | {
        "credentials": {
            "token": "set",
            "aes_key": "set" if secrets.aes_key else "absent",
            "app_secret": "set",
        }
    }
    if as_json:
        click.echo(json.dumps(data, indent=2))
        return
    for key, value in data.items():
        click.echo(f"{key:<18} {value}")


@accounts.command("remove")
@app_id_option()
@click.confirmation_option(prompt="Remove this account? Its webhook will answer 404 at once.")
@pass_ctx
def remove(ctx: CliContext, app_id: str) -> None:
    """Remove an account: the webhook stops accepting its callbacks; credentials are scheduled for deletion."""
    AccountStore(ctx.settings).remove(app_id)
    click.echo(
        f"account {app_id} removed (credentials deleted after Secrets Manager's 7-day recovery window)"
    )
