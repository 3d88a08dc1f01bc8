"""Many people editing one contact at once through the real server: every edit is answered 200, and none is lost.

Edits are optimistic (a read, and a write back only if the row is unchanged
since); here they collide on purpose, so most of them are applied again, and
some take the row lock after three collisions. No client may see a conflict for
what the server can resolve itself, and no answer may be an error.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.integration.http_fixtures import API, PASSWORD, libpq_url
from tests.integration.live_server import serving

pytestmark = [pytest.mark.integration, pytest.mark.anyio]

_EDITS = 24


async def _edit_at_once(base: str) -> tuple[list[int], dict[str, Any], list[dict[str, Any]]]:
    async with httpx.AsyncClient(base_url=f"{base}{API}", timeout=30) as client:
        account = {"email": "crowd@example.com", "password": PASSWORD}
        assert (await client.post("/auth/register", json=account)).status_code == 201
        token = (await client.post("/auth/login", json=account)).json()["token"]
        client.headers["Authorization"] = f"Bearer {token}"
        entity = (await client.post("/entities", json={"type": "person", "name": "Popular"})).json()
        async def describe(i: int) -> int:
            return (await client.patch(f"/entities/{entity['id']}", json={"description": f"d{i}"})).status_code

        statuses = list(await asyncio.gather(
            *(describe(i) for i in range(_EDITS)),
            client.post(f"/entities/{entity['id']}/archive"),
        ))
        statuses[-1] = statuses[-1].status_code
        final = (await client.get(f"/entities/{entity['id']}")).json()
        log = (await client.get("/activity", params={"resource_id": entity["id"], "limit": 100})).json()["data"]
    return statuses, final, log


def test_concurrent_edits_of_one_entity_are_all_answered_200_and_all_kept(migrated_database_url: str, tmp_path: Path) -> None:
    with serving(libpq_url(migrated_database_url), tmp_path) as base:
        statuses, final, log = asyncio.run(_edit_at_once(base))

    assert statuses == [200] * (_EDITS + 1)
    assert final["archived_at"] is not None, "the archive, concurrent with the edits, was not lost"
    assert final["description"] in {f"d{i}" for i in range(_EDITS)}
    updates = [row for row in log if row["action"] == "update"]
    assert len(updates) == _EDITS + 1, "one log row per edit that changed the row, none twice"
