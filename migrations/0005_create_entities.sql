-- depends: 0004_create_user_tokens
-- Entities: the people, organizations and things a user keeps track of (spec 3.1).
CREATE TABLE entities (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    owner_id uuid NOT NULL,
    type varchar(32) NOT NULL,
    name varchar(255) NOT NULL,
    description text,
    avatar_url varchar(2048),
    metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
    last_interaction_at timestamptz,
    archived_at timestamptz,
    inserted_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT entities_pkey PRIMARY KEY (id),
    CONSTRAINT entities_owner_id_fkey FOREIGN KEY (owner_id)
        REFERENCES users (id) ON DELETE CASCADE,
    -- Target of the composite foreign keys that pin a row's user to the entity's owner (errata C8).
    CONSTRAINT entities_id_owner_id_index UNIQUE (id, owner_id),
    CONSTRAINT entities_type_check CHECK (type::text = ANY ('{person,organization,service,thing,animal,abstract}'::text[])),
    CONSTRAINT entities_name_check CHECK (char_length(name) >= 1 AND btrim(name) <> ''),
    CONSTRAINT entities_description_check CHECK (char_length(description) <= 10000)
);

CREATE INDEX entities_owner_id_index ON entities (owner_id);

CREATE INDEX entities_owner_id_type_index ON entities (owner_id, type);

CREATE INDEX entities_owner_id_archived_at_index ON entities (owner_id, archived_at);

CREATE INDEX entities_last_interaction_at_index ON entities (last_interaction_at);

CREATE INDEX entities_name_trgm_idx ON entities USING gin (name gin_trgm_ops);

-- Serves every page of an owner's entities in keyset order, filtered or not (errata E1).
CREATE INDEX entities_owner_id_inserted_at_id_index ON entities (owner_id, inserted_at, id);

-- The archived ones are few: their pages get an index of their own, in the same order.
CREATE INDEX entities_archived_owner_id_inserted_at_id_index ON entities (owner_id, inserted_at, id)
    WHERE archived_at IS NOT NULL;
