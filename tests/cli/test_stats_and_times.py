"""`rules stats` over any kept range, and every printed time in the account's zone (or UTC)."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from click.testing import CliRunner, Result

from tests.conftest import ROOT, FakeClock
from tests.support.callbacks import APP_ID, register
from wxengage.recall.planning import SkipReason
from wxengage.settings import Settings
from wxengage.store.followers import FollowerStore
from wxengage.store.recalls import RecallStore
from wxengage.store.stats import StatsStore
from wxengage.windows import Interaction, InteractionKind, apply_interaction
from wxengage_cli.campaign import with_local_times
from wxengage_cli.localtime import Times, local_text
from wxengage_cli.main import cli

RULE = ROOT / "examples/rules/default-reply.yaml"
CAMPAIGN = ROOT / "examples/campaigns/text-now.yaml"
# The fake clock: 2026-11-22T10:00:00Z, 18:00 in Asia/Shanghai (the account's zone).
TODAY = "2026-11-22"


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def ok(*args: str) -> str:
    result = run(*args)
    assert result.exit_code == 0, result.output
    return result.stdout


def stats_json(*args: str) -> dict[str, Any]:
    report: dict[str, Any] = json.loads(ok("rules", "stats", "--app-id", APP_ID, "--json", *args))
    return report


@pytest.fixture
def counted(stack: Settings, fake_clock: FakeClock) -> str:
    """An account with one rule and counters on today, two days ago and the oldest kept day."""
    register(stack)
    ok("rules", "put", "--app-id", APP_ID, "--file", str(RULE))
    [listed] = json.loads(ok("rules", "list", "--app-id", APP_ID, "--json"))
    rule: str = listed["name"]
    stats = StatsStore(stack)
    counters = {
        TODAY: {"pending": 5, "sent": 3, "failed": 2, "failed_unknown_outcome": 1},
        "2026-11-20": {"sent": 2, "skipped_tag": 1, "skipped_holdout": 1},
        "2026-08-23": {"sent": 1},  # the oldest of the 92 kept days
        "2026-08-22": {"sent": 100},  # past retention, not yet removed by the TTL
    }
    for day, found in counters.items():
        for counter, n in found.items():
            stats.add(APP_ID, listed["rule_id"], day, counter, n)  # stats go by the rule's id
    return rule


def test_by_default_today_and_yesterday_with_dates(counted: str) -> None:
    # When the stats are read without a range
    report = stats_json()
    # Then today and yesterday, newest first, each with its date and eligible count
    assert (report["from"], report["to"], report["timezone"]) == (
        "2026-11-21",
        TODAY,
        "Asia/Shanghai",
    )
    assert [(r["day"], r["when"]) for r in report["rows"]] == [
        (TODAY, "today"),
        ("2026-11-21", "yesterday"),
    ]
    today = report["rows"][0]
    assert (today["pending"], today["eligible"], today["sent"], today["failed"]) == (5, 5, 3, 2)
    assert today["failed_by_reason"] == {"unknown_outcome": 1} and today["skipped"] == {}


def test_a_range_reads_every_day_and_totals_it(counted: str) -> None:
    # When three days are asked for
    report = stats_json("--from", "2026-11-20", "--to", TODAY)
    # Then each day is a row (a quiet day as zeros) and the total adds them up
    assert [(r["day"], r["when"], r["sent"]) for r in report["rows"]] == [
        (TODAY, "today", 3),
        ("2026-11-21", "yesterday", 0),
        ("2026-11-20", "2 days ago", 2),
    ]
    [total] = report["totals"]
    assert total == {
        "rule": counted,
        "days": 3,
        "pending": 5,
        "eligible": 8,
        "sent": 5,
        "failed": 2,
        "recalled": 0,
        "skipped": {"holdout": 1, "tag": 1},
        "failed_by_reason": {"unknown_outcome": 1},
        "other": {},
    }


def test_the_text_has_dates_eligible_every_reason_and_a_total(counted: str) -> None:
    # When the text is read over three days
    out = ok("rules", "stats", "--app-id", APP_ID, "--from", "2026-11-20", "--to", TODAY)
    lines = out.splitlines()
    # Then the header names the range, the zone and the time of reading, in the account's zone
    assert lines[0] == (
        f"recall stats for {APP_ID}, 2026-11-20 to {TODAY} (days in Asia/Shanghai), "
        "as of 2026-11-22 18:00 +08:00"
    )
    assert "ELIGIBLE" in lines[1] and "DAY" in lines[1]
    # And each day shows its date and every reason; the total closes the rule
    assert f"{counted:<18} {TODAY} today" in lines[2]
    assert lines[2].endswith("failed unknown_outcome 1")
    assert lines[4].endswith("skipped holdout 1, tag 1") and "2026-11-20" in lines[4]
    assert lines[5].startswith(f"{counted:<18} total      3 days")
    # And --utc changes only the time of reading
    utc = ok("rules", "stats", "--app-id", APP_ID, "--utc").splitlines()[0]
    assert utc.endswith("as of 2026-11-22T10:00:00Z")


def test_csv_has_a_column_for_every_reason(counted: str) -> None:
    # When the range is exported as CSV
    out = ok("rules", "stats", "--app-id", APP_ID, "--csv", "--from", "2026-11-20")
    rows = list(csv.DictReader(io.StringIO(out)))
    # Then there is one line per rule and day, with unknown_outcome and every skip reason
    assert [r["day"] for r in rows] == [TODAY, "2026-11-21", "2026-11-20"]
    header = set(rows[0])
    assert {"eligible", "failed_unknown_outcome"} <= header
    assert {f"skipped_{r.value}" for r in SkipReason} <= header
    assert (rows[0]["failed_unknown_outcome"], rows[2]["skipped_tag"]) == ("1", "1")
    assert rows[1]["sent"] == "0"


def test_the_oldest_kept_day_is_the_limit(counted: str) -> None:
    # When the range starts on the oldest kept day, then one day before it
    kept = stats_json("--from", "2026-08-23", "--to", "2026-08-24")
    older = run("rules", "stats", "--app-id", APP_ID, "--from", "2026-08-22")
    # Then the oldest day is read, and anything older is refused saying what is kept
    assert [r["sent"] for r in kept["rows"]] == [0, 1]
    assert older.exit_code == 2
    assert "older than the 92 days kept (the oldest is 2026-08-23)" in older.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--to", "2026-11-23"], "2026-11-23 is after today (2026-11-22 in the account's zone)"),
        (["--from", "2026-11-22", "--to", "2026-11-21"], "2026-11-22 is after --to 2026-11-21"),
        (["--from", "22/11/2026"], "'22/11/2026' does not match the format '%Y-%m-%d'"),
        (["--json", "--csv"], "give --json or --csv, not both"),
    ],
)
def test_a_bad_range_is_refused(counted: str, args: list[str], message: str) -> None:
    result = run("rules", "stats", "--app-id", APP_ID, *args)
    assert result.exit_code == 2 and message in result.stderr, result.output


def test_followers_show_in_the_account_zone_and_in_utc_on_request(
    stack: Settings, fake_clock: FakeClock
) -> None:
    # Given a registered account (Asia/Shanghai) and a follower who wrote an hour ago
    register(stack)
    at = int(fake_clock.now) - 3600
    FollowerStore(stack).update(
        APP_ID,
        "o-alice",
        lambda s: apply_interaction(s, Interaction(kind=InteractionKind.MESSAGE, at=at)),
    )
    args = ("followers", "show", "--app-id", APP_ID, "--openid", "o-alice")
    # When shown as text, as text in UTC, and as JSON
    text, utc, view = ok(*args), ok(*args, "--utc"), json.loads(ok(*args, "--json"))
    # Then the text is local with its offset, --utc is the machine form, JSON carries both
    assert "last_message_at      2026-11-22 17:00 +08:00" in text
    assert "window_closes_at     2026-11-24 17:00 +08:00" in text
    assert "last_message_at      2026-11-22T09:00:00Z" in utc
    assert view["last_message_at"] == "2026-11-22T09:00:00Z"
    assert view["last_message_at_local"] == "2026-11-22 17:00 +08:00"
    # And the list says which zone its times are in
    table = ok("followers", "list", "--app-id", APP_ID)
    assert "(times in Asia/Shanghai (+08:00))" in table and "2026-11-24 17:00 +08:00" in table


def test_campaigns_rules_and_status_print_local_times(
    stack: Settings, fake_clock: FakeClock
) -> None:
    # Given a rule, a draft campaign and a sweep checkpoint ten minutes old
    register(stack)
    ok("rules", "put", "--app-id", APP_ID, "--file", str(RULE))
    rule = json.loads(ok("rules", "list", "--app-id", APP_ID, "--json"))[0]["name"]
    campaign_id = ok("campaign", "create", "--app-id", APP_ID, "--file", str(CAMPAIGN)).split()[1]
    RecallStore(stack).save_checkpoint(APP_ID, int(fake_clock.now) - 600)
    # When each is read as text and JSON
    shown = ok("rules", "show", "--app-id", APP_ID, "--name", rule)
    shown_json = json.loads(ok("rules", "show", "--app-id", APP_ID, "--name", rule, "--json"))
    listing = ok("campaign", "list", "--app-id", APP_ID)
    listing_json = json.loads(ok("campaign", "list", "--app-id", APP_ID, "--json"))
    status_text = ok("status")
    status_json = json.loads(ok("status", "--json"))
    # Then the text is in Asia/Shanghai with its offset; JSON keeps UTC and adds _local
    assert "created_at: 2026-11-22 18:00 +08:00" in shown
    assert shown_json["created_at"] == "2026-11-22T10:00:00Z"
    assert shown_json["created_at_local"] == "2026-11-22 18:00 +08:00"
    assert campaign_id in listing and "2026-11-22 18:00 +08:00" in listing
    assert listing_json[0]["created_at_local"] == "2026-11-22 18:00 +08:00"
    assert "wxengage stack wxengage at 2026-11-22 18:00 +08:00" in status_text
    assert f"{APP_ID} (Asia/Shanghai, +08:00)" in status_text
    assert "swept to 2026-11-22 17:50 +08:00 (10 min ago)" in status_text
    [account] = status_json["accounts"]
    assert account["swept_to_local"] == "2026-11-22 17:50 +08:00"
    assert status_json["at"] == "2026-11-22T10:00:00Z"
    # And --utc prints the machine form
    assert "swept to 2026-11-22T09:50:00Z" in ok("status", "--utc")


def test_campaign_status_keeps_utc_and_adds_local_times(
    stack: Settings, fake_clock: FakeClock
) -> None:
    # Given a draft campaign (no legs planned until it starts)
    register(stack)
    campaign_id = ok("campaign", "create", "--app-id", APP_ID, "--file", str(CAMPAIGN)).split()[1]
    # When its status is read as JSON / Then it names the zone; not started, no local start
    report = json.loads(
        ok("campaign", "status", "--app-id", APP_ID, "--campaign", campaign_id, "--json")
    )
    assert (report["timezone"], report["started_at"], report["started_at_local"]) == (
        "Asia/Shanghai",
        None,
        None,
    )


def test_every_leg_gets_its_local_send_time_beside_the_utc_one() -> None:
    # Given a started campaign's report (as broadcast.report builds it)
    report = {
        "started_at": "2026-12-03T02:00:00Z",
        "groups": [
            {"name": "vip", "legs": [{"leg": "g0v1", "send_at": "2026-12-04T02:00:00Z"}]},
            {"name": "rest", "legs": [{"leg": "g1", "send_at": "2026-12-04T12:30:00Z"}]},
        ],
    }
    # When the local times are added
    out = with_local_times(report, Times("Asia/Shanghai"))
    # Then the UTC fields stay and each has its local twin (the winner "at 02:00Z" is 10:00)
    assert out["started_at_local"] == "2026-12-03 10:00 +08:00"
    assert [leg["send_at"] for g in out["groups"] for leg in g["legs"]] == [
        "2026-12-04T02:00:00Z",
        "2026-12-04T12:30:00Z",
    ]
    assert [leg["send_at_local"] for g in out["groups"] for leg in g["legs"]] == [
        "2026-12-04 10:00 +08:00",
        "2026-12-04 20:30 +08:00",
    ]
    assert report["groups"][0]["legs"][0] == {"leg": "g0v1", "send_at": "2026-12-04T02:00:00Z"}


def test_a_zone_with_daylight_saving_prints_the_offset_in_force() -> None:
    # Given New York, at noon UTC in January and in July
    # When printed / Then each carries its own offset
    assert local_text(1_767_268_800, "America/New_York") == "2026-01-01 07:00 -05:00"
    assert local_text(1_783_000_800, "America/New_York") == "2026-07-02 10:00 -04:00"
    assert local_text(1_767_268_805, "Asia/Kolkata") == "2026-01-01 17:30:05 +05:30"
