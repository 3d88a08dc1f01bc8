"""The worker's settings: on by default in `conezia run`, every minute, and a bad value named when the settings load."""

from __future__ import annotations

import pytest

from conezia.settings import Settings, SettingsError


def test_by_default_conezia_run_runs_a_worker_that_delivers_every_minute() -> None:
    settings = Settings.from_env({})
    assert settings.run_worker is True and settings.worker_schedule == "* * * * *"


def test_the_worker_can_be_turned_off_and_scheduled_to_the_second() -> None:
    settings = Settings.from_env({"CONEZIA_RUN_WORKER": "false", "CONEZIA_WORKER_SCHEDULE": "*/5 * * * * *"})
    assert settings.run_worker is False and settings.worker_schedule == "*/5 * * * * *"


@pytest.mark.parametrize(
    ("name", "value"),
    [("CONEZIA_RUN_WORKER", "perhaps"), ("CONEZIA_WORKER_SCHEDULE", "every minute"), ("CONEZIA_WORKER_SCHEDULE", "61 * * * *")],
)
def test_a_bad_worker_setting_is_refused_naming_the_variable(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        Settings.from_env({name: value})
