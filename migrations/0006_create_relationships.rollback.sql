DROP INDEX IF EXISTS relationships_user_id_inserted_at_id_index;

DROP TABLE relationships;
