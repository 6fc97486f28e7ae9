"""A recall planned already due (a late callback) is filed where the next sweep looks."""

from __future__ import annotations

from tests.conftest import FakeClock
from wxengage.recall.planning import PendingRecall
from wxengage.settings import Settings
from wxengage.store.recalls import RecallStore

APP_ID = "wx0123456789abcdef"


def test_a_recall_due_in_a_minute_already_swept_is_read_by_the_next_sweep(
    stack: Settings, fake_clock: FakeClock
) -> None:
    # Given a recall whose due time was ten minutes ago (the sweep has passed that minute)
    now = int(fake_clock.now)
    recall = PendingRecall(
        app_id=APP_ID,
        openid="o-late",
        rule="r1",
        window_opened_at=now - 2 * 86400 + 900,
        window_closes_at=now + 900,
        due_at=now - 600,
    )
    store = RecallStore(stack)
    # When it is planned now
    assert store.put_pending(recall) == "new"
    # Then a sweep whose checkpoint is this minute (it passed the due minute) finds it
    assert [r.openid for r in store.due_since(APP_ID, now - now % 60, now).rows] == ["o-late"]
