"""Names in any language through the CLI: create, reschedule `--leg 会员/A组`, status; refusals."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.broadcast.conftest import World
from tests.broadcast.test_state_machine import ab_spec


def chinese(group: str = "会员") -> dict[str, Any]:
    """The A/B spec with every operator-given name in Chinese; variants at 21:00 Shanghai."""
    spec = ab_spec()
    spec["name"] = "双十二会员活动"
    spec["groups"][0]["name"] = group
    for variant, name in zip(spec["groups"][0]["ab_test"]["variants"], ("A组", "B组"), strict=True):
        variant["name"] = name
        variant["send_at"] = "2026-11-22T21:00:00"
    spec["groups"][1]["name"] = "其余粉丝"
    spec["groups"][1]["send_at"] = "2026-11-22T21:00:00"
    return spec


def test_a_campaign_named_in_chinese_is_created_moved_by_leg_name_and_read(
    world: World, tmp_path: Path
) -> None:
    # Given a Chinese-named A/B campaign, created and started from the CLI, waiting
    world.follow(10, tags={101: range(5)})
    campaign_id = world.create(chinese(), tmp_path)
    args = ["campaign", "reschedule", "--app-id", world.app_id, "--campaign", campaign_id]
    with world.clock.held():
        world.start(campaign_id)
        world.wait_for(campaign_id, "queued")
        # When variant B组 alone is moved an hour, named as an operator types it (case aside)
        out = world.wx(*args, "--at", "2026-11-22T22:00:00+08:00", "--leg", "会员/b组")
    world.run_until(f"{campaign_id}-r2")
    # Then only that leg moved, its key and the execution's name stay ASCII
    planned = {leg.key: leg.send_at for leg in world.campaign(campaign_id).legs}
    assert planned["g0v1"] - planned["g0v0"] == 3600
    assert "g0v1   会员/B组" in out
    assert world.campaign(campaign_id).execution == f"{campaign_id}-r2"
    # And once run, status names the legs as the operator did
    text = world.wx("campaign", "status", "--app-id", world.app_id, "--campaign", campaign_id)
    assert "双十二会员活动" in text
    for label in ("会员/A组", "会员/B组", "会员/winner", "其余粉丝"):
        assert label in text


@pytest.mark.parametrize(
    ("group", "message"),
    [
        ("会员/A", "cannot hold '/' (it separates them: 会员/A)"),
        ("会 员", "with no spaces"),
        ("会员\u200b", "with no spaces"),  # a zero-width space: invisible in a table
        ("会" * 33, "at most 32 characters"),
    ],
)
def test_a_refused_name_writes_nothing(
    world: World, tmp_path: Path, group: str, message: str
) -> None:
    # Given a campaign file whose group name cannot be a leg's name
    path = tmp_path / "campaign.yaml"
    path.write_text(yaml.safe_dump(chinese(group), allow_unicode=True))
    # When created / Then refused, saying why, and no campaign is stored
    out = world.wx("campaign", "create", "--app-id", world.app_id, "--file", str(path), ok=False)
    assert message in out
    assert world.campaigns.all(world.app_id) == []
