DROP INDEX IF EXISTS tags_user_id_name_id_index;

DROP TABLE tags;
