-- depends: 0009_create_entity_tags
-- A user's groups of entities, optionally smart groups driven by rules (spec 3.5; errata D3).
CREATE TABLE groups (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL,
    name varchar(100) NOT NULL,
    description varchar(500),
    is_smart boolean NOT NULL DEFAULT false,
    rules jsonb,
    inserted_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT groups_pkey PRIMARY KEY (id),
    CONSTRAINT groups_user_id_fkey FOREIGN KEY (user_id)
        REFERENCES users (id) ON DELETE CASCADE,
    -- Target of entity_groups' composite foreign key (errata C8).
    CONSTRAINT groups_id_user_id_index UNIQUE (id, user_id),
    CONSTRAINT groups_name_check CHECK (char_length(name) >= 1),
    CONSTRAINT groups_rules_check CHECK (
        NOT is_smart
        OR (rules IS NOT NULL AND jsonb_typeof(rules) = 'object' AND rules <> '{}'::jsonb)
    )
);

CREATE UNIQUE INDEX groups_user_id_name_index ON groups (user_id, name);

CREATE INDEX groups_user_id_index ON groups (user_id);

-- Serves a user's groups by name in code-point order, as listed (errata E1).
CREATE INDEX groups_user_id_name_id_index ON groups (user_id, name COLLATE "C", id);
