"""The moto patches refuse, loudly and with the way out, to run on a moto they were not written for."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from wxengage_local import moto_patches


def test_the_installed_moto_is_the_one_the_patches_were_written_for() -> None:
    # Given the pinned install, When checked, Then nothing is raised
    moto_patches.check_version()


@pytest.mark.parametrize(
    "apply",
    [
        lambda: moto_patches.install_inprocess_lambda(lambda name: None),
        lambda: moto_patches.install_clock_waits(),
        moto_patches.state_machines_follow_execution_config,
        lambda: moto_patches.moto_server(0, "embedded AWS"),
    ],
    ids=["lambda", "waits", "state-machines", "server"],
)
def test_every_patch_refuses_another_moto_version(
    monkeypatch: pytest.MonkeyPatch, apply: Callable[[], Any]
) -> None:
    # Given another moto version installed
    monkeypatch.setattr(moto_patches.importlib.metadata, "version", lambda name: "5.3.0")
    # When a patch is applied, Then it fails naming the expected version and what to do
    with pytest.raises(RuntimeError, match=r"moto 5\.2\.5, but moto 5\.3\.0 is installed") as err:
        apply()
    assert "pip install -e '.[local]'" in str(err.value)
