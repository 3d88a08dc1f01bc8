"""CORS origins are read from CONEZIA_CORS_ORIGINS; credentials never go with every origin."""

from __future__ import annotations

import pytest

from conezia.adapters.http import HttpConfig
from conezia.settings import Settings, SettingsError

__all__: list[str] = []


def test_no_origin_is_allowed_by_default() -> None:
    settings = Settings.from_env({})
    assert settings.cors_origins == ()
    assert settings.cors_allow_credentials is False


def test_origins_are_a_comma_separated_list() -> None:
    settings = Settings.from_env({"CONEZIA_CORS_ORIGINS": " https://app.example.com, http://localhost:5173 ,"})
    assert settings.cors_origins == ("https://app.example.com", "http://localhost:5173")


@pytest.mark.parametrize("origin", ["app.example.com", "https://app.example.com/", "https://a.example/path", "null"])
def test_something_that_is_not_an_origin_is_a_clear_error(origin: str) -> None:
    with pytest.raises(SettingsError, match="CONEZIA_CORS_ORIGINS"):
        Settings.from_env({"CONEZIA_CORS_ORIGINS": origin})


def test_credentials_with_every_origin_are_refused_when_the_settings_load() -> None:
    with pytest.raises(SettingsError, match="CONEZIA_CORS_ALLOW_CREDENTIALS"):
        Settings.from_env({"CONEZIA_CORS_ORIGINS": "*", "CONEZIA_CORS_ALLOW_CREDENTIALS": "true"})
    named = Settings.from_env({"CONEZIA_CORS_ORIGINS": "https://app.example.com", "CONEZIA_CORS_ALLOW_CREDENTIALS": "1"})
    assert named.cors_allow_credentials is True
    assert Settings.from_env({"CONEZIA_CORS_ORIGINS": "*"}).cors_origins == ("*",)


def test_the_http_adapter_refuses_credentials_with_every_origin_too() -> None:
    with pytest.raises(ValueError, match="credentials"):
        HttpConfig(rate_limits={"free": 1}, rate_window=1, max_body_bytes=1024,
                   cors_origins=("*",), cors_allow_credentials=True)
