"""The repository ports' contract: every backend must pass every test here unchanged.

Each test runs once per backend through the ``uow_factory`` fixture (memory, and
PostgreSQL marked ``integration``). A unit of work that saw a constraint error
is never used again: PostgreSQL aborts its transaction.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conezia.adapters.memory import MemoryStore, MemoryUnitOfWork
from conezia.core.accounts import AuthProvider, User, UserToken
from conezia.core.entities import Entity, Relationship
from conezia.core.errors import ConflictError, NotFoundError, ValidationError
from conezia.core.identifiers import Identifier
from conezia.core.organizing import EntityFilter, Group, Tag
from conezia.core.pagination import Page, PageRequest
from conezia.core.ports import UnitOfWork

__all__: list[str] = []

T = TypeVar("T")
Factory = Callable[[], UnitOfWork]

T0 = dt.datetime(2025, 3, 14, 15, 9, 26, 535_897, tzinfo=dt.UTC)
IST = dt.timezone(dt.timedelta(hours=5, minutes=30))
EVERYTHING = EntityFilter(archived=None)
TAKEN = ["has already been taken"]

# every test here is async, on the session's one event loop
pytestmark = pytest.mark.anyio


def at(**delta: float) -> dt.datetime:
    return T0 + dt.timedelta(**delta)


# --- builders --------------------------------------------------------------


def a_user(email: str | None = None, **fields: Any) -> User:
    return User(
        id=uuid.uuid4(),
        email=email or f"{uuid.uuid4().hex[:12]}@example.com",
        inserted_at=fields.pop("inserted_at", T0),
        updated_at=fields.pop("updated_at", T0),
        **fields,
    )


def a_token(user: User, context: str = "session", **fields: Any) -> UserToken:
    return UserToken(
        id=uuid.uuid4(),
        user_id=user.id,
        token_hash=fields.pop("token_hash", os.urandom(32)),
        context=context,
        inserted_at=fields.pop("inserted_at", T0),
        **fields,
    )


def a_provider(user: User, provider: str = "google", provider_uid: str | None = None, **fields: Any) -> AuthProvider:
    return AuthProvider(
        id=uuid.uuid4(),
        user_id=user.id,
        provider=provider,
        provider_uid=provider_uid or uuid.uuid4().hex,
        inserted_at=fields.pop("inserted_at", T0),
        updated_at=fields.pop("updated_at", T0),
        **fields,
    )


def an_entity(owner: User, name: str = "Ada Lovelace", type: str = "person", **fields: Any) -> Entity:
    inserted_at = fields.pop("inserted_at", T0)
    return Entity(
        id=fields.pop("id", uuid.uuid4()),
        owner_id=owner.id,
        type=type,
        name=name,
        inserted_at=inserted_at,
        updated_at=fields.pop("updated_at", inserted_at),
        **fields,
    )


def an_entity_with_every_field(owner: User) -> Entity:
    """An entity whose every optional field is set, with values that are easy to get wrong."""
    return an_entity(
        owner,
        "Acme Ltd.",
        "organization",
        description="Line one\nLine two — with unicode ✓",
        avatar_url="https://example.com/acme.svg",
        metadata={"industry": "anvils", "employees": 42, "tags": ["b2b", None], "nested": {"ok": True}},
        last_interaction_at=dt.datetime(2025, 2, 1, 23, 59, 59, 999_999, tzinfo=IST),
        archived_at=at(days=3, microseconds=3),
        inserted_at=at(microseconds=1),
        updated_at=at(days=4, microseconds=4),
    )


def a_relationship(entity: Entity, **fields: Any) -> Relationship:
    inserted_at = fields.pop("inserted_at", T0)
    return Relationship(
        id=fields.pop("id", uuid.uuid4()),
        user_id=entity.owner_id,
        entity_id=entity.id,
        inserted_at=inserted_at,
        updated_at=fields.pop("updated_at", inserted_at),
        **fields,
    )


def an_identifier(entity: Entity, type: str = "email", **fields: Any) -> Identifier:
    if "value_encrypted" not in fields:
        fields.setdefault("value", f"{uuid.uuid4().hex[:8]}@example.com")
    inserted_at = fields.pop("inserted_at", T0)
    return Identifier(
        id=uuid.uuid4(),
        entity_id=entity.id,
        type=type,
        value_hash=fields.pop("value_hash", os.urandom(32).hex()),
        inserted_at=inserted_at,
        updated_at=fields.pop("updated_at", inserted_at),
        **fields,
    )


def a_tag(user: User, name: str, **fields: Any) -> Tag:
    return Tag(
        id=uuid.uuid4(),
        user_id=user.id,
        name=name,
        inserted_at=fields.pop("inserted_at", T0),
        updated_at=fields.pop("updated_at", T0),
        **fields,
    )


def a_group(user: User, name: str, **fields: Any) -> Group:
    return Group(
        id=uuid.uuid4(),
        user_id=user.id,
        name=name,
        inserted_at=fields.pop("inserted_at", T0),
        updated_at=fields.pop("updated_at", T0),
        **fields,
    )


# --- reading and writing in committed units of work ------------------------


def _repository(uow: UnitOfWork, row: object) -> Any:
    for kind, repository in (
        (User, uow.users),
        (UserToken, uow.tokens),
        (AuthProvider, uow.auth_providers),
        (Entity, uow.entities),
        (Relationship, uow.relationships),
        (Identifier, uow.identifiers),
        (Tag, uow.tags),
        (Group, uow.groups),
    ):
        if isinstance(row, kind):
            return repository
    raise TypeError(f"no repository for {row!r}")


async def add_all(uow_factory: Factory, *rows: object) -> None:
    """Add the rows, in order, in one committed unit of work."""
    async with uow_factory() as uow:
        for row in rows:
            await _repository(uow, row).add(row)
        await uow.commit()


async def write(uow_factory: Factory, action: Callable[[UnitOfWork], Awaitable[T]]) -> T:
    """Run ``action`` in a unit of work and commit."""
    async with uow_factory() as uow:
        result = await action(uow)
        await uow.commit()
    return result


async def read(uow_factory: Factory, action: Callable[[UnitOfWork], Awaitable[T]]) -> T:
    """Run ``action`` in a unit of work that is not committed."""
    async with uow_factory() as uow:
        return await action(uow)


async def items(page: Awaitable[Page[T]]) -> list[T]:
    """The rows of a page, as a list."""
    return list((await page).items)


def names(rows: Page[Entity] | Any) -> list[str]:
    items = rows.items if isinstance(rows, Page) else rows
    return [row.name for row in items]


async def listed(uow_factory: Factory, owner: User, criteria: EntityFilter = EVERYTHING) -> list[str]:
    return names(await read(uow_factory, lambda uow: uow.entities.list(owner.id, criteria, PageRequest(limit=200))))


async def walk(fetch: Callable[[PageRequest], Awaitable[Page[T]]], limit: int) -> list[Page[T]]:
    """Every page, following ``next_cursor`` until there is none (failing on a cursor that repeats)."""
    pages: list[Page[T]] = []
    seen: set[str] = set()
    cursor: str | None = None
    while True:
        page = await fetch(PageRequest.parse(limit=limit, cursor=cursor))
        pages.append(page)
        if page.next_cursor is None:
            return pages
        assert page.next_cursor not in seen, "the cursor did not advance"
        seen.add(page.next_cursor)
        cursor = page.next_cursor


def insertion_order(rows: list[Entity]) -> list[str]:
    return [row.name for row in sorted(rows, key=lambda row: (row.inserted_at, row.id))]


# --- users -----------------------------------------------------------------


class TestUsers:
    async def test_a_user_reads_back_with_every_field_as_written(self, uow_factory: Factory) -> None:
        user = a_user(
            email="Ada.Lovelace@Example.com",
            name="Ada Lovelace",
            avatar_url="https://example.com/ada.png",
            timezone="Europe/London",
            hashed_password="$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2g",
            confirmed_at=at(seconds=1, microseconds=1),
            tier="professional",
            settings={"theme": "dark", "nested": {"list": [1, 2.5, "three", None, True]}, "unicode": "Zoë ✓"},
            onboarding_completed_at=dt.datetime(2025, 1, 2, 3, 4, 5, 678_901, tzinfo=IST),
            notification_preferences={
                "email": False, "push": True, "in_app": True, "quiet_hours_start": "22:00", "quiet_hours_end": "07:30",
            },
            inserted_at=at(microseconds=7),
            updated_at=at(days=1, microseconds=999_999),
        )
        await add_all(uow_factory, user)

        stored = await read(uow_factory, lambda uow: uow.users.get(user.id))

        assert stored == user
        assert stored is not None
        assert stored.confirmed_at is not None and stored.confirmed_at.utcoffset() is not None
        assert stored.onboarding_completed_at == dt.datetime(2025, 1, 1, 21, 34, 5, 678_901, tzinfo=dt.UTC)

    async def test_a_user_with_only_required_fields_reads_back_with_the_defaults(self, uow_factory: Factory) -> None:
        user = a_user()
        await add_all(uow_factory, user)

        stored = await read(uow_factory, lambda uow: uow.users.get(user.id))

        assert stored == user
        assert stored is not None and stored.notification_preferences["email"] is True

    async def test_a_user_is_found_by_email_in_any_case(self, uow_factory: Factory) -> None:
        user = a_user(email="Grace.Hopper@Example.org")
        await add_all(uow_factory, user, a_user())

        for spelling in ("Grace.Hopper@Example.org", "grace.hopper@example.org", "GRACE.HOPPER@EXAMPLE.ORG"):
            assert await read(uow_factory, lambda uow, s=spelling: uow.users.get_by_email(s)) == user

    async def test_an_unknown_id_or_email_finds_no_user(self, uow_factory: Factory) -> None:
        await add_all(uow_factory, a_user(email="someone@example.com"))

        assert await read(uow_factory, lambda uow: uow.users.get(uuid.uuid4())) is None
        assert await read(uow_factory, lambda uow: uow.users.get_by_email("nobody@example.com")) is None

    async def test_a_second_user_with_the_same_email_in_other_case_is_a_conflict(self, uow_factory: Factory) -> None:
        first = a_user(email="ada@example.com")
        await add_all(uow_factory, first)
        second = a_user(email="ADA@Example.COM")

        async with uow_factory() as uow:
            with pytest.raises(ConflictError) as raised:
                await uow.users.add(second)

        assert raised.value.errors == {"email": TAKEN}
        assert await read(uow_factory, lambda uow: uow.users.get(second.id)) is None
        assert await read(uow_factory, lambda uow: uow.users.get(first.id)) == first

    async def test_a_user_with_an_id_in_use_is_a_conflict(self, uow_factory: Factory) -> None:
        first = a_user()
        await add_all(uow_factory, first)
        clash = a_user()
        clash.id = first.id

        async with uow_factory() as uow:
            with pytest.raises(ConflictError) as raised:
                await uow.users.add(clash)

        assert set(raised.value.errors) == {"id"}

    async def test_updating_a_user_writes_every_field_back(self, uow_factory: Factory) -> None:
        user = a_user(email="old@example.com")
        await add_all(uow_factory, user)
        user.email = "new@example.com"
        user.name = "New Name"
        user.avatar_url = "https://example.com/new.png"
        user.timezone = "America/New_York"
        user.hashed_password = "$argon2id$v=19$m=65536,t=3,p=4$bmV3c2FsdA$bmV3aGFzaA"
        user.confirmed_at = at(hours=1, microseconds=42)
        user.tier = "enterprise"
        user.settings = {"language": "fr", "flags": [1, 2]}
        user.onboarding_completed_at = at(hours=2)
        user.notification_preferences = {**user.notification_preferences, "push": False}
        user.updated_at = at(hours=3, microseconds=1)

        await write(uow_factory, lambda uow: uow.users.update(user))

        assert await read(uow_factory, lambda uow: uow.users.get(user.id)) == user
        assert await read(uow_factory, lambda uow: uow.users.get_by_email("old@example.com")) is None

    async def test_taking_another_users_email_on_update_is_a_conflict(self, uow_factory: Factory) -> None:
        ada, grace = a_user(email="ada@example.com"), a_user(email="grace@example.com")
        await add_all(uow_factory, ada, grace)
        grace.email = "Ada@Example.com"

        async with uow_factory() as uow:
            with pytest.raises(ConflictError) as raised:
                await uow.users.update(grace)

        assert raised.value.errors == {"email": TAKEN}
        stored = await read(uow_factory, lambda uow: uow.users.get(grace.id))
        assert stored is not None and stored.email == "grace@example.com"

    async def test_a_user_may_change_the_case_of_their_own_email(self, uow_factory: Factory) -> None:
        user = a_user(email="ada@example.com")
        await add_all(uow_factory, user)
        user.email = "Ada@Example.com"

        await write(uow_factory, lambda uow: uow.users.update(user))

        assert await read(uow_factory, lambda uow: uow.users.get(user.id)) == user

    async def test_updating_an_unknown_user_is_not_found(self, uow_factory: Factory) -> None:
        async with uow_factory() as uow:
            with pytest.raises(NotFoundError):
                await uow.users.update(a_user())

    async def test_deleting_a_user_reports_whether_there_was_one(self, uow_factory: Factory) -> None:
        user = a_user()
        await add_all(uow_factory, user)

        assert await write(uow_factory, lambda uow: uow.users.delete(user.id)) is True
        assert await write(uow_factory, lambda uow: uow.users.delete(user.id)) is False
        assert await read(uow_factory, lambda uow: uow.users.get(user.id)) is None

    async def test_deleting_a_user_deletes_everything_they_own_and_nothing_else(self, uow_factory: Factory) -> None:
        doomed, survivor = await build_world(uow_factory), await build_world(uow_factory)

        assert await write(uow_factory, lambda uow: uow.users.delete(doomed.user.id)) is True

        assert await doomed.visible(uow_factory) == World.NOTHING
        assert await survivor.visible(uow_factory) == survivor.everything()

    async def test_a_returned_user_is_a_copy_until_it_is_updated(self, uow_factory: Factory) -> None:
        user = a_user(settings={"theme": "dark"})
        await add_all(uow_factory, user)
        user.settings["theme"] = "light"

        async with uow_factory() as uow:
            returned = await uow.users.get(user.id)
            assert returned is not None
            returned.name = "Changed"
            returned.settings["theme"] = "blue"
            again = await uow.users.get(user.id)
            assert again is not None
            assert again.name is None and again.settings == {"theme": "dark"}


class World:
    """One user with a row in every table, to check what a cascade leaves."""

    NOTHING: dict[str, Any] = {
        "user": None, "tokens": [None, None], "providers": [], "entities": [], "relationship": None,
        "identifiers": [], "tags": [], "groups": [], "entity_tags": [], "members": [],
    }

    def __init__(self, user: User) -> None:
        self.user = user
        self.tokens = [a_token(user, "session"), a_token(user, "confirm_email", sent_to=user.email)]
        self.provider = a_provider(user, provider_meta={"name": "A"})
        self.entity = an_entity(user, "Friend")
        self.relationship = a_relationship(self.entity, type="friend")
        self.identifier = an_identifier(self.entity)
        self.tag = a_tag(user, "close")
        self.group = a_group(user, "book club")

    def rows(self) -> list[object]:
        return [
            self.user, *self.tokens, self.provider, self.entity, self.relationship,
            self.identifier, self.tag, self.group,
        ]

    def everything(self) -> dict[str, Any]:
        return {
            "user": self.user, "tokens": self.tokens, "providers": [self.provider], "entities": [self.entity],
            "relationship": self.relationship, "identifiers": [self.identifier], "tags": [self.tag],
            "groups": [self.group], "entity_tags": [self.tag], "members": [self.entity],
        }

    async def visible(self, uow_factory: Factory) -> dict[str, Any]:
        user_id, entity_id = self.user.id, self.entity.id

        async def look(uow: UnitOfWork) -> dict[str, Any]:
            return {
                "user": await uow.users.get(user_id),
                "tokens": [await uow.tokens.get_by_hash(t.context, t.token_hash) for t in self.tokens],
                "providers": list(await uow.auth_providers.list_for_user(user_id)),
                "entities": list((await uow.entities.list(user_id, EVERYTHING, PageRequest())).items),
                "relationship": await uow.relationships.get_for_entity(user_id, entity_id),
                "identifiers": list(await uow.identifiers.find_by_hash(user_id, "email", self.identifier.value_hash)),
                "tags": list(await uow.tags.list(user_id)),
                "groups": list(await uow.groups.list(user_id)),
                "entity_tags": list(await uow.tags.for_entity(user_id, entity_id)),
                "members": list((await uow.groups.members(user_id, self.group.id, PageRequest())).items),
            }

        return await read(uow_factory, look)


async def build_world(uow_factory: Factory) -> World:
    world = World(a_user())
    await add_all(uow_factory, *world.rows())

    async def link(uow: UnitOfWork) -> None:
        await uow.tags.attach(world.user.id, world.entity.id, world.tag.id, T0)
        await uow.groups.add_member(world.user.id, world.group.id, world.entity.id, T0)

    await write(uow_factory, link)
    return world


# --- tokens ----------------------------------------------------------------


class TestTokens:
    async def test_a_token_reads_back_by_context_and_hash(self, uow_factory: Factory) -> None:
        user = a_user()
        token = a_token(user, "confirm_email", sent_to="someone@example.com", inserted_at=at(microseconds=123))
        await add_all(uow_factory, user, token)

        assert await read(uow_factory, lambda uow: uow.tokens.get_by_hash("confirm_email", token.token_hash)) == token

    async def test_a_token_is_not_found_under_another_context_or_hash(self, uow_factory: Factory) -> None:
        user = a_user()
        token = a_token(user, "session")
        await add_all(uow_factory, user, token)

        assert await read(uow_factory, lambda uow: uow.tokens.get_by_hash("reset_password", token.token_hash)) is None
        assert await read(uow_factory, lambda uow: uow.tokens.get_by_hash("session", os.urandom(32))) is None

    async def test_a_token_reads_back_with_its_user_in_one_call(self, uow_factory: Factory) -> None:
        user, other = a_user(), a_user()
        token = a_token(user, "session", inserted_at=at(microseconds=7))
        await add_all(uow_factory, user, other, token, a_token(other, "session"))

        assert await read(uow_factory, lambda uow: uow.tokens.get_with_user("session", token.token_hash)) == (token, user)
        assert await read(uow_factory, lambda uow: uow.tokens.get_with_user("confirm_email", token.token_hash)) is None
        assert await read(uow_factory, lambda uow: uow.tokens.get_with_user("session", os.urandom(32))) is None

    async def test_the_same_hash_twice_in_one_context_is_a_conflict(self, uow_factory: Factory) -> None:
        user = a_user()
        first = a_token(user, "session")
        await add_all(uow_factory, user, first)

        async with uow_factory() as uow:
            with pytest.raises(ConflictError) as raised:
                await uow.tokens.add(a_token(user, "session", token_hash=first.token_hash))

        assert set(raised.value.errors) == {"token"}

    async def test_the_same_hash_in_another_context_is_allowed(self, uow_factory: Factory) -> None:
        user = a_user()
        first = a_token(user, "session")
        second = a_token(user, "reset_password", token_hash=first.token_hash)
        await add_all(uow_factory, user, first, second)

        assert await read(uow_factory, lambda uow: uow.tokens.get_by_hash("reset_password", first.token_hash)) == second

    async def test_a_token_for_an_unknown_user_is_not_found(self, uow_factory: Factory) -> None:
        async with uow_factory() as uow:
            with pytest.raises(NotFoundError):
                await uow.tokens.add(a_token(a_user()))

    async def test_deleting_a_token_reports_whether_there_was_one(self, uow_factory: Factory) -> None:
        user = a_user()
        token, other = a_token(user), a_token(user)
        await add_all(uow_factory, user, token, other)

        assert await write(uow_factory, lambda uow: uow.tokens.delete(token.id)) is True
        assert await write(uow_factory, lambda uow: uow.tokens.delete(token.id)) is False
        assert await read(uow_factory, lambda uow: uow.tokens.get_by_hash("session", token.token_hash)) is None
        assert await read(uow_factory, lambda uow: uow.tokens.get_by_hash("session", other.token_hash)) == other

    async def test_deleting_a_users_tokens_counts_them_and_spares_other_users(self, uow_factory: Factory) -> None:
        user, other_user = a_user(), a_user()
        mine = [a_token(user, "session"), a_token(user, "session"), a_token(user, "reset_password")]
        theirs = a_token(other_user, "session")
        await add_all(uow_factory, user, other_user, *mine, theirs)

        assert await write(uow_factory, lambda uow: uow.tokens.delete_for_user(user.id)) == 3

        for token in mine:
            assert await read(uow_factory, lambda uow, t=token: uow.tokens.get_by_hash(t.context, t.token_hash)) is None
        assert await read(uow_factory, lambda uow: uow.tokens.get_by_hash("session", theirs.token_hash)) == theirs
        assert await write(uow_factory, lambda uow: uow.tokens.delete_for_user(user.id)) == 0

    async def test_deleting_a_users_tokens_of_some_contexts_spares_the_others(self, uow_factory: Factory) -> None:
        user = a_user()
        session, confirm = a_token(user, "session"), a_token(user, "confirm_email")
        reset = a_token(user, "reset_password")
        await add_all(uow_factory, user, session, confirm, reset)

        assert await write(uow_factory, lambda uow: uow.tokens.delete_for_user(user.id, [])) == 0
        assert await write(uow_factory, lambda uow: uow.tokens.delete_for_user(user.id, ["session", "reset_password"])) == 2

        assert await read(uow_factory, lambda uow: uow.tokens.get_by_hash("confirm_email", confirm.token_hash)) == confirm
        assert await read(uow_factory, lambda uow: uow.tokens.get_by_hash("session", session.token_hash)) is None


# --- auth providers --------------------------------------------------------


class TestAuthProviders:
    async def test_a_provider_reads_back_with_every_field_as_written(self, uow_factory: Factory) -> None:
        user = a_user()
        link = a_provider(
            user,
            "linkedin",
            "li-123",
            provider_token=b"\x00\x01ciphertext\xff",
            provider_refresh_token=bytes(range(256)),
            provider_meta={"email": "a@example.com", "scopes": ["r_liteprofile"], "verified": True},
            inserted_at=at(microseconds=1),
            updated_at=at(minutes=5, microseconds=2),
        )
        await add_all(uow_factory, user, link)

        assert await read(uow_factory, lambda uow: uow.auth_providers.get(user.id, link.id)) == link
        assert await read(uow_factory, lambda uow: uow.auth_providers.get_by_uid("linkedin", "li-123")) == link

    async def test_another_users_provider_is_absent_and_left_alone(self, uow_factory: Factory) -> None:
        owner, stranger = a_user(), a_user()
        link = a_provider(owner)
        await add_all(uow_factory, owner, stranger, link)

        assert await read(uow_factory, lambda uow: uow.auth_providers.get(stranger.id, link.id)) is None
        assert await read(uow_factory, lambda uow: uow.auth_providers.list_for_user(stranger.id)) == []
        assert await write(uow_factory, lambda uow: uow.auth_providers.delete(stranger.id, link.id)) is False
        assert await read(uow_factory, lambda uow: uow.auth_providers.get(owner.id, link.id)) == link

    async def test_a_users_providers_are_listed_in_insertion_order(self, uow_factory: Factory) -> None:
        user = a_user()
        late = a_provider(user, "apple", inserted_at=at(hours=1))
        tied = sorted([a_provider(user, "google"), a_provider(user, "facebook")], key=lambda p: p.id)
        await add_all(uow_factory, user, late, *reversed(tied), a_provider(await a_user_added(uow_factory)))

        assert await read(uow_factory, lambda uow: uow.auth_providers.list_for_user(user.id)) == [*tied, late]

    async def test_linking_an_account_linked_already_is_a_conflict(self, uow_factory: Factory) -> None:
        user, other = a_user(), a_user()
        await add_all(uow_factory, user, other, a_provider(user, "google", "g-1"))

        async with uow_factory() as uow:
            with pytest.raises(ConflictError) as raised:
                await uow.auth_providers.add(a_provider(other, "google", "g-1"))

        assert raised.value.errors == {"provider_uid": TAKEN}

    async def test_the_same_uid_at_another_provider_is_allowed(self, uow_factory: Factory) -> None:
        user = a_user()
        google, apple = a_provider(user, "google", "uid-1"), a_provider(user, "apple", "uid-1")
        await add_all(uow_factory, user, google, apple)

        assert await read(uow_factory, lambda uow: uow.auth_providers.get_by_uid("apple", "uid-1")) == apple
        assert await read(uow_factory, lambda uow: uow.auth_providers.get_by_uid("facebook", "uid-1")) is None

    async def test_a_provider_for_an_unknown_user_is_not_found(self, uow_factory: Factory) -> None:
        async with uow_factory() as uow:
            with pytest.raises(NotFoundError):
                await uow.auth_providers.add(a_provider(a_user()))

    async def test_updating_a_provider_writes_every_field_back(self, uow_factory: Factory) -> None:
        user = a_user()
        link = a_provider(user, provider_token=b"old")
        await add_all(uow_factory, user, link)
        link.provider_token = None
        link.provider_refresh_token = b"new refresh"
        link.provider_meta = {"rotated": 2}
        link.updated_at = at(days=2)

        await write(uow_factory, lambda uow: uow.auth_providers.update(link))

        assert await read(uow_factory, lambda uow: uow.auth_providers.get(user.id, link.id)) == link

    async def test_updating_to_a_linked_uid_is_a_conflict(self, uow_factory: Factory) -> None:
        user = a_user()
        first, second = a_provider(user, "google", "g-1"), a_provider(user, "google", "g-2")
        await add_all(uow_factory, user, first, second)
        second.provider_uid = "g-1"

        async with uow_factory() as uow:
            with pytest.raises(ConflictError) as raised:
                await uow.auth_providers.update(second)

        assert raised.value.errors == {"provider_uid": TAKEN}

    async def test_updating_another_users_provider_is_not_found(self, uow_factory: Factory) -> None:
        owner, stranger = a_user(), a_user()
        link = a_provider(owner)
        await add_all(uow_factory, owner, stranger, link)
        hijacked = a_provider(stranger, link.provider, link.provider_uid)
        hijacked.id = link.id

        async with uow_factory() as uow:
            with pytest.raises(NotFoundError):
                await uow.auth_providers.update(hijacked)

        assert await read(uow_factory, lambda uow: uow.auth_providers.get(owner.id, link.id)) == link

    async def test_deleting_a_provider_reports_whether_there_was_one(self, uow_factory: Factory) -> None:
        user = a_user()
        link = a_provider(user)
        await add_all(uow_factory, user, link)

        assert await write(uow_factory, lambda uow: uow.auth_providers.delete(user.id, link.id)) is True
        assert await write(uow_factory, lambda uow: uow.auth_providers.delete(user.id, link.id)) is False
        assert await read(uow_factory, lambda uow: uow.auth_providers.get_by_uid(link.provider, link.provider_uid)) is None


async def a_user_added(uow_factory: Factory) -> User:
    user = a_user()
    await add_all(uow_factory, user)
    return user


# --- entities --------------------------------------------------------------


class TestEntities:
    async def test_an_entity_reads_back_with_every_field_as_written(self, uow_factory: Factory) -> None:
        owner = a_user()
        entity = an_entity_with_every_field(owner)
        await add_all(uow_factory, owner, entity)

        assert await read(uow_factory, lambda uow: uow.entities.get(owner.id, entity.id)) == entity

    async def test_another_owners_entity_is_absent_and_left_alone(self, uow_factory: Factory) -> None:
        owner, stranger = a_user(), a_user()
        entity = an_entity(owner)
        await add_all(uow_factory, owner, stranger, entity)

        assert await read(uow_factory, lambda uow: uow.entities.get(stranger.id, entity.id)) is None
        assert await listed(uow_factory, stranger) == []
        assert await write(uow_factory, lambda uow: uow.entities.delete(stranger.id, entity.id)) is False
        assert await read(uow_factory, lambda uow: uow.entities.get(owner.id, entity.id)) == entity

    async def test_an_entity_of_an_unknown_owner_is_not_found(self, uow_factory: Factory) -> None:
        async with uow_factory() as uow:
            with pytest.raises(NotFoundError):
                await uow.entities.add(an_entity(a_user()))

    async def test_an_entity_with_an_id_in_use_is_a_conflict(self, uow_factory: Factory) -> None:
        owner = a_user()
        first = an_entity(owner)
        await add_all(uow_factory, owner, first)

        async with uow_factory() as uow:
            with pytest.raises(ConflictError) as raised:
                await uow.entities.add(an_entity(owner, "Other", id=first.id))

        assert set(raised.value.errors) == {"id"}

    async def test_updating_an_entity_writes_every_field_back(self, uow_factory: Factory) -> None:
        owner = a_user()
        entity = an_entity(owner, metadata={"a": 1})
        await add_all(uow_factory, owner, entity)
        entity.type = "animal"
        entity.name = "Renamed"
        entity.description = "now described"
        entity.avatar_url = "https://example.com/x.png"
        entity.metadata = {"b": [2, 3]}
        entity.last_interaction_at = at(days=1, microseconds=5)
        entity.archived_at = at(days=2)
        entity.updated_at = at(days=2, microseconds=6)

        await write(uow_factory, lambda uow: uow.entities.update(entity))

        assert await read(uow_factory, lambda uow: uow.entities.get(owner.id, entity.id)) == entity

    async def test_updating_an_entity_as_another_owner_is_not_found_and_changes_nothing(self, uow_factory: Factory) -> None:
        owner, stranger = a_user(), a_user()
        entity = an_entity(owner)
        await add_all(uow_factory, owner, stranger, entity)
        hijacked = an_entity(stranger, "Hijacked", id=entity.id)

        async with uow_factory() as uow:
            with pytest.raises(NotFoundError):
                await uow.entities.update(hijacked)

        assert await read(uow_factory, lambda uow: uow.entities.get(owner.id, entity.id)) == entity
        assert await read(uow_factory, lambda uow: uow.entities.get(stranger.id, entity.id)) is None

    async def test_updating_an_unknown_entity_is_not_found(self, uow_factory: Factory) -> None:
        owner = await a_user_added(uow_factory)

        async with uow_factory() as uow:
            with pytest.raises(NotFoundError):
                await uow.entities.update(an_entity(owner))

    async def test_deleting_an_entity_reports_whether_there_was_one(self, uow_factory: Factory) -> None:
        owner = a_user()
        entity = an_entity(owner)
        await add_all(uow_factory, owner, entity)

        assert await write(uow_factory, lambda uow: uow.entities.delete(owner.id, entity.id)) is True
        assert await write(uow_factory, lambda uow: uow.entities.delete(owner.id, entity.id)) is False
        assert await read(uow_factory, lambda uow: uow.entities.get(owner.id, entity.id)) is None

    async def test_deleting_an_entity_deletes_its_relationship_identifiers_and_memberships(
        self, uow_factory: Factory
    ) -> None:
        world = await build_world(uow_factory)
        sibling = an_entity(world.user, "Sibling")
        sibling_rel = a_relationship(sibling)
        sibling_id = an_identifier(sibling, value_hash=world.identifier.value_hash)
        await add_all(uow_factory, sibling, sibling_rel, sibling_id)
        await write(uow_factory, lambda uow: uow.tags.attach(world.user.id, sibling.id, world.tag.id, T0))

        assert await write(uow_factory, lambda uow: uow.entities.delete(world.user.id, world.entity.id)) is True

        assert await world.visible(uow_factory) == {
            **world.everything(),
            "entities": [sibling], "relationship": None, "identifiers": [sibling_id], "entity_tags": [], "members": [],
        }
        assert await read(uow_factory, lambda uow: uow.relationships.get(world.user.id, world.relationship.id)) is None
        assert await read(uow_factory, lambda uow: uow.identifiers.get(world.user.id, world.identifier.id)) is None
        assert await read(uow_factory, lambda uow: uow.relationships.get_for_entity(world.user.id, sibling.id)) == sibling_rel
        assert await read(uow_factory, lambda uow: uow.tags.for_entity(world.user.id, sibling.id)) == [world.tag]

    async def test_a_returned_entity_is_a_copy_until_it_is_updated(self, uow_factory: Factory) -> None:
        owner = a_user()
        entity = an_entity(owner, metadata={"k": "v"})
        await add_all(uow_factory, owner, entity)

        async with uow_factory() as uow:
            page = await uow.entities.list(owner.id, EVERYTHING, PageRequest())
            page.items[0].metadata["k"] = "changed"
            returned = await uow.entities.get(owner.id, entity.id)
            assert returned is not None
            returned.name = "Changed"
            assert await uow.entities.get(owner.id, entity.id) == entity


class TestEntityListing:
    async def test_entities_are_listed_in_insertion_order_then_by_id(self, uow_factory: Factory) -> None:
        owner = a_user()
        rows = [
            an_entity(owner, "late", inserted_at=at(minutes=2)),
            an_entity(owner, "tie-1", inserted_at=at(minutes=1)),
            an_entity(owner, "tie-2", inserted_at=at(minutes=1)),
            an_entity(owner, "tie-3", inserted_at=at(minutes=1)),
            an_entity(owner, "early", inserted_at=at(microseconds=1)),
            an_entity(owner, "earliest", inserted_at=T0),
        ]
        await add_all(uow_factory, owner, *rows)

        assert await listed(uow_factory, owner) == insertion_order(rows)

    @pytest.mark.parametrize(
        ("archived", "expected"),
        [(None, ["live", "archived"]), (False, ["live"]), (True, ["archived"])],
    )
    async def test_the_archived_criterion_selects_live_archived_or_both(
        self, uow_factory: Factory, archived: bool | None, expected: list[str]
    ) -> None:
        owner = a_user()
        await add_all(
            uow_factory,
            owner,
            an_entity(owner, "live"),
            an_entity(owner, "archived", archived_at=at(days=1), inserted_at=at(seconds=1)),
        )

        assert await listed(uow_factory, owner, EntityFilter(archived=archived)) == expected

    async def test_the_default_criteria_list_only_live_entities(self, uow_factory: Factory) -> None:
        owner = a_user()
        await add_all(uow_factory, owner, an_entity(owner, "live"), an_entity(owner, "gone", archived_at=T0))

        assert await listed(uow_factory, owner, EntityFilter()) == ["live"]

    async def test_the_types_criterion_keeps_any_of_the_types(self, uow_factory: Factory) -> None:
        owner = a_user()
        await add_all(
            uow_factory,
            owner,
            an_entity(owner, "ada", "person", inserted_at=at(seconds=1)),
            an_entity(owner, "acme", "organization", inserted_at=at(seconds=2)),
            an_entity(owner, "rex", "animal", inserted_at=at(seconds=3)),
        )

        assert await listed(uow_factory, owner, EntityFilter(types=("animal", "person"), archived=None)) == ["ada", "rex"]
        assert await listed(uow_factory, owner, EntityFilter(types=("service",), archived=None)) == []

    async def test_interacted_since_includes_the_instant_itself_and_excludes_never_contacted(
        self, uow_factory: Factory
    ) -> None:
        owner = a_user()
        await add_all(
            uow_factory,
            owner,
            an_entity(owner, "before", last_interaction_at=at(days=1, microseconds=-1), inserted_at=at(seconds=1)),
            an_entity(owner, "exactly", last_interaction_at=at(days=1), inserted_at=at(seconds=2)),
            an_entity(owner, "after", last_interaction_at=at(days=2), inserted_at=at(seconds=3)),
            an_entity(owner, "never", inserted_at=at(seconds=4)),
        )

        since = at(days=1).astimezone(IST)
        assert await listed(uow_factory, owner, EntityFilter(interacted_since=since, archived=None)) == ["exactly", "after"]

    async def test_name_contains_matches_a_substring_in_any_case(self, uow_factory: Factory) -> None:
        owner = a_user()
        await add_all(
            uow_factory,
            owner,
            an_entity(owner, "Ada Lovelace", inserted_at=at(seconds=1)),
            an_entity(owner, "Grace Hopper", inserted_at=at(seconds=2)),
            an_entity(owner, "LOVELACE Estate", inserted_at=at(seconds=3)),
        )

        for needle in ("lovelace", "LoVeLaCe", "LOVELACE"):
            criteria = EntityFilter(name_contains=needle, archived=None)
            assert await listed(uow_factory, owner, criteria) == ["Ada Lovelace", "LOVELACE Estate"]
        assert await listed(uow_factory, owner, EntityFilter(name_contains="", archived=None)) == [
            "Ada Lovelace", "Grace Hopper", "LOVELACE Estate",
        ]

    @pytest.mark.parametrize(
        ("needle", "expected"),
        [("100%", ["100% Organic"]), ("a_b", ["a_b"]), ("\\", ["back\\slash"]), ("%", ["100% Organic"])],
    )
    async def test_name_contains_takes_wildcard_characters_literally(
        self, uow_factory: Factory, needle: str, expected: list[str]
    ) -> None:
        owner = a_user()
        await add_all(
            uow_factory,
            owner,
            an_entity(owner, "100% Organic", inserted_at=at(seconds=1)),
            an_entity(owner, "1000 Organic", inserted_at=at(seconds=2)),
            an_entity(owner, "a_b", inserted_at=at(seconds=3)),
            an_entity(owner, "axb", inserted_at=at(seconds=4)),
            an_entity(owner, "back\\slash", inserted_at=at(seconds=5)),
        )

        assert await listed(uow_factory, owner, EntityFilter(name_contains=needle, archived=None)) == expected

    async def test_tag_names_require_every_one_of_the_tags(self, uow_factory: Factory) -> None:
        owner = a_user()
        work, vip, golf = a_tag(owner, "work"), a_tag(owner, "vip"), a_tag(owner, "golf")
        both = an_entity(owner, "both", inserted_at=at(seconds=1))
        only_work = an_entity(owner, "only work", inserted_at=at(seconds=2))
        all_three = an_entity(owner, "all three", inserted_at=at(seconds=3))
        none = an_entity(owner, "none", inserted_at=at(seconds=4))
        await add_all(uow_factory, owner, work, vip, golf, both, only_work, all_three, none)

        async def tag(uow: UnitOfWork) -> None:
            for entity, tags in ((both, [work, vip]), (only_work, [work]), (all_three, [work, vip, golf])):
                for t in tags:
                    await uow.tags.attach(owner.id, entity.id, t.id, T0)

        await write(uow_factory, tag)

        async def with_tags(*tag_names: str) -> list[str]:
            return await listed(uow_factory, owner, EntityFilter(tag_names=tag_names, archived=None))

        assert await with_tags("work", "vip") == ["both", "all three"]
        assert await with_tags("work") == ["both", "only work", "all three"]
        assert await with_tags("vip", "vip") == ["both", "all three"]
        assert await with_tags("work", "unknown") == []
        assert await with_tags("Work") == []

    async def test_a_tag_of_the_same_name_of_another_user_does_not_count(self, uow_factory: Factory) -> None:
        owner, stranger = a_user(), a_user()
        entity = an_entity(owner)
        theirs = a_tag(stranger, "vip")
        stranger_entity = an_entity(stranger)
        await add_all(uow_factory, owner, stranger, entity, theirs, stranger_entity)
        await write(uow_factory, lambda uow: uow.tags.attach(stranger.id, stranger_entity.id, theirs.id, T0))

        assert await listed(uow_factory, owner, EntityFilter(tag_names=("vip",), archived=None)) == []

    async def test_relationship_criteria_match_any_of_the_values_and_need_a_relationship(
        self, uow_factory: Factory
    ) -> None:
        owner = a_user()
        friend = an_entity(owner, "friend", inserted_at=at(seconds=1))
        old_colleague = an_entity(owner, "old colleague", inserted_at=at(seconds=2))
        family = an_entity(owner, "family", inserted_at=at(seconds=3))
        untyped = an_entity(owner, "untyped", inserted_at=at(seconds=4))
        stranger = an_entity(owner, "no relationship", inserted_at=at(seconds=5))
        await add_all(
            uow_factory, owner, friend, old_colleague, family, untyped, stranger,
            a_relationship(friend, type="friend"),
            a_relationship(old_colleague, type="colleague", status="inactive"),
            a_relationship(family, type="family", status="archived"),
            a_relationship(untyped),
        )

        async def matching(**criteria: Any) -> list[str]:
            return await listed(uow_factory, owner, EntityFilter(archived=None, **criteria))

        assert await matching(relationship_types=("friend", "colleague")) == ["friend", "old colleague"]
        assert await matching(relationship_types=("vendor",)) == []
        assert await matching(relationship_statuses=("active",)) == ["friend", "untyped"]
        assert await matching(relationship_statuses=("inactive", "archived")) == ["old colleague", "family"]
        assert await matching(relationship_types=("friend", "family"), relationship_statuses=("archived",)) == ["family"]

    async def test_every_given_criterion_must_hold(self, uow_factory: Factory) -> None:
        owner = a_user()
        vip = a_tag(owner, "vip")
        target = an_entity(owner, "Ada Target", last_interaction_at=at(days=5), inserted_at=at(seconds=1))
        wrong_type = an_entity(owner, "Ada Org", "organization", last_interaction_at=at(days=5),
                               inserted_at=at(seconds=2))
        stale = an_entity(owner, "Ada Stale", last_interaction_at=at(days=1), inserted_at=at(seconds=3))
        untagged = an_entity(owner, "Ada Untagged", last_interaction_at=at(days=5), inserted_at=at(seconds=4))
        other_name = an_entity(owner, "Grace", last_interaction_at=at(days=5), inserted_at=at(seconds=5))
        archived = an_entity(owner, "Ada Archived", last_interaction_at=at(days=5), archived_at=at(days=6),
                             inserted_at=at(seconds=6))
        inactive = an_entity(owner, "Ada Inactive", last_interaction_at=at(days=5), inserted_at=at(seconds=7))
        everyone = [target, wrong_type, stale, untagged, other_name, archived, inactive]
        await add_all(
            uow_factory, owner, vip, *everyone,
            *[a_relationship(e, type="friend", status="inactive" if e is inactive else "active") for e in everyone],
        )

        async def tag(uow: UnitOfWork) -> None:
            for entity in everyone:
                if entity is not untagged:
                    await uow.tags.attach(owner.id, entity.id, vip.id, T0)

        await write(uow_factory, tag)
        criteria = EntityFilter(
            types=("person",),
            tag_names=("vip",),
            relationship_types=("friend",),
            relationship_statuses=("active",),
            interacted_since=at(days=2),
            archived=False,
            name_contains="ada",
        )

        assert await listed(uow_factory, owner, criteria) == ["Ada Target"]

    async def test_walking_the_pages_visits_every_entity_once_in_order(self, uow_factory: Factory) -> None:
        owner = a_user()
        rows = [an_entity(owner, f"e{i}", inserted_at=at(minutes=i // 3)) for i in range(8)]
        await add_all(uow_factory, owner, a_user(), *rows)

        pages = await read(uow_factory, lambda uow: walk(lambda p: uow.entities.list(owner.id, EVERYTHING, p), 3))

        assert [len(page.items) for page in pages] == [3, 3, 2]
        assert [name for page in pages for name in names(page)] == insertion_order(rows)

    async def test_a_last_page_that_fills_exactly_has_no_next_cursor(self, uow_factory: Factory) -> None:
        owner = a_user()
        rows = [an_entity(owner, f"e{i}", inserted_at=at(seconds=i)) for i in range(4)]
        await add_all(uow_factory, owner, *rows)

        pages = await read(uow_factory, lambda uow: walk(lambda p: uow.entities.list(owner.id, EVERYTHING, p), 2))

        assert [names(page) for page in pages] == [["e0", "e1"], ["e2", "e3"]]
        assert pages[0].next_cursor is not None and pages[1].next_cursor is None

    async def test_pages_apply_the_criteria_before_cutting(self, uow_factory: Factory) -> None:
        owner = a_user()
        rows = [
            an_entity(owner, f"e{i}", "person" if i % 2 else "thing", inserted_at=at(seconds=i)) for i in range(9)
        ]
        await add_all(uow_factory, owner, *rows)
        people = EntityFilter(types=("person",), archived=None)

        pages = await read(uow_factory, lambda uow: walk(lambda p: uow.entities.list(owner.id, people, p), 2))

        assert [names(page) for page in pages] == [["e1", "e3"], ["e5", "e7"]]

    async def test_an_empty_listing_is_one_page_without_cursor(self, uow_factory: Factory) -> None:
        owner = await a_user_added(uow_factory)

        page = await read(uow_factory, lambda uow: uow.entities.list(owner.id, EVERYTHING, PageRequest(limit=5)))

        assert list(page.items) == [] and page.next_cursor is None


@settings(max_examples=60, deadline=None)
@given(
    offsets=st.lists(st.integers(min_value=0, max_value=4), max_size=25),
    archived=st.lists(st.booleans(), min_size=25, max_size=25),
    limit=st.integers(min_value=1, max_value=7),
)
async def test_on_memory_any_page_size_walks_every_entity_exactly_once(
    offsets: list[int], archived: list[bool], limit: int
) -> None:
    store = MemoryStore()
    owner = a_user()
    rows = [
        an_entity(owner, f"e{i}", inserted_at=at(seconds=offset), archived_at=T0 if archived[i] else None)
        for i, offset in enumerate(offsets)
    ]
    await add_all(lambda: MemoryUnitOfWork(store), owner, *rows)

    async with MemoryUnitOfWork(store) as uow:
        pages = await walk(lambda p: uow.entities.list(owner.id, EntityFilter(archived=False), p), limit)

    visited = [name for page in pages for name in names(page)]
    assert visited == insertion_order([row for row in rows if row.archived_at is None])
    assert all(len(page.items) == limit for page in pages[:-1])


# --- relationships ---------------------------------------------------------


class TestRelationships:
    async def test_a_relationship_reads_back_with_every_field_as_written(self, uow_factory: Factory) -> None:
        owner = a_user()
        entity = an_entity(owner)
        rel = a_relationship(
            entity,
            type="service_provider",
            strength="close",
            status="inactive",
            started_at=dt.date(1999, 12, 31),
            health_threshold_days=365,
            notes="Met at the\nconference ✓",
            inserted_at=at(microseconds=11),
            updated_at=at(days=1, microseconds=12),
        )
        await add_all(uow_factory, owner, entity, rel)

        assert await read(uow_factory, lambda uow: uow.relationships.get(owner.id, rel.id)) == rel
        assert await read(uow_factory, lambda uow: uow.relationships.get_for_entity(owner.id, entity.id)) == rel

    async def test_a_relationship_with_only_required_fields_reads_back_with_the_defaults(self, uow_factory: Factory) -> None:
        owner = a_user()
        entity = an_entity(owner)
        rel = a_relationship(entity)
        await add_all(uow_factory, owner, entity, rel)

        assert await read(uow_factory, lambda uow: uow.relationships.get(owner.id, rel.id)) == rel

    async def test_a_second_relationship_to_the_same_entity_is_a_conflict(self, uow_factory: Factory) -> None:
        owner = a_user()
        entity = an_entity(owner)
        await add_all(uow_factory, owner, entity, a_relationship(entity))

        async with uow_factory() as uow:
            with pytest.raises(ConflictError) as raised:
                await uow.relationships.add(a_relationship(entity, type="family"))

        assert raised.value.errors == {"entity_id": TAKEN}

    async def test_a_relationship_to_another_users_entity_is_not_found(self, uow_factory: Factory) -> None:
        owner, stranger = a_user(), a_user()
        entity = an_entity(owner)
        await add_all(uow_factory, owner, stranger, entity)
        rel = a_relationship(entity)
        rel.user_id = stranger.id

        async with uow_factory() as uow:
            with pytest.raises(NotFoundError):
                await uow.relationships.add(rel)

        assert await read(uow_factory, lambda uow: uow.relationships.get_for_entity(stranger.id, entity.id)) is None

    async def test_a_relationship_to_an_unknown_entity_is_not_found(self, uow_factory: Factory) -> None:
        owner = await a_user_added(uow_factory)

        async with uow_factory() as uow:
            with pytest.raises(NotFoundError):
                await uow.relationships.add(a_relationship(an_entity(owner)))

    async def test_another_users_relationship_is_absent_and_left_alone(self, uow_factory: Factory) -> None:
        owner, stranger = a_user(), a_user()
        entity = an_entity(owner)
        rel = a_relationship(entity)
        await add_all(uow_factory, owner, stranger, entity, rel)

        assert await read(uow_factory, lambda uow: uow.relationships.get(stranger.id, rel.id)) is None
        assert await read(uow_factory, lambda uow: uow.relationships.get_for_entity(stranger.id, entity.id)) is None
        assert await read(uow_factory, lambda uow: items(uow.relationships.list(stranger.id, PageRequest()))) == []
        assert await write(uow_factory, lambda uow: uow.relationships.delete(stranger.id, rel.id)) is False
        assert await read(uow_factory, lambda uow: uow.relationships.get(owner.id, rel.id)) == rel

    async def test_relationships_are_listed_page_by_page_in_insertion_order(self, uow_factory: Factory) -> None:
        owner = a_user()
        entities = [an_entity(owner, f"e{i}") for i in range(7)]
        rels = [a_relationship(e, inserted_at=at(hours=i // 2)) for i, e in enumerate(entities)]
        await add_all(uow_factory, owner, *entities, *reversed(rels))

        pages = await read(uow_factory, lambda uow: walk(lambda p: uow.relationships.list(owner.id, p), 3))

        assert [len(page.items) for page in pages] == [3, 3, 1]
        assert [r for page in pages for r in page.items] == sorted(rels, key=lambda r: (r.inserted_at, r.id))

    async def test_listing_relationships_by_status_keeps_only_that_status(self, uow_factory: Factory) -> None:
        owner = a_user()
        entities = [an_entity(owner, f"e{i}") for i in range(5)]
        statuses = ["active", "inactive", "active", "archived", "active"]
        rels = [
            a_relationship(e, status=s, inserted_at=at(seconds=i))
            for i, (e, s) in enumerate(zip(entities, statuses, strict=True))
        ]
        await add_all(uow_factory, owner, *entities, *rels)

        active = await read(uow_factory, lambda uow: walk(lambda p: uow.relationships.list(owner.id, p, "active"), 2))
        inactive = await read(uow_factory, lambda uow: uow.relationships.list(owner.id, PageRequest(), "inactive"))

        assert [r for page in active for r in page.items] == [rels[0], rels[2], rels[4]]
        assert list(inactive.items) == [rels[1]]

    async def test_updating_a_relationship_writes_every_field_back(self, uow_factory: Factory) -> None:
        owner = a_user()
        entity = an_entity(owner)
        rel = a_relationship(entity)
        await add_all(uow_factory, owner, entity, rel)
        rel.type = "client"
        rel.strength = "acquaintance"
        rel.status = "archived"
        rel.started_at = dt.date(2020, 2, 29)
        rel.health_threshold_days = 1
        rel.notes = "notes"
        rel.updated_at = at(days=9, microseconds=9)

        await write(uow_factory, lambda uow: uow.relationships.update(rel))

        assert await read(uow_factory, lambda uow: uow.relationships.get(owner.id, rel.id)) == rel

    async def test_updating_another_users_relationship_is_not_found(self, uow_factory: Factory) -> None:
        owner, stranger = a_user(), a_user()
        entity = an_entity(owner)
        rel = a_relationship(entity)
        await add_all(uow_factory, owner, stranger, entity, rel)
        hijacked = a_relationship(entity, id=rel.id, status="inactive")
        hijacked.user_id = stranger.id

        async with uow_factory() as uow:
            with pytest.raises(NotFoundError):
                await uow.relationships.update(hijacked)

        assert await read(uow_factory, lambda uow: uow.relationships.get(owner.id, rel.id)) == rel

    async def test_deleting_a_relationship_keeps_the_entity(self, uow_factory: Factory) -> None:
        owner = a_user()
        entity = an_entity(owner)
        rel = a_relationship(entity)
        await add_all(uow_factory, owner, entity, rel)

        assert await write(uow_factory, lambda uow: uow.relationships.delete(owner.id, rel.id)) is True
        assert await write(uow_factory, lambda uow: uow.relationships.delete(owner.id, rel.id)) is False
        assert await read(uow_factory, lambda uow: uow.relationships.get_for_entity(owner.id, entity.id)) is None
        assert await read(uow_factory, lambda uow: uow.entities.get(owner.id, entity.id)) == entity


class TestNeedingAttention:
    NOW = at(days=100)

    async def test_due_relationships_come_most_overdue_first_and_the_rest_stay_out(self, uow_factory: Factory) -> None:
        owner, stranger = a_user(), a_user()
        rows: list[object] = [owner, stranger]

        def pair(name: str, user: User = owner, entity_fields: Any = None, **rel_fields: Any) -> Entity:
            entity = an_entity(user, name, **(entity_fields or {}))
            rows.extend([entity, a_relationship(entity, **rel_fields)])
            return entity

        pair("due day 80", entity_fields={"last_interaction_at": at(days=50)}, health_threshold_days=30)
        pair("due day 60, never contacted", health_threshold_days=60)
        pair("due day 120", entity_fields={"last_interaction_at": at(days=90)}, health_threshold_days=30)
        pair("due right now", entity_fields={"last_interaction_at": at(days=70)}, health_threshold_days=30)
        pair("due a microsecond from now",
             entity_fields={"last_interaction_at": at(days=70, microseconds=1)}, health_threshold_days=30)
        pair("archived entity", entity_fields={"archived_at": at(days=1)}, health_threshold_days=1)
        pair("inactive", status="inactive", health_threshold_days=1)
        pair("archived relationship", status="archived", health_threshold_days=1)
        pair("recorded late, never contacted", inserted_at=at(days=95), health_threshold_days=30)
        pair("stranger's", user=stranger, health_threshold_days=1)
        rows.append(an_entity(owner, "no relationship"))
        await add_all(uow_factory, *rows)

        due = await read(uow_factory, lambda uow: uow.relationships.needing_attention(owner.id, self.NOW, 50))

        assert [entity.name for entity, _ in due] == ["due day 60, never contacted", "due day 80", "due right now"]
        for entity, rel in due:
            assert rel.entity_id == entity.id and rel.user_id == owner.id
            assert await read(uow_factory, lambda uow, e=entity: uow.entities.get(owner.id, e.id)) == entity
            assert await read(uow_factory, lambda uow, r=rel: uow.relationships.get(owner.id, r.id)) == rel

    async def test_ties_are_broken_by_entity_id_and_the_limit_cuts_the_list(self, uow_factory: Factory) -> None:
        owner = a_user()
        entities = sorted(
            [an_entity(owner, f"e{i}", last_interaction_at=at(days=10)) for i in range(3)], key=lambda e: e.id
        )
        # Relationship ids and insertion times run the other way, so only the entity id can order them.
        rel_ids = sorted((uuid.uuid4() for _ in entities), reverse=True)
        rels = [
            a_relationship(e, id=rel_id, inserted_at=at(days=5 - i), health_threshold_days=30)
            for i, (e, rel_id) in enumerate(zip(entities, rel_ids))
        ]
        earlier = an_entity(owner, "earlier", last_interaction_at=at(days=9))
        await add_all(uow_factory, owner, *entities, *rels, earlier, a_relationship(earlier, health_threshold_days=30))

        due = await read(uow_factory, lambda uow: uow.relationships.needing_attention(owner.id, self.NOW, 50))
        first_two = await read(uow_factory, lambda uow: uow.relationships.needing_attention(owner.id, self.NOW, 2))

        assert [entity.name for entity, _ in due] == ["earlier", *(e.name for e in entities)]
        assert [entity.name for entity, _ in first_two] == ["earlier", entities[0].name]

    async def test_nothing_needs_attention_in_an_empty_account(self, uow_factory: Factory) -> None:
        owner = await a_user_added(uow_factory)

        assert list(await read(uow_factory, lambda uow: uow.relationships.needing_attention(owner.id, self.NOW, 10))) == []


# --- identifiers -----------------------------------------------------------


class TestIdentifiers:
    async def test_a_plain_identifier_reads_back_with_every_field_as_written(self, uow_factory: Factory) -> None:
        owner = a_user()
        entity = an_entity(owner)
        identifier = an_identifier(
            entity,
            "phone",
            value="+12025551234",
            value_hash="a" * 64,
            label="mobile ✓",
            is_primary=True,
            verified_at=at(hours=3, microseconds=33),
            inserted_at=at(microseconds=1),
            updated_at=at(days=1, microseconds=2),
        )
        await add_all(uow_factory, owner, entity, identifier)

        assert await read(uow_factory, lambda uow: uow.identifiers.get(owner.id, identifier.id)) == identifier

    async def test_a_sensitive_identifier_keeps_only_its_ciphertext(self, uow_factory: Factory) -> None:
        owner = a_user()
        entity = an_entity(owner)
        identifier = an_identifier(entity, "ssn", value_encrypted=b"\x01key-id\x00" + bytes(range(200)))
        await add_all(uow_factory, owner, entity, identifier)

        stored = await read(uow_factory, lambda uow: uow.identifiers.get(owner.id, identifier.id))

        assert stored == identifier
        assert stored is not None and stored.value is None

    @pytest.mark.parametrize("values", [{"value": None}, {"value": "x", "value_encrypted": b"x"}])
    async def test_an_identifier_needs_exactly_one_of_value_and_ciphertext(
        self, uow_factory: Factory, values: dict[str, Any]
    ) -> None:
        owner = a_user()
        entity = an_entity(owner)
        await add_all(uow_factory, owner, entity)
        identifier = an_identifier(entity, "account_number", **values)

        async with uow_factory() as uow:
            with pytest.raises(ValidationError) as raised:
                await uow.identifiers.add(identifier)

        assert set(raised.value.errors) == {"value"}
        assert await read(uow_factory, lambda uow: uow.identifiers.list_for_entity(owner.id, entity.id)) == []

    async def test_a_second_primary_of_one_type_is_a_validation_error(self, uow_factory: Factory) -> None:
        owner = a_user()
        entity, other_entity = an_entity(owner), an_entity(owner, "Other")
        primary = an_identifier(entity, "email", is_primary=True)
        await add_all(
            uow_factory, owner, entity, other_entity, primary,
            an_identifier(entity, "email", is_primary=False),
            an_identifier(entity, "phone", value="+12025551234", is_primary=True),
            an_identifier(other_entity, "email", is_primary=True),
        )

        async with uow_factory() as uow:
            with pytest.raises(ValidationError) as raised:
                await uow.identifiers.add(an_identifier(entity, "email", is_primary=True))

        assert not isinstance(raised.value, ConflictError)
        assert set(raised.value.errors) == {"is_primary"}

    async def test_making_a_second_identifier_primary_is_a_validation_error(self, uow_factory: Factory) -> None:
        owner = a_user()
        entity = an_entity(owner)
        primary = an_identifier(entity, "email", is_primary=True)
        secondary = an_identifier(entity, "email", inserted_at=at(seconds=1))
        await add_all(uow_factory, owner, entity, primary, secondary)
        secondary.is_primary = True

        async with uow_factory() as uow:
            with pytest.raises(ValidationError) as raised:
                await uow.identifiers.update(secondary)

        assert set(raised.value.errors) == {"is_primary"}

    async def test_the_primary_identifier_may_be_updated_and_stay_primary(self, uow_factory: Factory) -> None:
        owner = a_user()
        entity = an_entity(owner)
        primary = an_identifier(entity, "email", is_primary=True)
        await add_all(uow_factory, owner, entity, primary)
        primary.value = "changed@example.com"
        primary.value_hash = "b" * 64
        primary.label = "work"
        primary.verified_at = at(days=1)
        primary.updated_at = at(days=1, microseconds=1)

        await write(uow_factory, lambda uow: uow.identifiers.update(primary))

        assert await read(uow_factory, lambda uow: uow.identifiers.get(owner.id, primary.id)) == primary

    async def test_an_identifier_can_switch_from_plain_value_to_ciphertext(self, uow_factory: Factory) -> None:
        owner = a_user()
        entity = an_entity(owner)
        identifier = an_identifier(entity, "government_id", value="AB123")
        await add_all(uow_factory, owner, entity, identifier)
        identifier.value = None
        identifier.value_encrypted = b"sealed"

        await write(uow_factory, lambda uow: uow.identifiers.update(identifier))

        assert await read(uow_factory, lambda uow: uow.identifiers.get(owner.id, identifier.id)) == identifier

    async def test_updating_an_unknown_identifier_is_not_found(self, uow_factory: Factory) -> None:
        owner = a_user()
        entity = an_entity(owner)
        await add_all(uow_factory, owner, entity)

        async with uow_factory() as uow:
            with pytest.raises(NotFoundError):
                await uow.identifiers.update(an_identifier(entity))

    async def test_an_identifier_of_an_unknown_entity_is_not_found(self, uow_factory: Factory) -> None:
        owner = await a_user_added(uow_factory)

        async with uow_factory() as uow:
            with pytest.raises(NotFoundError):
                await uow.identifiers.add(an_identifier(an_entity(owner)))

    async def test_another_owners_identifier_is_absent_and_left_alone(self, uow_factory: Factory) -> None:
        owner, stranger = a_user(), a_user()
        entity = an_entity(owner)
        identifier = an_identifier(entity)
        await add_all(uow_factory, owner, stranger, entity, identifier)

        assert await read(uow_factory, lambda uow: uow.identifiers.get(stranger.id, identifier.id)) is None
        assert await read(uow_factory, lambda uow: uow.identifiers.list_for_entity(stranger.id, entity.id)) == []
        assert await read(
            uow_factory, lambda uow: uow.identifiers.find_by_hash(stranger.id, "email", identifier.value_hash)
        ) == []
        assert await write(uow_factory, lambda uow: uow.identifiers.delete(stranger.id, identifier.id)) is False
        assert await read(uow_factory, lambda uow: uow.identifiers.get(owner.id, identifier.id)) == identifier

    async def test_an_entitys_identifiers_are_listed_in_insertion_order(self, uow_factory: Factory) -> None:
        owner = a_user()
        entity, other = an_entity(owner), an_entity(owner, "Other")
        late = an_identifier(entity, "website", value="https://example.com", inserted_at=at(hours=1))
        tied = sorted([an_identifier(entity), an_identifier(entity, "phone", value="+12025551234")],
                      key=lambda i: i.id)
        await add_all(uow_factory, owner, entity, other, late, *reversed(tied), an_identifier(other))

        assert await read(uow_factory, lambda uow: uow.identifiers.list_for_entity(owner.id, entity.id)) == [*tied, late]

    async def test_primary_exists_looks_at_the_entity_and_type_except_the_given_id(self, uow_factory: Factory) -> None:
        owner = a_user()
        entity, other = an_entity(owner), an_entity(owner, "Other")
        primary = an_identifier(entity, "email", is_primary=True)
        await add_all(uow_factory, owner, entity, other, primary, an_identifier(entity, "phone", value="+12025551234"))

        async def check(entity_id: uuid.UUID, type_: str, except_id: uuid.UUID | None = None) -> bool:
            return await read(uow_factory, lambda uow: uow.identifiers.primary_exists(entity_id, type_, except_id=except_id))

        assert await check(entity.id, "email") is True
        assert await check(entity.id, "email", except_id=primary.id) is False
        assert await check(entity.id, "email", except_id=uuid.uuid4()) is True
        assert await check(entity.id, "phone") is False
        assert await check(other.id, "email") is False

    async def test_identifiers_are_found_by_blind_index_within_the_owner_and_type(self, uow_factory: Factory) -> None:
        owner, stranger = a_user(), a_user()
        first, second = an_entity(owner, "First"), an_entity(owner, "Second")
        theirs = an_entity(stranger)
        digest = "c" * 64
        late = an_identifier(first, "email", value_hash=digest, inserted_at=at(minutes=1))
        early = an_identifier(second, "email", value_hash=digest)
        await add_all(
            uow_factory, owner, stranger, first, second, theirs, late, early,
            an_identifier(first, "social_handle", value="@ada", value_hash=digest),
            an_identifier(second, "email", value_hash="d" * 64),
            an_identifier(theirs, "email", value_hash=digest),
        )

        assert await read(uow_factory, lambda uow: uow.identifiers.find_by_hash(owner.id, "email", digest)) == [early, late]
        assert await read(uow_factory, lambda uow: uow.identifiers.find_by_hash(owner.id, "phone", digest)) == []

    async def test_deleting_an_identifier_reports_whether_there_was_one(self, uow_factory: Factory) -> None:
        owner = a_user()
        entity = an_entity(owner)
        identifier = an_identifier(entity)
        await add_all(uow_factory, owner, entity, identifier)

        assert await write(uow_factory, lambda uow: uow.identifiers.delete(owner.id, identifier.id)) is True
        assert await write(uow_factory, lambda uow: uow.identifiers.delete(owner.id, identifier.id)) is False
        assert await read(uow_factory, lambda uow: uow.identifiers.get(owner.id, identifier.id)) is None


# --- tags ------------------------------------------------------------------


class TestTags:
    async def test_a_tag_reads_back_with_every_field_as_written(self, uow_factory: Factory) -> None:
        user = a_user()
        tag = a_tag(user, "close friends ✓", color="purple", description="People I call weekly",
                    inserted_at=at(microseconds=5), updated_at=at(days=1, microseconds=6))
        await add_all(uow_factory, user, tag)

        assert await read(uow_factory, lambda uow: uow.tags.get(user.id, tag.id)) == tag

    async def test_a_second_tag_of_the_same_name_is_a_conflict(self, uow_factory: Factory) -> None:
        user = a_user()
        await add_all(uow_factory, user, a_tag(user, "work"))

        async with uow_factory() as uow:
            with pytest.raises(ConflictError) as raised:
                await uow.tags.add(a_tag(user, "work", color="red"))

        assert raised.value.errors == {"name": TAKEN}

    async def test_tag_names_are_unique_per_user_and_case_sensitive(self, uow_factory: Factory) -> None:
        user, other = a_user(), a_user()
        await add_all(uow_factory, user, other, a_tag(user, "work"), a_tag(other, "work"), a_tag(user, "Work"))

        assert sorted(t.name for t in await read(uow_factory, lambda uow: uow.tags.list(user.id))) == ["Work", "work"]
        assert [t.name for t in await read(uow_factory, lambda uow: uow.tags.list(other.id))] == ["work"]

    async def test_a_tag_of_an_unknown_user_is_not_found(self, uow_factory: Factory) -> None:
        async with uow_factory() as uow:
            with pytest.raises(NotFoundError):
                await uow.tags.add(a_tag(a_user(), "orphan"))

    async def test_a_users_tags_are_listed_by_name(self, uow_factory: Factory) -> None:
        user = a_user()
        tags = [a_tag(user, name, inserted_at=at(seconds=i)) for i, name in enumerate(["zeta", "alpha", "mid", "beta"])]
        await add_all(uow_factory, user, *tags, a_tag(await a_user_added(uow_factory), "aaa"))

        listed_tags = await read(uow_factory, lambda uow: uow.tags.list(user.id))
        assert [t.name for t in listed_tags] == ["alpha", "beta", "mid", "zeta"]

    async def test_tag_names_sort_by_code_point_whatever_the_database_locale(self, uow_factory: Factory) -> None:
        user = a_user()
        await add_all(uow_factory, user, *(a_tag(user, name) for name in ["beta", "Zed", "alpha", "Alpha", "émile", "_x"]))

        assert [t.name for t in await read(uow_factory, lambda uow: uow.tags.list(user.id))] == [
            "Alpha", "Zed", "_x", "alpha", "beta", "émile",
        ]

    async def test_updating_a_tag_writes_every_field_back(self, uow_factory: Factory) -> None:
        user = a_user()
        tag = a_tag(user, "old")
        await add_all(uow_factory, user, tag)
        tag.name = "new"
        tag.color = "gray"
        tag.description = "described"
        tag.updated_at = at(days=1, microseconds=1)

        await write(uow_factory, lambda uow: uow.tags.update(tag))

        assert await read(uow_factory, lambda uow: uow.tags.get(user.id, tag.id)) == tag

    async def test_renaming_a_tag_to_a_taken_name_is_a_conflict(self, uow_factory: Factory) -> None:
        user = a_user()
        first, second = a_tag(user, "first"), a_tag(user, "second")
        await add_all(uow_factory, user, first, second)
        second.name = "first"

        async with uow_factory() as uow:
            with pytest.raises(ConflictError) as raised:
                await uow.tags.update(second)

        assert raised.value.errors == {"name": TAKEN}

    async def test_updating_another_users_tag_is_not_found(self, uow_factory: Factory) -> None:
        owner, stranger = a_user(), a_user()
        tag = a_tag(owner, "mine")
        await add_all(uow_factory, owner, stranger, tag)
        hijacked = a_tag(stranger, "stolen")
        hijacked.id = tag.id

        async with uow_factory() as uow:
            with pytest.raises(NotFoundError):
                await uow.tags.update(hijacked)

        assert await read(uow_factory, lambda uow: uow.tags.get(owner.id, tag.id)) == tag

    async def test_another_users_tag_is_absent_and_left_alone(self, uow_factory: Factory) -> None:
        owner, stranger = a_user(), a_user()
        tag = a_tag(owner, "mine")
        await add_all(uow_factory, owner, stranger, tag)

        assert await read(uow_factory, lambda uow: uow.tags.get(stranger.id, tag.id)) is None
        assert await write(uow_factory, lambda uow: uow.tags.delete(stranger.id, tag.id)) is False
        assert await read(uow_factory, lambda uow: uow.tags.get(owner.id, tag.id)) == tag

    async def test_tagging_twice_reports_the_tag_as_already_there(self, uow_factory: Factory) -> None:
        user = a_user()
        entity, tag = an_entity(user), a_tag(user, "vip")
        await add_all(uow_factory, user, entity, tag)

        assert await write(uow_factory, lambda uow: uow.tags.attach(user.id, entity.id, tag.id, T0)) is True
        assert await write(uow_factory, lambda uow: uow.tags.attach(user.id, entity.id, tag.id, at(days=1))) is False
        assert await read(uow_factory, lambda uow: uow.tags.for_entity(user.id, entity.id)) == [tag]

    async def test_untagging_reports_whether_the_tag_was_there(self, uow_factory: Factory) -> None:
        user = a_user()
        entity, tag = an_entity(user), a_tag(user, "vip")
        await add_all(uow_factory, user, entity, tag)
        await write(uow_factory, lambda uow: uow.tags.attach(user.id, entity.id, tag.id, T0))

        assert await write(uow_factory, lambda uow: uow.tags.detach(user.id, entity.id, tag.id)) is True
        assert await write(uow_factory, lambda uow: uow.tags.detach(user.id, entity.id, tag.id)) is False
        assert await read(uow_factory, lambda uow: uow.tags.for_entity(user.id, entity.id)) == []
        assert await read(uow_factory, lambda uow: uow.tags.get(user.id, tag.id)) == tag

    async def test_an_entitys_tags_are_listed_by_name(self, uow_factory: Factory) -> None:
        user = a_user()
        entity, untagged = an_entity(user), an_entity(user, "untagged")
        tags = [a_tag(user, name, inserted_at=at(seconds=i)) for i, name in enumerate(["vip", "family", "work"])]
        unused = a_tag(user, "aaa unused")
        await add_all(uow_factory, user, entity, untagged, *tags, unused)

        async def tag_all(uow: UnitOfWork) -> None:
            for t in tags:
                await uow.tags.attach(user.id, entity.id, t.id, T0)

        await write(uow_factory, tag_all)

        assert [t.name for t in await read(uow_factory, lambda uow: uow.tags.for_entity(user.id, entity.id))] == [
            "family", "vip", "work",
        ]
        assert await read(uow_factory, lambda uow: uow.tags.for_entity(user.id, untagged.id)) == []

    @pytest.mark.parametrize("whose", ["entity", "tag"])
    async def test_tagging_across_users_is_not_found(self, uow_factory: Factory, whose: str) -> None:
        user, stranger = a_user(), a_user()
        entity, tag = an_entity(user), a_tag(user, "vip")
        their_entity, their_tag = an_entity(stranger), a_tag(stranger, "vip")
        await add_all(uow_factory, user, stranger, entity, tag, their_entity, their_tag)
        entity_id, tag_id = (their_entity.id, tag.id) if whose == "entity" else (entity.id, their_tag.id)

        async with uow_factory() as uow:
            with pytest.raises(NotFoundError):
                await uow.tags.attach(user.id, entity_id, tag_id, T0)

        assert await read(uow_factory, lambda uow: uow.tags.for_entity(user.id, entity.id)) == []
        assert await read(uow_factory, lambda uow: uow.tags.for_entity(stranger.id, their_entity.id)) == []

    async def test_tagging_an_unknown_entity_or_with_an_unknown_tag_is_not_found(self, uow_factory: Factory) -> None:
        user = a_user()
        entity, tag = an_entity(user), a_tag(user, "vip")
        await add_all(uow_factory, user, entity, tag)

        async with uow_factory() as uow:
            with pytest.raises(NotFoundError):
                await uow.tags.attach(user.id, uuid.uuid4(), tag.id, T0)
        async with uow_factory() as uow:
            with pytest.raises(NotFoundError):
                await uow.tags.attach(user.id, entity.id, uuid.uuid4(), T0)

    async def test_another_user_cannot_untag_or_see_the_tags(self, uow_factory: Factory) -> None:
        user, stranger = a_user(), a_user()
        entity, tag = an_entity(user), a_tag(user, "vip")
        await add_all(uow_factory, user, stranger, entity, tag)
        await write(uow_factory, lambda uow: uow.tags.attach(user.id, entity.id, tag.id, T0))

        assert await write(uow_factory, lambda uow: uow.tags.detach(stranger.id, entity.id, tag.id)) is False
        assert await read(uow_factory, lambda uow: uow.tags.for_entity(stranger.id, entity.id)) == []
        assert await read(uow_factory, lambda uow: uow.tags.for_entity(user.id, entity.id)) == [tag]

    async def test_deleting_a_tag_untags_its_entities(self, uow_factory: Factory) -> None:
        user = a_user()
        entity, doomed, kept = an_entity(user), a_tag(user, "doomed"), a_tag(user, "kept")
        await add_all(uow_factory, user, entity, doomed, kept)

        async def tag_both(uow: UnitOfWork) -> None:
            await uow.tags.attach(user.id, entity.id, doomed.id, T0)
            await uow.tags.attach(user.id, entity.id, kept.id, T0)

        await write(uow_factory, tag_both)

        assert await write(uow_factory, lambda uow: uow.tags.delete(user.id, doomed.id)) is True
        assert await write(uow_factory, lambda uow: uow.tags.delete(user.id, doomed.id)) is False
        assert await read(uow_factory, lambda uow: uow.tags.for_entity(user.id, entity.id)) == [kept]
        assert await listed(uow_factory, user, EntityFilter(tag_names=("doomed",), archived=None)) == []
        assert await read(uow_factory, lambda uow: uow.entities.get(user.id, entity.id)) == entity


# --- groups ----------------------------------------------------------------


class TestGroups:
    async def test_a_smart_group_reads_back_with_its_rules(self, uow_factory: Factory) -> None:
        user = a_user()
        group = a_group(
            user, "Close friends", description="Rule based ✓", is_smart=True,
            rules={"type": ["person"], "tags": ["close", "vip"], "last_interaction_days": 30},
            inserted_at=at(microseconds=8), updated_at=at(days=1, microseconds=9),
        )
        await add_all(uow_factory, user, group)

        assert await read(uow_factory, lambda uow: uow.groups.get(user.id, group.id)) == group

    async def test_a_manual_group_reads_back_without_rules(self, uow_factory: Factory) -> None:
        user = a_user()
        group = a_group(user, "Book club")
        await add_all(uow_factory, user, group)

        stored = await read(uow_factory, lambda uow: uow.groups.get(user.id, group.id))

        assert stored == group
        assert stored is not None and stored.rules is None and stored.is_smart is False

    async def test_a_second_group_of_the_same_name_is_a_conflict(self, uow_factory: Factory) -> None:
        user, other = a_user(), a_user()
        await add_all(uow_factory, user, other, a_group(user, "Family"), a_group(other, "Family"))

        async with uow_factory() as uow:
            with pytest.raises(ConflictError) as raised:
                await uow.groups.add(a_group(user, "Family"))

        assert raised.value.errors == {"name": TAKEN}

    async def test_a_group_of_an_unknown_user_is_not_found(self, uow_factory: Factory) -> None:
        async with uow_factory() as uow:
            with pytest.raises(NotFoundError):
                await uow.groups.add(a_group(a_user(), "orphans"))

    async def test_a_users_groups_are_listed_by_name(self, uow_factory: Factory) -> None:
        user = a_user()
        groups = [a_group(user, n, inserted_at=at(seconds=i)) for i, n in enumerate(["work", "family", "gym"])]
        await add_all(uow_factory, user, *groups, a_group(await a_user_added(uow_factory), "aaa"))

        assert [g.name for g in await read(uow_factory, lambda uow: uow.groups.list(user.id))] == ["family", "gym", "work"]

    async def test_group_names_sort_by_code_point_whatever_the_database_locale(self, uow_factory: Factory) -> None:
        user = a_user()
        await add_all(uow_factory, user, *(a_group(user, name) for name in ["beta", "Zed", "alpha", "Alpha"]))

        assert [g.name for g in await read(uow_factory, lambda uow: uow.groups.list(user.id))] == [
            "Alpha", "Zed", "alpha", "beta",
        ]

    async def test_updating_a_group_writes_every_field_back(self, uow_factory: Factory) -> None:
        user = a_user()
        group = a_group(user, "manual")
        await add_all(uow_factory, user, group)
        group.name = "smart now"
        group.description = "described"
        group.is_smart = True
        group.rules = {"relationship_status": ["active"]}
        group.updated_at = at(days=1, microseconds=1)

        await write(uow_factory, lambda uow: uow.groups.update(group))

        assert await read(uow_factory, lambda uow: uow.groups.get(user.id, group.id)) == group

    async def test_renaming_a_group_to_a_taken_name_is_a_conflict(self, uow_factory: Factory) -> None:
        user = a_user()
        first, second = a_group(user, "first"), a_group(user, "second")
        await add_all(uow_factory, user, first, second)
        second.name = "first"

        async with uow_factory() as uow:
            with pytest.raises(ConflictError) as raised:
                await uow.groups.update(second)

        assert raised.value.errors == {"name": TAKEN}

    async def test_updating_another_users_group_is_not_found(self, uow_factory: Factory) -> None:
        owner, stranger = a_user(), a_user()
        group = a_group(owner, "mine")
        await add_all(uow_factory, owner, stranger, group)
        hijacked = a_group(stranger, "stolen")
        hijacked.id = group.id

        async with uow_factory() as uow:
            with pytest.raises(NotFoundError):
                await uow.groups.update(hijacked)

        assert await read(uow_factory, lambda uow: uow.groups.get(owner.id, group.id)) == group

    async def test_another_users_group_is_absent_and_left_alone(self, uow_factory: Factory) -> None:
        owner, stranger = a_user(), a_user()
        group, entity = a_group(owner, "mine"), an_entity(owner)
        await add_all(uow_factory, owner, stranger, group, entity)
        await write(uow_factory, lambda uow: uow.groups.add_member(owner.id, group.id, entity.id, T0))

        assert await read(uow_factory, lambda uow: uow.groups.get(stranger.id, group.id)) is None
        assert await read(uow_factory, lambda uow: items(uow.groups.members(stranger.id, group.id, PageRequest()))) == []
        assert await read(uow_factory, lambda uow: uow.groups.for_entity(stranger.id, entity.id)) == []
        assert await write(uow_factory, lambda uow: uow.groups.remove_member(stranger.id, group.id, entity.id)) is False
        assert await write(uow_factory, lambda uow: uow.groups.clear_members(stranger.id, group.id)) == 0
        assert await write(uow_factory, lambda uow: uow.groups.delete(stranger.id, group.id)) is False
        assert await read(uow_factory, lambda uow: uow.groups.get(owner.id, group.id)) == group
        assert await read(uow_factory, lambda uow: uow.groups.for_entity(owner.id, entity.id)) == [group]

    async def test_adding_a_member_twice_reports_it_as_already_there(self, uow_factory: Factory) -> None:
        user = a_user()
        group, entity = a_group(user, "g"), an_entity(user)
        await add_all(uow_factory, user, group, entity)

        assert await write(uow_factory, lambda uow: uow.groups.add_member(user.id, group.id, entity.id, T0)) is True
        assert await write(uow_factory, lambda uow: uow.groups.add_member(user.id, group.id, entity.id, at(days=1))) is False
        assert await read(uow_factory, lambda uow: items(uow.groups.members(user.id, group.id, PageRequest()))) == [
            entity
        ]

    async def test_removing_a_member_reports_whether_it_was_one(self, uow_factory: Factory) -> None:
        user = a_user()
        group, entity = a_group(user, "g"), an_entity(user)
        await add_all(uow_factory, user, group, entity)
        await write(uow_factory, lambda uow: uow.groups.add_member(user.id, group.id, entity.id, T0))

        assert await write(uow_factory, lambda uow: uow.groups.remove_member(user.id, group.id, entity.id)) is True
        assert await write(uow_factory, lambda uow: uow.groups.remove_member(user.id, group.id, entity.id)) is False
        assert await read(uow_factory, lambda uow: uow.groups.for_entity(user.id, entity.id)) == []
        assert await read(uow_factory, lambda uow: uow.entities.get(user.id, entity.id)) == entity

    async def test_clearing_a_group_counts_its_members_and_spares_other_groups(self, uow_factory: Factory) -> None:
        user = a_user()
        cleared, kept = a_group(user, "cleared"), a_group(user, "kept")
        entities = [an_entity(user, f"e{i}") for i in range(3)]
        await add_all(uow_factory, user, cleared, kept, *entities)

        async def join(uow: UnitOfWork) -> None:
            for entity in entities:
                await uow.groups.add_member(user.id, cleared.id, entity.id, T0)
            await uow.groups.add_member(user.id, kept.id, entities[0].id, T0)

        await write(uow_factory, join)

        assert await write(uow_factory, lambda uow: uow.groups.clear_members(user.id, cleared.id)) == 3
        assert await write(uow_factory, lambda uow: uow.groups.clear_members(user.id, cleared.id)) == 0
        assert await read(uow_factory, lambda uow: uow.groups.for_entity(user.id, entities[0].id)) == [kept]

    @pytest.mark.parametrize("whose", ["entity", "group"])
    async def test_membership_across_users_is_not_found(self, uow_factory: Factory, whose: str) -> None:
        user, stranger = a_user(), a_user()
        group, entity = a_group(user, "g"), an_entity(user)
        their_group, their_entity = a_group(stranger, "g"), an_entity(stranger)
        await add_all(uow_factory, user, stranger, group, entity, their_group, their_entity)
        group_id, entity_id = (group.id, their_entity.id) if whose == "entity" else (their_group.id, entity.id)

        async with uow_factory() as uow:
            with pytest.raises(NotFoundError):
                await uow.groups.add_member(user.id, group_id, entity_id, T0)

        assert await read(uow_factory, lambda uow: uow.groups.for_entity(user.id, entity.id)) == []
        assert await read(uow_factory, lambda uow: uow.groups.for_entity(stranger.id, their_entity.id)) == []

    async def test_membership_of_an_unknown_entity_or_group_is_not_found(self, uow_factory: Factory) -> None:
        user = a_user()
        group, entity = a_group(user, "g"), an_entity(user)
        await add_all(uow_factory, user, group, entity)

        async with uow_factory() as uow:
            with pytest.raises(NotFoundError):
                await uow.groups.add_member(user.id, group.id, uuid.uuid4(), T0)
        async with uow_factory() as uow:
            with pytest.raises(NotFoundError):
                await uow.groups.add_member(user.id, uuid.uuid4(), entity.id, T0)

    async def test_members_are_walked_page_by_page_in_entity_insertion_order(self, uow_factory: Factory) -> None:
        user = a_user()
        group, other_group = a_group(user, "g"), a_group(user, "other")
        members = [
            an_entity(user, f"m{i}", inserted_at=at(minutes=i // 2), archived_at=at(days=1) if i == 3 else None)
            for i in range(7)
        ]
        outsider = an_entity(user, "outsider")
        await add_all(uow_factory, user, group, other_group, *members, outsider)

        async def join(uow: UnitOfWork) -> None:
            for i, entity in enumerate(reversed(members)):
                await uow.groups.add_member(user.id, group.id, entity.id, at(hours=i))
            await uow.groups.add_member(user.id, other_group.id, outsider.id, T0)

        await write(uow_factory, join)

        pages = await read(uow_factory, lambda uow: walk(lambda p: uow.groups.members(user.id, group.id, p), 3))

        assert [len(page.items) for page in pages] == [3, 3, 1]
        assert [name for page in pages for name in names(page)] == insertion_order(members)
        assert [m for page in pages for m in page.items] == sorted(members, key=lambda e: (e.inserted_at, e.id))

    async def test_an_entitys_groups_are_listed_by_name(self, uow_factory: Factory) -> None:
        user = a_user()
        entity = an_entity(user)
        groups = [a_group(user, n, inserted_at=at(seconds=i)) for i, n in enumerate(["work", "family", "gym"])]
        await add_all(uow_factory, user, entity, *groups, a_group(user, "aaa not joined"))

        async def join(uow: UnitOfWork) -> None:
            for group in groups:
                await uow.groups.add_member(user.id, group.id, entity.id, T0)

        await write(uow_factory, join)

        assert await read(uow_factory, lambda uow: uow.groups.for_entity(user.id, entity.id)) == sorted(
            groups, key=lambda g: g.name
        )

    async def test_deleting_a_group_ends_its_memberships(self, uow_factory: Factory) -> None:
        user = a_user()
        doomed, kept, entity = a_group(user, "doomed"), a_group(user, "kept"), an_entity(user)
        await add_all(uow_factory, user, doomed, kept, entity)

        async def join(uow: UnitOfWork) -> None:
            await uow.groups.add_member(user.id, doomed.id, entity.id, T0)
            await uow.groups.add_member(user.id, kept.id, entity.id, T0)

        await write(uow_factory, join)

        assert await write(uow_factory, lambda uow: uow.groups.delete(user.id, doomed.id)) is True
        assert await write(uow_factory, lambda uow: uow.groups.delete(user.id, doomed.id)) is False
        assert await read(uow_factory, lambda uow: uow.groups.for_entity(user.id, entity.id)) == [kept]
        assert await read(uow_factory, lambda uow: uow.entities.get(user.id, entity.id)) == entity


# --- the unit of work ------------------------------------------------------


class TestUnitOfWork:
    async def test_a_locking_read_returns_the_same_rows_and_still_hides_other_owners(self, uow_factory: Factory) -> None:
        owner, stranger = a_user(), a_user()
        entity = an_entity(owner)
        tag, group = a_tag(owner, "t"), a_group(owner, "g")
        await add_all(uow_factory, owner, stranger, entity, tag, group)

        async with uow_factory() as uow:
            assert await uow.users.get(owner.id, for_update=True) == owner
            assert await uow.entities.get(owner.id, entity.id, for_update=True) == entity
            assert await uow.tags.get(owner.id, tag.id, for_update=True) == tag
            assert await uow.groups.get(owner.id, group.id, for_update=True) == group
            assert await uow.entities.get(stranger.id, entity.id, for_update=True) is None
            assert await uow.tags.get(stranger.id, tag.id, for_update=True) is None
            assert await uow.groups.get(stranger.id, group.id, for_update=True) is None

    async def test_writes_are_visible_inside_the_unit_of_work_before_commit(self, uow_factory: Factory) -> None:
        user = a_user()
        entity = an_entity(user)

        async with uow_factory() as uow:
            await uow.users.add(user)
            await uow.entities.add(entity)
            assert await uow.users.get(user.id) == user
            assert await uow.entities.get(user.id, entity.id) == entity

    async def test_without_commit_nothing_is_visible_to_a_new_unit_of_work(self, uow_factory: Factory) -> None:
        user = a_user()
        entity = an_entity(user)

        async with uow_factory() as uow:
            await uow.users.add(user)
            await uow.entities.add(entity)

        assert await read(uow_factory, lambda uow: uow.users.get(user.id)) is None
        assert await read(uow_factory, lambda uow: uow.entities.get(user.id, entity.id)) is None

    async def test_an_exception_inside_the_with_block_writes_nothing(self, uow_factory: Factory) -> None:
        kept = await a_user_added(uow_factory)
        user = a_user()

        class Boom(Exception):
            pass

        with pytest.raises(Boom):
            async with uow_factory() as uow:
                await uow.users.add(user)
                await uow.users.delete(kept.id)
                raise Boom

        assert await read(uow_factory, lambda uow: uow.users.get(user.id)) is None
        assert await read(uow_factory, lambda uow: uow.users.get(kept.id)) == kept

    async def test_rollback_discards_pending_writes_and_the_unit_of_work_stays_usable(self, uow_factory: Factory) -> None:
        discarded, kept = a_user(), a_user()

        async with uow_factory() as uow:
            await uow.users.add(discarded)
            await uow.rollback()
            assert await uow.users.get(discarded.id) is None
            await uow.users.add(kept)
            await uow.commit()

        assert await read(uow_factory, lambda uow: uow.users.get(discarded.id)) is None
        assert await read(uow_factory, lambda uow: uow.users.get(kept.id)) == kept

    async def test_writes_after_a_commit_need_another_commit(self, uow_factory: Factory) -> None:
        committed, pending = a_user(), a_user()

        async with uow_factory() as uow:
            await uow.users.add(committed)
            await uow.commit()
            await uow.users.add(pending)

        assert await read(uow_factory, lambda uow: uow.users.get(committed.id)) == committed
        assert await read(uow_factory, lambda uow: uow.users.get(pending.id)) is None

    async def test_a_unit_of_work_may_commit_more_than_once(self, uow_factory: Factory) -> None:
        first, second = a_user(), a_user()

        async with uow_factory() as uow:
            await uow.users.add(first)
            await uow.commit()
            await uow.users.add(second)
            await uow.users.delete(first.id)
            await uow.commit()

        assert await read(uow_factory, lambda uow: uow.users.get(first.id)) is None
        assert await read(uow_factory, lambda uow: uow.users.get(second.id)) == second

    async def test_an_open_unit_of_work_does_not_see_another_ones_uncommitted_writes(self, uow_factory: Factory) -> None:
        user = a_user()

        async with uow_factory() as writer:
            await writer.users.add(user)
            assert await read(uow_factory, lambda uow: uow.users.get(user.id)) is None
            await writer.commit()

        assert await read(uow_factory, lambda uow: uow.users.get(user.id)) == user

    async def test_units_of_work_committing_different_rows_keep_both_writes(self, uow_factory: Factory) -> None:
        first, second = a_user(), a_user()

        async with uow_factory() as one, uow_factory() as two:
            await one.users.add(first)
            await two.users.add(second)
            await two.commit()
            await one.commit()

        assert await read(uow_factory, lambda uow: uow.users.get(first.id)) == first
        assert await read(uow_factory, lambda uow: uow.users.get(second.id)) == second

    async def test_an_object_added_and_then_changed_is_stored_as_it_was_added(self, uow_factory: Factory) -> None:
        user = a_user(settings={"a": 1})

        async with uow_factory() as uow:
            await uow.users.add(user)
            user.settings["a"] = 2
            user.name = "changed after add"
            await uow.commit()

        stored = await read(uow_factory, lambda uow: uow.users.get(user.id))
        assert stored is not None and stored.settings == {"a": 1} and stored.name is None
