"""The server's refusal to run as a PostgreSQL superuser (README: Least privilege)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from conezia.adapters.postgres.roles import RolePowers, role_powers, role_powers_async

__all__ = ["SuperuserRefused", "check_server_role", "server_role_check"]

_WHAT_TO_DO = (
    "Create a schema-owner role and an application role with `conezia db init-roles --admin-url URL`, "
    "then set CONEZIA_DATABASE_URL to the application role's URL and CONEZIA_MIGRATION_DATABASE_URL "
    "to the owner's (README: Least privilege). For tests and one-off tools only, "
    "CONEZIA_ALLOW_SUPERUSER=true lets it run anyway."
)


class SuperuserRefused(RuntimeError):
    """The server's database role is a superuser or bypasses row security; the message says what to do."""


def _refusal(powers: RolePowers) -> SuperuserRefused:
    what = "a superuser" if powers.superuser else "a role that bypasses row security (BYPASSRLS)"
    return SuperuserRefused(
        f"the server would connect to PostgreSQL as {powers.name!r}, {what}: it could then change or drop "
        f"anything on the database server. {_WHAT_TO_DO}"
    )


def check_server_role(database_url: str) -> RolePowers:
    """Connect once and refuse a superuser or ``BYPASSRLS`` role.

    Returns:
        The role's powers (the caller may warn when it can still change the schema).

    Raises:
        SuperuserRefused: If the role is too powerful.
    """
    powers = role_powers(database_url)
    if powers.too_powerful:
        raise _refusal(powers)
    return powers


def server_role_check(database_url: str) -> Callable[[], Awaitable[None]]:
    """A startup hook for the HTTP app: the same check on the server's event loop, once."""

    async def check() -> None:
        powers = await role_powers_async(database_url)
        if powers.too_powerful:
            raise _refusal(powers)

    return check
