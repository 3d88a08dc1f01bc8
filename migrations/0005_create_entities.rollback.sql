DROP INDEX IF EXISTS entities_archived_owner_id_inserted_at_id_index;

DROP INDEX IF EXISTS entities_owner_id_inserted_at_id_index;

DROP TABLE entities;
