"""The PostgreSQL repositories keep the promises of ``conezia.core.ports``."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import psycopg
import pytest

from conezia.adapters.postgres import PostgresDatabase, PostgresUnitOfWork
from conezia.adapters.postgres.urls import APPLICATION_NAME, connect_kwargs, engine_url
from conezia.core.accounts import AuthProvider, User, UserToken
from conezia.core.entities import ONE_RELATIONSHIP, Entity, Relationship
from conezia.core.errors import ConflictError, NotFoundError, UnavailableError, ValidationError
from conezia.core.identifiers import Identifier
from conezia.core.organizing import EntityFilter, Group, Tag
from conezia.core.pagination import PageRequest
from tests.contract.builders import written

__all__: list[str] = []

pytestmark = pytest.mark.anyio

T0 = dt.datetime(2024, 5, 17, 9, 30, 15, 123456, tzinfo=dt.UTC)


def at(minutes: int = 0, *, days: int = 0) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes, days=days)


@pytest.fixture(scope="module")
async def database(migrated_database_url: str) -> AsyncIterator[PostgresDatabase]:
    db = PostgresDatabase(migrated_database_url, pool_size=2)
    try:
        yield db
    finally:
        await db.close()


@pytest.fixture
async def uow(database: PostgresDatabase) -> Callable[[], PostgresUnitOfWork]:
    await database.truncate_all()
    return database.unit_of_work


def query(database: PostgresDatabase, sql: str) -> Any:
    """The first column of the first row of ``sql``, read on a connection of its own."""
    with psycopg.connect(**database.driver_connect_args(), autocommit=True) as connection:
        row = connection.execute(sql).fetchone()
    assert row is not None
    return row[0]


# -- builders ------------------------------------------------------------------


def new_user(email: str | None = None, **fields: Any) -> User:
    user_id = uuid.uuid4()
    return User(id=user_id, email=email or f"{user_id.hex}@example.com", inserted_at=T0, updated_at=T0, **fields)


def new_entity(owner: User, name: str = "Ada", *, minute: int = 0, **fields: Any) -> Entity:
    fields.setdefault("type", "person")
    return Entity(
        id=uuid.uuid4(), owner_id=owner.id, name=name, inserted_at=at(minute), updated_at=at(minute), **fields
    )


def new_relationship(entity: Entity, *, minute: int = 0, **fields: Any) -> Relationship:
    return Relationship(
        id=uuid.uuid4(), user_id=entity.owner_id, entity_id=entity.id,
        inserted_at=at(minute), updated_at=at(minute), **fields,
    )


def new_identifier(
    entity: Entity, value: str | None = "+12025550101", *, minute: int = 0, **fields: Any
) -> Identifier:
    fields.setdefault("type", "phone")
    fields.setdefault("value_hash", hashlib.sha256(str(value).encode()).hexdigest())
    return Identifier(
        id=uuid.uuid4(), entity_id=entity.id, value=value, inserted_at=at(minute), updated_at=at(minute), **fields
    )


def new_tag(owner: User, name: str = "work", **fields: Any) -> Tag:
    return Tag(id=uuid.uuid4(), user_id=owner.id, name=name, inserted_at=T0, updated_at=T0, **fields)


def new_group(owner: User, name: str = "team", **fields: Any) -> Group:
    return Group(id=uuid.uuid4(), user_id=owner.id, name=name, inserted_at=T0, updated_at=T0, **fields)


def new_token(user: User, secret: bytes = b"secret", context: str = "session") -> UserToken:
    return UserToken(
        id=uuid.uuid4(), user_id=user.id, token_hash=hashlib.sha256(secret).digest(),
        context=context, inserted_at=T0, sent_to=user.email,
    )


def new_provider(user: User, uid: str = "g-1") -> AuthProvider:
    return AuthProvider(
        id=uuid.uuid4(), user_id=user.id, provider="google", provider_uid=uid, inserted_at=T0, updated_at=T0,
        provider_token=b"\x00cipher", provider_meta={"scopes": ["email"], "nested": {"n": 1}},
    )


_REPOSITORY_OF: dict[type, str] = {
    User: "users", UserToken: "tokens", AuthProvider: "auth_providers", Entity: "entities",
    Relationship: "relationships", Identifier: "identifiers", Tag: "tags", Group: "groups",
}


async def add_row(work: PostgresUnitOfWork, row: Any) -> None:
    await getattr(work, _REPOSITORY_OF[type(row)]).add(row)


async def save(uow: Callable[[], PostgresUnitOfWork], *rows: Any) -> None:
    """Store rows through their repositories, in order, in one committed unit of work."""
    async with uow() as work:
        for row in rows:
            await add_row(work, row)
        await work.commit()


@pytest.fixture
async def owner(uow: Callable[[], PostgresUnitOfWork]) -> User:
    user = new_user()
    await save(uow, user)
    return user


@pytest.fixture
async def stranger(uow: Callable[[], PostgresUnitOfWork]) -> User:
    user = new_user()
    await save(uow, user)
    return user


# -- the database object ---------------------------------------------------------


def test_plain_and_unix_socket_urls_use_the_psycopg_driver() -> None:
    assert engine_url("postgresql://u:p@db:5432/conezia").drivername == "postgresql+psycopg"
    assert engine_url("postgres://u@db/conezia").drivername == "postgresql+psycopg"
    socket = engine_url("postgresql://postgres:@/conezia?host=/run/pg")
    assert (socket.drivername, socket.database, socket.query["host"]) == ("postgresql+psycopg", "conezia", "/run/pg")
    with pytest.raises(ValueError):
        engine_url("sqlite:///x.db")
    assert connect_kwargs("postgresql+psycopg://u@db/conezia?options=-c%20a%3D1")["options"] == (
        "-c a=1 -c TimeZone=UTC -c plan_cache_mode=force_generic_plan"
    )


async def test_creating_a_database_does_not_connect() -> None:
    db = PostgresDatabase("postgresql://nobody@/nowhere?host=/nonexistent")
    try:
        assert await db.ping(wait=0.5) is False
    finally:
        await db.close()


async def test_sessions_run_in_utc_and_are_named_whatever_the_url_asks(migrated_database_url: str) -> None:
    separator = "&" if "?" in migrated_database_url else "?"
    db = PostgresDatabase(f"{migrated_database_url}{separator}options=-c%20TimeZone%3DAmerica/New_York")
    try:
        pool = await db.pool()
        async with pool.connection() as connection:
            cursor = await connection.execute(
                "SELECT current_setting('TimeZone'), current_setting('application_name'),"
                " current_setting('plan_cache_mode')"
            )
            assert await cursor.fetchone() == ("UTC", APPLICATION_NAME, "force_generic_plan")
    finally:
        await db.close()


async def test_ping_answers_true_for_a_live_database(database: PostgresDatabase) -> None:
    assert await database.ping() is True


async def test_concurrent_first_uses_share_one_pool_of_at_most_pool_size(migrated_database_url: str) -> None:
    db = PostgresDatabase(migrated_database_url, pool_size=2)
    try:
        pools = await asyncio.gather(*(db.pool() for _ in range(5)))
        assert len({id(pool) for pool in pools}) == 1
        assert (pools[0].min_size, pools[0].max_size) == (1, 2)
        await db.close()
        assert await db.pool() is not pools[0], "a closed pool is replaced at the next use"
    finally:
        await db.close()


# -- round trips -----------------------------------------------------------------


async def test_a_user_round_trips_with_its_json_and_timestamps(uow: Callable[[], PostgresUnitOfWork]) -> None:
    user = new_user(
        "Ada@Example.com", name="Ada", hashed_password="$argon2id$x", confirmed_at=at(5), tier="personal",
        settings={"theme": "dark", "list": [1, 2]}, onboarding_completed_at=at(6),
    )
    await save(uow, user)
    async with uow() as work:
        loaded = await work.users.get(user.id)
    assert loaded == user
    assert loaded is not None and loaded.inserted_at.utcoffset() == dt.timedelta(0)


async def test_users_are_found_by_email_case_insensitively(uow: Callable[[], PostgresUnitOfWork]) -> None:
    user = new_user("Ada@Example.com")
    await save(uow, user)
    async with uow() as work:
        assert await work.users.get_by_email("ada@EXAMPLE.com") == user
        assert await work.users.get_by_email("bob@example.com") is None


async def test_a_user_update_writes_every_field_back(uow: Callable[[], PostgresUnitOfWork], owner: User) -> None:
    owner.name, owner.tier, owner.notification_preferences = "Renamed", "enterprise", {"email": False}
    async with uow() as work:
        await work.users.update(owner)
        await work.commit()
    async with uow() as work:
        assert await work.users.get(owner.id) == owner


async def test_updating_a_missing_user_is_not_found(uow: Callable[[], PostgresUnitOfWork]) -> None:
    async with uow() as work:
        with pytest.raises(NotFoundError):
            await written(work, work.users.update(new_user()))


async def test_deleting_a_user_cascades_to_everything_they_own(
    uow: Callable[[], PostgresUnitOfWork], owner: User
) -> None:
    entity = new_entity(owner)
    await save(uow, entity, new_relationship(entity), new_tag(owner), new_token(owner))
    async with uow() as work:
        assert await work.users.delete(owner.id) is True
        assert await work.users.delete(owner.id) is False
        await work.commit()
    async with uow() as work:
        assert await work.entities.get(owner.id, entity.id) is None
        assert await work.tags.list(owner.id) == []


async def test_tokens_round_trip_by_context_and_hash(uow: Callable[[], PostgresUnitOfWork], owner: User) -> None:
    token = new_token(owner)
    await save(uow, token)
    async with uow() as work:
        assert await work.tokens.get_by_hash("session", token.token_hash) == token
        assert await work.tokens.get_by_hash("reset_password", token.token_hash) is None
        assert await work.tokens.delete(token.id) is True
        assert await work.tokens.delete(token.id) is False


async def test_deleting_a_users_tokens_counts_them_and_honours_contexts(
    uow: Callable[[], PostgresUnitOfWork], owner: User, stranger: User
) -> None:
    await save(
        uow, new_token(owner, b"a"), new_token(owner, b"b", "confirm_email"),
        new_token(owner, b"c", "reset_password"), new_token(stranger, b"d"),
    )
    async with uow() as work:
        assert await work.tokens.delete_for_user(owner.id, ["confirm_email", "reset_password"]) == 2
        assert await work.tokens.delete_for_user(owner.id, []) == 0
        assert await work.tokens.delete_for_user(owner.id) == 1
        assert await work.tokens.delete_for_user(stranger.id) == 1


async def test_auth_providers_round_trip_and_are_scoped_to_their_user(
    uow: Callable[[], PostgresUnitOfWork], owner: User, stranger: User
) -> None:
    provider = new_provider(owner)
    await save(uow, provider)
    async with uow() as work:
        assert await work.auth_providers.get(owner.id, provider.id) == provider
        assert await work.auth_providers.get(stranger.id, provider.id) is None
        assert await work.auth_providers.get_by_uid("google", "g-1") == provider
        assert await work.auth_providers.list_for_user(owner.id) == [provider]
        provider.provider_meta = {"refreshed": True}
        await work.auth_providers.update(provider)
        assert await work.auth_providers.get(owner.id, provider.id) == provider
        assert await work.auth_providers.delete(stranger.id, provider.id) is False
        assert await work.auth_providers.delete(owner.id, provider.id) is True


async def test_an_entity_round_trips(uow: Callable[[], PostgresUnitOfWork], owner: User) -> None:
    entity = new_entity(
        owner, description="Mathematician", avatar_url="https://example.com/a.png",
        metadata={"born": 1815, "tags": ["x"]}, last_interaction_at=at(3), archived_at=at(4),
    )
    await save(uow, entity)
    async with uow() as work:
        assert await work.entities.get(owner.id, entity.id) == entity


async def test_a_relationship_round_trips(uow: Callable[[], PostgresUnitOfWork], owner: User) -> None:
    entity = new_entity(owner)
    relationship = new_relationship(
        entity, type="friend", strength="close", started_at=dt.date(2020, 2, 29), health_threshold_days=7, notes="n"
    )
    await save(uow, entity, relationship)
    async with uow() as work:
        assert await work.relationships.get(owner.id, relationship.id) == relationship
        assert await work.relationships.get_for_entity(owner.id, entity.id) == relationship


async def test_identifiers_round_trip_in_plain_and_encrypted_form(
    uow: Callable[[], PostgresUnitOfWork], owner: User
) -> None:
    entity = new_entity(owner)
    phone = new_identifier(entity, label="mobile", is_primary=True, verified_at=at(1))
    ssn = new_identifier(entity, None, minute=1, type="ssn", value_encrypted=b"\x01\x02")
    await save(uow, entity, phone, ssn)
    async with uow() as work:
        assert await work.identifiers.get(owner.id, phone.id) == phone
        assert await work.identifiers.list_for_entity(owner.id, entity.id) == [phone, ssn]


async def test_tags_and_groups_round_trip(uow: Callable[[], PostgresUnitOfWork], owner: User) -> None:
    tag = new_tag(owner, color="red", description="Colleagues")
    manual = new_group(owner, "manual")
    smart = new_group(owner, "smart", is_smart=True, rules={"type": ["person"], "last_interaction_days": 30})
    await save(uow, tag, manual, smart)
    async with uow() as work:
        assert await work.tags.get(owner.id, tag.id) == tag
        assert await work.groups.get(owner.id, manual.id) == manual
        assert await work.groups.get(owner.id, smart.id) == smart


async def test_a_group_without_rules_stores_sql_null(
    uow: Callable[[], PostgresUnitOfWork], database: PostgresDatabase, owner: User
) -> None:
    group = new_group(owner)
    await save(uow, group)
    assert query(database, "SELECT rules IS NULL FROM groups") is True


# -- constraints become domain errors ---------------------------------------------


def assert_errors(raised: pytest.ExceptionInfo[ValidationError], errors: dict[str, list[str]]) -> None:
    assert raised.value.errors == errors


async def test_a_taken_email_is_a_conflict_on_email_whatever_its_case(
    uow: Callable[[], PostgresUnitOfWork], owner: User
) -> None:
    async with uow() as work:
        with pytest.raises(ConflictError) as raised:
            await written(work, work.users.add(new_user(owner.email.upper())))
    assert_errors(raised, {"email": ["has already been taken"]})


async def test_changing_email_to_a_taken_one_is_a_conflict(
    uow: Callable[[], PostgresUnitOfWork], owner: User, stranger: User
) -> None:
    stranger.email = owner.email
    async with uow() as work:
        with pytest.raises(ConflictError) as raised:
            await written(work, work.users.update(stranger))
    assert_errors(raised, {"email": ["has already been taken"]})


async def test_a_reused_id_is_a_conflict_on_id(uow: Callable[[], PostgresUnitOfWork], owner: User) -> None:
    clone = new_user()
    clone.id = owner.id
    async with uow() as work:
        with pytest.raises(ConflictError) as raised:
            await written(work, work.users.add(clone))
    assert_errors(raised, {"id": ["has already been taken"]})


async def test_a_linked_provider_account_is_a_conflict_on_provider_uid(
    uow: Callable[[], PostgresUnitOfWork], owner: User, stranger: User
) -> None:
    await save(uow, new_provider(owner))
    async with uow() as work:
        with pytest.raises(ConflictError) as raised:
            await written(work, work.auth_providers.add(new_provider(stranger)))
    assert_errors(raised, {"provider_uid": ["has already been taken"]})


async def test_a_duplicate_token_is_a_conflict_on_token(uow: Callable[[], PostgresUnitOfWork], owner: User) -> None:
    await save(uow, new_token(owner))
    async with uow() as work:
        with pytest.raises(ConflictError) as raised:
            await written(work, work.tokens.add(new_token(owner)))
    assert_errors(raised, {"token": ["has already been taken"]})


async def test_a_second_relationship_to_an_entity_is_a_conflict_on_entity_id(
    uow: Callable[[], PostgresUnitOfWork], owner: User
) -> None:
    entity = new_entity(owner)
    await save(uow, entity, new_relationship(entity))
    async with uow() as work:
        with pytest.raises(ConflictError) as raised:
            await written(work, work.relationships.add(new_relationship(entity)))
    assert_errors(raised, {"entity_id": [ONE_RELATIONSHIP]})


@pytest.mark.parametrize("kind", ["tag", "group"])
async def test_a_taken_tag_or_group_name_is_a_conflict_on_name(
    uow: Callable[[], PostgresUnitOfWork], owner: User, stranger: User, kind: str
) -> None:
    build = new_tag if kind == "tag" else new_group
    await save(uow, build(owner, "same"), build(stranger, "same"))
    async with uow() as work:
        with pytest.raises(ConflictError) as raised:
            await written(work, getattr(work, f"{kind}s").add(build(owner, "same")))
    assert_errors(raised, {"name": ["has already been taken"]})


async def test_renaming_a_tag_to_a_taken_name_is_a_conflict(uow: Callable[[], PostgresUnitOfWork], owner: User) -> None:
    first, second = new_tag(owner, "a"), new_tag(owner, "b")
    await save(uow, first, second)
    second.name = "a"
    async with uow() as work:
        with pytest.raises(ConflictError):
            await written(work, work.tags.update(second))


async def test_a_second_primary_identifier_of_a_type_is_a_validation_error_not_a_conflict(
    uow: Callable[[], PostgresUnitOfWork], owner: User
) -> None:
    entity = new_entity(owner)
    await save(uow, entity, new_identifier(entity, is_primary=True))
    async with uow() as work:
        with pytest.raises(ValidationError) as raised:
            await written(work, work.identifiers.add(new_identifier(entity, "+12025550102", is_primary=True)))
    assert not isinstance(raised.value, ConflictError)
    assert list(raised.value.errors) == ["is_primary"]


def anothers_relationship(owner: User, theirs: Entity) -> Relationship:
    relationship = new_relationship(theirs)
    relationship.user_id = owner.id
    return relationship


@pytest.mark.parametrize(
    ("build", "resource"),
    [
        (lambda owner, theirs: new_entity(new_user()), "user"),
        (lambda owner, theirs: new_token(new_user()), "user"),
        (lambda owner, theirs: new_tag(new_user()), "user"),
        (anothers_relationship, "entity"),
        (lambda owner, theirs: new_identifier(new_entity(owner)), "entity"),
    ],
    ids=["entity-owner", "token-user", "tag-user", "relationship-to-anothers-entity", "identifier-entity"],
)
async def test_a_missing_parent_row_is_not_found(
    uow: Callable[[], PostgresUnitOfWork], owner: User, stranger: User,
    build: Callable[[User, Entity], Any], resource: str,
) -> None:
    theirs = new_entity(stranger)
    await save(uow, theirs)
    async with uow() as work:
        with pytest.raises(NotFoundError) as raised:
            await written(work, add_row(work, build(owner, theirs)))
    assert raised.value.resource == resource


async def test_tagging_or_grouping_another_users_rows_is_not_found(
    uow: Callable[[], PostgresUnitOfWork], owner: User, stranger: User
) -> None:
    mine, theirs = new_entity(owner), new_entity(stranger)
    my_tag, their_tag = new_tag(owner), new_tag(stranger)
    my_group, their_group = new_group(owner), new_group(stranger)
    await save(uow, mine, theirs, my_tag, their_tag, my_group, their_group)
    attempts: list[tuple[Callable[[PostgresUnitOfWork], Awaitable[object]], str]] = [
        (lambda w: w.tags.attach(owner.id, theirs.id, my_tag.id, T0), "entity"),
        (lambda w: w.tags.attach(owner.id, mine.id, their_tag.id, T0), "tag"),
        (lambda w: w.groups.add_member(owner.id, my_group.id, theirs.id, T0), "entity"),
        (lambda w: w.groups.add_member(owner.id, their_group.id, mine.id, T0), "group"),
    ]
    for attempt, resource in attempts:
        async with uow() as work:
            with pytest.raises(NotFoundError) as raised:
                await attempt(work)
        assert raised.value.resource == resource


async def test_linking_what_another_user_linked_already_is_not_found(
    uow: Callable[[], PostgresUnitOfWork], owner: User, stranger: User
) -> None:
    theirs, their_tag, their_group = new_entity(stranger), new_tag(stranger), new_group(stranger)
    await save(uow, theirs, their_tag, their_group)
    async with uow() as work:
        assert await work.tags.attach(stranger.id, theirs.id, their_tag.id, T0) is True
        assert await work.groups.add_member(stranger.id, their_group.id, theirs.id, T0) is True
        await work.commit()
    async with uow() as work:
        with pytest.raises(NotFoundError):
            await work.tags.attach(owner.id, theirs.id, their_tag.id, T0)
    async with uow() as work:
        with pytest.raises(NotFoundError):
            await work.groups.add_member(owner.id, their_group.id, theirs.id, T0)


@pytest.mark.parametrize(
    ("row", "errors"),
    [
        (lambda u, e: new_entity(u, type="robot"), {"type": ["is invalid"]}),
        (lambda u, e: new_entity(u, "   "), {"name": ["is invalid"]}),
        (lambda u, e: new_relationship(e, health_threshold_days=0), {"health_threshold_days": ["is invalid"]}),
        (lambda u, e: new_relationship(e, status="gone"), {"status": ["is invalid"]}),
        (lambda u, e: new_identifier(e, value_encrypted=b"both"), {"value": ["is invalid"]}),
        (lambda u, e: new_tag(u, color="plaid"), {"color": ["is invalid"]}),
        (lambda u, e: new_group(u, is_smart=True), {"rules": ["is invalid"]}),
        (lambda u, e: new_tag(u, "x" * 51), {"name": ["is too long"]}),
        (lambda u, e: new_entity(u, "nul\x00byte"), {"base": ["is invalid"]}),
    ],
    ids=["entity-type", "entity-name", "threshold", "status", "identifier-value", "tag-color", "smart-rules",
         "too-long", "nul-byte"],
)
async def test_rows_breaking_a_check_are_validation_errors(
    uow: Callable[[], PostgresUnitOfWork], owner: User,
    row: Callable[[User, Entity], Any], errors: dict[str, list[str]],
) -> None:
    entity = new_entity(owner)
    await save(uow, entity)
    async with uow() as work:
        with pytest.raises(ValidationError) as raised:
            await written(work, add_row(work, row(owner, entity)))
    assert type(raised.value) is ValidationError
    assert_errors(raised, errors)


# -- transactions -------------------------------------------------------------------


async def test_a_unit_of_work_left_without_commit_writes_nothing(uow: Callable[[], PostgresUnitOfWork]) -> None:
    user = new_user()
    async with uow() as work:
        await work.users.add(user)
        assert await work.users.get(user.id) == user
    async with uow() as work:
        assert await work.users.get(user.id) is None


async def test_a_failed_unique_insert_leaves_nothing_of_its_unit_of_work_written(
    uow: Callable[[], PostgresUnitOfWork], owner: User
) -> None:
    fresh = new_user()

    async def add_both() -> None:
        async with uow() as work:
            await work.users.add(fresh)
            await work.users.add(new_user(owner.email))
            await work.commit()

    with pytest.raises(ConflictError):
        await add_both()
    async with uow() as work:
        assert await work.users.get(fresh.id) is None


async def test_committing_after_a_failed_statement_raises_instead_of_losing_writes_silently(
    uow: Callable[[], PostgresUnitOfWork], owner: User
) -> None:
    fresh = new_user()
    async with uow() as work:
        await work.users.add(fresh)
        with pytest.raises(ConflictError):
            await written(work, work.users.add(new_user(owner.email)))
        with pytest.raises(psycopg.errors.InFailedSqlTransaction):
            await work.commit()
        await work.users.add(new_user())  # the unit of work stays usable
    async with uow() as work:
        assert await work.users.get(fresh.id) is None


async def test_rollback_discards_what_was_written_since_the_last_commit(uow: Callable[[], PostgresUnitOfWork]) -> None:
    kept, dropped = new_user(), new_user()
    async with uow() as work:
        await work.users.add(kept)
        await work.commit()
        await work.users.add(dropped)
        await work.rollback()
        assert await work.users.get(dropped.id) is None
    async with uow() as work:
        assert await work.users.get(kept.id) == kept
        assert await work.users.get(dropped.id) is None


async def test_an_exception_in_the_block_rolls_back_and_returns_the_connection(
    uow: Callable[[], PostgresUnitOfWork], database: PostgresDatabase
) -> None:
    user = new_user()

    async def fail_after_a_write() -> None:
        async with uow() as work:
            await work.users.add(user)
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        await fail_after_a_write()
    pool = await database.pool()
    assert pool.get_stats()["pool_available"] == pool.get_stats()["pool_size"]
    async with uow() as work:
        assert await work.users.get(user.id) is None


def open_transactions(database: PostgresDatabase) -> int:
    return query(
        database,
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE datname = current_database()"
        " AND state IN ('idle in transaction', 'idle in transaction (aborted)')",
    )


async def test_a_transaction_is_open_from_the_first_write_sent_until_the_end_of_the_unit_of_work(
    uow: Callable[[], PostgresUnitOfWork], database: PostgresDatabase, owner: User
) -> None:
    async with uow() as work:
        await work.users.get(owner.id)
        await work.entities.list(owner.id, EntityFilter(), PageRequest())
        assert open_transactions(database) == 0
        await work.users.add(new_user())
        assert open_transactions(database) == 0, "a write waits for the next statement or the commit"
        await work.users.get(owner.id)
        assert open_transactions(database) == 1, "a statement after a write sends it first, in a transaction"
        await work.commit()
        assert open_transactions(database) == 0
        await work.users.add(new_user())
        await work.commit()
        assert open_transactions(database) == 0, "inserts alone commit as one statement of their own"
    assert open_transactions(database) == 0
    async with uow() as work:
        await work.users.get(owner.id, for_update=True)
        assert open_transactions(database) == 1, "a locking read holds its lock in a transaction"
    assert open_transactions(database) == 0


async def test_a_unit_of_work_checks_a_connection_out_at_its_first_statement_and_not_before(
    uow: Callable[[], PostgresUnitOfWork], database: PostgresDatabase, owner: User
) -> None:
    pool = await database.pool()

    def checkouts() -> int:
        return int(pool.get_stats().get("requests_num", 0))

    before = checkouts()
    async with uow() as work:
        pass
    async with uow() as work:
        await work.users.add(new_user())
        assert checkouts() == before, "a deferred write needs no connection yet"
        await work.commit()
        assert checkouts() == before + 1
        assert await work.users.get(owner.id) == owner
    assert checkouts() == before + 1, "one connection served the whole unit of work"


async def test_inserts_sent_together_at_the_commit_are_written_all_or_none(
    uow: Callable[[], PostgresUnitOfWork], owner: User
) -> None:
    kept, entity = new_user(), new_entity(owner)
    async with uow() as work:
        await work.users.add(kept)
        await work.entities.add(entity)
        await work.users.add(new_user(owner.email))  # the last one breaks the unique email
        with pytest.raises(ConflictError) as raised:
            await work.commit()
    assert_errors(raised, {"email": ["has already been taken"]})
    async with uow() as work:
        assert await work.users.get(kept.id) is None
        assert await work.entities.get(owner.id, entity.id) is None


async def test_an_update_that_finds_no_row_at_the_commit_is_not_found_and_writes_nothing(
    uow: Callable[[], PostgresUnitOfWork], owner: User
) -> None:
    kept = new_entity(owner)
    async with uow() as work:
        await work.entities.add(kept)
        await work.entities.update(new_entity(owner))  # never stored
        with pytest.raises(NotFoundError) as raised:
            await work.commit()
    assert raised.value.resource == "entity"
    async with uow() as work:
        assert await work.entities.get(owner.id, kept.id) is None


async def test_a_commit_after_an_update_found_no_row_keeps_nothing_of_its_statement(
    uow: Callable[[], PostgresUnitOfWork], owner: User
) -> None:
    added = new_entity(owner)
    async with uow() as work:
        await work.entities.add(added)
        await work.tags.update(new_tag(owner))  # never stored: it goes in one statement with the insert, and misses
        with pytest.raises(NotFoundError):
            await work.commit()
        with pytest.raises(psycopg.errors.InFailedSqlTransaction):
            await work.commit()  # the insert took effect in that statement: it must not be kept
    async with uow() as work:
        assert await work.entities.get(owner.id, added.id) is None


async def test_of_several_updates_sent_as_one_statement_the_one_that_misses_is_named_and_none_is_kept(
    uow: Callable[[], PostgresUnitOfWork], owner: User
) -> None:
    entity = new_entity(owner)
    await save(uow, entity)
    async with uow() as work:
        entity.name = "Renamed"
        await work.entities.update(entity)
        await work.tags.update(new_tag(owner))  # never stored
        with pytest.raises(NotFoundError) as raised:
            await work.commit()
    assert raised.value.resource == "tag"
    async with uow() as work:
        stored = await work.entities.get(owner.id, entity.id)
    assert stored is not None and stored.name == "Ada"


async def test_a_row_read_and_written_back_if_unchanged_is_two_statements_and_no_transaction(
    uow: Callable[[], PostgresUnitOfWork], database: PostgresDatabase, owner: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    entity = new_entity(owner)
    await save(uow, entity)
    sent: list[str] = []
    execute = psycopg.AsyncCursor.execute

    async def noting(self: psycopg.AsyncCursor[Any], query: Any, params: Any = None, **kwargs: Any) -> Any:
        text = query.decode() if isinstance(query, bytes) else str(query)
        sent.append(text.split(None, 1)[0])
        return await execute(self, query, params, **kwargs)

    monkeypatch.setattr(psycopg.AsyncCursor, "execute", noting)
    async with uow() as work:
        row = await work.entities.get(owner.id, entity.id)
        assert row is not None
        row.name = "Renamed"
        await work.entities.update(row, if_unchanged=True)
        assert open_transactions(database) == 0
        await work.commit()
    monkeypatch.undo()

    assert sent == ["SELECT", "WITH"]
    async with uow() as work:
        assert await work.entities.get(owner.id, entity.id) == row


async def test_an_update_if_unchanged_of_a_row_not_read_in_the_unit_of_work_is_refused_before_anything_is_sent(
    uow: Callable[[], PostgresUnitOfWork], owner: User
) -> None:
    entity = new_entity(owner)
    await save(uow, entity)
    async with uow() as work:
        with pytest.raises(RuntimeError, match="read the entity"):
            await work.entities.update(entity, if_unchanged=True)


async def test_an_update_of_a_row_inserted_in_the_same_unit_of_work_sees_it(
    uow: Callable[[], PostgresUnitOfWork], owner: User
) -> None:
    # the parts of one statement share a snapshot: a later UPDATE would not see an earlier INSERT
    entity = new_entity(owner)
    async with uow() as work:
        await work.entities.add(entity)
        entity.name = "Renamed in the same unit of work"
        await work.entities.update(entity)
        await work.commit()
    async with uow() as work:
        assert await work.entities.get(owner.id, entity.id) == entity


async def test_a_connection_lost_mid_transaction_fails_only_its_unit_of_work(
    uow: Callable[[], PostgresUnitOfWork], database: PostgresDatabase
) -> None:
    lost = new_user()
    pool = await database.pool()
    async with uow() as work:
        await work.users.add(lost)
        assert await work.users.get(lost.id) == lost  # sends the insert, in a transaction
        assert query(
            database,
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            " AND state IN ('idle in transaction', 'idle in transaction (aborted)')",
        ) == 1
        # inside the transaction nothing is run again: the database is unavailable to this unit of work
        with pytest.raises(UnavailableError):
            await work.users.get(lost.id)
        with pytest.raises(UnavailableError):
            await work.commit()
    assert pool.get_stats().get("returns_bad") == 1, "the dead connection went back to the pool"
    kept = new_user()
    await save(uow, kept)
    async with uow() as work:
        assert await work.users.get(kept.id) == kept
        assert await work.users.get(lost.id) is None


# -- tenant scoping -------------------------------------------------------------------


async def test_another_users_entity_cannot_be_read_updated_or_deleted(
    uow: Callable[[], PostgresUnitOfWork], owner: User, stranger: User
) -> None:
    entity = new_entity(owner)
    await save(uow, entity)
    hijacked = new_entity(stranger, "Hijacked")
    hijacked.id = entity.id
    async with uow() as work:
        assert await work.entities.get(stranger.id, entity.id) is None
        with pytest.raises(NotFoundError):
            await written(work, work.entities.update(hijacked))
    async with uow() as work:
        assert await work.entities.delete(stranger.id, entity.id) is False
        assert await work.entities.get(owner.id, entity.id) == entity


async def test_another_users_relationship_cannot_be_read_updated_or_deleted(
    uow: Callable[[], PostgresUnitOfWork], owner: User, stranger: User
) -> None:
    entity = new_entity(owner)
    relationship = new_relationship(entity)
    await save(uow, entity, relationship)
    async with uow() as work:
        assert await work.relationships.get(stranger.id, relationship.id) is None
        assert await work.relationships.get_for_entity(stranger.id, entity.id) is None
        assert await work.relationships.delete(stranger.id, relationship.id) is False
        relationship.user_id = stranger.id
        with pytest.raises(NotFoundError):
            await written(work, work.relationships.update(relationship))


async def test_another_users_identifier_cannot_be_read_found_or_deleted(
    uow: Callable[[], PostgresUnitOfWork], owner: User, stranger: User
) -> None:
    entity = new_entity(owner)
    identifier = new_identifier(entity)
    await save(uow, entity, identifier)
    async with uow() as work:
        assert await work.identifiers.get(stranger.id, identifier.id) is None
        assert await work.identifiers.list_for_entity(stranger.id, entity.id) == []
        assert await work.identifiers.find_by_hash(stranger.id, "phone", identifier.value_hash) == []
        assert await work.identifiers.find_by_hash(owner.id, "phone", identifier.value_hash) == [identifier]
        assert await work.identifiers.delete(stranger.id, identifier.id) is False
        assert await work.identifiers.delete(owner.id, identifier.id) is True


@pytest.mark.parametrize("kind", ["tag", "group"])
async def test_another_users_tag_or_group_cannot_be_read_updated_or_deleted(
    uow: Callable[[], PostgresUnitOfWork], owner: User, stranger: User, kind: str
) -> None:
    row = (new_tag if kind == "tag" else new_group)(owner)
    await save(uow, row)
    repository = f"{kind}s"
    async with uow() as work:
        assert await getattr(work, repository).get(stranger.id, row.id) is None
        assert await getattr(work, repository).list(stranger.id) == []
        assert await getattr(work, repository).delete(stranger.id, row.id) is False
        row.user_id = stranger.id
        with pytest.raises(NotFoundError):
            await written(work, getattr(work, repository).update(row))


# -- queries ----------------------------------------------------------------------------


async def test_entities_page_in_insertion_order_with_cursors(uow: Callable[[], PostgresUnitOfWork], owner: User) -> None:
    rows = [new_entity(owner, f"e{i}", minute=i // 2) for i in range(5)]
    await save(uow, *rows)
    expected = sorted(rows, key=lambda e: (e.inserted_at, e.id))
    seen: list[Entity] = []
    page = PageRequest(limit=2)
    async with uow() as work:
        while True:
            result = await work.entities.list(owner.id, EntityFilter(), page)
            seen.extend(result.items)
            if result.next_cursor is None:
                break
            page = PageRequest.parse(2, result.next_cursor)
    assert seen == expected


async def test_entity_filters_combine_with_and(uow: Callable[[], PostgresUnitOfWork], owner: User) -> None:
    ada = new_entity(owner, "Ada Lovelace", minute=0, last_interaction_at=at(days=-1))
    acme = new_entity(owner, "ACME 100%_off", minute=1, type="organization")
    old = new_entity(owner, "Old friend", minute=2, archived_at=at(9), last_interaction_at=at(days=-90))
    loner = new_entity(owner, "Loner", minute=3)
    work_tag, vip = new_tag(owner, "work"), new_tag(owner, "vip")
    await save(uow, ada, acme, old, loner, work_tag, vip,
         new_relationship(ada, type="friend"), new_relationship(acme, type="client", status="inactive"),
         new_relationship(old, type="friend"))
    async with uow() as work:
        for entity, tag in [(ada, work_tag), (ada, vip), (acme, work_tag), (old, vip)]:
            await work.tags.attach(owner.id, entity.id, tag.id, T0)
        await work.commit()

    async def names(**criteria: Any) -> list[str]:
        async with uow() as work:
            page = await work.entities.list(owner.id, EntityFilter(**criteria), PageRequest())
        return [entity.name for entity in page.items]

    assert await names() == ["Ada Lovelace", "ACME 100%_off", "Loner"]
    assert await names(archived=None) == ["Ada Lovelace", "ACME 100%_off", "Old friend", "Loner"]
    assert await names(archived=True) == ["Old friend"]
    assert await names(types=("organization", "thing")) == ["ACME 100%_off"]
    assert await names(tag_names=("work",)) == ["Ada Lovelace", "ACME 100%_off"]
    assert await names(tag_names=("work", "vip")) == ["Ada Lovelace"]
    assert await names(tag_names=("work", "unknown")) == []
    assert await names(relationship_types=("friend",), archived=None) == ["Ada Lovelace", "Old friend"]
    assert await names(relationship_statuses=("inactive",)) == ["ACME 100%_off"]
    assert await names(relationship_types=("friend",), relationship_statuses=("inactive",)) == []
    assert await names(interacted_since=at(days=-2), archived=None) == ["Ada Lovelace"]
    assert await names(name_contains="LOVE") == ["Ada Lovelace"]
    assert await names(name_contains="%_") == ["ACME 100%_off"]
    assert await names(name_contains="_") == ["ACME 100%_off"]
    assert await names(name_contains="\\") == []


async def test_needing_attention_lists_overdue_active_relationships_most_overdue_first(
    uow: Callable[[], PostgresUnitOfWork], owner: User, stranger: User
) -> None:
    now = at(days=40)
    overdue = new_entity(owner, "overdue", last_interaction_at=at(days=5))  # due at day 35
    never = new_entity(owner, "never", minute=1)  # due at day 30 via the relationship's inserted_at
    recent = new_entity(owner, "recent", minute=2, last_interaction_at=at(days=20))  # due at day 50
    archived = new_entity(owner, "archived", minute=3, archived_at=T0)
    inactive = new_entity(owner, "inactive", minute=4)
    theirs = new_entity(stranger, "theirs")
    await save(
        uow, overdue, never, recent, archived, inactive, theirs,
        new_relationship(overdue), new_relationship(never, minute=-1), new_relationship(recent),
        new_relationship(archived), new_relationship(inactive, status="inactive"), new_relationship(theirs),
    )
    async with uow() as work:
        found = await work.relationships.needing_attention(owner.id, now, 10)
        assert [(entity.name, rel.entity_id) for entity, rel in found] == [
            ("never", never.id), ("overdue", overdue.id),
        ]
        assert [entity.name for entity, _ in await work.relationships.needing_attention(owner.id, now, 1)] == ["never"]


async def test_relationships_page_by_insertion_and_filter_by_status(
    uow: Callable[[], PostgresUnitOfWork], owner: User
) -> None:
    entities = [new_entity(owner, f"e{i}") for i in range(3)]
    rels = [new_relationship(e, minute=i, status="active" if i != 1 else "inactive") for i, e in enumerate(entities)]
    await save(uow, *entities, *rels)
    async with uow() as work:
        first = await work.relationships.list(owner.id, PageRequest(limit=2))
        assert first.items == rels[:2]
        assert first.next_cursor is not None
        rest = await work.relationships.list(owner.id, PageRequest.parse(2, first.next_cursor))
        assert (rest.items, rest.next_cursor) == ([rels[2]], None)
        assert (await work.relationships.list(owner.id, PageRequest(), status="inactive")).items == [rels[1]]


async def test_tags_attach_once_and_list_by_name(uow: Callable[[], PostgresUnitOfWork], owner: User) -> None:
    entity = new_entity(owner)
    tags = [new_tag(owner, name) for name in ("beta", "Alpha", "alpha")]
    await save(uow, entity, *tags)
    async with uow() as work:
        assert [tag.name for tag in await work.tags.list(owner.id)] == ["Alpha", "alpha", "beta"]
        assert await work.tags.attach(owner.id, entity.id, tags[0].id, T0) is True
        assert await work.tags.attach(owner.id, entity.id, tags[0].id, T0) is False
        assert await work.tags.attach(owner.id, entity.id, tags[1].id, T0) is True
        assert [tag.name for tag in await work.tags.for_entity(owner.id, entity.id)] == ["Alpha", "beta"]
        assert await work.tags.detach(owner.id, entity.id, tags[0].id) is True
        assert await work.tags.detach(owner.id, entity.id, tags[0].id) is False


async def test_group_members_page_by_insertion_and_clear(
    uow: Callable[[], PostgresUnitOfWork], owner: User
) -> None:
    group, other = new_group(owner, "b"), new_group(owner, "a")
    members = [new_entity(owner, f"m{i}", minute=i, archived_at=T0 if i == 0 else None) for i in range(3)]
    await save(uow, group, other, *members)
    async with uow() as work:
        for entity in reversed(members):
            assert await work.groups.add_member(owner.id, group.id, entity.id, T0) is True
        assert await work.groups.add_member(owner.id, group.id, members[0].id, T0) is False
        assert await work.groups.add_member(owner.id, other.id, members[0].id, T0) is True
        first = await work.groups.members(owner.id, group.id, PageRequest(limit=2))
        assert first.items == members[:2]
        rest = await work.groups.members(owner.id, group.id, PageRequest.parse(2, first.next_cursor))
        assert rest.items == members[2:]
        assert [g.name for g in await work.groups.for_entity(owner.id, members[0].id)] == ["a", "b"]
        assert await work.groups.remove_member(owner.id, group.id, members[1].id) is True
        assert await work.groups.remove_member(owner.id, group.id, members[1].id) is False
        assert await work.groups.clear_members(owner.id, group.id) == 2
        assert (await work.groups.members(owner.id, group.id, PageRequest())).items == []
