"""Validators: every bad field is named, good values come back normalized."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conezia.core.accounts import User, cast_notification_preferences, check_password
from conezia.core.entities import Entity, Relationship
from conezia.core.errors import ValidationError
from conezia.core.identifiers import cast_identifier, normalize_for_index
from conezia.core.organizing import Group, Tag
from conezia.core.validation import UNSET, Changes, is_valid_url

NOW = dt.datetime(2026, 1, 17, 12, 0, 0, 123456, tzinfo=dt.timezone.utc)
ID = uuid.UUID(int=1)


def errors_of(fn, *args, **kwargs) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as info:
        fn(*args, **kwargs)
    return info.value.errors


@given(st.text(max_size=300))
def test_a_string_field_accepts_exactly_the_lengths_within_its_limits(text: str) -> None:
    changes = Changes({"name": text}, ("name",))
    value = changes.string("name", required=True, min_length=1, max_length=255)
    stripped = text.strip()
    if "\x00" in text or not stripped or len(stripped) > 255:
        assert not changes.valid and "name" in changes.errors
    else:
        assert changes.valid and value == stripped


@given(st.integers())
def test_health_threshold_days_must_lie_between_1_and_365(days: int) -> None:
    params = {"health_threshold_days": days}
    if 1 <= days <= 365:
        rel = Relationship.create(params, id=ID, user_id=ID, entity_id=ID, now=NOW)
        assert rel.health_threshold_days == days
    else:
        assert "health_threshold_days" in errors_of(
            Relationship.create, params, id=ID, user_id=ID, entity_id=ID, now=NOW
        )


def test_an_invalid_entity_names_every_failing_field_at_once() -> None:
    errors = errors_of(
        Entity.create,
        {"type": "robot", "name": "", "avatar_url": "ftp://x", "metadata": [], "colour": "red"},
        id=ID, owner_id=ID, now=NOW,
    )
    assert set(errors) == {"type", "name", "avatar_url", "metadata", "colour"}
    assert errors["colour"] == ["is not a permitted field"]


def test_an_explicit_null_for_a_defaulted_field_is_a_validation_error() -> None:
    errors = errors_of(Relationship.create, {"strength": None, "status": None}, id=ID, user_id=ID, entity_id=ID, now=NOW)
    assert errors == {"strength": ["can't be null"], "status": ["can't be null"]}


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://example.com/a.png", True),
        ("http://example.com:8080/x?y=1", True),
        ("https://", False),
        ("https:///path", False),
        ("ftp://example.com", False),
        ("javascript:alert(1)", False),
        ("https://exa mple.com", False),
        ("https://example.com:99999", False),
        ("example.com", False),
    ],
)
def test_urls_need_http_or_https_and_a_non_empty_host(url: str, ok: bool) -> None:
    assert is_valid_url(url) is ok


@given(st.emails())
def test_valid_emails_are_accepted_and_lower_cased(email: str) -> None:
    changes = Changes({"email": email}, ("email",))
    value = changes.email("email", required=True)
    if len(email) <= 254 and "." in email.split("@")[-1]:
        assert value == email.lower()


@pytest.mark.parametrize("email", ["plain", "a@b", "a b@c.de", "a@b@c.de", "@x.io", "x@.io "])
def test_malformed_emails_are_rejected(email: str) -> None:
    assert "email" in errors_of(User.register, {"email": email, "password": "Passw0rdOK"}, id=ID, now=NOW)


@given(st.text(max_size=300))
def test_a_password_is_accepted_only_when_it_meets_every_rule(password: str) -> None:
    changes = Changes({"password": password}, ("password",))
    result = check_password(changes)
    ok = (
        8 <= len(password) <= 256
        and any("a" <= c <= "z" for c in password)
        and any("A" <= c <= "Z" for c in password)
        and any("0" <= c <= "9" for c in password)
        and "\x00" not in password
    )
    assert (result == password) is ok


def test_passwords_longer_than_72_characters_are_fine_up_to_256() -> None:
    long_password = "Aa1" + "x" * 250
    _, password = User.register({"email": "a@b.co", "password": long_password}, id=ID, now=NOW)
    assert password == long_password
    assert "password" in errors_of(User.register, {"email": "a@b.co", "password": long_password + "xyzw"}, id=ID, now=NOW)


@given(st.text(max_size=8))
def test_quiet_hours_must_be_hh_mm_on_a_24_hour_clock(value: str) -> None:
    changes = Changes({"notification_preferences": {"quiet_hours_start": value}}, ("notification_preferences",))
    merged = cast_notification_preferences(changes)
    parts = value.split(":")
    ok = (
        len(parts) == 2 and parts[0].isascii() and parts[0].isdigit() and 1 <= len(parts[0]) <= 2
        and int(parts[0]) <= 23 and parts[1].isascii() and parts[1].isdigit() and len(parts[1]) == 2
        and int(parts[1]) <= 59
    )
    assert (merged is not UNSET) is ok


def test_registration_validates_quiet_hours_and_fills_default_preferences() -> None:
    errors = errors_of(
        User.register,
        {"email": "a@b.co", "password": "Passw0rdOK", "notification_preferences": {"quiet_hours_end": "24:00", "sms": True}},
        id=ID, now=NOW,
    )
    assert errors["notification_preferences"] == ["quiet_hours_end must be HH:MM format", "sms is not a known preference"]
    user, _ = User.register({"email": "A@B.co", "password": "Passw0rdOK"}, id=ID, now=NOW)
    assert user.email == "a@b.co"
    assert user.notification_preferences == {
        "email": True, "push": True, "in_app": True, "quiet_hours_start": None, "quiet_hours_end": None,
    }


def test_timezones_must_be_iana_names() -> None:
    assert "timezone" in errors_of(User.register, {"email": "a@b.co", "password": "Passw0rdOK", "timezone": "Mars/Olympus"}, id=ID, now=NOW)
    user, _ = User.register({"email": "a@b.co", "password": "Passw0rdOK", "timezone": "Europe/Paris"}, id=ID, now=NOW)
    assert user.timezone == "Europe/Paris"


def test_users_cannot_choose_their_own_tier() -> None:
    assert errors_of(User.register, {"email": "a@b.co", "password": "Passw0rdOK", "tier": "enterprise"}, id=ID, now=NOW) == {
        "tier": ["is not a permitted field"]
    }


@pytest.mark.parametrize(
    ("type_", "value", "stored"),
    [
        ("phone", "+1 202-555-0123", "+12025550123"),
        ("phone", "+442071838750", "+442071838750"),
        ("email", "Ada@Example.COM", "ada@example.com"),
        ("ssn", "123-45-6789", "123-45-6789"),
        ("website", "https://ada.dev", "https://ada.dev"),
        ("social_handle", "@ada", "@ada"),
    ],
)
def test_identifier_values_are_normalized_for_their_type(type_: str, value: str, stored: str) -> None:
    assert cast_identifier({"type": type_, "value": value}, creating=True).value == stored


@pytest.mark.parametrize(
    ("type_", "value"),
    [("phone", "12345"), ("phone", "+999123"), ("phone", "+1 000 000 0000"), ("email", "nope"),
     ("ssn", "123456789"), ("ssn", "12-345-6789"), ("website", "https://"), ("website", "mailto:a@b.c")],
)
def test_identifier_values_that_cannot_exist_are_rejected(type_: str, value: str) -> None:
    assert "value" in errors_of(cast_identifier, {"type": type_, "value": value}, creating=True)


def test_national_phone_notation_is_read_with_the_configured_region() -> None:
    assert cast_identifier({"type": "phone", "value": "(202) 555-0123"}, creating=True, region="US").value == "+12025550123"
    assert "value" in errors_of(cast_identifier, {"type": "phone", "value": "(202) 555-0123"}, creating=True)


def test_an_identifier_update_revalidates_the_value_only_when_it_is_given() -> None:
    data = cast_identifier({"label": "work"}, creating=False, current_type="phone")
    assert data.value is UNSET and data.label == "work"
    assert "type" in errors_of(cast_identifier, {"type": "email"}, creating=False, current_type="phone")


@given(st.text(min_size=1, max_size=600))
def test_identifier_values_over_512_characters_are_rejected(value: str) -> None:
    try:
        data = cast_identifier({"type": "account_number", "value": value}, creating=True)
    except ValidationError as exc:
        refused = set(exc.errors)
    else:
        refused = set()
        assert 1 <= len(data.value) <= 512
    assert refused in (set(), {"value"})


def test_blind_index_normalization_makes_equal_ssns_collide() -> None:
    assert normalize_for_index("ssn", "123-45-6789") == normalize_for_index("ssn", "123 45 6789")
    assert normalize_for_index("social_handle", "@Ada") == normalize_for_index("social_handle", "ada")


def test_tag_colors_come_from_the_allowed_list() -> None:
    assert "color" in errors_of(Tag.create, {"name": "x", "color": "teal"}, id=ID, user_id=ID, now=NOW)
    assert Tag.create({"name": "x"}, id=ID, user_id=ID, now=NOW).color == "blue"


smart_rules = st.fixed_dictionaries(
    {},
    optional={
        "type": st.sampled_from(["person", "organization", "robot"]),
        "tags": st.lists(st.sampled_from(["vip", "", "work"]), max_size=3),
        "relationship_type": st.lists(st.sampled_from(["friend", "family", "enemy"]), max_size=2),
        "relationship_status": st.sampled_from(["active", "gone"]),
        "last_interaction_days": st.integers(-5, 4000),
        "color": st.just("red"),
    },
)


@given(smart_rules)
def test_smart_group_rules_are_accepted_only_when_every_rule_is_valid(rules: dict) -> None:
    valid = (
        bool(rules)
        and "color" not in rules
        and rules.get("type", "person") != "robot"
        and (("tags" not in rules) or (rules["tags"] and "" not in rules["tags"]))
        and (("relationship_type" not in rules) or (rules["relationship_type"] and "enemy" not in rules["relationship_type"]))
        and rules.get("relationship_status", "active") == "active"
        and 1 <= rules.get("last_interaction_days", 1) <= 3650
    )
    try:
        group = Group.create({"name": "g", "is_smart": True, "rules": rules}, id=ID, user_id=ID, now=NOW)
    except ValidationError as exc:
        refused = set(exc.errors)
    else:
        refused = set()
        assert group.is_smart and set(group.rules) == set(rules)
    assert refused == (set() if valid else {"rules"})


def test_a_manual_group_cannot_carry_rules() -> None:
    assert "rules" in errors_of(Group.create, {"name": "g", "rules": {"type": "person"}}, id=ID, user_id=ID, now=NOW)


def test_a_smart_group_filter_ands_its_rules() -> None:
    group = Group.create(
        {"name": "g", "is_smart": True, "rules": {"type": ["person"], "tags": ["vip", "work"], "last_interaction_days": 30}},
        id=ID, user_id=ID, now=NOW,
    )
    criteria = group.member_filter(NOW)
    assert criteria.types == ("person",)
    assert criteria.tag_names == ("vip", "work")
    assert criteria.interacted_since == NOW - dt.timedelta(days=30)


@given(st.datetimes(timezones=st.sampled_from([dt.timezone.utc, dt.timezone(dt.timedelta(hours=-5))])))
def test_aware_timestamps_round_trip_through_iso_text_as_utc(moment: dt.datetime) -> None:
    changes = Changes({"at": moment.isoformat()}, ("at",))
    value = changes.datetime("at")
    assert value == moment and value.tzinfo == dt.timezone.utc


def test_naive_timestamps_are_rejected_not_guessed() -> None:
    changes = Changes({"at": "2026-01-01T10:00:00"}, ("at",))
    assert changes.datetime("at") is UNSET
    assert changes.errors == {"at": ["must include a timezone offset"]}


@given(st.one_of(st.none(), st.integers(), st.text(), st.lists(st.integers())))
def test_a_body_that_is_not_an_object_is_rejected_without_crashing(body: object) -> None:
    if body is None:
        return
    assert errors_of(Entity.create, body, id=ID, owner_id=ID, now=NOW) == {"body": ["must be an object"]}


@pytest.mark.parametrize(("days", "stored"), [(30.0, 30), (2441.0, 2441)])
def test_a_smart_rules_whole_number_of_days_may_be_written_as_a_json_float(days: float, stored: int) -> None:
    group = Group.create(
        {"name": "g", "is_smart": True, "rules": {"last_interaction_days": days}}, id=ID, user_id=ID, now=NOW
    )
    assert group.rules == {"last_interaction_days": stored}
    assert type(group.rules["last_interaction_days"]) is int


def test_a_smart_rules_fractional_days_are_refused() -> None:
    rules = {"last_interaction_days": 2.5}
    assert "rules" in errors_of(Group.create, {"name": "g", "is_smart": True, "rules": rules}, id=ID, user_id=ID, now=NOW)


@pytest.mark.parametrize("email", ["a\x11b@example.com", "ada@exa\bmple.com", "ada@example.com\x07"])
def test_an_email_with_control_characters_is_refused(email: str) -> None:
    changes = Changes({"email": email}, ("email",))
    changes.email("email", required=True)
    assert changes.errors == {"email": ["must be a valid email"]}
