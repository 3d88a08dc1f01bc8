-- depends: 0006_create_relationships
-- Contact identifiers of an entity (spec 3.3; errata B4).
CREATE TABLE identifiers (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    entity_id uuid NOT NULL,
    type varchar(32) NOT NULL,
    value varchar(512),
    value_encrypted bytea,
    value_hash varchar(64),
    label varchar(64),
    is_primary boolean NOT NULL DEFAULT false,
    verified_at timestamptz,
    inserted_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT identifiers_pkey PRIMARY KEY (id),
    CONSTRAINT identifiers_entity_id_fkey FOREIGN KEY (entity_id)
        REFERENCES entities (id) ON DELETE CASCADE,
    CONSTRAINT identifiers_type_check CHECK (type::text = ANY ('{phone,email,ssn,government_id,account_number,social_handle,website}'::text[])),
    CONSTRAINT identifiers_value_check CHECK ((value IS NULL) <> (value_encrypted IS NULL))
);

CREATE INDEX identifiers_entity_id_index ON identifiers (entity_id);

CREATE INDEX identifiers_type_value_hash_index ON identifiers (type, value_hash);

CREATE INDEX identifiers_entity_id_is_primary_index ON identifiers (entity_id, is_primary);

CREATE UNIQUE INDEX identifiers_entity_type_primary_idx ON identifiers (entity_id, type) WHERE is_primary;

-- Serves an entity's identifiers in keyset order (errata E1).
CREATE INDEX identifiers_entity_id_inserted_at_id_index ON identifiers (entity_id, inserted_at, id);
