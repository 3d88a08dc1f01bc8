"""The activity log through the use-cases: one row per thing a user did, in the transaction that did it."""

from __future__ import annotations

import datetime as dt
import json
import logging
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conezia.core import services
from conezia.core.activity import ActivityFilter, ActivityLog, parse_activity_filter
from conezia.core.deps import Deps
from conezia.core.errors import AuthenticationError, ConflictError, ValidationError
from conezia.core.events import Event, Origin, Updated, origin
from conezia.core.pagination import PageRequest
from conezia.core.ports import UnitOfWork

from .conftest import FakeClock, make_deps

pytestmark = pytest.mark.anyio

PASSWORD = "Correct-Horse-1"


async def user(deps: Deps, email: str = "ada@example.com") -> uuid.UUID:
    return (await services.register(deps, {"email": email, "password": PASSWORD})).id


async def log(deps: Deps, user_id: uuid.UUID, **criteria: object) -> list[ActivityLog]:
    page = await services.list_activity(deps, user_id, parse_activity_filter(criteria), PageRequest(limit=200))
    return list(page.items)


def summary(entries: list[ActivityLog]) -> list[tuple[str, str, dict[str, object]]]:
    return [(e.action, e.resource_type, e.metadata) for e in entries]


async def test_each_change_writes_one_row_naming_the_changed_fields_newest_first(deps: Deps, clock: FakeClock) -> None:
    ada = await user(deps)
    grace = await services.create_entity(deps, ada, {"type": "person", "name": "Grace Hopper"})
    clock.advance(seconds=1)
    await services.update_entity(deps, ada, grace.id, {"name": "Rear Admiral Hopper", "description": "COBOL"})
    clock.advance(seconds=1)
    await services.archive_entity(deps, ada, grace.id)
    clock.advance(seconds=1)
    await services.delete_entity(deps, ada, grace.id)

    entries = await log(deps, ada, resource_type="entity")
    assert summary(entries) == [
        ("delete", "entity", {}),
        ("update", "entity", {"operation": "archive", "fields": ["archived_at"]}),
        ("update", "entity", {"fields": ["description", "name"]}),
        ("create", "entity", {}),
    ]
    assert {e.resource_id for e in entries} == {grace.id}
    assert "Hopper" not in json.dumps([e.metadata for e in entries])


async def test_a_change_that_fails_leaves_neither_the_change_nor_a_row(deps: Deps) -> None:
    ada = await user(deps)
    await services.create_tag(deps, ada, {"name": "navy"})
    before = await log(deps, ada)
    with pytest.raises(ConflictError):
        await services.create_tag(deps, ada, {"name": "navy"})
    with pytest.raises(ValidationError):
        await services.create_entity(deps, ada, {"type": "planet", "name": "Mars"})
    assert await log(deps, ada) == before


async def test_a_failing_transaction_handler_rolls_the_change_back() -> None:
    deps = make_deps()
    ada = await user(deps)

    async def refuse(event: Event, uow: UnitOfWork) -> None:
        raise RuntimeError("the outbox is full")

    deps.bus.subscribe(Event, refuse)
    with pytest.raises(RuntimeError):
        await services.create_entity(deps, ada, {"type": "person", "name": "Grace"})
    assert (await services.list_entities(deps, ada)).items == []


async def test_a_failing_after_commit_handler_is_logged_and_the_change_stands(caplog: pytest.LogCaptureFixture) -> None:
    deps = make_deps()
    ada = await user(deps)

    async def explode(event: Event) -> None:
        raise RuntimeError("the webhook is down")

    deps.bus.subscribe_after_commit(Event, explode)
    with caplog.at_level(logging.ERROR, logger="conezia.events"):
        grace = await services.create_entity(deps, ada, {"type": "person", "name": "Grace"})
    assert [e.id for e in (await services.list_entities(deps, ada)).items] == [grace.id]
    assert any("explode" in record.getMessage() for record in caplog.records)


async def test_events_recorded_by_a_handler_are_handled_in_the_same_transaction(deps: Deps) -> None:
    ada = await user(deps)
    seen: list[str] = []

    async def follow_up(event: Event, uow: UnitOfWork) -> None:
        seen.append(type(event).__name__)
        if event.resource_type == "tag":
            uow.record(Updated(user_id=event.user_id, resource_type="user", resource_id=event.user_id))

    deps.bus.subscribe(Event, follow_up)
    await services.create_tag(deps, ada, {"name": "navy"})
    assert seen == ["Created", "Updated"]
    assert [e.resource_type for e in await log(deps, ada)][:2] == ["user", "tag"]


async def test_logins_logouts_and_failures_are_recorded_from_where_they_came(deps: Deps) -> None:
    ada = await user(deps)
    with origin(Origin("203.0.113.7", "curl/8.5\x00\n" + "x" * 600)):
        with pytest.raises(AuthenticationError):
            await services.log_in(deps, "ada@example.com", "wrong-password-1")
        with pytest.raises(AuthenticationError):
            await services.log_in(deps, "nobody@example.com", PASSWORD)
        session = await services.log_in(deps, "ada@example.com", PASSWORD)
        await services.log_out(deps, session.token)

    entries = await log(deps, ada)
    assert summary(entries[:3]) == [
        ("logout", "user", {}), ("login", "user", {"outcome": "succeeded"}), ("login", "user", {"outcome": "failed"}),
    ]
    assert {e.ip_address for e in entries[:3]} == {"203.0.113.7"}
    agent = entries[0].user_agent
    assert agent is not None and len(agent) == 512 and agent.startswith("curl/8.5x")
    assert all(e.user_id == ada for e in entries)


async def test_revealing_a_sensitive_value_is_a_view_that_never_names_the_value(deps: Deps) -> None:
    ada = await user(deps)
    grace = await services.create_entity(deps, ada, {"type": "person", "name": "Grace"})
    ssn = await services.add_identifier(deps, ada, grace.id, {"type": "ssn", "value": "123-45-6789"})
    assert await services.reveal_identifier(deps, ada, ssn.id) == "123-45-6789"
    await services.update_identifier(deps, ada, ssn.id, {"value": "987-65-4321"})
    await services.remove_identifier(deps, ada, ssn.id)

    entries = await log(deps, ada, resource_id=str(grace.id))
    assert [(e.action, e.metadata.get("operation"), e.metadata.get("fields")) for e in entries] == [
        ("delete", None, None), ("update", None, ["value"]), ("view", "reveal", None), ("create", None, None),
        ("create", None, None),
    ]
    assert {e.metadata.get("identifier_type") for e in entries[:4]} == {"ssn"}
    text = json.dumps([e.metadata for e in entries])
    assert "123-45" not in text and "987-65" not in text


async def test_memberships_and_account_changes_are_recorded_as_operations(deps: Deps) -> None:
    ada = await user(deps)
    grace = await services.create_entity(deps, ada, {"type": "person", "name": "Grace"})
    tag = await services.create_tag(deps, ada, {"name": "navy"})
    assert await services.tag_entity(deps, ada, grace.id, tag.id)
    assert not await services.tag_entity(deps, ada, grace.id, tag.id)  # nothing changed, nothing recorded
    await services.untag_entity(deps, ada, grace.id, tag.id)
    await services.change_password(deps, ada, PASSWORD, "Another-Horse-2")
    await services.update_preferences(deps, ada, {"settings": {"theme": "dark"}})

    entries = await log(deps, ada)
    assert summary(entries[:4]) == [
        ("update", "user", {"fields": ["settings"]}),
        ("update", "user", {"operation": "change_password", "fields": ["password"]}),
        ("update", "entity", {"operation": "untag", "tag_id": str(tag.id), "fields": ["tags"]}),
        ("update", "entity", {"operation": "tag", "tag_id": str(tag.id), "fields": ["tags"]}),
    ]
    assert "Another-Horse" not in json.dumps([e.metadata for e in entries])


async def test_a_user_reads_only_their_own_log_page_by_page(deps: Deps, clock: FakeClock) -> None:
    ada, bob = await user(deps), await user(deps, "bob@example.com")
    for n in range(7):
        clock.advance(seconds=1)
        await services.create_tag(deps, ada, {"name": f"tag-{n}"})
    await services.create_tag(deps, bob, {"name": "bob's"})

    seen: list[ActivityLog] = []
    page = PageRequest(limit=3)
    while True:
        result = await services.list_activity(deps, ada, ActivityFilter(resource_type="tag"), page)
        seen.extend(result.items)
        if result.next_cursor is None:
            break
        page = PageRequest.parse(limit=3, cursor=result.next_cursor)
    assert len(seen) == 7 and all(e.user_id == ada for e in seen)
    assert [e.inserted_at for e in seen] == sorted((e.inserted_at for e in seen), reverse=True)
    bob_tag = (await log(deps, bob, resource_type="tag"))[0].resource_id
    assert await log(deps, ada, resource_id=str(bob_tag)) == []


async def test_deleting_the_account_deletes_its_log(deps: Deps) -> None:
    ada = await user(deps)
    await services.create_tag(deps, ada, {"name": "navy"})
    await services.delete_account(deps, ada, PASSWORD)
    async with deps.uow() as uow:
        assert (await uow.activity.list(ada, ActivityFilter(), PageRequest())).items == []


async def test_purging_deletes_only_rows_past_retention_in_batches_with_progress(deps: Deps, clock: FakeClock) -> None:
    ada = await user(deps)
    for n in range(5):
        await services.create_tag(deps, ada, {"name": f"old-{n}"})
    clock.advance(days=40)
    await services.create_tag(deps, ada, {"name": "new"})
    reported: list[int] = []

    deleted = await services.purge_activity(deps, dt.timedelta(days=30), batch_size=2, progress=reported.append)

    assert deleted == 6  # the registration and five tags
    assert reported == [2, 4, 6, 6]
    assert summary(await log(deps, ada)) == [("create", "tag", {})]
    with pytest.raises(ValidationError) as info:
        await services.purge_activity(deps, dt.timedelta(0), batch_size=0)
    assert set(info.value.errors) == {"older_than", "batch_size"}


async def test_with_the_log_off_nothing_is_recorded() -> None:
    deps = make_deps(activity_log=False)
    ada = await user(deps)
    await services.create_tag(deps, ada, {"name": "navy"})
    assert await log(deps, ada) == []


@pytest.mark.parametrize(
    ("params", "field"),
    [({"resource_type": "planet"}, "resource_type"), ({"action": "fly"}, "action"),
     ({"resource_id": "not-a-uuid"}, "resource_id"), ({"colour": "red"}, "colour")],
)
def test_bad_filters_name_the_field(params: dict[str, str], field: str) -> None:
    with pytest.raises(ValidationError) as info:
        parse_activity_filter(params)
    assert set(info.value.errors) == {field}


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(min_size=1, max_size=60).filter(lambda s: s.strip() != ""), st.text(max_size=2000))
def test_origins_are_stored_only_as_valid_addresses_and_printable_agents_of_at_most_512(
    address: str, agent: str
) -> None:
    event = Updated(user_id=uuid.uuid4(), resource_type="user")
    entry = ActivityLog.of(event, id=uuid.uuid4(), now=dt.datetime.now(dt.timezone.utc), origin=Origin(address, agent))
    if entry.ip_address is not None:
        import ipaddress

        assert str(ipaddress.ip_address(entry.ip_address)) == entry.ip_address
    if entry.user_agent is not None:
        assert len(entry.user_agent) <= 512 and entry.user_agent.isprintable()
