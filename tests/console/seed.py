"""Data the console's tests put in the stores directly (what the engine would have written)."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.support.callbacks import APP_ID
from wxengage.broadcast.schedule import plan_legs
from wxengage.broadcast.spec import CampaignSpec, CampaignStatus
from wxengage.broadcast.state import Campaign, LegState, LegStatus
from wxengage.settings import Settings
from wxengage.store.campaigns import CampaignStore


def seed_campaign(stack: Settings, now: int) -> Campaign:
    """A sending A/B campaign (tag 101, variants A and B) whose variants were read 12 % and 8 %."""
    send_at = datetime.fromtimestamp(now + 7200, UTC).isoformat()  # variants go out in two hours
    spec = CampaignSpec.model_validate(
        {
            "name": "十一月会员",
            "groups": [
                {
                    "name": "vip",
                    "audience": {"tags": [101]},
                    "ab_test": {
                        "variants": [
                            {
                                "name": "A",
                                "content": {"type": "mpnews", "media_id": "MA"},
                                "ratio": 0.1,
                                "send_at": send_at,
                            },
                            {
                                "name": "B",
                                "content": {"type": "mpnews", "media_id": "MB"},
                                "ratio": 0.1,
                                "send_at": send_at,
                            },
                        ]
                    },
                }
            ],
        }
    )
    legs = plan_legs(spec, "Asia/Shanghai", now)
    campaign = Campaign(
        app_id=APP_ID,
        campaign_id="c00000000001",
        spec=spec,
        status=CampaignStatus.SENDING,
        created_at=now,
        updated_at=now,
        legs=legs,
        started_at=now,
    )
    store = CampaignStore(stack)
    assert store.create(campaign)
    for leg, readers in zip(legs[:2], (120, 80), strict=True):
        assert store.create(
            LegState(
                app_id=APP_ID,
                campaign_id=campaign.campaign_id,
                key=leg.key,
                group=leg.group,
                kind=leg.kind,
                variant=leg.variant,
                status=LegStatus.SUCCEEDED,
                sent=1000,
                readers=readers,
            )
        )
    return campaign
