DROP INDEX IF EXISTS groups_user_id_name_id_index;

DROP TABLE groups;
