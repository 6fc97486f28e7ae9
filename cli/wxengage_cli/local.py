"""`wxengage local up`: the whole stack on this machine, no Docker and no AWS account."""

from __future__ import annotations

import faulthandler
import signal
import threading
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from wxengage_local.runner import LocalRun

READY_LINE = "wxengage local stack is up"


def default_template() -> Path:
    """template.yaml in the current folder, else the one of the checkout this CLI runs from."""
    here = Path.cwd() / "template.yaml"
    if here.exists():
        return here
    return Path(__file__).resolve().parents[2] / "template.yaml"


@click.group()
def local() -> None:
    """Run wxengage locally: moto as AWS, an HTTP gateway, the schedules and a WeChat sandbox."""


@local.command("up")
@click.option(
    "--port", default=3000, show_default=True, help="Port of the HTTP gateway (the webhook)."
)
@click.option(
    "--aws-port", default=4566, show_default=True, help="Port of the embedded AWS (moto server)."
)
@click.option("--sandbox-port", default=3100, show_default=True, help="Port of the WeChat sandbox.")
@click.option(
    "--speed",
    default=1.0,
    show_default=True,
    type=click.FloatRange(min=1.0),
    help="Run schedules this many times faster (60 = one minute per second).",
)
@click.option(
    "--warp",
    is_flag=True,
    help=(
        "Run on a virtual clock shared by the engine, the sandbox, the schedules and the state "
        "machine's waits and retries: whenever nothing is running it leaps to the next thing "
        "due (a Wait, a retry, the sweep of the next recall due), so a two-day A/B campaign or "
        "a recall due in two days plays in seconds. `wxengage local pause|resume` steer it."
    ),
)
@click.option(
    "--paused",
    is_flag=True,
    help=(
        "With --warp: start with leaps paused (time flows at wall speed) until "
        "`wxengage local resume`, to set up several campaigns first."
    ),
)
@click.option(
    "--template",
    "template_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="The SAM template to deploy (default: ./template.yaml).",
)
@click.option(
    "--console-user",
    "console_users",
    multiple=True,
    metavar="NAME=ROLE:ACCOUNTS",
    help=(
        "Another console user (role viewer, operator or admin; accounts comma-separated app "
        "ids or *), e.g. li=viewer:wx0123456789abcdef; its password is printed. Repeatable."
    ),
)
@click.pass_obj
def up(
    obj: object,
    port: int,
    aws_port: int,
    sandbox_port: int,
    speed: float,
    warp: bool,
    paused: bool,
    template_path: Path | None,
    console_users: tuple[str, ...],
) -> None:
    """Start the local stack in the foreground; Ctrl-C stops it and leaves nothing running."""
    from wxengage_local.runner import LocalRun  # the local extras are imported only here

    stack_name = getattr(obj, "stack", "wxengage")
    run = LocalRun(
        template_path or default_template(),
        port=port,
        aws_port=aws_port,
        sandbox_port=sandbox_port,
        stack_name=stack_name,
        speed=speed,
        warp=warp,
        paused=paused,
    )
    if paused and not warp:
        raise click.UsageError("--paused steers the virtual clock: use it with --warp")
    users = parse_console_users(console_users)
    stop = threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    # `kill -USR1 <pid>` prints every thread's stack to stderr: what is a stuck stack doing?
    faulthandler.register(signal.SIGUSR1, all_threads=True)
    try:
        run.start()
    except OSError:
        run.stop()  # leave nothing half-started; the root group prints why (a port in use)
        raise
    for line in run.banner():
        click.echo(line)
    for line in console_sign_in(run, users):
        click.echo(line)
    click.echo(READY_LINE, nl=True)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        run.stop()
        click.echo("local stack stopped")


def parse_console_users(specs: tuple[str, ...]) -> list[tuple[str, str, str]]:
    """The console users to create: an admin of every account, then each NAME=ROLE:ACCOUNTS."""
    users = [("admin", "admin", "*")]
    for spec in specs:
        name, _, rest = spec.partition("=")
        role, _, accounts = rest.partition(":")
        if not name or role not in ("viewer", "operator", "admin") or not accounts:
            raise click.BadParameter(
                f"{spec!r}: write NAME=ROLE:ACCOUNTS", param_hint="--console-user"
            )
        users.append((name, role, accounts))
    return users


def console_sign_in(run: LocalRun, users: list[tuple[str, str, str]]) -> list[str]:
    """Create the local console users and say where to sign in.

    Each is created in the local user pool (the template's, in moto) with a password made now;
    the sign-in checks it there and the local issuer (wxengage_local.console_auth) mints the
    token. Nothing of the issuer is in the AWS template.
    """
    gateway = run.stack.gateway
    if gateway is None:
        return []
    lines = [f"console          : {run.stack.webhook_base_url}/console  (sign in as:)"]
    for name, role, accounts in users:
        password = gateway.console_auth.issuer.add_user(name, role, accounts)
        lines.append(f"  {name} / {password}  ({role}, accounts {accounts}; local only)")
    return lines


_sandbox_url = click.option(
    "--sandbox-url",
    envvar="WXENGAGE_SANDBOX_URL",
    default="http://127.0.0.1:3100",
    show_default=True,
    help="The running local stack's sandbox (printed by `wxengage local up`).",
)


def _steer(sandbox_url: str, paused: bool | None, as_json: bool) -> None:
    import json

    import requests

    url = f"{sandbox_url.rstrip('/')}/_sandbox/warp"
    try:
        if paused is None:
            resp = requests.get(url, timeout=15)
        else:
            resp = requests.post(url, json={"paused": paused}, timeout=15)
    except requests.ConnectionError:
        raise click.ClickException(
            f"no local stack at {sandbox_url}: start it with `wxengage local up --warp`"
        ) from None
    answer = resp.json()
    if resp.status_code != 200:
        raise click.ClickException(str(answer.get("error", answer)))
    if as_json:
        click.echo(json.dumps(answer, indent=2))
        return
    if not answer["warp"]:
        click.echo(f"wall clock (no --warp): {answer['iso']}")
        return
    state = (
        "paused: no leaps, time flows at wall speed" if answer["paused"] else "leaping when idle"
    )
    nxt = answer.get("next_due") or "nothing waiting"
    click.echo(f"virtual clock {answer['iso']} (UTC), {state}; next due: {nxt}")


_json = click.option("--json", "as_json", is_flag=True, help="Print the answer as JSON.")


@local.command("pause")
@_sandbox_url
@_json
def pause(sandbox_url: str, as_json: bool) -> None:
    """Stop the --warp clock leaping (time flows at wall speed) until `local resume`.

    Pause before creating and starting several campaigns: nothing leaps between your commands.
    """
    _steer(sandbox_url, True, as_json)


@local.command("resume")
@_sandbox_url
@_json
def resume(sandbox_url: str, as_json: bool) -> None:
    """Let the --warp clock leap again whenever nothing is running."""
    _steer(sandbox_url, False, as_json)


@local.command("clock")
@_sandbox_url
@_json
def clock_status(sandbox_url: str, as_json: bool) -> None:
    """The local stack's clock: virtual or not, paused or not, and the next thing due."""
    _steer(sandbox_url, None, as_json)
