"""The sandbox's HTTP side: the route table, one call's journey (faults, token, body) and the handler."""

from __future__ import annotations

import contextlib
import json
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http import HTTPStatus
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

from werkzeug.wrappers import Request as HttpRequest
from werkzeug.wsgi import ClosingIterator

from wxengage_local.http import hang_up, reply, target, unsupported
from wxengage_local.sandbox import api as api
from wxengage_local.sandbox import catalog as catalog
from wxengage_local.sandbox import control as control
from wxengage_local.sandbox import mass as mass
from wxengage_local.sandbox import previews as previews
from wxengage_local.sandbox import stats as stats
from wxengage_local.sandbox import tags as tags
from wxengage_local.sandbox.protocol import Answer, Request, err, has_unicode_escape, refuse

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

    from wxengage_local.sandbox.core import WeChatSandbox

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Route:
    """A handler and what must be true of a call before it runs."""

    handler: Callable[[WeChatSandbox, Request], Answer]
    # WeChat's APIs need a valid access_token and answer bad bodies with errcodes.
    token: bool = True


ROUTES: dict[tuple[str, str], Route] = {
    ("GET", "/cgi-bin/token"): Route(lambda s, r: s.token(r.query, r.body), token=False),
    ("POST", "/cgi-bin/stable_token"): Route(
        lambda s, r: s.stable_token(r.query, r.body), token=False
    ),
    ("POST", "/cgi-bin/tags/getidlist"): Route(api.tag_ids),
    ("GET", "/cgi-bin/tags/get"): Route(tags.tags_get),
    ("GET", "/cgi-bin/user/get"): Route(api.users),
    ("POST", "/cgi-bin/user/tag/get"): Route(api.tag_users),
    ("POST", "/cgi-bin/message/custom/send"): Route(api.custom_send),
    ("POST", "/cgi-bin/message/mass/send"): Route(mass.send),
    ("POST", "/cgi-bin/message/mass/sendall"): Route(mass.send_all),
    ("POST", "/cgi-bin/message/mass/preview"): Route(previews.preview),
    ("POST", "/cgi-bin/message/mass/get"): Route(mass.get),
    ("POST", "/cgi-bin/message/mass/delete"): Route(mass.delete),
    ("POST", "/cgi-bin/message/mass/speed/get"): Route(mass.speed_get),
    ("POST", "/cgi-bin/message/mass/speed/set"): Route(mass.speed_set),
    ("POST", "/datacube/getarticletotal"): Route(stats.article_total),
    ("POST", "/datacube/getarticleread"): Route(stats.article_read),
    ("POST", "/datacube/getarticletotaldetail"): Route(stats.article_total_detail),
    ("POST", "/_sandbox/stats"): Route(stats.set_legacy, token=False),
    ("POST", "/_sandbox/reads"): Route(control.seed_reads, token=False),
    ("GET", "/_sandbox/reads"): Route(control.list_reads, token=False),
    ("GET", "/_sandbox/masses"): Route(control.list_masses, token=False),
    ("GET", "/_sandbox/previews"): Route(control.list_previews, token=False),
    ("POST", "/_sandbox/mass-callbacks"): Route(control.hold_reports, token=False),
    ("GET", "/_sandbox/clock"): Route(control.now, token=False),
    ("POST", "/_sandbox/play"): Route(lambda s, r: s.play(r.query, r.body), token=False),
    ("POST", "/_sandbox/followers"): Route(control.put_follower, token=False),
    ("GET", "/_sandbox/followers"): Route(control.list_followers, token=False),
    ("GET", "/_sandbox/sent"): Route(control.sent, token=False),
    ("POST", "/_sandbox/faults"): Route(control.add_fault, token=False),
    ("GET", "/_sandbox/faults"): Route(control.list_faults, token=False),
    ("POST", "/_sandbox/reset"): Route(control.reset, token=False),
    ("POST", "/cgi-bin/user/info/batchget"): Route(catalog.batch_user_info),
    ("POST", "/cgi-bin/draft/batchget"): Route(catalog.drafts),
    ("POST", "/cgi-bin/freepublish/batchget"): Route(catalog.published),
    ("POST", "/_sandbox/articles"): Route(catalog.put_article, token=False),
    ("GET", "/_sandbox/articles"): Route(catalog.list_articles, token=False),
    ("POST", "/cgi-bin/tags/create"): Route(tags.create),
    ("POST", "/cgi-bin/tags/members/batchtagging"): Route(tags.batch_tagging),
}


def dispatch(
    sandbox: WeChatSandbox, method: str, path: str, query: dict[str, str], raw: bytes
) -> Answer | None:
    """Answer one call, suffering the next planned fault of its API first; None: hang up."""
    fault = None if path.startswith("/_sandbox/") else sandbox.faults.take(path)
    if fault is None:
        return _run(sandbox, method, path, query, raw)
    if fault.errcode is not None:
        return err(fault.errcode, fault.errmsg)
    # Applied: the effect stands although the caller never hears of it.
    answer = _run(sandbox, method, path, query, raw) if fault.applied else err(-1)
    if fault.drop:
        return None
    time.sleep(fault.timeout_seconds or 0)
    return answer


def _run(
    sandbox: WeChatSandbox, method: str, path: str, query: dict[str, str], raw: bytes
) -> Answer:
    route = ROUTES.get((method, path))
    if route is None:
        return int(HTTPStatus.NOT_FOUND), {"errcode": 40066, "errmsg": "invalid url"}
    wechat = not path.startswith("/_sandbox/")
    app_id = ""
    if route.token:
        app_id, failure = sandbox.app_for_token(query.get("access_token", ""))
        if failure is not None:
            return failure
    if wechat and has_unicode_escape(raw):
        return err(40033)
    try:
        body = json.loads(raw) if raw else {}
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return err(47001) if wechat else refuse(400, "the body must be a JSON object")
    return route.handler(sandbox, Request(query=query, body=body, app_id=app_id))


def wsgi_app(sandbox: WeChatSandbox) -> WSGIApplication:
    """The sandbox as a WSGI app."""

    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        request = HttpRequest(environ)
        if request.method not in ("GET", "POST"):
            return unsupported(request.method)(environ, start_response)
        parts = urlsplit(target(request))
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        raw = request.get_data(cache=False)
        # Work a call leaves for later (a mass job's report) waits until its answer is out:
        # the call's span closes when werkzeug closes the answer, after writing it.
        span = contextlib.ExitStack()
        span.enter_context(sandbox.answering())
        try:
            answer = _answer(sandbox, request.method, parts.path, query, raw)
            if answer is None:
                # A dropped connection: the caller reads nothing at all (werkzeug finds the
                # socket closed and writes nothing).
                hang_up(request)
                answer = 500, {}
            status, payload = answer
            data = json.dumps(payload, ensure_ascii=False).encode()
            headers = [("Content-Type", "application/json; charset=utf-8")]
            # A caller that timed out has hung up: werkzeug drops the answer quietly, exactly
            # what a timeout fault is for.
            body = reply(status, headers, data)(environ, start_response)
        except BaseException:
            span.close()
            raise
        return ClosingIterator(body, [span.close])

    return app


def _answer(
    sandbox: WeChatSandbox, method: str, path: str, query: dict[str, str], raw: bytes
) -> Answer | None:
    try:
        return dispatch(sandbox, method, path, query, raw)
    except Exception:
        # The path only: the query string may carry an access_token or a secret.
        log.exception("sandbox failed on %s %s", method, path)
        return 500, {"errcode": -1, "errmsg": "system error"}
