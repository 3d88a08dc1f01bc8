DROP INDEX IF EXISTS identifiers_entity_id_inserted_at_id_index;

DROP TABLE identifiers;
