"""Sessions end at once in the serving process, even though verified sessions are remembered briefly."""

from __future__ import annotations

from tests.integration.http_fixtures import API, PASSWORD, Api, api, database_rows, http_database

__all__ = ["api", "http_database"]


def test_a_logged_out_token_is_refused_on_the_very_next_request(api: Api) -> None:
    token = api.new_user("ada@example.com")
    assert api.get(f"{API}/me", token=token).status_code == 200  # now remembered
    assert api.post(f"{API}/auth/logout", token=token).status_code == 204
    assert api.get(f"{API}/me", token=token).status_code == 401


def test_logging_out_everywhere_ends_the_other_remembered_sessions_too(api: Api) -> None:
    first = api.new_user("ada@example.com")
    second = api.log_in("ada@example.com")
    assert api.get(f"{API}/me", token=second).status_code == 200
    assert api.post(f"{API}/auth/logout?everywhere=true", token=first).status_code == 204
    assert api.get(f"{API}/me", token=second).status_code == 401


def test_a_profile_change_shows_on_the_next_read(api: Api) -> None:
    token = api.new_user("ada@example.com")
    assert api.get(f"{API}/me", token=token).json()["name"] is None
    assert api.patch(f"{API}/me", token=token, json={"name": "Ada"}).status_code == 200
    assert api.get(f"{API}/me", token=token).json()["name"] == "Ada"


def test_a_password_reset_ends_remembered_sessions_at_once(api: Api) -> None:
    token = api.new_user("ada@example.com")
    assert api.get(f"{API}/me", token=token).status_code == 200
    api.post(f"{API}/auth/password-reset/request", json={"email": "ada@example.com"})
    reset = api.mailed_token("reset_password", "ada@example.com")
    confirmed = api.post(f"{API}/auth/password-reset/confirm", json={"token": reset, "password": "New-" + PASSWORD})
    assert confirmed.status_code == 200
    assert api.get(f"{API}/me", token=token).status_code == 401


def test_a_session_past_its_60_days_is_refused_even_if_remembered(api: Api) -> None:
    token = api.new_user("ada@example.com")
    assert api.get(f"{API}/me", token=token).status_code == 200
    api.clock.advance(days=60)
    assert api.get(f"{API}/me", token=token).status_code == 401



def test_a_confirmed_address_shows_at_once_on_a_remembered_session(api: Api) -> None:
    token = api.new_user("confirm@example.com")
    assert api.get(f"{API}/me", token=token).json()["confirmed_at"] is None  # now remembered
    confirmation = api.mailed_token("confirm_email", "confirm@example.com")
    assert api.post(f"{API}/auth/confirm-email", json={"token": confirmation}).status_code == 200
    assert api.get(f"{API}/me", token=token).json()["confirmed_at"] is not None


def test_changing_the_password_keeps_this_session_and_ends_the_others(api: Api) -> None:
    here = api.new_user("change@example.com")
    elsewhere = api.log_in("change@example.com")
    assert api.get(f"{API}/me", token=elsewhere).status_code == 200  # remembered
    before = database_rows(api)["users"]
    wrong = api.post(f"{API}/me/password", token=here, json={"current_password": "nope", "new_password": "x"})
    assert wrong.status_code == 422
    assert set(wrong.json()["errors"]) == {"new_password"}
    wrong = api.post(f"{API}/me/password", token=here,
                     json={"current_password": "Wrong-Pass-1", "new_password": "Brand-New-Pass-2"})
    assert wrong.status_code == 422 and wrong.json()["errors"] == {"current_password": ["is incorrect"]}
    assert database_rows(api)["users"] == before

    changed = api.post(f"{API}/me/password", token=here,
                       json={"current_password": PASSWORD, "new_password": "Brand-New-Pass-2"})
    assert changed.status_code == 200, changed.text
    assert "hashed_password" not in changed.json() and "Brand-New" not in changed.text
    assert api.get(f"{API}/me", token=here).status_code == 200
    assert api.get(f"{API}/me", token=elsewhere).status_code == 401
    assert api.log_in("change@example.com", "Brand-New-Pass-2")
