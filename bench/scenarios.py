"""What ``make bench`` measures: its settings, its scenarios and its targets (pure data)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Final

import attrs

__all__ = [
    "ALL_PAGES",
    "APP",
    "APP_NO_ACTIVITY_LOG",
    "APP_NO_SESSION_CACHE",
    "BASELINE",
    "BIG_USER",
    "FIRST_PAGES",
    "LAST_PAGES",
    "PAGE_WINDOW",
    "PSEUDO_SCENARIOS",
    "ROTATING",
    "SCENARIOS",
    "TARGETS",
    "USER",
    "BenchConfig",
    "BenchError",
    "Scenario",
    "Target",
    "say",
]

# The servers a scenario can be sent to.
BASELINE: Final = "baseline"
APP: Final = "app"
APP_NO_SESSION_CACHE: Final = "app-no-session-cache"
APP_NO_ACTIVITY_LOG: Final = "app-no-activity-log"

# The users a scenario can authenticate as: the one whose entities are created through the
# API (``BenchConfig.entities`` of them), and the one whose ``BenchConfig.big_entities`` are
# copied straight into the table.
USER: Final = "user"
BIG_USER: Final = "big-user"

# What ``{page}`` in a scenario's path takes in turn: every page of the bench conversation,
# or only its first or last :data:`PAGE_WINDOW` pages.
ALL_PAGES: Final = "all"
FIRST_PAGES: Final = "first"
LAST_PAGES: Final = "last"
PAGE_WINDOW: Final = 20
# The placeholders whose value changes with each request, and what they take.
ROTATING: Final = ("{id}", "{page}")

# Names BENCH_ONLY accepts besides the HTTP scenarios': measurements of their own
# (bench/due_reminders.py), run in the same run but not through a load generator.
# measured in-process or by a script of their own, not by wrk: bench/due_reminders.py, bench/attachments.py
PSEUDO_SCENARIOS: Final = ("due-reminders", "attachments")


def say(message: str) -> None:
    """Progress on stdout, flushed so it shows under ``make``."""
    print(f"[bench] {message}", flush=True)


class BenchError(Exception):
    """The run cannot go on; ``hint`` says what to do next, ``detail`` shows evidence (a log tail)."""

    def __init__(self, message: str, hint: str = "", detail: str = "") -> None:
        super().__init__(message)
        self.hint = hint
        self.detail = detail


def _env_int(env: Mapping[str, str], name: str, default: int, minimum: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BenchError(
            f"{name} must be a whole number, got {raw!r}", f"unset {name} or give e.g. {name}={default}"
        ) from None
    if value < minimum:
        raise BenchError(f"{name} must be at least {minimum}, got {value}", f"unset {name} or give e.g. {name}={default}")
    return value


@attrs.frozen
class BenchConfig:
    """What one run does; see :mod:`bench.run` for the variables."""

    duration: int = 10
    connections: int = 32
    workers: int = 1
    threads: int = 1
    warmup: int = 1
    rounds: int = 1
    entities: int = 200
    big_entities: int = 50_000
    pool_size: int = 10
    loadgen: str = "wrk"
    server_factory: str | None = None
    only: tuple[str, ...] = ()
    # A bare SELECT measured just before each scenario, and the ratios taken to it (bench/paired.py).
    paired: bool = True
    # Seconds of each paired bare SELECT; 0 means half of ``duration`` (see ``pair_seconds``).
    pair_duration: int = 0

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> BenchConfig:
        """Read ``BENCH_*``; raises :class:`BenchError` naming a malformed one."""
        env = os.environ if env is None else env
        loadgen = env.get("BENCH_LOADGEN", "wrk").strip() or "wrk"
        if loadgen not in ("wrk", "python"):
            raise BenchError(f"BENCH_LOADGEN must be 'wrk' or 'python', got {loadgen!r}")
        connections = _env_int(env, "BENCH_CONNECTIONS", 32, 1)
        threads = _env_int(env, "BENCH_THREADS", 1, 1)
        if threads > connections:
            raise BenchError("BENCH_THREADS must not exceed BENCH_CONNECTIONS (wrk needs a connection per thread)")
        only = tuple(name.strip() for name in env.get("BENCH_ONLY", "").split(",") if name.strip())
        known = (*(s.name for s in SCENARIOS), *PSEUDO_SCENARIOS)
        unknown = sorted(set(only) - set(known))
        if unknown:
            raise BenchError(
                f"BENCH_ONLY names unknown scenarios: {', '.join(unknown)}",
                f"choose from {', '.join(known)}",
            )
        paired = _env_int(env, "BENCH_PAIRED", 1, 0)
        if paired > 1:
            raise BenchError(f"BENCH_PAIRED must be 0 or 1, got {paired}", "unset BENCH_PAIRED or give BENCH_PAIRED=0")
        duration = _env_int(env, "BENCH_DURATION", 10, 1)
        return cls(
            duration=duration,
            connections=connections,
            workers=_env_int(env, "BENCH_WORKERS", 1, 1),
            threads=threads,
            warmup=_env_int(env, "BENCH_WARMUP", 1, 0),
            rounds=_env_int(env, "BENCH_ROUNDS", 1, 1),
            entities=_env_int(env, "BENCH_ENTITIES", 200, 1),
            big_entities=_env_int(env, "BENCH_BIG_ENTITIES", 50_000, 1),
            pool_size=_env_int(env, "BENCH_POOL_SIZE", 10, 1),
            loadgen=loadgen,
            server_factory=env.get("BENCH_SERVER_FACTORY", "").strip() or None,
            only=only,
            paired=bool(paired),
            pair_duration=_env_int(env, "BENCH_PAIR_DURATION", max(1, duration // 2), 1),
        )

    @property
    def pair_seconds(self) -> int:
        """Seconds of each paired bare SELECT: ``pair_duration``, or half of ``duration`` (at least 1)."""
        return self.pair_duration or max(1, self.duration // 2)

    def scenarios(self) -> tuple[Scenario, ...]:
        """The scenarios to run: all, or those of ``only`` with the baselines their targets need."""
        if not self.only:
            return SCENARIOS
        wanted = set(self.only) | {t.baseline for t in TARGETS if t.scenario in self.only}
        return tuple(s for s in SCENARIOS if s.name in wanted)

    @property
    def attachments(self) -> bool:
        """Whether the attachments scenario runs (bench/attachments.py)."""
        return not self.only or "attachments" in self.only

    def targets(self) -> tuple[Target, ...]:
        """The targets whose scenario and baseline both run."""
        names = {s.name for s in self.scenarios()}
        return tuple(t for t in TARGETS if t.scenario in names and t.baseline in names)


@attrs.frozen
class Scenario:
    """One measured endpoint.

    ``path`` may hold ``{entity_id}`` (the one entity read by GET), ``{owner_id}`` (its owner),
    ``{conversation_id}`` (the bench conversation of 10,000 messages), and one of the rotating
    placeholders: ``{id}``, where each request takes the next of the user's entity ids in turn,
    so concurrent writes land on different rows instead of queueing on one row's lock; or
    ``{page}``, where each request takes the next of the conversation's page queries
    (``?limit=50&cursor=...``, found by walking it once), ``pages`` saying which of them. ``{n}``
    in ``body`` becomes a counter, so the rows written are not all identical. ``user`` is who the
    request authenticates as (``None``: no ``Authorization`` header).
    """

    name: str
    title: str
    server: str
    method: str
    path: str
    body: str | None = None
    user: str | None = None
    pages: str = ALL_PAGES

    def label(self, config: BenchConfig) -> str:
        """The title with the configured entity counts filled in."""
        return self.title.format(entities=config.entities, big_entities=config.big_entities)

    @property
    def slot(self) -> str | None:
        """The rotating placeholder in the path (``{id}`` or ``{page}``), if any."""
        return next((slot for slot in ROTATING if slot in self.path), None)

    @property
    def rotates(self) -> bool:
        """Whether each request goes to the next entity id, or the next page."""
        return self.slot is not None


SCENARIOS: Final = (
    Scenario("hello", "hello (baseline)", BASELINE, "GET", "/hello"),
    Scenario("bare-select", "bare SELECT (baseline)", BASELINE, "GET", "/entities/{owner_id}/{entity_id}"),
    Scenario("get-one", "GET one entity", APP, "GET", "/api/v1/entities/{entity_id}", user=USER),
    Scenario(
        "get-one-no-cache", "GET one, no session cache", APP_NO_SESSION_CACHE, "GET",
        "/api/v1/entities/{entity_id}", user=USER,
    ),
    Scenario("list", "list 50, {entities:,} owned", APP, "GET", "/api/v1/entities?limit=50", user=USER),
    Scenario("list-big", "list 50, {big_entities:,} owned", APP, "GET", "/api/v1/entities?limit=50", user=BIG_USER),
    Scenario(
        "create", "create entity", APP, "POST", "/api/v1/entities",
        body='{"type":"person","name":"Bench Person {n}"}', user=USER,
    ),
    Scenario(
        "update", "update entity (PATCH)", APP, "PATCH", "/api/v1/entities/{id}",
        body='{"description":"Bench update {n}"}', user=USER,
    ),
    Scenario("archive", "archive entity", APP, "POST", "/api/v1/entities/{id}/archive", user=USER),
    Scenario(
        "create-no-log", "create entity, activity log off", APP_NO_ACTIVITY_LOG, "POST", "/api/v1/entities",
        body='{"type":"person","name":"Bench Person {n}"}', user=USER,
    ),
    Scenario("activity-page", "activity log, one page of 50", APP, "GET", "/api/v1/activity?limit=50", user=USER),
    # issue 8: the timeline
    Scenario(
        "log-interaction", "log an interaction", APP, "POST", "/api/v1/entities/{id}/interactions",
        body='{"type":"call","title":"Bench call {n}","content":"Bench call {n}"}', user=USER,
    ),
    Scenario(
        "conversation-pages", "messages, every page of 50", APP, "GET",
        "/api/v1/conversations/{conversation_id}/communications{page}", user=USER,
    ),
    Scenario(
        "conversation-first-pages", f"messages, first {PAGE_WINDOW} pages", APP, "GET",
        "/api/v1/conversations/{conversation_id}/communications{page}", user=USER, pages=FIRST_PAGES,
    ),
    Scenario(
        "conversation-last-pages", f"messages, last {PAGE_WINDOW} pages", APP, "GET",
        "/api/v1/conversations/{conversation_id}/communications{page}", user=USER, pages=LAST_PAGES,
    ),
)


@attrs.frozen
class Target:
    """``scenario`` should reach at least ``ratio`` times the requests/s of ``baseline``."""

    scenario: str
    baseline: str
    ratio: float


TARGETS: Final = (
    Target("get-one", "bare-select", 0.8),
    Target("get-one-no-cache", "bare-select", 0.5),
    Target("list", "bare-select", 0.6),
    Target("list-big", "list", 0.8),
    Target("create", "bare-select", 0.6),
    Target("update", "bare-select", 0.5),
    # the activity log's cost: at most 15% of create's throughput
    Target("create", "create-no-log", 0.85),
    # a page of the log costs what a page of entities does
    Target("activity-page", "list", 0.8),
    # logging a call is a read of the entity and two writes (the interaction, the entity's
    # last_interaction_at) with their log rows, where create is one write and its row. The table
    # shows the last target of a scenario; its ratio to the bare SELECT is the "x bare SELECT" column.
    Target("log-interaction", "bare-select", 0.5),
    Target("log-interaction", "create", 0.8),
    # a page of 50 messages costs what a page of 50 entities does, and the last pages of 10,000
    # what the first do (the (conversation_id, sent_at, id) index)
    Target("conversation-pages", "list", 0.8),
    Target("conversation-last-pages", "conversation-first-pages", 0.8),
)
