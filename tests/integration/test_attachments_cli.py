"""``conezia attachments gc`` over PostgreSQL and the data folder: files no live row holds go, with progress."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest

from conezia.adapters.postgres.migrator import apply_migrations
from conezia.keys import create_key_file
from tests.integration.test_cli_and_embedding import run_cli

pytestmark = pytest.mark.integration

PDF = b"%PDF-1.4\n" + os.urandom(10_000) + b"\n%%EOF\n"


def test_gc_removes_unclaimed_old_files_and_deleted_ones_and_keeps_the_rest(
    fresh_database_url: str, tmp_path: Path
) -> None:
    import conezia
    from conezia.settings import Settings

    apply_migrations(fresh_database_url)
    create_key_file(tmp_path / "keys.json")
    settings = Settings(password_profile="test", pool_size=2, data_dir=tmp_path)
    with conezia.open(fresh_database_url, key_file=tmp_path / "keys.json", settings=settings, migrate=False) as crm:
        crm.register(email="files@example.com", password="Passw0rd-ok")
        me = crm.authenticate(crm.log_in("files@example.com", "Passw0rd-ok").token)
        grace = me.create_entity(type="person", name="Grace Hopper")
        kept = me.upload_attachment(PDF, filename="kept.pdf", mime_type="application/pdf", entity_id=grace.id)
        deleted = me.upload_attachment(PDF, filename="gone.pdf", mime_type="application/pdf", entity_id=grace.id)
        me.delete_attachment(deleted.id)
        user_id = kept.user_id
    folder = tmp_path / "attachments" / str(user_id)
    # a crash after the file, before the row (old), and one during an upload happening now (young)
    old, young = folder / ("a" * 32), folder / (".tmp-" + "b" * 32)
    old.write_bytes(PDF)
    young.write_bytes(b"%PDF")
    an_hour_ago = time.time() - 3700
    os.utime(old, (an_hour_ago, an_hour_ago))
    (folder / (deleted.storage_key.split("/")[1])).write_bytes(PDF)  # a deleted row whose file a crash left
    env = {"CONEZIA_DATABASE_URL": fresh_database_url, "CONEZIA_DATA_DIR": str(tmp_path)}

    done = run_cli("attachments", "gc", "--grace-minutes", "60", env=env)

    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in folder.iterdir()) == sorted([kept.storage_key.split("/")[1], young.name])
    assert re.search(r"4 file\(s\) seen, 2 removed so far", done.stderr), done.stderr
    assert "4 file(s) seen, 1 kept, 2 removed" in done.stderr and "1 unclaimed but younger" in done.stderr

    again = run_cli("attachments", "gc", "--grace-minutes", "0", env=env)
    assert again.returncode == 0, again.stderr
    assert [p.name for p in folder.iterdir()] == [kept.storage_key.split("/")[1]]
