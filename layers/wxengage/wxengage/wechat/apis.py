"""WeChat's APIs grouped by area, as wechatpy does: `client.message.send_custom(...)`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from wxengage.wechat.targets import PreviewTarget

if TYPE_CHECKING:
    from wxengage.wechat.client import WeChatClient


class _Area:
    def __init__(self, client: WeChatClient) -> None:
        self._client = client


class MessageApi(_Area):
    """Customer-service sends and mass sends (群发).

    Neither kind of send is retried here: a custom send has no idempotency key, and for mass
    sends the engine decides, using the batch's clientmsgid (45065/45066)."""

    def send_custom(self, message: dict[str, Any]) -> None:
        """Customer-service send: no idempotency key, so never retried blindly."""
        self._client.call("POST", "/cgi-bin/message/custom/send", body=message, idempotent=False)

    def send_mass(
        self, touser: list[str], message: dict[str, Any], clientmsgid: str
    ) -> dict[str, Any]:
        """Submit one batch (2..10,000 openids); the answer carries msg_id and msg_data_id."""
        body = {"touser": touser, **message, "clientmsgid": clientmsgid}
        return self._client.call("POST", "/cgi-bin/message/mass/send", body=body, idempotent=False)

    def send_mass_all(
        self, flt: dict[str, Any], message: dict[str, Any], clientmsgid: str
    ) -> dict[str, Any]:
        """mass/sendall to a tag or, with `{"is_to_all": true}`, to every follower (the only send
        kept in the account's history); wechatpy client/api/message.py _send_mass_message."""
        body = {"filter": flt, **message, "clientmsgid": clientmsgid}
        return self._client.call(
            "POST", "/cgi-bin/message/mass/sendall", body=body, idempotent=False
        )

    def preview_mass(self, to: PreviewTarget, message: dict[str, Any]) -> None:
        """Send a test message to one follower, by openid or WeChat ID (no quota used)."""
        body = {to.field: to.value, **message}
        self._client.call("POST", "/cgi-bin/message/mass/preview", body=body, idempotent=False)

    def get_mass_status(self, msg_id: int) -> str:
        """SEND_SUCCESS, SENDING, SEND_FAIL or DELETE."""
        data = self._client.call(
            "POST", "/cgi-bin/message/mass/get", body={"msg_id": msg_id}, idempotent=True
        )
        return str(data.get("msg_status", ""))

    def delete_mass(self, msg_id: int, article_idx: int = 0) -> None:
        """Take a sent news item down (0 = every article of it); the card stays in chats."""
        body = {"msg_id": msg_id, "article_idx": article_idx}
        self._client.call("POST", "/cgi-bin/message/mass/delete", body=body, idempotent=True)


class UserApi(_Area):
    """Followers."""

    def get_followers(self, next_openid: str = "") -> tuple[list[str], str]:
        """One page (up to 10,000) of subscribed followers, and where the next page starts
        ("" when there is none)."""
        data = self._client.call(
            "GET", "/cgi-bin/user/get", params={"next_openid": next_openid}, idempotent=True
        )
        return _page(data)

    def count_followers(self) -> int:
        """How many follow the account (user/get's `total`; one call, the first page)."""
        data = self._client.call("GET", "/cgi-bin/user/get", params={}, idempotent=True)
        return int(data.get("total") or 0)


class TagApi(_Area):
    """Tags: a follower's tags, a tag's followers."""

    def get_user_tags(self, openid: str) -> list[int]:
        """A follower's tag ids, fresh from WeChat."""
        data = self._client.call(
            "POST", "/cgi-bin/tags/getidlist", body={"openid": openid}, idempotent=True
        )
        return [int(t) for t in data.get("tagid_list", [])]

    def tag_counts(self) -> dict[int, int]:
        """Each tag's follower count (tags/get: {"tags": [{"id", "name", "count"}]})."""
        data = self._client.call("GET", "/cgi-bin/tags/get", idempotent=True)
        return {int(t["id"]): int(t.get("count") or 0) for t in data.get("tags", [])}

    def get_tag_users(self, tag_id: int, next_openid: str = "") -> tuple[list[str], str]:
        """One page of followers carrying a tag, and where the next page starts."""
        data = self._client.call(
            "POST",
            "/cgi-bin/user/tag/get",
            body={"tagid": tag_id, "next_openid": next_openid},
            idempotent=True,
        )
        return _page(data)


class DataCubeApi(_Area):
    """Statistics (数据统计) of the articles sent."""

    def get_article_total(self, day: str) -> list[dict[str, Any]]:
        """getarticletotal for the articles sent on `day` (YYYY-MM-DD); ready after 08:00 next day."""
        body = {"begin_date": day, "end_date": day}
        data = self._client.call("POST", "/datacube/getarticletotal", body=body, idempotent=True)
        return list(data.get("list", []))

    def get_article_read(self, day: str) -> list[dict[str, Any]]:
        """getarticleread, the newer statistics API, for the articles sent on `day`."""
        body = {"begin_date": day, "end_date": day}
        data = self._client.call("POST", "/datacube/getarticleread", body=body, idempotent=True)
        return list(data.get("list", []))

    def get_article_total_detail(self, day: str) -> dict[str, Any]:
        """getarticletotaldetail (maintained successor of getarticletotal): the articles published
        on `day`, each with cumulative `detail_list` entries; the answer's `is_delay` says
        whether the figures are up to date (doc: wedata/news/api_getarticletotaldetail)."""
        body = {"begin_date": day, "end_date": day}
        data = self._client.call(
            "POST", "/datacube/getarticletotaldetail", body=body, idempotent=True
        )
        return {"list": list(data.get("list", [])), "is_delay": bool(data.get("is_delay"))}


class CatalogApi(_Area):
    """Tags & catalog: the account's tags, followers' tag ids in bulk, drafts and published
    articles (read by the catalog sync, never in the webhook's path)."""

    def get_tags(self) -> list[dict[str, Any]]:
        """tags/get: every tag of the account, `{"id", "name", "count"}` (wechatpy tag.get)."""
        data = self._client.call("GET", "/cgi-bin/tags/get", idempotent=True)
        return list(data.get("tags", []))

    def batch_user_info(self, openids: list[str]) -> list[dict[str, Any]]:
        """user/info/batchget for up to 100 openids; each entry has `subscribe` and, for a
        follower, `tagid_list` (wechatpy user.get_batch; fixture user_info_batchget.json)."""
        body = {"user_list": [{"openid": o, "lang": "zh_CN"} for o in openids]}
        data = self._client.call("POST", "/cgi-bin/user/info/batchget", body=body, idempotent=True)
        return list(data.get("user_info_list", []))

    def list_drafts(self, offset: int, count: int) -> dict[str, Any]:
        """draft/batchget, `count` 1..20, without the articles' HTML (no_content=1):
        `{"total_count", "item_count", "item": [{"media_id", "content": {"news_item"}, "update_time"}]}`."""
        body = {"offset": offset, "count": count, "no_content": 1}
        return self._client.call("POST", "/cgi-bin/draft/batchget", body=body, idempotent=True)

    def list_published(self, offset: int, count: int) -> dict[str, Any]:
        """freepublish/batchget, `count` 1..20, no_content=1: items carry `article_id`. Only
        articles published without a mass notification are listed (WeChat community staff)."""
        body = {"offset": offset, "count": count, "no_content": 1}
        return self._client.call(
            "POST", "/cgi-bin/freepublish/batchget", body=body, idempotent=True
        )


def _page(data: dict[str, Any]) -> tuple[list[str], str]:
    openids = [str(o) for o in data.get("data", {}).get("openid", [])]
    # An empty page may still echo a next_openid: stop there rather than loop forever.
    return openids, (str(data.get("next_openid") or "") if openids else "")
