"""`wxengage campaign` as an operator meets it: precise refusals that change nothing."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.broadcast.conftest import World
from tests.broadcast.test_state_machine import ab_spec, text_spec


def write(tmp_path: Path, spec: object) -> str:
    path = tmp_path / "campaign.yaml"
    path.write_text(yaml.safe_dump(spec))
    return str(path)


def test_an_invalid_file_is_refused_by_create_and_nothing_is_stored(
    world: World, tmp_path: Path
) -> None:
    # Given an A/B test on every follower
    spec = ab_spec()
    spec["groups"][0]["audience"] = "all"
    spec["groups"] = spec["groups"][:1]
    # When created / Then exit 1 with the rule, and no campaign exists
    out = world.wx(
        "campaign", "create", "--app-id", world.app_id, "--file", write(tmp_path, spec), ok=False
    )
    assert "A/B tests are not allowed for 'all followers' sends" in out
    assert world.campaigns.all(world.app_id) == []


def test_a_variant_too_soon_is_refused_at_start_and_the_draft_stays(
    world: World, tmp_path: Path
) -> None:
    # Given a draft whose variants go at 18:30 Shanghai, half an hour from now
    spec = ab_spec()
    for variant in spec["groups"][0]["ab_test"]["variants"]:
        variant["send_at"] = "2026-11-22T18:30:00"
    campaign_id = world.create(spec, tmp_path)
    # When started / Then refused with the earliest allowed time; still a draft, no execution
    out = world.wx(
        "campaign", "start", "--app-id", world.app_id, "--campaign", campaign_id, ok=False
    )
    # (the virtual clock runs at wall speed between leaps: a second may have passed)
    assert "variants must be at least 1 hour ahead (not before 2026-11-22T19:00:0" in out
    assert world.campaign(campaign_id).status.value == "draft"
    arn = world.settings.broadcast_state_machine_arn
    assert world.sfn.list_executions(stateMachineArn=arn)["executions"] == []


def test_only_drafts_are_edited_and_a_started_campaign_is_not_started_twice(
    world: World, tmp_path: Path
) -> None:
    # Given a campaign started for 21:00 Shanghai
    world.follow(5)
    campaign_id = world.create(text_spec(("all", "all"), send_at="2026-11-22T21:00:00"), tmp_path)
    with world.clock.held():
        world.start(campaign_id)
        world.wait_for(campaign_id, "queued")
        # When it is edited and started again
        edit = world.wx(
            "campaign",
            "edit",
            "--app-id",
            world.app_id,
            "--campaign",
            campaign_id,
            "--file",
            write(tmp_path, text_spec(("all", "all"))),
            ok=False,
        )
        again = world.wx(
            "campaign", "start", "--app-id", world.app_id, "--campaign", campaign_id, ok=False
        )
    # Then both are refused, saying what can be done instead
    assert "only drafts can be edited (reschedule, send-now or cancel a started one)" in edit
    assert "is already queued" in again


def test_list_and_status_show_every_campaign_and_unknown_ids_exit_1(
    world: World, tmp_path: Path
) -> None:
    # Given two drafts
    first = world.create(text_spec(("all", "all")), tmp_path)
    second = world.create(ab_spec(), tmp_path)
    # When listed, and an unknown id is asked for
    listing = world.wx("campaign", "list", "--app-id", world.app_id)
    unknown = world.wx(
        "campaign", "status", "--app-id", world.app_id, "--campaign", "cnotthere000", ok=False
    )
    status = world.status(second)
    # Then both are listed as drafts, the unknown one is named, and status shows the planned groups
    assert first in listing and second in listing and listing.count("draft") == 2
    assert "no campaign cnotthere000 for account" in unknown
    assert status["status"] == "draft" and [g["name"] for g in status["groups"]] == [
        "vip",
        "others",
    ]


def test_send_now_moves_a_waiting_group_to_now(world: World, tmp_path: Path) -> None:
    # Given a group scheduled for tomorrow, waiting
    world.follow(5)
    campaign_id = world.create(text_spec(("all", "all"), send_at="2026-11-23T21:00:00"), tmp_path)
    with world.clock.held():
        world.start(campaign_id)
        world.wait_for(campaign_id, "queued")
        sent_at = int(world.clock())
        # When sent now
        world.wx("campaign", "send-now", "--app-id", world.app_id, "--campaign", campaign_id)
    world.run_until(f"{campaign_id}-r2")
    # Then it went out within the minute, not tomorrow
    (batch,) = world.batches(campaign_id, "g0")
    assert batch.submitted_at is not None and batch.submitted_at - sent_at < 60
