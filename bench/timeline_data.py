"""The timeline data of ``make bench``: a conversation of 10,000 messages, its pages, and restoring.

The conversation is created through the API (``POST /api/v1/entities/{id}/conversations``)
for the bench user's first entity; its messages are copied straight into ``communications``
with psycopg ``COPY`` (the API would take minutes), ``sent_at`` spread over a year, and the
conversation's ``last_message_at`` and the entity's ``last_interaction_at`` set to the last
one, as the API keeps them. Walking the conversation once through the API, following
``next_cursor``, gives the page queries the ``{page}`` scenarios rotate over.

Between rounds, :func:`restore` deletes the interactions ``log-interaction`` logged and puts
back each entity's ``last_interaction_at`` and ``updated_at`` as they were after the setup.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import quote

from bench.scenarios import ALL_PAGES, FIRST_PAGES, LAST_PAGES, PAGE_WINDOW, BenchError, say

if TYPE_CHECKING:
    from bench.processes import Client

__all__ = [
    "CHANNEL",
    "MESSAGES",
    "PAGE_SIZE",
    "VACUUMED",
    "copy_messages",
    "create_conversation",
    "message_rows",
    "page_query",
    "page_window",
    "restore",
    "snapshot",
    "walk_pages",
]

MESSAGES: Final = 10_000
PAGE_SIZE: Final = 50
CHANNEL: Final = "email"
# The messages were sent over this many days before the run.
HISTORY_DAYS: Final = 365
# What log-interaction's rows are titled (its body's "Bench call {n}"), so restoring finds them.
LOGGED_TITLE: Final = "Bench call %"
# The tables the timeline scenarios read or write, refreshed with the entities' after a restore.
VACUUMED: Final = ("interactions", "conversations", "communications")
_WORDS: Final = (
    "thanks", "for", "the", "call", "see", "you", "next", "week", "about", "the", "contract", "draft",
    "lunch", "on", "friday", "sounds", "good", "please", "send", "invoice", "photos", "from", "trip",
)

MessageRow = tuple[str, str, str, str, str, str, str | None, dt.datetime, dt.datetime | None, dt.datetime, dt.datetime]


def message_rows(
    user_id: str, entity_id: str, conversation_id: str, count: int, now: dt.datetime
) -> Iterator[MessageRow]:
    """``count`` messages of one conversation, sent over :data:`HISTORY_DAYS` before ``now``, oldest first.

    Rows are ``(conversation_id, user_id, entity_id, channel, direction, content, external_id,
    sent_at, read_at, inserted_at, updated_at)``; seeded, so every run reads the same pages.
    The last twenty are unread.
    """
    rng = random.Random(8)
    start = now - dt.timedelta(days=HISTORY_DAYS)
    step = dt.timedelta(days=HISTORY_DAYS) / count
    for i in range(count):
        sent = start + step * i + dt.timedelta(seconds=rng.random() * step.total_seconds() * 0.9)
        words = " ".join(rng.choice(_WORDS) for _ in range(rng.randrange(8, 30)))
        direction = "inbound" if rng.random() < 0.5 else "outbound"
        read = None if i >= count - 20 else sent + dt.timedelta(minutes=rng.randrange(1, 600))
        yield (conversation_id, user_id, entity_id, CHANNEL, direction, f"Bench message {i:05d}: {words}.",
               f"<bench-{i:05d}@example.com>", sent, read, sent, sent)


def copy_messages(connection: Any, rows: Iterator[MessageRow]) -> dt.datetime | None:
    """COPY the messages into ``communications``; returns the last ``sent_at`` (None without rows)."""
    last: dt.datetime | None = None
    with connection.cursor() as cursor, cursor.copy(
        "COPY communications (conversation_id, user_id, entity_id, channel, direction, content, external_id,"
        " sent_at, read_at, inserted_at, updated_at) FROM STDIN"
    ) as copy:
        for row in rows:
            copy.write_row(row)
            last = row[7] if last is None or row[7] > last else last
    return last


def page_query(cursor: str | None, limit: int = PAGE_SIZE) -> str:
    """The query string of one page: ``?limit=50``, then ``&cursor=...`` after the first."""
    return f"?limit={limit}" + ("" if cursor is None else f"&cursor={quote(cursor, safe='')}")


def page_window(pages: Sequence[str], which: str, window: int = PAGE_WINDOW) -> list[str]:
    """Every page (``all``), or the first or last ``window`` of them."""
    if which == ALL_PAGES:
        return list(pages)
    if which == FIRST_PAGES:
        return list(pages[:window])
    if which == LAST_PAGES:
        return list(pages[-window:])
    raise ValueError(f"unknown page window {which!r}")


def walk_pages(client: Client, path: str, headers: Mapping[str, str], limit: int = PAGE_SIZE) -> list[str]:
    """Read every page of ``path`` once, following ``next_cursor``; the query of each page, in order.

    Raises:
        BenchError: a page did not answer 200, or a cursor came back twice (the walk would not end).
    """
    queries: list[str] = []
    cursor: str | None = None
    seen: set[str] = set()
    while True:
        query = page_query(cursor, limit)
        status, data, text = client.request("GET", path + query, headers=headers)
        if status != 200 or not isinstance(data, dict):
            raise BenchError(f"GET {path}{query} answered {status}: {text[:300]}",
                             "the conversation's messages route (adapters/http/routes/timeline.py) must page them")
        queries.append(query)
        cursor = data.get("next_cursor")
        if not cursor:
            return queries
        if cursor in seen:
            raise BenchError(f"GET {path} gave the cursor {cursor} twice", "the keyset pagination does not advance")
        seen.add(cursor)


def create_conversation(connection: Any, client: Client, user_id: str, entity_id: str,
                        headers: Mapping[str, str]) -> tuple[str, list[str]]:
    """The conversation (through the API) with its :data:`MESSAGES` (by COPY); its id and page queries."""
    status, data, text = client.request(
        "POST", f"/api/v1/entities/{entity_id}/conversations",
        {"channel": CHANNEL, "subject": "Bench conversation"}, headers,
    )
    conversation_id = data.get("id") if isinstance(data, dict) else None
    if status != 201 or not isinstance(conversation_id, str):
        raise BenchError(f"POST /api/v1/entities/{entity_id}/conversations answered {status}: {text[:300]}",
                         "the agreed contract creates a conversation with 201 and returns it with its id")
    say(f"copying {MESSAGES:,} messages into conversation {conversation_id} ...")
    started = time.monotonic()
    now = dt.datetime.now(dt.timezone.utc)
    last = copy_messages(connection, message_rows(user_id, entity_id, conversation_id, MESSAGES, now))
    # as the API keeps them: the conversation's last message, the entity's last interaction
    connection.execute("UPDATE conversations SET last_message_at = %s WHERE id = %s", (last, conversation_id))
    connection.execute(
        "UPDATE entities SET last_interaction_at = %s WHERE id = %s AND owner_id = %s", (last, entity_id, user_id)
    )
    say(f"    done in {time.monotonic() - started:.1f} s; walking its pages through the API ...")
    pages = walk_pages(client, f"/api/v1/conversations/{conversation_id}/communications", headers)
    say(f"    {len(pages)} pages of {PAGE_SIZE}")
    return conversation_id, pages


def snapshot(connection: Any, user_id: str) -> list[tuple[Any, ...]]:
    """The user's entities' ``(id, last_interaction_at, updated_at)``, to :func:`restore` them."""
    return list(connection.execute(
        "SELECT id, last_interaction_at, updated_at FROM entities WHERE owner_id = %s", (user_id,)
    ).fetchall())


def restore(connection: Any, user_id: str, rows: Sequence[tuple[Any, ...]]) -> None:
    """Delete the interactions the bench logged; put back what logging them changed on the entities."""
    connection.execute(
        "DELETE FROM interactions WHERE user_id = %s AND title LIKE %s", (user_id, LOGGED_TITLE)
    )
    with connection.cursor() as cursor:
        cursor.executemany(
            "UPDATE entities SET last_interaction_at = %s, updated_at = %s WHERE id = %s "
            "AND (last_interaction_at IS DISTINCT FROM %s OR updated_at IS DISTINCT FROM %s)",
            [(at, updated, entity, at, updated) for entity, at, updated in rows],
        )

