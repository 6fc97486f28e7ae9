"""The console's campaign tools wired: the budget, the synced copy, the broadcast function."""

from __future__ import annotations

from typing import Any

from wxengage.console.campaign_tools import CampaignTools, RequestFailedError
from wxengage.settings import Settings
from wxengage.store.broadcast_requests import (
    BroadcastFunction,
    BroadcastRequestError,
    NoBroadcastFunctionError,
)
from wxengage.store.catalog import CatalogStore
from wxengage.store.mass_budget import MassBudgetStore


class BroadcastRequests:
    """Preview and offline requests, run in the broadcast function (WeChat's whitelisted IP)."""

    def __init__(self, settings: Settings) -> None:
        self._function = BroadcastFunction(settings)

    def run(self, payload: dict[str, Any]) -> dict[str, Any]:
        try:
            return self._function.run(payload)
        except BroadcastRequestError as err:
            raise RequestFailedError(err.error_type, err.message) from err
        except NoBroadcastFunctionError as err:
            raise RequestFailedError("NoBroadcastFunction", str(err)) from err


def campaign_tools(settings: Settings) -> CampaignTools:
    """The plan's budget and synced counts, and the broadcast function for WeChat requests."""
    return CampaignTools(
        budget=MassBudgetStore(settings),
        requests=BroadcastRequests(settings),
        catalog=CatalogStore(settings),
    )
