"""A state machine over entities, tags and groups, checked against a plain model after every step.

Hypothesis drives the machine synchronously; each step runs the async core to
completion on the machine's own event loop, which lives as long as one run.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, consumes, invariant, rule

from conezia.core import services
from conezia.core.errors import ConflictError, NotFoundError
from conezia.core.organizing import EntityFilter
from conezia.core.pagination import PageRequest

from .conftest import make_deps

T = TypeVar("T")


class OrganizingMachine(RuleBasedStateMachine):
    entities = Bundle("entities")
    tags = Bundle("tags")

    def __init__(self) -> None:
        super().__init__()
        # the loop factory keeps the runner from installing its loop as the thread's current one
        self._runner = asyncio.Runner(loop_factory=asyncio.new_event_loop)
        self.deps = make_deps()
        self.owner = self.run(services.register(self.deps, {"email": "m@example.com", "password": "Passw0rd-ok"})).id
        self.archived: dict[uuid.UUID, bool] = {}
        self.tag_names: dict[uuid.UUID, str] = {}
        self.tagged: set[tuple[uuid.UUID, uuid.UUID]] = set()

    @rule(target=entities, name=st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=20).filter(str.strip))
    def create_entity(self, name: str) -> uuid.UUID:
        e = self.run(services.create_entity(self.deps, self.owner, {"type": "person", "name": name}))
        self.archived[e.id] = False
        return e.id

    @rule(target=tags, name=st.sampled_from(["vip", "work", "family", "gym"]))
    def create_tag(self, name: str) -> uuid.UUID:
        if name in self.tag_names.values():
            try:
                self.run(services.create_tag(self.deps, self.owner, {"name": name}))
            except ConflictError:
                pass
            else:
                raise AssertionError("duplicate tag name accepted")
            return next(t for t, n in self.tag_names.items() if n == name)
        tag = self.run(services.create_tag(self.deps, self.owner, {"name": name}))
        self.tag_names[tag.id] = name
        return tag.id

    @rule(entity=entities)
    def archive(self, entity: uuid.UUID) -> None:
        self._expect(entity, lambda: services.archive_entity(self.deps, self.owner, entity))
        if entity in self.archived:
            self.archived[entity] = True

    @rule(entity=entities)
    def unarchive(self, entity: uuid.UUID) -> None:
        self._expect(entity, lambda: services.unarchive_entity(self.deps, self.owner, entity))
        if entity in self.archived:
            self.archived[entity] = False

    @rule(entity=consumes(entities))
    def delete(self, entity: uuid.UUID) -> None:
        self._expect(entity, lambda: services.delete_entity(self.deps, self.owner, entity))
        self.archived.pop(entity, None)
        self.tagged = {(e, t) for e, t in self.tagged if e != entity}

    @rule(entity=entities, tag=tags)
    def tag(self, entity: uuid.UUID, tag: uuid.UUID) -> None:
        if entity not in self.archived or tag not in self.tag_names:
            try:
                self.run(services.tag_entity(self.deps, self.owner, entity, tag))
            except NotFoundError:
                return
            raise AssertionError("tagged a missing row")
        added = self.run(services.tag_entity(self.deps, self.owner, entity, tag))
        assert added == ((entity, tag) not in self.tagged)
        self.tagged.add((entity, tag))

    @rule(tag=consumes(tags))
    def delete_tag(self, tag: uuid.UUID) -> None:
        if tag not in self.tag_names:
            return
        self.run(services.delete_tag(self.deps, self.owner, tag))
        del self.tag_names[tag]
        self.tagged = {(e, t) for e, t in self.tagged if t != tag}

    def run(self, step: Coroutine[Any, Any, T]) -> T:
        """Run one call of the async core to completion."""
        return self._runner.run(step)

    def teardown(self) -> None:
        self._runner.close()

    def _expect(self, entity: uuid.UUID, action: Callable[[], Coroutine[Any, Any, object]]) -> None:
        if entity in self.archived:
            self.run(action())
        else:
            try:
                self.run(action())
            except NotFoundError:
                return
            raise AssertionError("acted on a deleted entity")

    @invariant()
    def lists_match_the_model(self) -> None:
        for archived in (False, True):
            page = self.run(services.list_entities(
                self.deps, self.owner, EntityFilter(archived=archived), PageRequest(limit=200)
            ))
            assert {e.id for e in page.items} == {e for e, a in self.archived.items() if a is archived}

    @invariant()
    def tags_match_the_model(self) -> None:
        for entity in self.archived:
            got = {t.id for t in self.run(services.entity_tags(self.deps, self.owner, entity))}
            assert got == {t for e, t in self.tagged if e == entity}
        for tag_id, name in self.tag_names.items():
            page = self.run(services.list_entities(
                self.deps, self.owner, EntityFilter(tag_names=(name,), archived=None), PageRequest(limit=200)
            ))
            assert {e.id for e in page.items} == {e for e, t in self.tagged if t == tag_id}


OrganizingMachine.TestCase.settings = settings(max_examples=40, stateful_step_count=25, deadline=None)
TestOrganizingStateMachine = OrganizingMachine.TestCase
