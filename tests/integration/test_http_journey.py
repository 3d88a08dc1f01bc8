"""The HTTP API end to end, the way a person would use it, over PostgreSQL."""

from __future__ import annotations

import datetime as dt
import re

from conezia.adapters.http.schemas import (
    Accepted,
    AttentionList,
    AuthProviderList,
    AuthProviderOut,
    EntityOut,
    EntityPage,
    GroupList,
    GroupOut,
    IdentifierList,
    IdentifierOut,
    LoginOut,
    ProviderTokens,
    RelationshipOut,
    RelationshipPage,
    RevealedValue,
    TagList,
    TagOut,
    UserOut,
)
from tests.integration.http_fixtures import API, PASSWORD, Api, api, decoded, http_database

__all__ = ["api", "http_database"]

SSN = "078-05-1120"
PROVIDER_TOKEN = "ya29.provider-access-token-0123456789"
PROVIDER_REFRESH = "1//provider-refresh-token-9876543210"


def _iso_days_ago(days: int) -> str:
    return (dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=days)).isoformat()


def test_a_person_registers_confirms_logs_in_and_builds_their_address_book(api: Api) -> None:
    # -- account -----------------------------------------------------------------
    created = api.post(
        f"{API}/auth/register",
        json={"email": "Ada@Example.com", "password": PASSWORD, "name": "Ada Lovelace", "timezone": "Europe/London"},
    )
    assert created.status_code == 201
    user = decoded(created, UserOut)
    assert (user.email, user.name, user.timezone, user.confirmed_at) == (
        "ada@example.com", "Ada Lovelace", "Europe/London", None,
    )

    confirm = api.post(
        f"{API}/auth/confirm-email", json={"token": api.mailed_token("confirm_email", "ada@example.com")}
    )
    assert confirm.status_code == 200
    assert decoded(confirm, UserOut).confirmed_at is not None

    login = api.post(f"{API}/auth/login", json={"email": "ada@example.com", "password": PASSWORD})
    assert login.status_code == 200
    session = decoded(login, LoginOut)
    assert session.token_type == "bearer"
    assert session.user.id == user.id
    assert dt.timedelta(days=59) < session.expires_at - dt.datetime.now(dt.timezone.utc) <= dt.timedelta(days=60)
    token = session.token

    me = api.get(f"{API}/me", token=token)
    assert me.status_code == 200
    assert decoded(me, UserOut).confirmed_at is not None

    # -- people and their identifiers ----------------------------------------------
    grace = api.create("/entities", token, {"type": "person", "name": "Grace Hopper", "metadata": {"navy": True}})
    alan = api.create("/entities", token, {"type": "person", "name": "Alan Turing"})
    acme = api.create("/entities", token, {"type": "organization", "name": "Acme Corp"})
    for entity in (grace, alan, acme):
        shown = decoded(api.get(f"{API}/entities/{entity['id']}", token=token), EntityOut)
        assert str(shown.id) == entity["id"]

    phone = api.create(
        f"/entities/{grace['id']}/identifiers", token,
        {"type": "phone", "value": "+1 202-555-1234", "label": "mobile", "is_primary": True},
    )
    assert (phone["value"], phone["is_sensitive"], phone["is_primary"]) == ("+12025551234", False, True)
    email = api.create(f"/entities/{grace['id']}/identifiers", token, {"type": "email", "value": "Grace@Navy.MIL"})
    assert email["value"] == "grace@navy.mil"
    ssn = api.post(f"{API}/entities/{grace['id']}/identifiers", token=token, json={"type": "ssn", "value": SSN})
    assert ssn.status_code == 201
    ssn_out = decoded(ssn, IdentifierOut)
    assert (ssn_out.value, ssn_out.is_sensitive) == (None, True)
    alan_ssn = api.create(f"/entities/{alan['id']}/identifiers", token, {"type": "ssn", "value": SSN})

    listed = api.get(f"{API}/entities/{grace['id']}/identifiers", token=token)
    identifiers = decoded(listed, IdentifierList).data
    assert [(i.type, i.value) for i in identifiers] == [
        ("phone", "+12025551234"), ("email", "grace@navy.mil"), ("ssn", None),
    ]

    revealed = api.post(f"{API}/identifiers/{ssn_out.id}/reveal", token=token)
    assert revealed.status_code == 200
    assert decoded(revealed, RevealedValue).value == SSN

    duplicates = api.post(f"{API}/identifiers/duplicates", token=token, json={"type": "ssn", "value": SSN})
    assert duplicates.status_code == 200
    assert {str(i.id) for i in decoded(duplicates, IdentifierList).data} == {str(ssn_out.id), alan_ssn["id"]}
    assert all(i.value is None for i in decoded(duplicates, IdentifierList).data)

    # -- tags and groups -------------------------------------------------------------
    friends = api.create("/tags", token, {"name": "friends", "color": "green"})
    work = api.create("/tags", token, {"name": "work"})
    for entity, tag in ((grace, friends), (alan, friends), (acme, work)):
        tagged = api.put(f"{API}/entities/{entity['id']}/tags/{tag['id']}", token=token)
        assert tagged.status_code == 204
    grace_tags = api.get(f"{API}/entities/{grace['id']}/tags", token=token)
    assert [t.name for t in decoded(grace_tags, TagList).data] == ["friends"]
    assert decoded(api.get(f"{API}/tags/{work['id']}", token=token), TagOut).color == "blue"

    book_club = api.create("/groups", token, {"name": "Book club", "description": "Second Tuesdays"})
    added = api.put(f"{API}/groups/{book_club['id']}/members/{grace['id']}", token=token)
    assert added.status_code == 204
    smart = api.post(
        f"{API}/groups", token=token,
        json={"name": "Friends", "is_smart": True, "rules": {"tags": ["friends"], "type": "person"}},
    )
    assert smart.status_code == 201
    smart_group = decoded(smart, GroupOut)
    assert smart_group.is_smart and smart_group.rules == {"tags": ["friends"], "type": ["person"]}

    smart_members = api.get(f"{API}/groups/{smart_group.id}/members", token=token)
    assert [e.name for e in decoded(smart_members, EntityPage).data] == ["Grace Hopper", "Alan Turing"]
    manual_members = api.get(f"{API}/groups/{book_club['id']}/members", token=token)
    assert [e.name for e in decoded(manual_members, EntityPage).data] == ["Grace Hopper"]
    refused = api.put(f"{API}/groups/{smart_group.id}/members/{acme['id']}", token=token)
    assert refused.status_code == 409
    assert "group_id" in refused.json()["errors"]
    grace_groups = api.get(f"{API}/entities/{grace['id']}/groups", token=token)
    assert [g.name for g in decoded(grace_groups, GroupList).data] == ["Book club"]
    assert [g.name for g in decoded(api.get(f"{API}/groups", token=token), GroupList).data] == [
        "Book club", "Friends",
    ]

    # -- relationships and who needs attention --------------------------------------
    with_grace = api.post(
        f"{API}/entities/{grace['id']}/relationship", token=token,
        json={"type": "friend", "strength": "close", "health_threshold_days": 7, "started_at": "1943-01-01"},
    )
    assert with_grace.status_code == 201
    grace_rel = decoded(with_grace, RelationshipOut)
    assert grace_rel.started_at == dt.date(1943, 1, 1)
    alan_rel = api.create(f"/entities/{alan['id']}/relationship", token, {"type": "colleague"})
    again = api.post(f"{API}/entities/{grace['id']}/relationship", token=token, json={})
    assert again.status_code == 409

    call = {"type": "call", "content": "Talked about COBOL", "occurred_at": _iso_days_ago(10)}
    contacted = api.post(f"{API}/entities/{grace['id']}/interactions", token=token, json=call)
    assert contacted.status_code == 201
    assert api.get(f"{API}/entities/{grace['id']}", token=token).json()["last_interaction_at"] is not None
    note = {"type": "note", "content": "Lunch"}
    assert api.post(f"{API}/entities/{alan['id']}/interactions", token=token, json=note).status_code == 201

    attention = decoded(api.get(f"{API}/attention", token=token), AttentionList).data
    assert [(item.entity.name, item.days_overdue) for item in attention] == [("Grace Hopper", 3)]
    assert attention[0].relationship.id == grace_rel.id

    api.clock.advance(days=40)
    later = decoded(api.get(f"{API}/attention", token=token), AttentionList).data
    assert [item.entity.name for item in later] == ["Grace Hopper", "Alan Turing"]

    # -- read it all back ------------------------------------------------------------
    everyone = decoded(api.get(f"{API}/entities", token=token), EntityPage)
    assert [e.name for e in everyone.data] == ["Grace Hopper", "Alan Turing", "Acme Corp"]
    assert everyone.next_cursor is None
    by_tag = decoded(api.get(f"{API}/entities", token=token, params={"tag": "friends"}), EntityPage)
    assert [e.name for e in by_tag.data] == ["Grace Hopper", "Alan Turing"]
    organizations = decoded(api.get(f"{API}/entities", token=token, params={"type": "organization"}), EntityPage)
    assert [e.name for e in organizations.data] == ["Acme Corp"]
    by_name = decoded(api.get(f"{API}/entities", token=token, params={"q": "HOP"}), EntityPage)
    assert [e.name for e in by_name.data] == ["Grace Hopper"]
    colleagues = api.get(f"{API}/entities", token=token, params={"relationship_type": "colleague"})
    assert [e.name for e in decoded(colleagues, EntityPage).data] == ["Alan Turing"]

    relationships = decoded(api.get(f"{API}/relationships", token=token), RelationshipPage)
    assert {str(r.id) for r in relationships.data} == {str(grace_rel.id), alan_rel["id"]}
    assert decoded(api.get(f"{API}/relationships/{grace_rel.id}", token=token), RelationshipOut) == grace_rel
    assert decoded(api.get(f"{API}/entities/{grace['id']}/relationship", token=token), RelationshipOut) == grace_rel
    assert [t.name for t in decoded(api.get(f"{API}/tags", token=token), TagList).data] == ["friends", "work"]

    # -- linked sign-ins ---------------------------------------------------------------
    linked = api.post(
        f"{API}/me/auth-providers", token=token,
        json={
            "provider": "google", "provider_uid": "google-uid-42",
            "provider_token": PROVIDER_TOKEN, "provider_refresh_token": PROVIDER_REFRESH,
            "provider_meta": {"scope": "contacts.readonly"},
        },
    )
    assert linked.status_code == 201
    link = decoded(linked, AuthProviderOut)
    assert (link.has_token, link.has_refresh_token) == (True, True)
    providers = decoded(api.get(f"{API}/me/auth-providers", token=token), AuthProviderList).data
    assert [p.provider for p in providers] == ["google"]
    tokens = api.post(f"{API}/me/auth-providers/{link.id}/reveal", token=token)
    assert decoded(tokens, ProviderTokens) == ProviderTokens(
        provider_token=PROVIDER_TOKEN, provider_refresh_token=PROVIDER_REFRESH
    )

    # -- secrets only ever leave through the reveal endpoints ------------------------
    _assert_secrets_only_in_reveals(api)

    # -- log out ------------------------------------------------------------------------
    assert api.post(f"{API}/auth/logout", token=token).status_code == 204
    assert api.get(f"{API}/me", token=token).status_code == 401


def _assert_secrets_only_in_reveals(api: Api) -> None:
    ssn_forms = re.compile(r"078-?05-?1120")
    reveals = re.compile(r"/(identifiers|auth-providers)/[0-9a-f-]{36}/reveal$")
    for method, path, response in api.seen:
        text = response.text
        for private in ("hashed_password", "value_encrypted", "value_hash", "token_hash", "$argon2"):
            assert private not in text, f"{method} {path} exposed {private}"
        if reveals.search(path):
            continue
        assert not ssn_forms.search(text), f"{method} {path} exposed the SSN"
        assert PROVIDER_TOKEN not in text and PROVIDER_REFRESH not in text, f"{method} {path} exposed a token"


def test_a_person_edits_archives_and_deletes_what_they_recorded(api: Api) -> None:
    token = api.new_user("ada@example.com")

    profile = api.patch(f"{API}/me", token=token, json={"name": "Countess", "timezone": "Europe/Paris"})
    assert (profile.status_code, profile.json()["name"], profile.json()["timezone"]) == (
        200, "Countess", "Europe/Paris",
    )
    moved = api.patch(f"{API}/me", token=token, json={"email": "countess@example.com"})
    assert (moved.json()["email"], moved.json()["confirmed_at"]) == ("countess@example.com", None)
    confirmed = api.post(
        f"{API}/auth/confirm-email", json={"token": api.mailed_token("confirm_email", "countess@example.com")}
    )
    assert confirmed.json()["confirmed_at"] is not None
    prefs = api.patch(
        f"{API}/me/preferences", token=token,
        json={"settings": {"theme": "dark"}, "notification_preferences": {"push": False, "quiet_hours_start": "22:00"}},
    )
    assert prefs.status_code == 200
    assert decoded(prefs, UserOut).notification_preferences["push"] is False

    grace = api.create("/entities", token, {"type": "person", "name": "Grace"})
    renamed = api.patch(f"{API}/entities/{grace['id']}", token=token, json={"name": "Grace Hopper"})
    assert (renamed.status_code, renamed.json()["name"]) == (200, "Grace Hopper")

    archived = api.post(f"{API}/entities/{grace['id']}/archive", token=token)
    assert archived.status_code == 200 and archived.json()["archived_at"] is not None
    assert api.get(f"{API}/entities", token=token).json()["data"] == []
    assert len(api.get(f"{API}/entities", token=token, params={"archived": "all"}).json()["data"]) == 1
    unarchived = api.post(f"{API}/entities/{grace['id']}/unarchive", token=token)
    assert unarchived.status_code == 200 and unarchived.json()["archived_at"] is None

    phone = api.create(f"/entities/{grace['id']}/identifiers", token, {"type": "phone", "value": "+12025551234"})
    changed = api.patch(f"{API}/identifiers/{phone['id']}", token=token, json={"label": "work", "is_primary": True})
    assert (changed.status_code, changed.json()["label"], changed.json()["is_primary"]) == (200, "work", True)
    assert api.delete(f"{API}/identifiers/{phone['id']}", token=token).status_code == 204
    assert api.get(f"{API}/entities/{grace['id']}/identifiers", token=token).json() == {"data": []}

    tag = api.create("/tags", token, {"name": "friends"})
    assert api.patch(f"{API}/tags/{tag['id']}", token=token, json={"color": "red"}).json()["color"] == "red"
    assert api.put(f"{API}/entities/{grace['id']}/tags/{tag['id']}", token=token).status_code == 204
    assert api.delete(f"{API}/entities/{grace['id']}/tags/{tag['id']}", token=token).status_code == 204
    assert api.delete(f"{API}/entities/{grace['id']}/tags/{tag['id']}", token=token).status_code == 404
    assert api.delete(f"{API}/tags/{tag['id']}", token=token).status_code == 204
    assert api.get(f"{API}/tags/{tag['id']}", token=token).status_code == 404

    group = api.create("/groups", token, {"name": "Club"})
    assert api.put(f"{API}/groups/{group['id']}/members/{grace['id']}", token=token).status_code == 204
    assert api.delete(f"{API}/groups/{group['id']}/members/{grace['id']}", token=token).status_code == 204
    smart = api.patch(
        f"{API}/groups/{group['id']}", token=token, json={"is_smart": True, "rules": {"type": "person"}}
    )
    assert smart.status_code == 200 and smart.json()["is_smart"] is True
    assert api.delete(f"{API}/groups/{group['id']}/members/{grace['id']}", token=token).status_code == 409
    assert api.delete(f"{API}/groups/{group['id']}", token=token).status_code == 204

    relationship = api.create(f"/entities/{grace['id']}/relationship", token, {"type": "friend"})
    changed_rel = api.patch(f"{API}/relationships/{relationship['id']}", token=token, json={"notes": "met in 1943"})
    assert changed_rel.json()["notes"] == "met in 1943"
    ended = api.post(f"{API}/relationships/{relationship['id']}/end", token=token)
    assert (ended.status_code, ended.json()["status"]) == (200, "inactive")
    inactive = api.get(f"{API}/relationships", token=token, params={"status": "inactive"}).json()["data"]
    assert [r["id"] for r in inactive] == [relationship["id"]]
    assert api.delete(f"{API}/relationships/{relationship['id']}", token=token).status_code == 204
    assert api.get(f"{API}/entities/{grace['id']}/relationship", token=token).status_code == 404

    link = api.create("/me/auth-providers", token, {"provider": "apple", "provider_uid": "a-1"})
    assert api.delete(f"{API}/me/auth-providers/{link['id']}", token=token).status_code == 204

    assert api.delete(f"{API}/entities/{grace['id']}", token=token).status_code == 204
    assert api.get(f"{API}/entities/{grace['id']}", token=token).status_code == 404

    wrong = api.delete(f"{API}/me", token=token, json={"password": "not-it"})
    assert (wrong.status_code, list(wrong.json()["errors"])) == (422, ["password"])
    assert api.delete(f"{API}/me", token=token, json={"password": PASSWORD}).status_code == 204
    assert api.get(f"{API}/me", token=token).status_code == 401
    gone = api.post(f"{API}/auth/login", json={"email": "countess@example.com", "password": PASSWORD})
    assert gone.status_code == 401


def test_a_person_who_forgot_their_password_resets_it_and_old_sessions_end(api: Api) -> None:
    old_session = api.new_user("ada@example.com")

    asked = api.post(f"{API}/auth/password-reset/request", json={"email": "ada@example.com"})
    unknown = api.post(f"{API}/auth/password-reset/request", json={"email": "nobody@example.com"})
    assert (asked.status_code, unknown.status_code) == (202, 202)
    assert decoded(asked, Accepted) == decoded(unknown, Accepted)

    token = api.mailed_token("reset_password", "ada@example.com")
    reset = api.post(f"{API}/auth/password-reset/confirm", json={"token": token, "password": "Difference-Engine-2"})
    assert reset.status_code == 200
    assert decoded(reset, UserOut).email == "ada@example.com"

    assert api.get(f"{API}/me", token=old_session).status_code == 401
    assert api.post(f"{API}/auth/login", json={"email": "ada@example.com", "password": PASSWORD}).status_code == 401
    assert api.log_in("ada@example.com", "Difference-Engine-2")
    reused = api.post(f"{API}/auth/password-reset/confirm", json={"token": token, "password": "Difference-Engine-3"})
    assert (reused.status_code, list(reused.json()["errors"])) == (422, ["token"])


def test_a_person_asks_for_a_new_confirmation_and_logs_out_everywhere(api: Api) -> None:
    first = api.new_user("ada@example.com")
    second = api.log_in("ada@example.com")

    resent = api.post(f"{API}/auth/confirm-email/resend", token=first)
    assert resent.status_code == 202
    mailed = api.mailed_token("confirm_email", "ada@example.com")
    confirmed = api.post(f"{API}/auth/confirm-email", json={"token": mailed})
    assert confirmed.status_code == 200
    again = api.post(f"{API}/auth/confirm-email/resend", token=first)
    assert (again.status_code, list(again.json()["errors"])) == (422, ["email"])

    assert api.post(f"{API}/auth/logout", token=first, params={"everywhere": "true"}).status_code == 204
    assert api.get(f"{API}/me", token=second).status_code == 401


def test_a_session_expires_after_sixty_days(api: Api) -> None:
    token = api.new_user()
    api.clock.advance(days=60, seconds=1)
    expired = api.get(f"{API}/me", token=token)
    assert expired.status_code == 401
    assert 'error="invalid_token"' in expired.headers["WWW-Authenticate"]
