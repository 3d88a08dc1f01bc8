-- depends: 0015_create_reminders
-- Beyond the spec (errata E3): what the background worker needs to notify each due occurrence of a
-- reminder once per channel, and the in-app feed it notifies into.

-- Target of the composite foreign keys that pin a notification's user to its reminder's (errata C8).
ALTER TABLE reminders ADD CONSTRAINT reminders_id_user_id_index UNIQUE (id, user_id);

-- The in-app feed: one row per in-app notification (GET /api/v1/notifications).
CREATE TABLE notifications (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL,
    reminder_id uuid,
    kind varchar(32) NOT NULL,
    title varchar(255) NOT NULL,
    due_at timestamptz NOT NULL,
    read_at timestamptz,
    inserted_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT notifications_pkey PRIMARY KEY (id),
    CONSTRAINT notifications_user_id_fkey FOREIGN KEY (user_id)
        REFERENCES users (id) ON DELETE CASCADE,
    -- deleting the reminder keeps what was notified, without its reminder
    CONSTRAINT notifications_reminder_id_user_id_fkey FOREIGN KEY (reminder_id, user_id)
        REFERENCES reminders (id, user_id) ON DELETE SET NULL (reminder_id),
    -- = ANY of an array even for one value: PostgreSQL would store a one-value IN as a plain =
    CONSTRAINT notifications_kind_check CHECK (kind::text = ANY ('{reminder}'::text[])),
    CONSTRAINT notifications_title_check CHECK (char_length(title) >= 1)
);

-- a user's feed newest first, and the unread part of it (both read backwards)
CREATE INDEX notifications_user_id_inserted_at_index ON notifications (user_id, inserted_at, id);

CREATE INDEX notifications_unread_user_id_inserted_at_index ON notifications (user_id, inserted_at, id)
    WHERE read_at IS NULL;

CREATE INDEX notifications_reminder_id_index ON notifications (reminder_id);

-- One row per (reminder, occurrence, channel) the worker claimed; delivered_at once it was delivered.
-- due_at is the instant the occurrence fell due: its due date, or the end of the snooze that put it off.
CREATE TABLE notification_deliveries (
    reminder_id uuid NOT NULL,
    due_at timestamptz NOT NULL,
    channel varchar(16) NOT NULL,
    user_id uuid NOT NULL,
    claimed_at timestamptz NOT NULL,
    delivered_at timestamptz,
    CONSTRAINT notification_deliveries_pkey PRIMARY KEY (reminder_id, due_at, channel),
    CONSTRAINT notification_deliveries_user_id_fkey FOREIGN KEY (user_id)
        REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT notification_deliveries_reminder_id_user_id_fkey FOREIGN KEY (reminder_id, user_id)
        REFERENCES reminders (id, user_id) ON DELETE CASCADE,
    CONSTRAINT notification_deliveries_channel_check CHECK (channel::text = ANY ('{in_app,email,push}'::text[]))
);

CREATE INDEX notification_deliveries_user_id_index ON notification_deliveries (user_id);
