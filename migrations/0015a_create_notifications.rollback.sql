DROP TABLE notification_deliveries;
DROP TABLE notifications;
ALTER TABLE reminders DROP CONSTRAINT reminders_id_user_id_index;
