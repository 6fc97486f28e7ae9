"""Console Lambda: the operator console's page, static assets, sign-in and JSON API under /console."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from wxengage.console.api import secure
from wxengage.observability import logger
from wxengage.wiring.console import get_console

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

STATIC = Path(__file__).resolve().parent / "static"


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Route the HTTP API event; every answer gets the console's security headers."""
    return secure(get_console(STATIC).resolve(event, context))
