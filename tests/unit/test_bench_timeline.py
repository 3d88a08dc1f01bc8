"""The pure parts of issue 8's bench: page rotation, the conversation's rows, due reminders' seed and report."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

import pytest

from bench import timeline_data
from bench.due_reminders import (
    NAME,
    DueConfig,
    DueResult,
    expected_due,
    format_due,
    reminder_rows,
    user_rows,
)
from bench.harness import Harness
from bench.load import join_values
from bench.loadgen import run_load
from bench.report import Measurement, format_table, verdicts
from bench.scenarios import APP, PAGE_WINDOW, SCENARIOS, USER, BenchConfig, BenchError

__all__: list[str] = []

NOW = dt.datetime(2026, 3, 29, 1, 30, tzinfo=dt.timezone.utc)
BY_NAME = {s.name: s for s in SCENARIOS}


def test_page_scenarios_rotate_over_pages_and_write_scenarios_over_entity_ids() -> None:
    assert BY_NAME["conversation-pages"].slot == "{page}"
    assert BY_NAME["log-interaction"].slot == "{id}"
    assert BY_NAME["update"].slot == "{id}"
    assert BY_NAME["list"].slot is None
    assert not BY_NAME["list"].rotates


def test_the_harness_gives_each_scenario_its_own_rotating_values() -> None:
    pages = [timeline_data.page_query(None)] + [timeline_data.page_query(f"c{i}") for i in range(1, 200)]
    harness = Harness(BenchConfig(), ids=["e1", "e2"], pages=pages, conversation_id="conv", entity_id="e1",
                      ports={APP: 8000}, owners={USER: "owner"})
    harness.tokens[USER] = "token"
    assert harness.ids_for(BY_NAME["conversation-pages"]) == pages
    assert harness.ids_for(BY_NAME["conversation-first-pages"]) == pages[:PAGE_WINDOW]
    assert harness.ids_for(BY_NAME["conversation-last-pages"]) == pages[-PAGE_WINDOW:]
    assert harness.ids_for(BY_NAME["log-interaction"]) == ["e1", "e2"]
    assert harness.ids_for(BY_NAME["list"]) == []
    port, path, headers = harness.target(BY_NAME["conversation-pages"])
    assert (port, path, headers) == (8000, "/api/v1/conversations/conv/communications{page}",
                                      ["Authorization: Bearer token"])


def test_page_windows_are_all_pages_or_the_first_or_last_twenty() -> None:
    pages = [str(i) for i in range(200)]
    assert timeline_data.page_window(pages, "all") == pages
    assert timeline_data.page_window(pages, "first") == pages[:20]
    assert timeline_data.page_window(pages, "last") == pages[180:]
    assert timeline_data.page_window(pages[:5], "last") == pages[:5]
    with pytest.raises(ValueError):
        timeline_data.page_window(pages, "middle")


def test_a_page_query_percent_encodes_its_cursor() -> None:
    assert timeline_data.page_query(None) == "?limit=50"
    assert timeline_data.page_query("ab=,c/d", limit=10) == "?limit=10&cursor=ab%3D%2Cc%2Fd"


def test_rotating_values_travel_comma_separated_and_one_with_a_comma_is_refused() -> None:
    assert join_values(["?limit=50", "?limit=50&cursor=x%2Cy"]) == "?limit=50,?limit=50&cursor=x%2Cy"
    with pytest.raises(BenchError):
        join_values(["a,b"])


class _PagedClient:
    """Answers a conversation's pages: ``pages`` maps a query to the next cursor (None on the last)."""

    def __init__(self, pages: Mapping[str, str | None]) -> None:
        self.pages = pages
        self.asked: list[str] = []

    def request(self, method: str, path: str, body: object = None,
                headers: Mapping[str, str] | None = None) -> tuple[int, Any, str]:
        query = path[path.index("?"):]
        self.asked.append(query)
        if query not in self.pages:
            return 404, None, "not found"
        return 200, {"data": [], "next_cursor": self.pages[query]}, ""


def test_walking_a_conversation_follows_next_cursor_until_the_last_page() -> None:
    client = _PagedClient({"?limit=50": "c1", "?limit=50&cursor=c1": "c2", "?limit=50&cursor=c2": None})
    pages = timeline_data.walk_pages(client, "/api/v1/conversations/x/communications", {})  # type: ignore[arg-type]
    assert pages == ["?limit=50", "?limit=50&cursor=c1", "?limit=50&cursor=c2"]


def test_a_walk_that_does_not_advance_or_fails_is_an_error() -> None:
    looping = _PagedClient({"?limit=50": "c1", "?limit=50&cursor=c1": "c1"})
    with pytest.raises(BenchError, match="twice"):
        timeline_data.walk_pages(looping, "/c", {})  # type: ignore[arg-type]
    with pytest.raises(BenchError, match="404"):
        timeline_data.walk_pages(_PagedClient({"?limit=50": "gone"}), "/c", {})  # type: ignore[arg-type]


def test_the_conversation_messages_are_repeatable_oldest_first_within_the_year() -> None:
    rows = list(timeline_data.message_rows("user", "entity", "conv", 1000, NOW))
    assert rows == list(timeline_data.message_rows("user", "entity", "conv", 1000, NOW))
    sent = [row[7] for row in rows]
    assert sent == sorted(sent)
    assert NOW - dt.timedelta(days=timeline_data.HISTORY_DAYS) <= sent[0] and sent[-1] < NOW
    assert {row[3] for row in rows} == {timeline_data.CHANNEL}
    assert {row[4] for row in rows} == {"inbound", "outbound"}
    assert all(1 <= len(row[5]) <= 100_000 for row in rows)
    assert sum(row[8] is None for row in rows) == 20  # the last twenty are unread
    assert len({row[6] for row in rows}) == 1000


def test_only_the_timeline_scenarios_bring_the_baselines_of_their_targets() -> None:
    config = BenchConfig.from_env({"BENCH_ONLY": "log-interaction,conversation-last-pages,due-reminders"})
    assert [s.name for s in config.scenarios()] == [
        "bare-select", "create", "log-interaction", "conversation-first-pages", "conversation-last-pages",
    ]
    assert [(t.scenario, t.baseline) for t in config.targets()] == [
        ("create", "bare-select"), ("log-interaction", "bare-select"), ("log-interaction", "create"),
        ("conversation-last-pages", "conversation-first-pages"),
    ]


def test_due_reminders_alone_runs_no_http_scenario() -> None:
    assert BenchConfig.from_env({"BENCH_ONLY": NAME}).scenarios() == ()


def test_the_timeline_targets_are_judged_against_create_list_and_the_first_pages() -> None:
    rates = {"bare-select": 1000.0, "create": 500.0, "log-interaction": 420.0, "list": 1000.0, "conversation-pages": 700.0,
             "conversation-first-pages": 800.0, "conversation-last-pages": 780.0}
    results = {name: Measurement(req_per_s=r, p50_ms=1.0, p99_ms=2.0, requests=1) for name, r in rates.items()}
    by_name = {(row["scenario"], row["baseline"]): row for row in verdicts(results)}
    assert (by_name["log-interaction", "create"]["ratio"], by_name["log-interaction", "create"]["verdict"]) == (
        0.84, "PASS")
    assert by_name["log-interaction", "bare-select"]["verdict"] == "BELOW"
    assert by_name["conversation-pages", "list"]["verdict"] == "BELOW"
    assert by_name["conversation-last-pages", "conversation-first-pages"]["ratio"] == 0.975
    table = format_table(results, {}, BenchConfig())
    # the table shows the target against create; the bare SELECT's ratio is its own column
    line = next(line for line in table.splitlines() if line.startswith("log an interaction"))
    assert ">=0.8x create" in line and "0.42x" in line and "0.84x" in line
    assert f"messages, last {PAGE_WINDOW} pages" in table


def test_due_reminders_run_unless_turned_off_or_left_out_of_bench_only() -> None:
    assert DueConfig.from_env({}).wanted(())
    assert DueConfig.from_env({}).wanted(("list", NAME))
    assert not DueConfig.from_env({}).wanted(("list",))
    assert not DueConfig.from_env({"BENCH_DUE_REMINDERS": "0"}).wanted(())
    config = DueConfig.from_env({"BENCH_DUE_USERS": "10", "BENCH_DUE_COUNT": "500", "BENCH_DUE_REPEATS": "5"})
    assert (config.users, config.reminders, config.repeats) == (10, 500, 5)
    with pytest.raises(BenchError):
        DueConfig.from_env({"BENCH_DUE_REMINDERS": "maybe"})
    with pytest.raises(BenchError):
        DueConfig.from_env({"BENCH_DUE_REPEATS": "0"})


def test_the_seeded_users_have_timezones_and_quiet_hours_some_across_midnight() -> None:
    users = list(user_rows(1000))
    assert users == list(user_rows(1000))
    prefs = [json.loads(u[3]) for u in users]
    assert len({u[2] for u in users}) >= 10
    assert sum(p["quiet_hours_start"] == "22:00" and p["quiet_hours_end"] == "07:00" for p in prefs) > 500
    assert any(p["quiet_hours_start"] is None for p in prefs)
    assert any(p["email"] is False for p in prefs)
    assert all(p["in_app"] is True for p in prefs)
    assert len({u[0] for u in users}) == len({u[1] for u in users}) == 1000


def test_most_seeded_reminders_are_due_and_the_rest_are_snoozed_later_or_completed() -> None:
    users = [u[0] for u in user_rows(100)]
    rows = list(reminder_rows(users, 10_000, NOW))
    assert rows == list(reminder_rows(users, 10_000, NOW))
    due = expected_due(rows, NOW)
    assert 7_000 < due < 8_000
    assert sum(r[7] is not None for r in rows) > 800  # completed: not in the partial index
    assert sum(r[6] is not None and r[6] > NOW for r in rows) > 300  # snoozed past now: not due
    assert sum(r[6] is not None and r[6] <= NOW for r in rows) > 300  # the snooze ended: due again
    assert sum(r[4] > NOW for r in rows) > 800  # due later
    assert all(r[5].startswith("{in_app") for r in rows)
    assert {r[1] for r in rows} == set(users)


def test_the_due_report_gives_both_wall_times_rows_per_second_and_core_over_bare() -> None:
    result = DueResult(users=1000, reminders=100_000, due=75_000, batch=500, batches=150, core_s=3.0, bare_s=0.75,
                       core_samples=(3.1, 3.0, 2.9), bare_samples=(0.7, 0.75, 0.8), notifications=120_000, held=9_000)
    figures = result.as_json()
    assert (figures["core_rows_per_s"], figures["bare_rows_per_s"], figures["core_over_bare"]) == (
        25_000.0, 100_000.0, 4.0)
    text = format_due(result)
    assert "75,000 due of 100,000 reminders across 1,000 users" in text
    assert "3000 ms" in text and "750 ms" in text and "4.00x" in text and "100,000" in text


@pytest.mark.anyio
async def test_the_python_load_generator_rotates_over_the_page_slot() -> None:
    seen: list[str] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                seen.append(head.split(b" ", 2)[1].decode())
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        result = await run_load(f"http://127.0.0.1:{port}/c{{page}}", duration=0.2, connections=2,
                                ids=["?limit=50", "?limit=50&cursor=a%3D"], slot="{page}")
    finally:
        server.close()
        await server.wait_closed()
    assert result.statuses[200] == len(seen) > 2
    assert set(seen) == {"/c?limit=50", "/c?limit=50&cursor=a%3D"}
