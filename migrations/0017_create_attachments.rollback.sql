DROP TRIGGER attachments_drop_orphans ON communications;

DROP TRIGGER attachments_drop_orphans ON interactions;

DROP TRIGGER attachments_drop_orphans ON entities;

DROP FUNCTION attachments_drop_orphans();

DROP TABLE attachments;

ALTER TABLE communications DROP CONSTRAINT communications_id_user_id_index;

ALTER TABLE interactions DROP CONSTRAINT interactions_id_user_id_index;
