DROP TABLE entity_groups;
