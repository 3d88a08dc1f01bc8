-- depends: 0005_create_entities
-- A user's relationship to one of their entities (spec 3.2; errata C8).
CREATE TABLE relationships (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL,
    entity_id uuid NOT NULL,
    type varchar(32),
    strength varchar(16) NOT NULL DEFAULT 'regular',
    status varchar(16) NOT NULL DEFAULT 'active',
    started_at date,
    health_threshold_days integer NOT NULL DEFAULT 30,
    notes text,
    inserted_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT relationships_pkey PRIMARY KEY (id),
    CONSTRAINT relationships_user_id_fkey FOREIGN KEY (user_id)
        REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT relationships_entity_id_user_id_fkey FOREIGN KEY (entity_id, user_id)
        REFERENCES entities (id, owner_id) ON DELETE CASCADE,
    CONSTRAINT relationships_type_check CHECK (type::text = ANY ('{friend,family,colleague,client,vendor,acquaintance,service_provider,other}'::text[])),
    CONSTRAINT relationships_strength_check CHECK (strength::text = ANY ('{close,regular,acquaintance}'::text[])),
    CONSTRAINT relationships_status_check CHECK (status::text = ANY ('{active,inactive,archived}'::text[])),
    CONSTRAINT relationships_health_threshold_days_check CHECK (health_threshold_days > 0 AND health_threshold_days <= 365),
    CONSTRAINT relationships_notes_check CHECK (char_length(notes) <= 5000)
);

CREATE UNIQUE INDEX relationships_user_id_entity_id_index ON relationships (user_id, entity_id);

CREATE INDEX relationships_user_id_status_index ON relationships (user_id, status);

CREATE INDEX relationships_entity_id_index ON relationships (entity_id);

-- Serves every page of a user's relationships in keyset order (errata E1).
CREATE INDEX relationships_user_id_inserted_at_id_index ON relationships (user_id, inserted_at, id);
