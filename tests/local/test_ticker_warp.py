"""The ticker on the --warp clock: it leaps to the first tick with a recall due, not minute by minute."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from tests.local.conftest import WriteTemplate
from tests.local.test_ticker import SCHEDULED
from wxengage_local.handlers import Activity
from wxengage_local.template import FunctionSpec, LocalTemplate
from wxengage_local.ticker import Ticker
from wxengage_local.warp import VirtualClock

START = 1_795_341_600.0
DUE = START + 47.5 * 3600  # a lead-30 recall of a message written at START


def test_the_sweep_fires_at_the_first_tick_after_the_recall_is_due_and_the_clock_rests(
    tmp_path: Path, write_template: WriteTemplate
) -> None:
    # Given an every-minute sweep on a warp clock whose probe says a recall is due at DUE,
    # and a sweep that queues it (the probe then has nothing more)
    activity = Activity()
    vclock = VirtualClock(start=START, settle=0.02, activity=activity)
    fired: list[float] = []
    pending: dict[str, float | None] = {"due": DUE}

    def invoke(function: FunctionSpec, event: dict[str, Any]) -> None:
        with activity:
            fired.append(vclock())
            if pending["due"] is not None and vclock() >= pending["due"]:
                pending["due"] = None

    functions = LocalTemplate(write_template(SCHEDULED)).functions()
    ticker = Ticker(
        functions,
        invoke=invoke,
        clock=vclock,
        warp=vclock,
        probes={"Sweep": lambda now: pending["due"]},
    )
    # When it runs
    ticker.start()
    try:
        deadline = time.monotonic() + 30
        while pending["due"] is not None and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)
    finally:
        ticker.stop()
    # Then the sweep ran within a minute after DUE, after one leap, not 2,850 minute ticks,
    # and with nothing else due the clock stayed there
    due_sweeps = [t for t in fired if t >= DUE]
    assert due_sweeps and due_sweeps[0] < DUE + 60
    assert len(fired) <= 3 and vclock.leaps == 1
    assert vclock() < DUE + 120
