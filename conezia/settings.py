"""Settings, read once from the environment by the composition root."""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from pathlib import Path

import attrs

__all__ = ["DEFAULT_RATE_LIMITS", "Settings", "SettingsError"]

DEFAULT_RATE_LIMITS: Mapping[str, int] = {
    "free": 600,
    "personal": 1200,
    "professional": 3000,
    "enterprise": 12000,
}


class SettingsError(Exception):
    """A setting is malformed; the message names the variable."""


def _int(env: Mapping[str, str], name: str, default: int, *, minimum: int = 0) -> int:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be an integer, got {raw!r}") from exc
    if value < minimum:
        raise SettingsError(f"{name} must be at least {minimum}")
    return value


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if raw == "":
        return default
    if raw not in ("true", "false", "1", "0"):
        raise SettingsError(f"{name} must be 'true' or 'false'")
    return raw in ("true", "1")


_ORIGIN = re.compile(r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?|https?://\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?")


def _cors_origins(raw: str) -> tuple[str, ...]:
    origins = tuple(origin.strip() for origin in raw.split(",") if origin.strip())
    for origin in origins:
        if origin != "*" and not _ORIGIN.fullmatch(origin):
            raise SettingsError(
                f"CONEZIA_CORS_ORIGINS: {origin!r} is not an origin such as https://app.example.com"
                " (scheme, host and optional port, no path) or *"
            )
    return origins


@attrs.frozen
class Settings:
    """Everything configurable. Build with :meth:`from_env`, or directly when embedding.

    Attributes:
        database_url: an external PostgreSQL; ``None`` starts the embedded one under ``data_dir``.
        migration_database_url: the schema owner's URL, for migrations; defaults to ``database_url``.
        allow_superuser: let the server connect as a superuser (tests and one-off tools only).
        data_dir: the data folder (embedded PostgreSQL, key file, mail outbox).
        key_file: defaults to ``data_dir / "keys.json"``.
        password_profile: ``"default"`` (argon2id, 64 MiB) or ``"test"`` (cheap; tests only).
        rate_limits: requests per ``rate_window`` seconds for each tier.
        max_body_bytes: request bodies larger than this get 413.
        default_phone_region: region (e.g. ``"US"``) for phone numbers written without ``+``.
        session_cache_seconds: a verified session is reused this long without a database
            read. Another server process would accept an ended session for that long, so
            by default it is 5 with one worker and 0 (off) with several.
        activity_log: record every change in the activity log (off only to measure what it costs).
        activity_retention_days: how long activity log rows are kept (None: forever);
            ``conezia activity purge`` deletes older ones.
        trusted_proxies: addresses or networks (CIDR) of reverse proxies whose
            ``X-Forwarded-For`` is believed; otherwise the peer address is the client's.
        cors_origins: origins whose web pages may call the API (``*``: any); none by default.
        cors_allow_credentials: let those pages send cookies or HTTP authentication
            (never with ``*``; bearer tokens need no credentials).
        run_worker: ``conezia run`` runs a background worker in its own process too.
        worker_schedule: cron expression of the worker's delivery of due reminders
            (5 fields; a sixth, last, is seconds).
    """

    database_url: str | None = None
    migration_database_url: str | None = None
    allow_superuser: bool = False
    data_dir: Path = Path("var")
    key_file: Path | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    pool_size: int = 10
    password_profile: str = "default"
    max_concurrent_hashes: int = 2
    rate_limits: Mapping[str, int] = attrs.field(factory=lambda: dict(DEFAULT_RATE_LIMITS))
    rate_window: int = 60
    login_max_failures: int = 5
    login_window: int = 900
    max_body_bytes: int = 1_048_576
    default_phone_region: str | None = None
    session_cache_seconds: int = 5
    activity_log: bool = True
    activity_retention_days: int | None = None
    trusted_proxies: tuple[str, ...] = ()
    debug: bool = False
    cors_origins: tuple[str, ...] = ()
    cors_allow_credentials: bool = False
    run_worker: bool = True
    worker_schedule: str = "* * * * *"

    def __attrs_post_init__(self) -> None:
        if self.cors_allow_credentials and "*" in self.cors_origins:
            raise SettingsError(
                "CONEZIA_CORS_ALLOW_CREDENTIALS=true cannot go with CONEZIA_CORS_ORIGINS=*: "
                "a page from any origin could act with the user's credentials; name the origins instead"
            )

    @property
    def resolved_key_file(self) -> Path:
        return self.key_file or self.data_dir / "keys.json"

    @property
    def attachments_dir(self) -> Path:
        """Where attachments' files are kept (the filesystem blob store's folder)."""
        return self.data_dir / "attachments"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read ``CONEZIA_*`` variables (see the README for the list)."""
        env = os.environ if env is None else env
        limits = dict(DEFAULT_RATE_LIMITS)
        for tier in limits:
            limits[tier] = _int(env, f"CONEZIA_RATE_LIMIT_{tier.upper()}", limits[tier], minimum=1)
        profile = env.get("CONEZIA_PASSWORD_PROFILE", "default")
        if profile not in ("default", "test"):
            raise SettingsError("CONEZIA_PASSWORD_PROFILE must be 'default' or 'test'")
        region = env.get("CONEZIA_DEFAULT_PHONE_REGION") or None
        if region is not None and not (len(region) == 2 and region.isalpha()):
            raise SettingsError("CONEZIA_DEFAULT_PHONE_REGION must be a two-letter region code such as US")
        defaults = {field.name: field.default for field in attrs.fields(cls)}

        def number(name: str, *, minimum: int = 1, default: int | None = None) -> int:
            # CONEZIA_<NAME>, else the field's own default
            fallback = defaults[name] if default is None else default
            return _int(env, f"CONEZIA_{name.upper()}", fallback, minimum=minimum)

        workers = number("workers")
        retention = _int(env, "CONEZIA_ACTIVITY_RETENTION_DAYS", 0, minimum=0) or None
        proxies = tuple(p.strip() for p in env.get("CONEZIA_TRUSTED_PROXIES", "").split(",") if p.strip())
        for proxy in proxies:
            try:
                ipaddress.ip_network(proxy, strict=False)
            except ValueError as exc:
                raise SettingsError(
                    f"CONEZIA_TRUSTED_PROXIES: {proxy!r} is not an IP address or network (e.g. 10.0.0.0/8)"
                ) from exc
        activity_log = _flag(env, "CONEZIA_ACTIVITY_LOG", True)
        run_worker = _flag(env, "CONEZIA_RUN_WORKER", True)
        schedule = env.get("CONEZIA_WORKER_SCHEDULE", "").strip() or defaults["worker_schedule"]
        from conezia.adapters.jobs import valid_schedule

        if not valid_schedule(schedule):
            raise SettingsError(
                f"CONEZIA_WORKER_SCHEDULE: {schedule!r} is not a cron expression such as '* * * * *' (every minute)"
            )
        return cls(
            database_url=env.get("CONEZIA_DATABASE_URL") or None,
            migration_database_url=env.get("CONEZIA_MIGRATION_DATABASE_URL") or None,
            allow_superuser=env.get("CONEZIA_ALLOW_SUPERUSER", "") in ("1", "true"),
            data_dir=Path(env.get("CONEZIA_DATA_DIR") or defaults["data_dir"]),
            key_file=Path(env["CONEZIA_KEY_FILE"]) if env.get("CONEZIA_KEY_FILE") else None,
            host=env.get("CONEZIA_HOST", defaults["host"]),
            port=number("port"),
            workers=workers,
            pool_size=number("pool_size"),
            password_profile=profile,
            max_concurrent_hashes=number("max_concurrent_hashes"),
            rate_limits=limits,
            rate_window=number("rate_window"),
            login_max_failures=number("login_max_failures"),
            login_window=number("login_window"),
            max_body_bytes=number("max_body_bytes", minimum=1024),
            default_phone_region=region.upper() if region else None,
            session_cache_seconds=number("session_cache_seconds", minimum=0, default=5 if workers == 1 else 0),
            activity_log=activity_log,
            activity_retention_days=retention,
            trusted_proxies=proxies,
            debug=env.get("CONEZIA_DEBUG", "") in ("1", "true"),
            cors_origins=_cors_origins(env.get("CONEZIA_CORS_ORIGINS", "")),
            cors_allow_credentials=env.get("CONEZIA_CORS_ALLOW_CREDENTIALS", "") in ("1", "true"),
            run_worker=run_worker,
            worker_schedule=schedule,
        )
