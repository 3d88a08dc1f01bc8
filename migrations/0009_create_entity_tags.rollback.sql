DROP TABLE entity_tags;
