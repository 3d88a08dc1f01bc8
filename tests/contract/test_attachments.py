"""The attachments port's own rules, on both backends: a parent always, each the user's own, and deleting a
parent takes the attachments that had no other, unlinking the rest (errata B7, C8)."""

from __future__ import annotations

import itertools
import uuid
from typing import Any

import pytest

from conezia.core.attachments import Parents
from conezia.core.errors import NotFoundError, ValidationError
from conezia.core.pagination import PageRequest

from .builders import (
    Factory,
    a_conversation,
    a_message,
    a_user_added,
    add_all,
    an_attachment,
    an_entity,
    an_interaction,
    at,
    items,
    read,
    write,
)

pytestmark = pytest.mark.anyio


async def _world(uow_factory: Factory) -> dict[str, Any]:
    """A user with two entities, each with an interaction and a message."""
    user = await a_user_added(uow_factory)
    world: dict[str, Any] = {"user": user}
    rows: list[object] = []
    for name in ("a", "b"):
        entity = an_entity(user, name)
        conversation = a_conversation(entity)
        world[name] = entity
        world[f"{name}_interaction"] = an_interaction(entity)
        world[f"{name}_message"] = a_message(conversation)
        rows += [entity, world[f"{name}_interaction"], conversation, world[f"{name}_message"]]
    await add_all(uow_factory, *rows)
    return world


async def _stored(uow_factory: Factory, user: Any, **parents: uuid.UUID | None) -> uuid.UUID:
    attachment = an_attachment(user, **parents)
    await add_all(uow_factory, attachment)
    return attachment.id


async def _left(uow_factory: Factory, user: Any, ids: list[uuid.UUID]) -> dict[uuid.UUID, Parents | None]:
    async def each(uow: Any) -> dict[uuid.UUID, Parents | None]:
        found = {}
        for attachment_id in ids:
            row = await uow.attachments.get(user.id, attachment_id)
            found[attachment_id] = None if row is None else row.parents
        return found

    return await read(uow_factory, each)


async def test_an_attachment_without_a_parent_is_refused(uow_factory: Factory) -> None:
    user = await a_user_added(uow_factory)

    with pytest.raises(ValidationError) as raised:
        await add_all(uow_factory, an_attachment(user))

    assert set(raised.value.errors) == {"entity_id"}


@pytest.mark.parametrize(("parent", "resource"), [
    ("entity_id", "entity"), ("interaction_id", "interaction"), ("communication_id", "communication"),
])
async def test_another_users_parent_is_refused_as_not_found(uow_factory: Factory, parent: str, resource: str) -> None:
    ada = await _world(uow_factory)
    mallory = await a_user_added(uow_factory)
    ids = {"entity_id": ada["a"].id, "interaction_id": ada["a_interaction"].id, "communication_id": ada["a_message"].id}

    with pytest.raises(NotFoundError) as raised:
        await add_all(uow_factory, an_attachment(mallory, **{parent: ids[parent]}))

    assert raised.value.resource == resource


async def test_deleting_the_only_parent_deletes_the_attachment_and_another_parent_keeps_it(
    uow_factory: Factory,
) -> None:
    world = await _world(uow_factory)
    user, note = world["user"], world["a_interaction"]
    only = await _stored(uow_factory, user, interaction_id=note.id)
    shared = await _stored(uow_factory, user, interaction_id=note.id, entity_id=world["b"].id)

    await write(uow_factory, lambda uow: uow.interactions.delete(user.id, note.id))

    assert await _left(uow_factory, user, [only, shared]) == {only: None, shared: Parents(entity_id=world["b"].id)}


async def test_deleting_an_entity_takes_the_attachments_of_its_timeline_and_keeps_those_held_elsewhere(
    uow_factory: Factory,
) -> None:
    world = await _world(uow_factory)
    user, a, b = world["user"], world["a"], world["b"]
    a_note, a_message, b_note = world["a_interaction"], world["a_message"], world["b_interaction"]
    gone = [
        await _stored(uow_factory, user, entity_id=a.id),
        await _stored(uow_factory, user, interaction_id=a_note.id),
        await _stored(uow_factory, user, entity_id=a.id, interaction_id=a_note.id, communication_id=a_message.id),
        await _stored(uow_factory, user, communication_id=a_message.id),
    ]
    kept = {
        await _stored(uow_factory, user, entity_id=b.id, interaction_id=a_note.id): Parents(entity_id=b.id),
        await _stored(uow_factory, user, entity_id=a.id, interaction_id=b_note.id): Parents(interaction_id=b_note.id),
        await _stored(uow_factory, user, communication_id=a_message.id, interaction_id=b_note.id): Parents(
            interaction_id=b_note.id),
    }
    predicted = await read(uow_factory, lambda uow: uow.attachments.orphaned_by(user.id, Parents(entity_id=a.id)))

    await write(uow_factory, lambda uow: uow.entities.delete(user.id, a.id))

    assert sorted(row.id for row in predicted) == sorted(gone)
    assert await _left(uow_factory, user, [*gone, *kept]) == {**dict.fromkeys(gone), **kept}


async def test_what_orphaned_by_predicts_is_exactly_what_a_parents_deletion_removes(uow_factory: Factory) -> None:
    world = await _world(uow_factory)
    user = world["user"]
    choices = {
        "entity_id": [None, world["a"].id, world["b"].id],
        "interaction_id": [None, world["a_interaction"].id, world["b_interaction"].id],
        "communication_id": [None, world["a_message"].id, world["b_message"].id],
    }
    stored = []
    for combination in itertools.product(*choices.values()):
        parents = dict(zip(choices, combination, strict=True))
        if any(parents.values()):
            stored.append(await _stored(uow_factory, user, **parents))
    parent = Parents(interaction_id=world["a_interaction"].id)
    predicted = {row.id for row in await read(uow_factory, lambda uow: uow.attachments.orphaned_by(user.id, parent))}

    await write(uow_factory, lambda uow: uow.interactions.delete(user.id, world["a_interaction"].id))

    left = await _left(uow_factory, user, stored)
    assert {key for key, value in left.items() if value is None} == predicted
    assert predicted  # the lone one, and the one with the interaction alone
    assert all(value is None or value.interaction_id != world["a_interaction"].id for value in left.values())


async def test_deleting_a_user_with_attachments_across_parents_deletes_them_all(uow_factory: Factory) -> None:
    world = await _world(uow_factory)
    user = world["user"]
    await _stored(uow_factory, user, entity_id=world["a"].id, interaction_id=world["b_interaction"].id)
    await _stored(uow_factory, user, interaction_id=world["a_interaction"].id, communication_id=world["b_message"].id)
    other = await a_user_added(uow_factory)
    await add_all(uow_factory, entity := an_entity(other))
    theirs = an_attachment(other, entity_id=entity.id)
    await add_all(uow_factory, theirs)

    await write(uow_factory, lambda uow: uow.users.delete(user.id))

    assert await read(uow_factory, lambda uow: uow.attachments.key_states([theirs.storage_key])) == {
        theirs.storage_key: True}


async def test_a_parents_list_holds_its_live_attachments_in_insertion_order(uow_factory: Factory) -> None:
    world = await _world(uow_factory)
    user, a = world["user"], world["a"]
    rows = [an_attachment(user, entity_id=a.id, inserted_at=at(seconds=n)) for n in (3, 1, 2)]
    rows[1].deleted_at = at(seconds=5)
    elsewhere = an_attachment(user, entity_id=world["b"].id)
    await add_all(uow_factory, *rows, elsewhere)

    listed = await read(uow_factory, lambda uow: items(uow.attachments.list(user.id, Parents(entity_id=a.id),
                                                                           PageRequest(limit=10))))

    assert [row.id for row in listed] == [rows[2].id, rows[0].id]


async def test_key_states_tell_live_from_deleted_and_leave_out_keys_no_row_holds(uow_factory: Factory) -> None:
    world = await _world(uow_factory)
    user = world["user"]
    live, dead = an_attachment(user, entity_id=world["a"].id), an_attachment(user, entity_id=world["a"].id)
    dead.deleted_at = at(seconds=1)
    await add_all(uow_factory, live, dead)

    states = await read(uow_factory, lambda uow: uow.attachments.key_states(
        [live.storage_key, dead.storage_key, f"{user.id}/{uuid.uuid4().hex}"]))

    assert states == {live.storage_key: True, dead.storage_key: False}


async def test_a_users_storage_keys_are_all_of_theirs_deleted_or_not_and_only_theirs(uow_factory: Factory) -> None:
    world = await _world(uow_factory)
    user = world["user"]
    live, dead = an_attachment(user, entity_id=world["a"].id), an_attachment(user, entity_id=world["b"].id)
    dead.deleted_at = at(seconds=1)
    other = await a_user_added(uow_factory)
    await add_all(uow_factory, entity := an_entity(other))
    await add_all(uow_factory, live, dead, an_attachment(other, entity_id=entity.id))

    keys = await read(uow_factory, lambda uow: uow.attachments.storage_keys(user.id))

    assert sorted(keys) == sorted([live.storage_key, dead.storage_key])
