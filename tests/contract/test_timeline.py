"""The timeline's own rules on both backends: whose entity and conversation a row may name, what a
deleted conversation leaves behind, and the orders its lists come in."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest

from conezia.core.errors import NotFoundError
from conezia.core.pagination import PageRequest

from .builders import (
    Factory,
    a_conversation,
    a_message,
    a_user_added,
    add_all,
    an_entity,
    an_interaction,
    at,
    read,
    walk,
    write,
)

pytestmark = pytest.mark.anyio


async def test_deleting_a_conversation_keeps_its_messages_without_a_conversation(uow_factory: Factory) -> None:
    owner = await a_user_added(uow_factory)
    entity = an_entity(owner)
    conversation = a_conversation(entity)
    message = a_message(conversation)
    await add_all(uow_factory, entity, conversation, message)

    assert await write(uow_factory, lambda uow: uow.conversations.delete(owner.id, conversation.id)) is True

    kept = await read(uow_factory, lambda uow: uow.communications.get(owner.id, message.id))
    assert kept is not None
    assert kept.conversation_id is None
    assert kept.user_id == owner.id  # only conversation_id is nulled by the composite key
    assert kept.content == message.content


@pytest.mark.parametrize("kind", ["interaction", "conversation", "message"])
async def test_a_row_naming_another_users_entity_is_refused_and_nothing_is_written(
    uow_factory: Factory, kind: str
) -> None:
    owner, stranger = await a_user_added(uow_factory), await a_user_added(uow_factory)
    theirs = an_entity(stranger, "Eve")
    mine = an_entity(owner)
    own_conversation = a_conversation(mine)
    await add_all(uow_factory, theirs, mine, own_conversation)
    row: Any
    if kind == "interaction":
        row = an_interaction(theirs)
        row.user_id = owner.id
    elif kind == "conversation":
        row = a_conversation(theirs)
        row.user_id = owner.id
    else:
        row = a_message(own_conversation)
        row.entity_id = theirs.id

    with pytest.raises(NotFoundError) as raised:
        await add_all(uow_factory, row)

    assert raised.value.resource == "entity"
    listed = await read(uow_factory, lambda uow: uow.conversations.list(owner.id, None, None, PageRequest()))
    assert [c.id for c in listed.items] == [own_conversation.id]
    messages = await read(
        uow_factory, lambda uow: uow.communications.list_for_conversation(owner.id, own_conversation.id, PageRequest())
    )
    assert list(messages.items) == []
    interactions = await read(uow_factory, lambda uow: uow.interactions.list(owner.id, None, PageRequest()))
    assert list(interactions.items) == []


async def test_a_message_in_another_users_conversation_is_refused(uow_factory: Factory) -> None:
    owner, stranger = await a_user_added(uow_factory), await a_user_added(uow_factory)
    mine, theirs = an_entity(owner), an_entity(stranger)
    their_conversation = a_conversation(theirs)
    await add_all(uow_factory, mine, theirs, their_conversation)
    message = a_message(a_conversation(mine), conversation_id=their_conversation.id)

    with pytest.raises(NotFoundError) as raised:
        await add_all(uow_factory, message)

    assert raised.value.resource == "conversation"
    assert await read(uow_factory, lambda uow: uow.communications.get(owner.id, message.id)) is None


async def test_interactions_come_newest_first_page_by_page_and_per_entity(uow_factory: Factory) -> None:
    owner = await a_user_added(uow_factory)
    grace, alan = an_entity(owner, "Grace"), an_entity(owner, "Alan")
    # pairs share an occurred_at: the id breaks the tie
    rows = [
        an_interaction(grace if n % 3 else alan, occurred_at=at(hours=n // 2), inserted_at=at(days=-n))
        for n in range(11)
    ]
    await add_all(uow_factory, grace, alan, *rows)

    pages = await walk(lambda page: read(uow_factory, lambda uow: uow.interactions.list(owner.id, None, page)), 3)
    seen = [row.id for page in pages for row in page.items]
    expected = sorted(rows, key=lambda r: (r.occurred_at, r.id), reverse=True)
    assert seen == [row.id for row in expected]
    of_alan = await read(uow_factory, lambda uow: uow.interactions.list(owner.id, alan.id, PageRequest()))
    assert [row.id for row in of_alan.items] == [row.id for row in expected if row.entity_id == alan.id]


async def test_a_conversations_messages_come_in_sent_order_page_by_page(uow_factory: Factory) -> None:
    owner = await a_user_added(uow_factory)
    entity = an_entity(owner)
    conversation, other = a_conversation(entity), a_conversation(entity, channel="sms")
    rows = [a_message(conversation, sent_at=at(minutes=(7 * n) % 5), inserted_at=at(days=-n)) for n in range(9)]
    await add_all(uow_factory, entity, conversation, other, *rows, a_message(other))

    pages = await walk(
        lambda page: read(uow_factory, lambda uow: uow.communications.list_for_conversation(owner.id, conversation.id, page)),
        2,
    )
    assert [row.id for page in pages for row in page.items] == [
        row.id for row in sorted(rows, key=lambda r: (r.sent_at, r.id))
    ]


async def test_the_latest_times_are_the_newest_rows_of_the_entity_and_the_conversation(uow_factory: Factory) -> None:
    owner = await a_user_added(uow_factory)
    entity, quiet = an_entity(owner), an_entity(owner, "Quiet")
    conversation = a_conversation(entity)
    await add_all(
        uow_factory, entity, quiet, conversation,
        an_interaction(entity, occurred_at=at(days=1)), an_interaction(entity, occurred_at=at(days=3)),
        a_message(conversation, sent_at=at(days=2)), a_message(conversation, sent_at=at(days=5)),
    )

    async def latest(uow: object, entity_id: uuid.UUID) -> tuple[dt.datetime | None, ...]:
        return (
            await uow.interactions.latest_for_entity(owner.id, entity_id),  # type: ignore[attr-defined]
            await uow.communications.latest_for_entity(owner.id, entity_id),  # type: ignore[attr-defined]
        )

    assert await read(uow_factory, lambda uow: latest(uow, entity.id)) == (at(days=3), at(days=5))
    assert await read(uow_factory, lambda uow: latest(uow, quiet.id)) == (None, None)
    assert await read(
        uow_factory, lambda uow: uow.communications.latest_for_conversation(owner.id, conversation.id)
    ) == at(days=5)
    stranger = await a_user_added(uow_factory)
    assert await read(uow_factory, lambda uow: uow.interactions.latest_for_entity(stranger.id, entity.id)) is None


async def test_conversations_list_live_archived_or_both(uow_factory: Factory) -> None:
    owner = await a_user_added(uow_factory)
    entity = an_entity(owner)
    live = a_conversation(entity, inserted_at=at(seconds=1))
    archived = a_conversation(entity, inserted_at=at(seconds=2), is_archived=True)
    await add_all(uow_factory, entity, live, archived)

    for which, expected in ((False, [live.id]), (True, [archived.id]), (None, [live.id, archived.id])):
        page = await read(uow_factory, lambda uow, which=which: uow.conversations.list(owner.id, entity.id, which, PageRequest()))
        assert [c.id for c in page.items] == expected, which
