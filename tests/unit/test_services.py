"""Use-cases over the in-memory adapter: the rules a user of Conezia relies on."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from conezia.adapters.mail import MemoryOutbox
from conezia.core import services
from conezia.core.deps import Deps, RateLimitedError
from conezia.core.errors import AuthenticationError, ConflictError, NotFoundError, ValidationError
from conezia.core.pagination import PageRequest

from .conftest import FakeClock

pytestmark = pytest.mark.anyio

PASSWORD = "Correct-Horse-1"


async def register(deps: Deps, email: str = "ada@example.com") -> uuid.UUID:
    return (await services.register(deps, {"email": email, "password": PASSWORD})).id


def outbox(deps: Deps) -> MemoryOutbox:
    assert isinstance(deps.mailer, MemoryOutbox)
    return deps.mailer


async def test_registering_stores_an_argon2id_hash_never_the_password(deps: Deps) -> None:
    user = await services.register(deps, {"email": "Ada@Example.com", "password": PASSWORD, "name": "Ada"})
    async with deps.uow() as uow:
        stored = await uow.users.get(user.id)
    assert stored is not None and stored.email == "ada@example.com"
    assert stored.hashed_password and stored.hashed_password.startswith("$argon2id$")
    assert PASSWORD not in stored.hashed_password


async def test_a_taken_email_in_another_case_is_a_conflict_and_nothing_is_written(deps: Deps) -> None:
    await register(deps)
    with pytest.raises(ConflictError) as info:
        await services.register(deps, {"email": "ADA@example.com", "password": PASSWORD})
    assert info.value.errors == {"email": ["has already been taken"]}


async def test_logging_in_gives_a_token_whose_hash_alone_is_stored(deps: Deps) -> None:
    await register(deps)
    session = await services.log_in(deps, "ada@example.com", PASSWORD)
    user, row = await services.verify_session(deps, session.token)
    assert user.email == "ada@example.com"
    assert row.token_hash != session.token.encode() and len(row.token_hash) == 32


async def test_a_session_expires_after_60_days(deps: Deps, clock: FakeClock) -> None:
    await register(deps)
    session = await services.log_in(deps, "ada@example.com", PASSWORD)
    clock.advance(days=59, hours=23)
    await services.verify_session(deps, session.token)
    clock.advance(hours=1)
    with pytest.raises(AuthenticationError):
        await services.verify_session(deps, session.token)


async def test_wrong_passwords_and_unknown_accounts_fail_alike(deps: Deps) -> None:
    await register(deps)
    for email, password in (("ada@example.com", "Wrong-Pass-1"), ("nobody@example.com", PASSWORD)):
        with pytest.raises(AuthenticationError, match="invalid email or password"):
            await services.log_in(deps, email, password)


async def test_repeated_failed_logins_are_throttled_even_with_the_right_password(deps: Deps) -> None:
    await register(deps)
    for _ in range(5):
        with pytest.raises(AuthenticationError):
            await services.log_in(deps, "ada@example.com", "Wrong-Pass-1", client="10.0.0.1")
    with pytest.raises(RateLimitedError) as info:
        await services.log_in(deps, "ada@example.com", PASSWORD, client="10.0.0.2")
    assert info.value.retry_after > 0


async def test_logging_out_ends_only_that_session_unless_everywhere(deps: Deps) -> None:
    await register(deps)
    a = await services.log_in(deps, "ada@example.com", PASSWORD)
    b = await services.log_in(deps, "ada@example.com", PASSWORD)
    c = await services.log_in(deps, "ada@example.com", PASSWORD)
    await services.log_out(deps, a.token)
    with pytest.raises(AuthenticationError):
        await services.verify_session(deps, a.token)
    await services.verify_session(deps, b.token)
    await services.log_out(deps, b.token, everywhere=True)
    with pytest.raises(AuthenticationError):
        await services.verify_session(deps, c.token)


async def test_email_confirmation_works_once_within_24_hours(deps: Deps, clock: FakeClock) -> None:
    await register(deps)
    token = outbox(deps).last("confirm_email", "ada@example.com").token
    clock.advance(hours=23)
    user = await services.confirm_email(deps, token)
    assert user.confirmed_at == clock.now()
    with pytest.raises(ValidationError):
        await services.confirm_email(deps, token)


async def test_an_email_confirmation_token_is_bound_to_the_address_it_was_sent_to(deps: Deps) -> None:
    user_id = await register(deps)
    token = outbox(deps).last("confirm_email", "ada@example.com").token
    await services.update_profile(deps, user_id, {"email": "ada@new.example"})
    with pytest.raises(ValidationError):
        await services.confirm_email(deps, token)
    fresh = outbox(deps).last("confirm_email", "ada@new.example").token
    assert (await services.confirm_email(deps, fresh)).confirmed_at is not None


async def test_a_password_reset_token_lasts_one_hour_and_ends_every_session(deps: Deps, clock: FakeClock) -> None:
    await register(deps)
    session = await services.log_in(deps, "ada@example.com", PASSWORD)
    await services.request_password_reset(deps, "ada@example.com")
    token = outbox(deps).last("reset_password", "ada@example.com").token
    with pytest.raises(ValidationError) as info:
        await services.confirm_password_reset(deps, token, "weak")
    assert set(info.value.errors) == {"password"}
    await services.confirm_password_reset(deps, token, "New-Password-2")
    with pytest.raises(AuthenticationError):
        await services.verify_session(deps, session.token)
    await services.log_in(deps, "ada@example.com", "New-Password-2")

    await services.request_password_reset(deps, "ada@example.com")
    late = outbox(deps).last("reset_password", "ada@example.com").token
    clock.advance(hours=1)
    with pytest.raises(ValidationError):
        await services.confirm_password_reset(deps, late, "Another-Pass-3")


async def test_a_reset_request_for_an_unknown_address_sends_nothing_and_says_nothing(deps: Deps) -> None:
    await services.request_password_reset(deps, "ghost@example.com")
    assert outbox(deps).messages == []


async def test_preferences_merge_and_reject_bad_quiet_hours(deps: Deps) -> None:
    user_id = await register(deps)
    user = await services.update_preferences(deps, user_id, {"notification_preferences": {"push": False, "quiet_hours_start": "22:00"}})
    assert user.notification_preferences["push"] is False
    assert user.notification_preferences["email"] is True
    with pytest.raises(ValidationError):
        await services.update_preferences(deps, user_id, {"notification_preferences": {"quiet_hours_end": "8pm"}})
    assert (await services.get_user(deps, user_id)).notification_preferences["quiet_hours_end"] is None


async def test_provider_tokens_are_stored_encrypted_and_revealed_only_to_their_owner(deps: Deps) -> None:
    ada = await register(deps)
    bob = await register(deps, "bob@example.com")
    link = await services.link_auth_provider(deps, ada, {"provider": "google", "provider_uid": "g-1", "provider_token": "ya29.secret"})
    assert link.provider_token is not None and b"ya29.secret" not in link.provider_token
    assert (await services.reveal_provider_tokens(deps, ada, link.id))["provider_token"] == "ya29.secret"
    with pytest.raises(NotFoundError):
        await services.reveal_provider_tokens(deps, bob, link.id)
    with pytest.raises(ConflictError):
        await services.link_auth_provider(deps, bob, {"provider": "google", "provider_uid": "g-1"})


async def test_entities_archive_and_unarchive_and_leave_the_default_list(deps: Deps) -> None:
    owner = await register(deps)
    grace = await services.create_entity(deps, owner, {"type": "person", "name": "Grace"})
    await services.archive_entity(deps, owner, grace.id)
    assert [e.id for e in (await services.list_entities(deps, owner)).items] == []
    await services.unarchive_entity(deps, owner, grace.id)
    assert [e.id for e in (await services.list_entities(deps, owner)).items] == [grace.id]


async def test_one_relationship_per_entity(deps: Deps) -> None:
    owner = await register(deps)
    grace = await services.create_entity(deps, owner, {"type": "person", "name": "Grace"})
    await services.set_relationship(deps, owner, grace.id, {"type": "friend"})
    with pytest.raises(ConflictError):
        await services.set_relationship(deps, owner, grace.id, {"type": "family"})


async def test_attention_lists_the_most_overdue_first_and_skips_the_inactive(deps: Deps, clock: FakeClock) -> None:
    owner = await register(deps)
    names = {}
    for name, threshold, contacted_days_ago in (("A", 30, 40), ("B", 7, 30), ("C", 30, 10), ("D", 7, 100)):
        e = await services.create_entity(deps, owner, {"type": "person", "name": name})
        at = (clock.now() - dt.timedelta(days=contacted_days_ago)).isoformat()
        await services.create_interaction(deps, owner, e.id, {"type": "call", "content": "caught up", "occurred_at": at})
        rel = await services.set_relationship(deps, owner, e.id, {"health_threshold_days": threshold})
        names[name] = rel
    await services.end_relationship(deps, owner, names["D"].id)
    items = await services.needing_attention(deps, owner)
    assert [(i.entity.name, i.days_overdue) for i in items] == [("B", 23), ("A", 10)]


async def test_sensitive_identifiers_are_encrypted_and_duplicates_found_by_blind_index(deps: Deps) -> None:
    owner = await register(deps)
    other = await register(deps, "bob@example.com")
    a = await services.create_entity(deps, owner, {"type": "person", "name": "A"})
    b = await services.create_entity(deps, owner, {"type": "person", "name": "B"})
    c = await services.create_entity(deps, other, {"type": "person", "name": "C"})
    first = await services.add_identifier(deps, owner, a.id, {"type": "ssn", "value": "123-45-6789"})
    await services.add_identifier(deps, owner, b.id, {"type": "ssn", "value": "123-45-6789"})
    await services.add_identifier(deps, other, c.id, {"type": "ssn", "value": "123-45-6789"})
    assert first.value is None and b"123-45-6789" not in (first.value_encrypted or b"")
    assert await services.reveal_identifier(deps, owner, first.id) == "123-45-6789"
    dupes = await services.find_duplicates(deps, owner, "ssn", "123-45-6789")
    assert sorted(i.entity_id for i in dupes) == sorted([a.id, b.id])
    with pytest.raises(NotFoundError):
        await services.reveal_identifier(deps, other, first.id)


async def test_a_second_primary_identifier_of_a_type_is_a_validation_error(deps: Deps) -> None:
    owner = await register(deps)
    a = await services.create_entity(deps, owner, {"type": "person", "name": "A"})
    await services.add_identifier(deps, owner, a.id, {"type": "phone", "value": "+12025550123", "is_primary": True})
    with pytest.raises(ValidationError) as info:
        await services.add_identifier(deps, owner, a.id, {"type": "phone", "value": "+12025550124", "is_primary": True})
    assert set(info.value.errors) == {"is_primary"}
    assert len(await services.list_identifiers(deps, owner, a.id)) == 1


async def test_a_smart_group_computes_its_members_from_tags_and_type(deps: Deps) -> None:
    owner = await register(deps)
    vip = await services.create_tag(deps, owner, {"name": "vip", "color": "red"})
    ada = await services.create_entity(deps, owner, {"type": "person", "name": "Ada"})
    acme = await services.create_entity(deps, owner, {"type": "organization", "name": "Acme"})
    await services.create_entity(deps, owner, {"type": "person", "name": "Bob"})
    await services.tag_entity(deps, owner, ada.id, vip.id)
    await services.tag_entity(deps, owner, acme.id, vip.id)
    group = await services.create_group(deps, owner, {"name": "VIP people", "is_smart": True, "rules": {"type": "person", "tags": ["vip"]}})
    assert [e.name for e in (await services.group_members(deps, owner, group.id)).items] == ["Ada"]
    with pytest.raises(ConflictError):
        await services.add_group_member(deps, owner, group.id, acme.id)


async def test_another_users_ids_are_not_found_everywhere(deps: Deps) -> None:
    owner = await register(deps)
    intruder = await register(deps, "eve@example.com")
    e = await services.create_entity(deps, owner, {"type": "person", "name": "A"})
    tag = await services.create_tag(deps, owner, {"name": "t"})
    group = await services.create_group(deps, owner, {"name": "g"})
    rel = await services.set_relationship(deps, owner, e.id, {})
    ident = await services.add_identifier(deps, owner, e.id, {"type": "email", "value": "a@b.co"})
    attempts = [
        lambda: services.get_entity(deps, intruder, e.id),
        lambda: services.update_entity(deps, intruder, e.id, {"name": "pwned"}),
        lambda: services.archive_entity(deps, intruder, e.id),
        lambda: services.delete_entity(deps, intruder, e.id),
        lambda: services.tag_entity(deps, intruder, e.id, tag.id),
        lambda: services.update_tag(deps, intruder, tag.id, {"name": "x"}),
        lambda: services.delete_group(deps, intruder, group.id),
        lambda: services.update_relationship(deps, intruder, rel.id, {"type": "friend"}),
        lambda: services.update_identifier(deps, intruder, ident.id, {"label": "x"}),
        lambda: services.add_identifier(deps, intruder, e.id, {"type": "email", "value": "x@y.co"}),
        lambda: services.set_relationship(deps, intruder, e.id, {}),
        lambda: services.list_identifiers(deps, intruder, e.id),
    ]
    for attempt in attempts:
        with pytest.raises(NotFoundError):
            await attempt()
    assert (await services.get_entity(deps, owner, e.id)).name == "A"
    assert (await services.get_tag(deps, owner, tag.id)).name == "t"
    assert [i.label for i in await services.list_identifiers(deps, owner, e.id)] == [None]


async def test_pages_walk_every_entity_once(deps: Deps, clock: FakeClock) -> None:
    owner = await register(deps)
    created = []
    for n in range(23):
        clock.advance(microseconds=1 if n % 3 else 0)  # some share a timestamp: the id breaks ties
        created.append((await services.create_entity(deps, owner, {"type": "thing", "name": f"t{n}"})).id)
    seen, cursor = [], None
    while True:
        page = await services.list_entities(deps, owner, page=PageRequest.parse(5, cursor))
        seen.extend(e.id for e in page.items)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == created


async def test_the_duplicates_of_an_identifier_are_the_owners_other_identifiers_with_its_value(deps: Deps) -> None:
    owner = await register(deps)
    other = await register(deps, "bob@example.com")
    a = await services.create_entity(deps, owner, {"type": "person", "name": "A"})
    b = await services.create_entity(deps, owner, {"type": "person", "name": "B"})
    c = await services.create_entity(deps, other, {"type": "person", "name": "C"})
    first = await services.add_identifier(deps, owner, a.id, {"type": "phone", "value": "+1 202-555-0123"})
    second = await services.add_identifier(deps, owner, b.id, {"type": "phone", "value": "+12025550123"})
    await services.add_identifier(deps, owner, b.id, {"type": "phone", "value": "+12025550199"})
    await services.add_identifier(deps, other, c.id, {"type": "phone", "value": "+12025550123"})
    assert [i.id for i in await services.duplicates_of(deps, owner, first.id)] == [second.id]
    with pytest.raises(NotFoundError):
        await services.duplicates_of(deps, other, first.id)


async def test_changing_the_password_needs_the_current_one_and_ends_the_other_sessions(deps: Deps) -> None:
    user_id = await register(deps)
    here = await services.log_in(deps, "ada@example.com", PASSWORD)
    elsewhere = await services.log_in(deps, "ada@example.com", PASSWORD)
    with pytest.raises(ValidationError) as info:
        await services.change_password(deps, user_id, "Wrong-Pass-1", "short", keep_token=here.token)
    assert set(info.value.errors) == {"new_password"}
    with pytest.raises(ValidationError) as info:
        await services.change_password(deps, user_id, "Wrong-Pass-1", "Brand-New-Pass-2", keep_token=here.token)
    assert info.value.errors == {"current_password": ["is incorrect"]}
    await services.log_in(deps, "ada@example.com", PASSWORD)  # nothing changed

    await services.change_password(deps, user_id, PASSWORD, "Brand-New-Pass-2", keep_token=here.token)
    await services.verify_session(deps, here.token)
    with pytest.raises(AuthenticationError):
        await services.verify_session(deps, elsewhere.token)
    await services.log_in(deps, "ada@example.com", "Brand-New-Pass-2")


async def test_an_invalid_entity_names_every_failing_field_and_writes_nothing(deps: Deps) -> None:
    owner = await register(deps)
    with pytest.raises(ValidationError) as info:
        await services.create_entity(deps, owner, {"type": "robot", "name": "", "colour": "red"})
    assert set(info.value.errors) == {"type", "name", "colour"}
    assert (await services.list_entities(deps, owner)).items == []


async def test_a_created_entity_reads_back_alone_and_in_the_list(deps: Deps) -> None:
    owner, stranger = await register(deps), await register(deps, "bob@example.com")
    created = await services.create_entity(deps, owner, {"type": "person", "name": "Grace"})
    assert await services.get_entity(deps, owner, created.id) == created
    assert list((await services.list_entities(deps, owner, page=PageRequest(limit=1))).items) == [created]
    with pytest.raises(NotFoundError):
        await services.get_entity(deps, stranger, created.id)
