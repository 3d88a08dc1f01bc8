"""The ``attachments`` table (step 17), on the schema's one ``metadata`` (see ``tables.py``)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    ForeignKeyConstraint,
    Index,
    Table,
    UniqueConstraint,
)

from conezia.core.attachments import ATTACHMENT

from ._columns import (
    TIMESTAMPTZ,
    UUID_TYPE,
    _between,
    _inserted_at,
    _not_blank,
    _one_of,
    _owned_row,
    _updated_at,
    _varchar,
)
from .tables import metadata

__all__ = ["attachments"]


def _unlinked_from(column: str, parent: str) -> ForeignKeyConstraint:
    """The parent is the uploader's (errata C8); deleting it nulls only this column."""
    return ForeignKeyConstraint(
        [column, "user_id"], [f"{parent}.id", f"{parent}.{'owner_id' if parent == 'entities' else 'user_id'}"],
        name=f"attachments_{column}_user_id_fkey", ondelete=f"SET NULL ({column})",
    )


attachments = Table(
    "attachments",
    metadata,
    *_owned_row("attachments"),
    Column("entity_id", UUID_TYPE),
    Column("interaction_id", UUID_TYPE),
    Column("communication_id", UUID_TYPE),
    Column("filename", _varchar(ATTACHMENT, "filename"), nullable=False),
    Column("mime_type", _varchar(ATTACHMENT, "mime_type"), nullable=False),
    Column("size_bytes", BigInteger(), nullable=False),
    Column("storage_key", _varchar(ATTACHMENT, "storage_key"), nullable=False),
    Column("sha256", _varchar(ATTACHMENT, "sha256"), nullable=False),
    Column("deleted_at", TIMESTAMPTZ),
    _inserted_at(),
    _updated_at(),
    UniqueConstraint("storage_key", name="attachments_storage_key_index"),
    _unlinked_from("entity_id", "entities"),
    _unlinked_from("interaction_id", "interactions"),
    _unlinked_from("communication_id", "communications"),
    CheckConstraint(
        "num_nonnulls(entity_id, interaction_id, communication_id) >= 1", name="attachments_parent_check"
    ),
    _not_blank(ATTACHMENT, "filename", trimmed=True),
    _one_of(ATTACHMENT, "mime_type"),
    _between(ATTACHMENT, "size_bytes"),
    CheckConstraint("sha256 ~ '^[0-9a-f]{64}$'", name="attachments_sha256_check"),
    Index("attachments_user_id_index", "user_id", "inserted_at", "id"),
    Index("attachments_entity_id_index", "entity_id", "user_id", "inserted_at", "id"),
    Index("attachments_interaction_id_index", "interaction_id", "user_id", "inserted_at", "id"),
    Index("attachments_communication_id_index", "communication_id", "user_id", "inserted_at", "id"),
)
