DROP INDEX IF EXISTS activity_logs_resource_id_inserted_at_index;

DROP INDEX IF EXISTS activity_logs_user_id_inserted_at_index;

DROP TABLE activity_logs;
