"""Migration 0015b is procrastinate's schema, verbatim, for the installed version."""

from __future__ import annotations

from importlib import metadata, resources

from procrastinate.schema import SchemaManager

MARKER = "-- procrastinate schema follows\n"


def test_the_job_queue_migration_holds_the_installed_procrastinates_schema() -> None:
    text = resources.files("conezia.migrations").joinpath("0015b_create_job_queue.sql").read_text(encoding="utf-8")
    header, marker, schema = text.partition(MARKER)
    assert marker, "the migration lost its marker line"
    assert schema == SchemaManager.get_schema(), (
        f"procrastinate {metadata.version('procrastinate')} has another schema than migration 0015b: "
        "add a migration that runs its sql/migrations files since 3.10.0 (README: Background worker)"
    )
    assert header.startswith("-- depends: 0015a_create_notifications\n")
