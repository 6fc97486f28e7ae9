"""The console's JSON API: every route, and who may call it."""

from __future__ import annotations

import pytest

from tests.console.conftest import OTHER_APP_ID, Call, claims
from tests.console.seed import seed_campaign
from tests.support.callbacks import APP_ID
from wxengage.accounts import Plan
from wxengage.settings import Settings
from wxengage.store.accounts import AccountStore
from wxengage.store.followers import FollowerStore
from wxengage.store.recalls import RecallStore
from wxengage.store.rules import RuleStore
from wxengage.store.stats import StatsStore
from wxengage.windows import FollowerState, Opener

NOW = 1_795_341_600  # the fake clock: 2026-11-22 10:00 UTC, 18:00 in Shanghai
BASE = f"/console/api/accounts/{APP_ID}"
RULE = {
    "name": "48小时召回",
    "lead_minutes": 30,
    "content": {
        "kind": "custom",
        "replies": [{"type": "text", "text": "好久不见 回复1领取优惠"}],
    },
}
READS = [
    ("GET", "/console/api/me"),
    ("GET", "/console/api/accounts"),
    ("GET", "/console/api/openapi.json"),
    ("GET", f"{BASE}/overview"),
    ("GET", f"{BASE}/rules"),
    ("GET", f"{BASE}/rules/48小时召回/stats"),
    ("GET", f"{BASE}/campaigns"),
    ("GET", f"{BASE}/campaigns/c00000000001"),
    ("GET", f"{BASE}/followers/o-follower-1"),
]
WRITES = [
    ("PUT", f"{BASE}/rules", RULE),
    ("POST", f"{BASE}/rules/validate", RULE),
    ("POST", f"{BASE}/rules/48小时召回/enable", None),
    ("POST", f"{BASE}/rules/48小时召回/disable", None),
]
OPERATOR = claims("operator")


def rule_key(stack: Settings, name: str) -> str:
    """Stats go by the rule's id, not its name."""
    return RuleStore(stack).get(APP_ID, name).stats_key


@pytest.mark.parametrize(("method", "path"), READS + [(m, p) for m, p, _ in WRITES])
def test_no_token_is_401(console: Call, method: str, path: str) -> None:
    # Given a request without the authorizer's claims (no token)
    # When it reaches the console
    answer = console(method, path, None, body=RULE if method in ("PUT", "POST") else None)
    # Then it is refused as unauthenticated
    assert answer.status == 401, answer.text


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
def test_a_viewer_cannot_write(console: Call, method: str, path: str, body: object) -> None:
    # Given an operator's rule and a viewer of the same account
    assert console("PUT", f"{BASE}/rules", OPERATOR, RULE).status == 200
    # When the viewer writes
    answer = console(method, path, claims("viewer"), body=body)
    # Then it is forbidden
    assert answer.status == 403, answer.text


@pytest.mark.parametrize(("method", "path", "body"), [(m, p, None) for m, p in READS[3:]] + WRITES)
def test_another_account_is_forbidden(console: Call, method: str, path: str, body: object) -> None:
    # Given an admin granted only the other account
    who = claims("admin", accounts=OTHER_APP_ID)
    # When they touch this account
    answer = console(method, path, who, body=body)
    # Then it is forbidden, whatever exists there
    assert answer.status == 403, answer.text


def test_a_user_without_a_role_reads_nothing(console: Call) -> None:
    # Given a signed-in user in no group
    who = claims(None)
    # When they list accounts
    answer = console("GET", "/console/api/accounts", who)
    # Then they are forbidden
    assert answer.status == 403


def test_me_and_the_granted_accounts(console: Call) -> None:
    # Given a viewer of one account and an admin of all
    viewer, admin = claims("viewer"), claims("admin", accounts="*", user="bo")
    # When each asks who they are and what they see
    me = console("GET", "/console/api/me", viewer).json()
    mine = console("GET", "/console/api/accounts", viewer).json()
    every = console("GET", "/console/api/accounts", admin).json()
    # Then the viewer reads one account and may not write; the admin sees both
    assert me == {
        "username": "ann",
        "email": "ann@example.com",
        "role": "viewer",
        "accounts": [APP_ID],
        "can_write": False,
    }
    assert [a["app_id"] for a in mine] == [APP_ID]
    assert mine[0] == {
        "app_id": APP_ID,
        "type": "service",
        "plan": "professional",
        "timezone": "Asia/Shanghai",
        "rule_cap": 1,
    }
    assert sorted(a["app_id"] for a in every) == sorted([APP_ID, OTHER_APP_ID])


def test_groups_may_come_as_a_list_and_the_highest_role_wins(console: Call) -> None:
    # Given claims whose groups are a real list
    who = claims(None) | {"cognito:groups": ["viewer", "operator"]}
    # When the user asks who they are
    me = console("GET", "/console/api/me", who).json()
    # Then they are an operator
    assert me["role"] == "operator" and me["can_write"] is True


def test_a_rule_in_chinese_is_created_listed_and_replaced(console: Call) -> None:
    # Given an operator
    # When they put a rule named in Chinese, then put it again with another lead
    first = console("PUT", f"{BASE}/rules", OPERATOR, RULE)
    second = console("PUT", f"{BASE}/rules", OPERATOR, RULE | {"lead_minutes": 60})
    listed = console("GET", f"{BASE}/rules", claims("viewer")).json()
    # Then it was created, then replaced, and the list shows it with the plan's cap
    assert first.status == 200 and first.json()["created"] is True
    assert second.json()["created"] is False
    assert listed["plan"] == "professional" and listed["cap"] == 1 and listed["enabled"] == 1
    assert listed["timezone"] == "Asia/Shanghai"
    [view] = listed["rules"]
    assert view["rule"]["name"] == "48小时召回" and view["rule"]["lead_minutes"] == 60
    assert view["created_at"] == NOW


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"lead_minutes": 5}, "lead_minutes"),
        ({"name": "has space"}, "name"),
        ({"holdout_percent": 101}, "holdout_percent"),
        ({"content": {"kind": "custom", "replies": []}}, "content.custom.replies"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_a_bad_rule_is_422_with_field_messages(
    console: Call, change: dict[str, object], field: str
) -> None:
    # Given an operator
    # When they put a rule the CLI would refuse
    answer = console("PUT", f"{BASE}/rules", OPERATOR, RULE | change)
    # Then it is 422, naming the field, and nothing is stored
    assert answer.status == 422, answer.text
    body = answer.json()
    assert field in [e["field"] for e in body["errors"]], body
    assert all(e["message"] for e in body["errors"])
    assert console("GET", f"{BASE}/rules", OPERATOR).json()["rules"] == []


def test_validating_a_rule_checks_it_as_a_save_would_and_saves_nothing(console: Call) -> None:
    # Given an operator
    # When the form asks the API to check a good rule and a bad one
    good = console("POST", f"{BASE}/rules/validate", OPERATOR, RULE)
    bad = console("POST", f"{BASE}/rules/validate", OPERATOR, RULE | {"lead_minutes": 5})
    # Then the good one would be accepted, the bad one names its field, and nothing is stored
    assert good.status == 200 and good.json() == {"valid": True, "name": "48小时召回"}
    assert bad.status == 422 and [e["field"] for e in bad.json()["errors"]] == ["lead_minutes"]
    assert console("GET", f"{BASE}/rules", OPERATOR).json()["rules"] == []
    # And the error carries its kind and the rule's limit, for the page to word, not the input
    (error,) = bad.json()["errors"]
    assert (error["type"], error["ctx"]) == ("greater_than_equal", {"ge": 10})


def test_a_validation_error_never_carries_the_input_in_its_limits(console: Call) -> None:
    # Given an operator typing a name far too long, and a custom rule the model refuses
    long_name = "召回" * 100
    answer = console("PUT", f"{BASE}/rules", OPERATOR, RULE | {"name": long_name})
    # Then the 422 gives the limit as a number, and the typed text appears nowhere in it
    assert answer.status == 422, answer.text
    ctx = [e["ctx"] for e in answer.json()["errors"] if e["field"] == "name"]
    assert ctx and all(set(c) <= {"max_length", "min_length"} for c in ctx), ctx
    assert long_name not in answer.text


def test_enable_and_disable_respect_the_plan_cap(console: Call) -> None:
    # Given a professional account (one enabled rule) with an enabled and a disabled rule
    console("PUT", f"{BASE}/rules", OPERATOR, RULE)
    console("PUT", f"{BASE}/rules", OPERATOR, RULE | {"name": "备用", "enabled": False})
    # When the operator enables the second, then disables the first and enables the second
    refused = console("POST", f"{BASE}/rules/备用/enable", OPERATOR)
    off = console("POST", f"{BASE}/rules/48小时召回/disable", OPERATOR)
    on = console("POST", f"{BASE}/rules/备用/enable", OPERATOR)
    # Then the cap refuses the first try and allows the swap
    assert refused.status == 409 and "professional plan allows 1" in refused.json()["message"]
    assert off.status == 200 and off.json()["rule"]["enabled"] is False
    assert on.status == 200 and on.json()["rule"]["enabled"] is True
    missing = console("POST", f"{BASE}/rules/nope/enable", OPERATOR)
    assert missing.status == 404


def test_rule_stats_over_a_range_as_json_and_csv(console: Call, stack: Settings) -> None:
    # Given a rule with counts on two days of a three-day range
    console("PUT", f"{BASE}/rules", OPERATOR, RULE)
    stats = StatsStore(stack)
    for counter, n in (("pending", 5), ("sent", 3), ("skipped_holdout", 1), ("recalled", 2)):
        stats.add(APP_ID, rule_key(stack, "48小时召回"), "2026-11-20", counter, n)
    stats.add(APP_ID, rule_key(stack, "48小时召回"), "2026-11-22", "failed", 1)
    query = {"from": "2026-11-20", "to": "2026-11-22"}
    # When a viewer reads the range, as JSON and as CSV
    body = console("GET", f"{BASE}/rules/48小时召回/stats", claims("viewer"), query=query).json()
    csv = console(
        "GET", f"{BASE}/rules/48小时召回/stats", claims("viewer"), query=query | {"format": "csv"}
    )
    # Then every day is there with its funnel, and the totals add up
    assert [d["day"] for d in body["days"]] == ["2026-11-20", "2026-11-21", "2026-11-22"]
    assert body["days"][0] | {"skipped": None} == {
        "day": "2026-11-20",
        "pending": 5,
        "eligible": 4,
        "sent": 3,
        "failed": 0,
        "recalled": 2,
        "skipped": None,
    }
    assert body["days"][0]["skipped"] == {"holdout": 1}
    assert (body["total"]["sent"], body["total"]["failed"], body["timezone"]) == (
        3,
        1,
        "Asia/Shanghai",
    )
    assert csv.status == 200 and csv.headers["content-type"].startswith("text/csv")
    assert "attachment" in csv.headers["content-disposition"]
    lines = csv.text.splitlines()
    assert lines[0].startswith("rule,day,timezone,pending,eligible,sent,failed,recalled,skipped_")
    assert lines[1].startswith("48小时召回,2026-11-20,Asia/Shanghai,5,4,3,0,2,")
    assert len(lines) == 4


def test_rule_stats_default_to_the_last_week_and_refuse_bad_ranges(console: Call) -> None:
    # Given a rule
    console("PUT", f"{BASE}/rules", OPERATOR, RULE)
    path = f"{BASE}/rules/48小时召回/stats"
    # When the range is left out, reversed, too long or unknown
    week = console("GET", path, OPERATOR).json()
    reversed_ = console("GET", path, OPERATOR, query={"from": "2026-11-22", "to": "2026-11-01"})
    too_long = console("GET", path, OPERATOR, query={"from": "2026-01-01", "to": "2026-11-22"})
    garbled = console("GET", path, OPERATOR, query={"from": "yesterday"})
    unknown = console("GET", f"{BASE}/rules/nope/stats", OPERATOR)
    # Then the default is the seven days to today (account zone); the rest are refused plainly
    assert (week["from_day"], week["to_day"], len(week["days"])) == ("2026-11-16", "2026-11-22", 7)
    assert reversed_.status == too_long.status == garbled.status == 400
    assert unknown.status == 404


def test_campaigns_list_status_and_the_ab_result(console: Call, stack: Settings) -> None:
    # Given a sending A/B campaign whose variants have read counts
    campaign = seed_campaign(stack, NOW)
    # When a viewer lists the campaigns and opens this one
    listed = console("GET", f"{BASE}/campaigns", claims("viewer")).json()
    view = console("GET", f"{BASE}/campaigns/{campaign.campaign_id}", claims("viewer")).json()
    overview = console("GET", f"{BASE}/overview", claims("viewer")).json()
    # Then the list, the legs (epoch-second times) and each variant's rate with its interval show
    assert listed["campaigns"] == [
        {
            "campaign_id": "c00000000001",
            "name": "十一月会员",
            "status": "sending",
            "groups": 1,
            "created_at": NOW,
            "started_at": NOW,
        }
    ]
    [group] = view["groups"]
    assert [leg["kind"] for leg in group["legs"]] == ["variant", "variant", "winner"]
    assert group["legs"][0]["send_at"] == NOW + 2 * 3600
    a, b = group["variants"]
    assert (a["read_rate"], b["read_rate"]) == (0.12, 0.08)
    assert a["low"] < 0.12 < a["high"] and b["low"] < 0.08 < b["high"]
    assert view["timezone"] == "Asia/Shanghai" and view["status"] == "sending"
    assert [c["campaign_id"] for c in overview["in_flight"]] == ["c00000000001"]
    assert console("GET", f"{BASE}/campaigns/cmissing0000", claims("viewer")).status == 404


def test_overview_shows_health_and_todays_funnel(console: Call, stack: Settings) -> None:
    # Given a rule with today's counts and a sweep checkpoint ten minutes old
    console("PUT", f"{BASE}/rules", OPERATOR, RULE)
    StatsStore(stack).add(APP_ID, rule_key(stack, "48小时召回"), "2026-11-22", "sent", 4)
    RecallStore(stack).save_checkpoint(APP_ID, NOW - 600)
    # When a viewer opens the overview
    body = console("GET", f"{BASE}/overview", claims("viewer")).json()
    # Then it reports what `wxengage status` does, in the account's zone
    assert body["now"] == NOW and body["timezone"] == "Asia/Shanghai"
    health = body["health"]
    assert health["recall_today"]["day"] == "2026-11-22" and health["recall_today"]["sent"] == 4
    assert health["swept_to"] == NOW - 600 and health["sweep_stale"] is True
    assert body["problems"] == ["the sweep checkpoint is 600 s old"]


def test_a_followers_window(console: Call, stack: Settings) -> None:
    # Given a follower whose message opened a 48-hour window
    FollowerStore(stack).update(
        APP_ID,
        "o-follower-1",
        lambda s: FollowerState.model_validate(
            s.model_dump()
            | {
                "last_message_at": NOW - 3600,
                "window_opened_at": NOW - 3600,
                "window_opened_by": Opener.MESSAGE,
                "window_closes_at": NOW - 3600 + 48 * 3600,
                "messages_left": 5,
            }
        ),
    )
    # When a viewer looks them up, and someone who is not there
    found = console("GET", f"{BASE}/followers/o-follower-1", claims("viewer"))
    missing = console("GET", f"{BASE}/followers/o-nobody", claims("viewer"))
    # Then the window shows in epoch seconds with the zone; the unknown one is 404
    body = found.json()
    assert found.status == 200, found.text
    assert body["window_open"] is True and body["messages_left"] == 5
    assert body["window_opened_by"] == "message" and body["window_closes_at"] == NOW + 47 * 3600
    assert body["timezone"] == "Asia/Shanghai"
    assert missing.status == 404


def test_a_followers_last_recall_shows_its_rule_by_name(console: Call, stack: Settings) -> None:
    # Given a rule in Chinese and a follower it recalled (marks keep the rule's id, not its name)
    console("PUT", f"{BASE}/rules", claims("operator"), RULE)
    rule = RuleStore(stack).get(APP_ID, RULE["name"])
    FollowerStore(stack).update(
        APP_ID,
        "o-follower-1",
        lambda s: FollowerState.model_validate(
            s.model_dump() | {"last_recall_at": NOW - 60, "last_recall_rule": rule.stats_key}
        ),
    )
    # When a viewer looks them up
    body = console("GET", f"{BASE}/followers/o-follower-1", claims("viewer")).json()
    # Then the last recall's rule reads as the operator named it
    assert rule.stats_key.startswith("r-")
    assert body["last_recall_rule"] == RULE["name"]


def test_the_openapi_document_is_generated_from_the_models(console: Call) -> None:
    # Given a signed-in viewer
    # When they fetch the OpenAPI document
    doc = console("GET", "/console/api/openapi.json", claims("viewer")).json()
    # Then every API route and the rule model are in it
    paths = set(doc["paths"])
    assert {
        "/console/api/me",
        "/console/api/accounts",
        "/console/api/accounts/{app_id}/overview",
        "/console/api/accounts/{app_id}/rules",
        "/console/api/accounts/{app_id}/rules/{name}/enable",
        "/console/api/accounts/{app_id}/rules/{name}/stats",
        "/console/api/accounts/{app_id}/campaigns/{campaign_id}",
        "/console/api/accounts/{app_id}/followers/{openid}",
    } <= paths
    assert "RecallRule" in doc["components"]["schemas"]


def test_the_page_and_its_assets_carry_a_strict_policy(console: Call) -> None:
    # Given nobody signed in
    # When the page, a script and an unknown asset are fetched
    page = console("GET", "/console", None)
    script = console("GET", "/console/static/app.js", None)
    unknown = console("GET", "/console/static/secret.py", None)
    # Then the page and script come with a CSP that allows no inline code; the rest is 404
    assert page.status == 200 and page.headers["content-type"].startswith("text/html")
    csp = page.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert script.status == 200 and "javascript" in script.headers["content-type"]
    assert unknown.status == 404


def test_plan_change_shows_in_the_cap(console: Call, stack: Settings) -> None:
    # Given an enterprise account
    accounts = AccountStore(stack)
    settings = accounts.read_settings(APP_ID)
    accounts.update_settings(
        settings.model_validate(settings.model_dump() | {"plan": Plan.ENTERPRISE})
    )
    # When the rules are listed
    body = console("GET", f"{BASE}/rules", claims("viewer")).json()
    # Then three rules may be enabled
    assert body["cap"] == 3


@pytest.fixture
def user_pool(stack: Settings, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A Cognito user pool like the template's (in moto), with an administrator-created user."""
    import boto3

    import wxengage.wiring.console as wiring

    idp = boto3.client("cognito-idp", region_name="us-east-1")
    pool = idp.create_user_pool(
        PoolName="console", AdminCreateUserConfig={"AllowAdminCreateUserOnly": True}
    )["UserPool"]["Id"]
    client_id = idp.create_user_pool_client(
        UserPoolId=pool,
        ClientName="console",
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]
    idp.admin_create_user(UserPoolId=pool, Username="mei", TemporaryPassword="Temporary-Pass-1")
    monkeypatch.setenv("WXENGAGE_CONSOLE_CLIENT_ID", client_id)
    wiring.get_console.cache_clear()
    return {"pool": pool, "client_id": client_id}


def test_signing_in_with_cognito_sets_the_first_password(
    console: Call, user_pool: dict[str, str]
) -> None:
    # Given an administrator-created user with a temporary password
    # When they sign in, answer the new-password challenge, then sign in again
    first = console(
        "POST", "/console/auth/sign-in", None, {"username": "mei", "password": "Temporary-Pass-1"}
    )
    challenge = first.json()
    second = console(
        "POST",
        "/console/auth/new-password",
        None,
        {"username": "mei", "session": challenge["session"], "new_password": "Her-Own-Pass-2"},
    )
    again = console(
        "POST", "/console/auth/sign-in", None, {"username": "mei", "password": "Her-Own-Pass-2"}
    )
    wrong = console("POST", "/console/auth/sign-in", None, {"username": "mei", "password": "nope"})
    # Then the first answer is the challenge, then tokens; a wrong password is a plain 401
    assert first.status == 200 and challenge["challenge"] == "NEW_PASSWORD_REQUIRED"
    assert second.status == 200 and second.json()["id_token"]
    assert again.status == 200 and again.json()["id_token"].count(".") == 2
    assert wrong.status == 401 and wrong.json() == {"message": "wrong user name or password"}
    assert "set-cookie" not in again.headers  # the token is a bearer token, never a cookie


def test_the_preview_is_what_the_sender_sends(console: Call) -> None:
    # Given a default-content rule (greeting and guide link) and a custom one with two replies
    default = RULE | {
        "content": {
            "kind": "default",
            "greeting": "好久不见",
            "guide": "点我领取优惠",
            "keyword": "领取优惠",
            "keyword_reply": "优惠券已发放",
        }
    }
    custom = RULE | {
        "content": {
            "kind": "custom",
            "replies": [
                {"type": "text", "text": "在吗", "weight": 3},
                {"type": "news", "title": "新品", "url": "https://example.com/a"},
            ],
        }
    }
    # When a viewer previews both
    one = console("POST", f"{BASE}/rules/preview", claims("viewer"), default).json()
    two = console("POST", f"{BASE}/rules/preview", claims("viewer"), custom).json()
    # Then the default is one text with the bizmsgmenu link; the custom one every reply, weighted
    [message] = one["messages"]
    assert message["message"]["msgtype"] == "text"
    assert "weixin://bizmsgmenu?msgmenucontent=" in message["message"]["text"]["content"]
    assert [(m["weight"], m["message"]["msgtype"]) for m in two["messages"]] == [
        (3, "text"),
        (1, "news"),
    ]
    assert "touser" not in message["message"]


def test_the_overview_and_wxengage_status_read_the_same(console: Call, stack: Settings) -> None:
    import json

    from click.testing import CliRunner

    from wxengage_cli.main import cli

    # Given a rule with today's counts, a sweep checkpoint and a campaign in flight
    console("PUT", f"{BASE}/rules", OPERATOR, RULE)
    stats = StatsStore(stack)
    for counter, n in (("pending", 7), ("sent", 4), ("skipped_quota", 2), ("recalled", 1)):
        stats.add(APP_ID, rule_key(stack, "48小时召回"), "2026-11-22", counter, n)
    RecallStore(stack).save_checkpoint(APP_ID, NOW - 60)
    seed_campaign(stack, NOW)
    # When the console's overview and `wxengage status --json` are read
    health = console("GET", f"{BASE}/overview", claims("viewer")).json()["health"]
    result = CliRunner().invoke(cli, ["status", "--json"], catch_exceptions=False)
    [cli_account] = [a for a in json.loads(result.output)["accounts"] if a["app_id"] == APP_ID]
    # Then they agree: one computation behind both
    assert health["recall_today"] == cli_account["recall_today"]
    assert health["campaigns"] == cli_account["campaigns"] == {"sending": 1}
    assert health["sweep_age_seconds"] == cli_account["sweep"]["age_seconds"] == 60
