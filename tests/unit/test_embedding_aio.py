"""The asyncio embedding API (``conezia.open_async``) on the in-memory store."""

from __future__ import annotations

import threading

import pytest

import conezia
from conezia.core.errors import AuthenticationError, NotFoundError, ValidationError
from conezia.keys import KeyRing
from conezia.settings import Settings

from .test_embedding import PASSWORD, ThreadRecordingOutbox

pytestmark = pytest.mark.anyio

SETTINGS = Settings(password_profile="test")


async def test_an_asyncio_program_uses_the_store_with_async_with_on_its_own_loop() -> None:
    outbox = ThreadRecordingOutbox()
    async with conezia.open_async("memory", mailer=outbox, settings=SETTINGS) as crm:
        await crm.register(email="ada@example.com", password=PASSWORD)
        session = await crm.log_in("ada@example.com", PASSWORD)
        me = await crm.authenticate(session.token)
        grace = await me.create_entity(type="person", name="Grace Hopper")
        ssn = await me.add_identifier(grace.id, type="ssn", value="123-45-6789")
        assert ssn.value is None
        assert await me.reveal_identifier(ssn.id) == "123-45-6789"
        assert [e.name for e in (await me.entities()).items] == ["Grace Hopper"]
        await crm.log_out(session.token)
        with pytest.raises(AuthenticationError):
            await crm.authenticate(session.token)
    assert outbox.threads == [threading.current_thread().name]  # no thread of our own in between


async def test_awaiting_open_async_gives_a_store_to_close_by_hand() -> None:
    crm = await conezia.open_async("memory", settings=SETTINGS)
    try:
        user = await crm.register(email="ada@example.com", password=PASSWORD)
        assert (await crm.as_user(user.id).profile()).email == "ada@example.com"
    finally:
        await crm.aclose()


async def test_the_async_api_reports_bad_input_and_hides_other_users_rows() -> None:
    async with conezia.open_async("memory", settings=SETTINGS) as crm:
        ada = crm.as_user((await crm.register(email="ada@example.com", password=PASSWORD)).id)
        bob = crm.as_user((await crm.register(email="bob@example.com", password=PASSWORD)).id)
        with pytest.raises(ValidationError) as info:
            await ada.create_tag(name="", color="infrared")
        assert set(info.value.errors) == {"name", "color"}
        tag = await ada.create_tag(name="navy", color="blue")
        with pytest.raises(NotFoundError):
            await bob.update_tag(tag.id, name="mine")
        assert [t.name for t in await ada.tags()] == ["navy"]


async def test_an_administrator_changes_a_tier_by_email() -> None:
    async with conezia.open_async("memory", settings=SETTINGS) as crm:
        user = await crm.register(email="ada@example.com", password=PASSWORD)
        await crm.change_tier_by_email("ada@example.com", "professional")
        assert (await crm.as_user(user.id).profile()).tier == "professional"
        with pytest.raises(NotFoundError):
            await crm.change_tier_by_email("nobody@example.com", "free")


async def test_migrations_run_in_a_worker_thread_not_on_the_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    from conezia.adapters.postgres import migrator

    ran_on: list[int] = []
    monkeypatch.setattr(migrator, "apply_migrations", lambda url, **_: ran_on.append(threading.get_ident()))
    async with conezia.open_async("postgresql://nobody@localhost/nothing", keys=KeyRing.generate(), settings=SETTINGS):
        pass
    assert len(ran_on) == 1 and ran_on[0] != threading.get_ident()
