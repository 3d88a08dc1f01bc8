"""The embedding API's timeline: typed methods over the same use-cases, isolation included."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import conezia
from conezia.core.errors import NotFoundError, ValidationError
from conezia.settings import Settings

PASSWORD = "Analytical-Engine-1"


@pytest.fixture
def crm() -> Iterator[conezia.Conezia]:
    with conezia.open("memory", settings=Settings(password_profile="test")) as store:
        yield store


def _user(crm: conezia.Conezia, email: str) -> conezia.UserScope:
    crm.register(email=email, password=PASSWORD)
    return crm.authenticate(crm.log_in(email, PASSWORD).token)


def test_a_user_logs_calls_and_messages_and_the_entity_follows(crm: conezia.Conezia) -> None:
    me = _user(crm, "ada@example.com")
    grace = me.create_entity(type="person", name="Grace Hopper")

    call = me.log_interaction(grace.id, type="call", content="COBOL", occurred_at="2026-01-01T10:00:00Z")
    thread = me.start_conversation(grace.id, channel="sms")
    message = me.record_message(thread.id, direction="outbound", content="Thanks!", sent_at="2026-01-02T10:00:00Z")

    assert me.entity(grace.id).last_interaction_at == message.sent_at
    assert me.conversation(thread.id).last_message_at == message.sent_at
    assert [i.id for i in me.interactions(grace.id).items] == [call.id]
    assert me.mark_read(message.id).read_at is not None
    me.delete_message(message.id)
    assert me.entity(grace.id).last_interaction_at == call.occurred_at
    assert me.conversations(grace.id, archived="all").items[0].last_message_at is None


def test_another_users_entity_or_conversation_raises_not_found_and_bad_input_names_its_fields(
    crm: conezia.Conezia,
) -> None:
    me, eve = _user(crm, "ada@example.com"), _user(crm, "eve@example.com")
    grace = me.create_entity(type="person", name="Grace Hopper")
    thread = me.start_conversation(grace.id, channel="email")

    with pytest.raises(NotFoundError):
        eve.log_interaction(grace.id, type="note", content="mine now")
    with pytest.raises(NotFoundError):
        eve.record_message(thread.id, direction="inbound", content="hi")
    with pytest.raises(ValidationError) as raised:
        me.log_interaction(grace.id, type="séance", content="")
    assert set(raised.value.errors) == {"type", "content"}
    assert me.interactions().items == [] and me.messages(thread.id).items == []


def test_a_parents_lists_are_empty_for_its_owner_and_not_found_for_anyone_else(crm: conezia.Conezia) -> None:
    # a page with rows proves the parent is the caller's; an empty one is told apart by a lookup
    me, eve = _user(crm, "ada@example.com"), _user(crm, "eve@example.com")
    grace = me.create_entity(type="person", name="Grace Hopper")
    thread = me.start_conversation(grace.id, channel="email")
    other = me.create_entity(type="person", name="Alan Turing")

    assert me.messages(thread.id).items == []
    assert me.interactions(other.id).items == [] and me.conversations(other.id).items == []
    me.record_message(thread.id, direction="inbound", content="hi")
    me.log_interaction(grace.id, type="note", content="met")
    assert len(me.messages(thread.id).items) == 1 and len(me.interactions(grace.id).items) == 1
    for listing in (lambda: eve.messages(thread.id), lambda: eve.interactions(grace.id),
                    lambda: eve.conversations(grace.id), lambda: eve.messages(other.id)):
        with pytest.raises(NotFoundError):
            listing()


def test_an_edit_that_changes_nothing_writes_nothing_and_logs_nothing(crm: conezia.Conezia) -> None:
    me = _user(crm, "ada@example.com")
    grace = me.create_entity(type="person", name="Grace Hopper", description="Admiral")
    logged = len(me.activity().items)

    for unchanged in (me.update_entity(grace.id), me.update_entity(grace.id, name="Grace Hopper")):
        assert unchanged == grace  # updated_at included
    assert me.entity(grace.id) == grace and len(me.activity().items) == logged

    changed = me.update_entity(grace.id, description="Rear admiral")
    assert changed.description == "Rear admiral" and len(me.activity().items) == logged + 1
