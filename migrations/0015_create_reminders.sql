-- depends: 0014_create_interactions
-- Reminders (spec 5.2, step 15; errata A2, A5, C6, C8, C9).
CREATE TABLE reminders (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL,
    entity_id uuid,
    type varchar(32) NOT NULL,
    title varchar(255) NOT NULL,
    description text,
    due_at timestamptz NOT NULL,
    recurrence_rule jsonb,
    notification_channels text[] NOT NULL DEFAULT ARRAY['in_app'],
    snoozed_until timestamptz,
    completed_at timestamptz,
    -- beyond the spec: the first occurrence of a recurring reminder's series (its DTSTART)
    recurrence_anchor timestamptz,
    inserted_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT reminders_pkey PRIMARY KEY (id),
    CONSTRAINT reminders_user_id_fkey FOREIGN KEY (user_id)
        REFERENCES users (id) ON DELETE CASCADE,
    -- the entity is the user's own (errata C8); deleting it keeps the reminder, without entity
    CONSTRAINT reminders_entity_id_user_id_fkey FOREIGN KEY (entity_id, user_id)
        REFERENCES entities (id, owner_id) ON DELETE SET NULL (entity_id),
    CONSTRAINT reminders_type_check CHECK (type::text = ANY ('{follow_up,birthday,anniversary,custom,health_alert,event}'::text[])),
    CONSTRAINT reminders_title_check CHECK (char_length(title) >= 1),
    CONSTRAINT reminders_description_check CHECK (char_length(description) <= 2000),
    CONSTRAINT reminders_recurrence_rule_check CHECK (jsonb_typeof(recurrence_rule) = 'object'),
    CONSTRAINT reminders_notification_channels_check CHECK (
        cardinality(notification_channels) >= 1
        AND notification_channels <@ ARRAY['in_app', 'email', 'push']
    )
);

CREATE INDEX reminders_user_id_completed_at_index ON reminders (user_id, completed_at);

-- the spec's (user_id, due_at), with id: every page of a user's reminders by due date (errata E1)
CREATE INDEX reminders_user_id_due_at_index ON reminders (user_id, due_at, id);

-- the pending ones alone, the list's default
CREATE INDEX reminders_pending_user_id_due_at_index ON reminders (user_id, due_at, id)
    WHERE completed_at IS NULL;

CREATE INDEX reminders_entity_id_index ON reminders (entity_id);

-- Finding due reminders across users (errata A2: now() cannot be in an index predicate, so the
-- snooze is tested by the query), with id for keyset batches.
CREATE INDEX reminders_due_pending_idx ON reminders (due_at, id)
    WHERE completed_at IS NULL;
