-- depends: 0015b_create_job_queue
-- Files attached to an entity, an interaction or a communication (spec 6.1, step 17; errata B7, B8, C8).
-- The file itself lives in the blob store (the data folder); the row holds its storage key.

-- every parent's (id, user_id) is a key, for the composite foreign keys below (errata C8)
ALTER TABLE interactions ADD CONSTRAINT interactions_id_user_id_index UNIQUE (id, user_id);

ALTER TABLE communications ADD CONSTRAINT communications_id_user_id_index UNIQUE (id, user_id);

CREATE TABLE attachments (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL,
    entity_id uuid,
    interaction_id uuid,
    communication_id uuid,
    filename varchar(255) NOT NULL,
    mime_type varchar(128) NOT NULL,
    size_bytes bigint NOT NULL,
    storage_key varchar(512) NOT NULL,
    -- beyond the spec: the SHA-256 of the content, checked by the blob store on every write
    sha256 varchar(64) NOT NULL,
    deleted_at timestamptz,
    inserted_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT attachments_pkey PRIMARY KEY (id),
    CONSTRAINT attachments_storage_key_index UNIQUE (storage_key),
    CONSTRAINT attachments_user_id_fkey FOREIGN KEY (user_id)
        REFERENCES users (id) ON DELETE CASCADE,
    -- each parent is the uploader's own (errata C8); deleting one unlinks it (the row goes when it was
    -- the last one: see attachments_drop_orphans below)
    CONSTRAINT attachments_entity_id_user_id_fkey FOREIGN KEY (entity_id, user_id)
        REFERENCES entities (id, owner_id) ON DELETE SET NULL (entity_id),
    CONSTRAINT attachments_interaction_id_user_id_fkey FOREIGN KEY (interaction_id, user_id)
        REFERENCES interactions (id, user_id) ON DELETE SET NULL (interaction_id),
    CONSTRAINT attachments_communication_id_user_id_fkey FOREIGN KEY (communication_id, user_id)
        REFERENCES communications (id, user_id) ON DELETE SET NULL (communication_id),
    -- errata B7: at least one parent
    CONSTRAINT attachments_parent_check CHECK (num_nonnulls(entity_id, interaction_id, communication_id) >= 1),
    CONSTRAINT attachments_filename_check CHECK (char_length(filename) >= 1 AND btrim(filename) <> ''),
    CONSTRAINT attachments_mime_type_check CHECK (mime_type::text = ANY ('{
        image/jpeg, image/png, image/gif, image/webp, application/pdf, text/plain, text/csv,
        application/msword, application/vnd.openxmlformats-officedocument.wordprocessingml.document,
        application/vnd.ms-excel, application/vnd.openxmlformats-officedocument.spreadsheetml.sheet
    }'::text[])),
    CONSTRAINT attachments_size_bytes_check CHECK (size_bytes >= 1 AND size_bytes <= 52428800),
    CONSTRAINT attachments_sha256_check CHECK (sha256 ~ '^[0-9a-f]{64}$')
);

-- The spec's indexes. Each parent's leads with its composite foreign key's columns (errata B8) and goes on
-- with (inserted_at, id), so that a parent's list is read in order from it (errata E1) and never from a
-- combination with the user's index that the planner would then sort.
CREATE INDEX attachments_user_id_index ON attachments (user_id, inserted_at, id);

CREATE INDEX attachments_entity_id_index ON attachments (entity_id, user_id, inserted_at, id);

CREATE INDEX attachments_interaction_id_index ON attachments (interaction_id, user_id, inserted_at, id);

CREATE INDEX attachments_communication_id_index ON attachments (communication_id, user_id, inserted_at, id);

-- Deleting a parent must not leave an attachment without any (errata B7), nor fail on the CHECK when
-- SET NULL takes its last one away. Before a parent row goes, the attachments whose every parent goes
-- with it are deleted: for an entity, those whose parents are the entity, its interactions and its
-- communications (which its deletion cascades to). The others are unlinked by their foreign keys' SET NULL.
-- Their files are removed by the use-case after the commit, or else found by `conezia attachments gc`.
CREATE FUNCTION attachments_drop_orphans() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'entities' THEN
        DELETE FROM attachments AS a
        WHERE a.user_id = OLD.owner_id
          AND (a.entity_id IS NULL OR a.entity_id = OLD.id)
          AND (a.interaction_id IS NULL OR a.interaction_id IN (SELECT i.id FROM interactions AS i WHERE i.entity_id = OLD.id))
          AND (a.communication_id IS NULL OR a.communication_id IN (SELECT c.id FROM communications AS c WHERE c.entity_id = OLD.id))
          AND (a.entity_id = OLD.id
               OR a.interaction_id IN (SELECT i.id FROM interactions AS i WHERE i.entity_id = OLD.id)
               OR a.communication_id IN (SELECT c.id FROM communications AS c WHERE c.entity_id = OLD.id));
    ELSIF TG_TABLE_NAME = 'interactions' THEN
        DELETE FROM attachments
        WHERE interaction_id = OLD.id AND entity_id IS NULL AND communication_id IS NULL;
    ELSE
        DELETE FROM attachments
        WHERE communication_id = OLD.id AND entity_id IS NULL AND interaction_id IS NULL;
    END IF;
    RETURN OLD;
END;
$$;

CREATE TRIGGER attachments_drop_orphans BEFORE DELETE ON entities
    FOR EACH ROW EXECUTE FUNCTION attachments_drop_orphans();

CREATE TRIGGER attachments_drop_orphans BEFORE DELETE ON interactions
    FOR EACH ROW EXECUTE FUNCTION attachments_drop_orphans();

CREATE TRIGGER attachments_drop_orphans BEFORE DELETE ON communications
    FOR EACH ROW EXECUTE FUNCTION attachments_drop_orphans();
