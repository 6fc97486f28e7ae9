"""In-memory fakes of the broadcast ports: what the engine reads and writes, inspectable by tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, TypeVar

from pydantic import SecretStr

from wxengage.accounts import Account, AccountSecrets, AccountSettings, AccountType, MessageMode
from wxengage.broadcast.state import BatchState, Campaign, CampaignNotFoundError, LegState
from wxengage.errors import ConflictError
from wxengage.mass_jobs import MassJobResult
from wxengage.wechat.api_errors import WeChatApiError
from wxengage.wechat.targets import PreviewTarget

APP_ID = "wx0123456789abcdef"
Doc = TypeVar("Doc", Campaign, LegState, BatchState)


def account(account_type: AccountType = AccountType.SERVICE) -> Account:
    return Account(
        settings=AccountSettings(app_id=APP_ID, mode=MessageMode.PLAINTEXT, type=account_type),
        secrets=AccountSecrets(token="tok123", app_secret=SecretStr("S" * 32)),
    )


class FakeAccounts:
    def __init__(self, account_type: AccountType = AccountType.SERVICE) -> None:
        self.account = account(account_type)

    def get(self, app_id: str) -> Account:
        assert app_id == APP_ID
        return self.account


def _key(doc: Campaign | LegState | BatchState) -> tuple[str, ...]:
    if isinstance(doc, Campaign):
        return (doc.app_id, doc.campaign_id)
    if isinstance(doc, LegState):
        return (doc.app_id, doc.campaign_id, "leg", doc.key)
    return (doc.app_id, doc.campaign_id, "batch", doc.leg, f"{doc.number:05d}")


class FakeCampaigns:
    """Versioned documents: `save` fails on a stale version, as the conditional write does."""

    def __init__(self) -> None:
        self.docs: dict[tuple[str, ...], Campaign | LegState | BatchState] = {}
        self.saves = 0

    def create(self, doc: Doc) -> bool:
        if _key(doc) in self.docs:
            return False
        self.docs[_key(doc)] = doc
        return True

    def save(self, doc: Doc) -> Doc:
        current = self.docs.get(_key(doc))
        if current is None or current.version != doc.version:
            raise ConflictError(f"{type(doc).__name__} {_key(doc)} changed")
        new = type(doc).model_validate(dict(doc) | {"version": doc.version + 1})
        self.docs[_key(doc)] = new
        self.saves += 1
        return new

    def get(self, app_id: str, campaign_id: str) -> Campaign:
        found = self.docs.get((app_id, campaign_id))
        if not isinstance(found, Campaign):
            raise CampaignNotFoundError(f"no campaign {campaign_id}")
        return found

    def all(self, app_id: str) -> list[Campaign]:
        found = [d for d in self.docs.values() if isinstance(d, Campaign) and d.app_id == app_id]
        return sorted(found, key=lambda c: c.created_at)

    def leg(self, app_id: str, campaign_id: str, key: str) -> LegState | None:
        found = self.docs.get((app_id, campaign_id, "leg", key))
        return found if isinstance(found, LegState) else None

    def legs(self, app_id: str, campaign_id: str) -> list[LegState]:
        return [
            d
            for k, d in sorted(self.docs.items())
            if isinstance(d, LegState) and k[:2] == (app_id, campaign_id)
        ]

    def batches(self, app_id: str, campaign_id: str, leg: str) -> list[BatchState]:
        return [
            d
            for k, d in sorted(self.docs.items())
            if isinstance(d, BatchState) and k[:2] == (app_id, campaign_id) and d.leg == leg
        ]


class FakeAudiences:
    def __init__(self) -> None:
        self.lists: dict[str, list[str]] = {}

    def put(self, app_id: str, campaign_id: str, name: str, openids: list[str]) -> None:
        self.lists[name] = list(openids)

    def get(self, app_id: str, campaign_id: str, name: str) -> list[str]:
        return list(self.lists[name])

    def exists(self, app_id: str, campaign_id: str, name: str) -> bool:
        return name in self.lists


class FakeLedger:
    def __init__(self) -> None:
        self.capped_by_period: dict[str, set[str]] = {}
        self.records: list[tuple[str, list[str], str, int, int]] = []

    def capped(self, period_key: str) -> set[str]:
        return set(self.capped_by_period.get(period_key, set()))

    def record(self, period_key: str, openids: list[str], batch_id: str, cap: int, at: int) -> None:
        self.records.append((period_key, list(openids), batch_id, cap, at))


class FakeMassJobs:
    def __init__(self) -> None:
        self.results: dict[int, MassJobResult] = {}

    def get(self, app_id: str, msg_id: int) -> MassJobResult | None:
        return self.results.get(msg_id)


class FakeFollowers:
    def __init__(self) -> None:
        self.openids: list[str] = []

    def subscribed(self, app_id: str) -> Iterator[str]:
        yield from self.openids


class FakeWeChat:
    """Scripted answers: mass/send succeeds with fresh ids unless an answer or error is queued."""

    def __init__(self) -> None:
        self.followers: list[str] = []
        self.tagged: dict[int, list[str]] = {}
        self.page_size = 3
        self.send_answers: list[dict[str, Any] | Exception] = []
        self.sends: list[tuple[list[str], dict[str, Any], str]] = []
        self.sendalls: list[tuple[dict[str, Any], dict[str, Any], str]] = []
        self.statuses: dict[int, str] = {}
        self.totals: dict[str, list[dict[str, Any]]] = {}  # day -> getarticletotal rows
        self.total_details: dict[str, dict[str, Any]] = {}  # day -> getarticletotaldetail answer
        self.previews: list[tuple[str, dict[str, Any]]] = []
        self.deleted: list[tuple[int, int]] = []
        self._next_id = 1000

    def _page(self, openids: list[str], next_openid: str) -> tuple[list[str], str]:
        start = openids.index(next_openid) if next_openid else 0
        page = openids[start : start + self.page_size]
        rest = openids[start + self.page_size :]
        return page, (rest[0] if rest else "")

    def followers_page(self, next_openid: str = "") -> tuple[list[str], str]:
        return self._page(self.followers, next_openid)

    def tag_followers_page(self, tag_id: int, next_openid: str = "") -> tuple[list[str], str]:
        return self._page(self.tagged.get(tag_id, []), next_openid)

    def mass_send(
        self, touser: list[str], message: dict[str, Any], clientmsgid: str
    ) -> dict[str, Any]:
        self.sends.append((list(touser), message, clientmsgid))
        if self.send_answers:
            answer = self.send_answers.pop(0)
            if isinstance(answer, Exception):
                raise answer
            return answer
        self._next_id += 1
        return {"errcode": 0, "msg_id": self._next_id, "msg_data_id": self._next_id * 10}

    def mass_sendall(
        self, flt: dict[str, Any], message: dict[str, Any], clientmsgid: str
    ) -> dict[str, Any]:
        self.sendalls.append((dict(flt), message, clientmsgid))
        if self.send_answers:
            answer = self.send_answers.pop(0)
            if isinstance(answer, Exception):
                raise answer
            return answer
        self._next_id += 1
        return {"errcode": 0, "msg_id": self._next_id, "msg_data_id": self._next_id * 10}

    def mass_status(self, msg_id: int) -> str:
        return self.statuses.get(msg_id, "SEND_SUCCESS")

    def mass_preview(self, to: PreviewTarget, message: dict[str, Any]) -> None:
        self.previews.append((to.label, message))

    def mass_delete(self, msg_id: int, article_idx: int = 0) -> None:
        self.deleted.append((msg_id, article_idx))

    def article_totals(self, day: str) -> list[dict[str, Any]]:
        if day not in self.totals:
            raise WeChatApiError(61501, "date not ready", "/datacube/getarticletotal")
        return self.totals[day]

    def article_reads(self, day: str) -> list[dict[str, Any]]:
        return []

    def article_total_details(self, day: str) -> dict[str, Any]:
        # Scripted per day (h-stats); by default the maintained endpoint lists nothing yet.
        return self.total_details.get(day, {"list": [], "is_delay": False})

    def report_reads(self, day: str, readers: dict[int, int]) -> None:
        """getarticletotal rows for the headline article of each msg_data_id."""
        self.totals[day] = [
            {"msgid": f"{data_id}_1", "details": [{"stat_date": day, "int_page_read_user": n}]}
            for data_id, n in readers.items()
        ]
