-- depends: 0008_create_tags
-- Join table between entities and tags (spec 3.4). user_id exists only so the
-- composite foreign keys can require entity and tag to share an owner (errata C8).
CREATE TABLE entity_tags (
    entity_id uuid NOT NULL,
    tag_id uuid NOT NULL,
    user_id uuid NOT NULL,
    inserted_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT entity_tags_entity_id_user_id_fkey FOREIGN KEY (entity_id, user_id)
        REFERENCES entities (id, owner_id) ON DELETE CASCADE,
    CONSTRAINT entity_tags_tag_id_user_id_fkey FOREIGN KEY (tag_id, user_id)
        REFERENCES tags (id, user_id) ON DELETE CASCADE
);

CREATE UNIQUE INDEX entity_tags_entity_id_tag_id_index ON entity_tags (entity_id, tag_id);

CREATE INDEX entity_tags_tag_id_index ON entity_tags (tag_id);

CREATE INDEX entity_tags_user_id_index ON entity_tags (user_id);
