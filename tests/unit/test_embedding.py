"""The synchronous embedding API: plain scripts, many threads, a running event loop, closing."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

import conezia
from conezia.adapters.mail import MemoryOutbox
from conezia.core.errors import NotFoundError, ValidationError
from conezia.keys import KeyConfigError
from conezia.settings import Settings
from tests.threads import create_from_threads

SETTINGS = Settings(password_profile="test")
PASSWORD = "Analytical-Engine-1"


class ThreadRecordingOutbox(MemoryOutbox):
    """An outbox that notes which thread delivered each message."""

    def __init__(self) -> None:
        super().__init__()
        self.threads: list[str] = []

    def send_email_confirmation(self, to: str, token: str) -> None:
        self.threads.append(threading.current_thread().name)
        super().send_email_confirmation(to, token)


@pytest.fixture
def crm() -> Iterator[conezia.Conezia]:
    with conezia.open("memory", settings=SETTINGS) as store:
        yield store


def sign_up(crm: conezia.Conezia, email: str = "ada@example.com") -> conezia.UserScope:
    crm.register(email=email, password=PASSWORD)
    return crm.authenticate(crm.log_in(email, PASSWORD).token)


def loop_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.name == "conezia-loop"}


def test_eight_threads_create_entities_at_once_and_every_one_is_kept(crm: conezia.Conezia) -> None:
    me = sign_up(crm)
    failures, expected = create_from_threads(me, threads=8, each=10)
    assert failures == []
    assert {e.name for e in me.entities(limit=200).items} == expected


def test_every_call_runs_on_the_stores_own_loop_whichever_thread_makes_it() -> None:
    outbox = ThreadRecordingOutbox()
    with conezia.open("memory", mailer=outbox, settings=SETTINGS) as crm:
        crm.register(email="main@example.com", password=PASSWORD)
        other = threading.Thread(target=lambda: crm.register(email="other@example.com", password=PASSWORD))
        other.start()
        other.join()
    assert outbox.threads == ["conezia-loop", "conezia-loop"]


def test_the_sync_api_works_inside_a_running_event_loop_as_in_a_notebook_cell() -> None:
    async def cell() -> list[str]:
        asyncio.get_running_loop()  # we are inside a running loop, as in Jupyter
        with conezia.open("memory", settings=SETTINGS) as crm:
            me = sign_up(crm)
            me.create_entity(type="person", name="Grace Hopper")
            return [e.name for e in me.entities().items]

    assert asyncio.run(cell()) == ["Grace Hopper"]


def test_bad_input_raises_a_validation_error_naming_every_failing_field(crm: conezia.Conezia) -> None:
    me = sign_up(crm)
    with pytest.raises(ValidationError) as info:
        me.create_entity(type="robot", name="")
    assert set(info.value.errors) == {"type", "name"}
    assert all(info.value.errors[field] for field in ("type", "name"))
    assert me.entities().items == []


def test_another_users_ids_raise_not_found(crm: conezia.Conezia) -> None:
    ada, bob = sign_up(crm, "ada@example.com"), sign_up(crm, "bob@example.com")
    grace = ada.create_entity(type="person", name="Grace Hopper")
    ssn = ada.add_identifier(grace.id, type="ssn", value="123-45-6789")
    for call in (lambda: bob.entity(grace.id), lambda: bob.reveal_identifier(ssn.id),
                 lambda: bob.update_entity(grace.id, name="Mine now")):
        with pytest.raises(NotFoundError):
            call()
    assert ada.entity(grace.id).name == "Grace Hopper"


def test_an_update_changes_only_the_fields_given_and_none_is_an_explicit_value(crm: conezia.Conezia) -> None:
    me = sign_up(crm)
    grace = me.create_entity(type="person", name="Grace Hopper", description="Compiler pioneer")
    renamed = me.update_entity(grace.id, name="Rear Admiral Grace Hopper")
    assert (renamed.name, renamed.description) == ("Rear Admiral Grace Hopper", "Compiler pioneer")
    assert me.update_entity(grace.id, description=None).description is None

    friend = me.set_relationship(grace.id, type="friend", health_threshold_days=14)
    with pytest.raises(ValidationError) as info:
        me.update_relationship(friend.id, strength=None)  # may not be null; absent would be fine
    assert info.value.errors == {"strength": ["can't be null"]}
    assert me.update_relationship(friend.id, notes="met at Harvard").health_threshold_days == 14


def test_entity_filters_take_one_value_or_several(crm: conezia.Conezia) -> None:
    me = sign_up(crm)
    grace = me.create_entity(type="person", name="Grace Hopper")
    me.create_entity(type="organization", name="US Navy")
    me.archive_entity(me.create_entity(type="person", name="Retired Person").id)
    navy = me.create_tag(name="navy")
    me.tag(grace.id, navy.id)

    def names(**filters: object) -> list[str]:
        return sorted(e.name for e in me.entities(**filters).items)  # type: ignore[arg-type]

    assert names(type="person") == ["Grace Hopper"]
    assert names(type=["person", "organization"]) == ["Grace Hopper", "US Navy"]
    assert names(tag=["navy"]) == ["Grace Hopper"]
    assert names(archived=True) == ["Retired Person"]
    assert names(archived="all") == ["Grace Hopper", "Retired Person", "US Navy"]
    assert names(archived="all", q="er") == ["Grace Hopper", "Retired Person"]
    with pytest.raises(ValidationError) as info:
        names(type=["person", "robot"])
    assert set(info.value.errors) == {"type"}


def test_closing_stops_the_stores_loop_thread_and_closing_again_does_nothing() -> None:
    before = loop_threads()
    crm = conezia.open("memory", settings=SETTINGS)
    assert len(loop_threads() - before) == 1
    crm.close()
    crm.close()
    assert loop_threads() - before == set()
    with pytest.raises(RuntimeError):
        crm.register(email="late@example.com", password=PASSWORD)


def test_a_store_that_fails_to_open_leaves_no_loop_thread_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CONEZIA_KEYS", raising=False)
    before = loop_threads()
    with pytest.raises(KeyConfigError):
        conezia.open("postgresql://nobody@localhost/nothing", migrate=False, key_file=tmp_path / "missing.json")
    assert loop_threads() - before == set()


def test_reminders_are_created_snoozed_completed_and_listed_through_the_sync_api(crm: conezia.Conezia) -> None:
    me = sign_up(crm)
    grace = me.create_entity(type="person", name="Grace Hopper")
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    birthday = me.create_reminder(type="birthday", title="Grace", due_at=soon, entity_id=grace.id)
    assert birthday.recurrence_rule == {"freq": "yearly"} and birthday.entity_id == grace.id
    with pytest.raises(ValidationError) as raised:
        me.snooze_reminder(birthday.id, soon - dt.timedelta(days=2))
    assert list(raised.value.errors) == ["snoozed_until"]
    assert me.snooze_reminder(birthday.id, soon + dt.timedelta(hours=1)).snoozed_until is not None
    rolled = me.complete_reminder(birthday.id)
    assert rolled.completed_at is None and rolled.due_at.year == soon.year + 1 and rolled.snoozed_until is None
    assert [r.id for r in me.reminders().items] == [birthday.id]
    me.delete_reminder(birthday.id)
    with pytest.raises(NotFoundError):
        me.reminder(birthday.id)
