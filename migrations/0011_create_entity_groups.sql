-- depends: 0010_create_groups
-- Join table between entities and groups (spec 3.5). user_id exists only so the
-- composite foreign keys can require entity and group to share an owner (errata C8).
CREATE TABLE entity_groups (
    entity_id uuid NOT NULL,
    group_id uuid NOT NULL,
    user_id uuid NOT NULL,
    added_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT entity_groups_entity_id_user_id_fkey FOREIGN KEY (entity_id, user_id)
        REFERENCES entities (id, owner_id) ON DELETE CASCADE,
    CONSTRAINT entity_groups_group_id_user_id_fkey FOREIGN KEY (group_id, user_id)
        REFERENCES groups (id, user_id) ON DELETE CASCADE
);

CREATE UNIQUE INDEX entity_groups_entity_id_group_id_index ON entity_groups (entity_id, group_id);

CREATE INDEX entity_groups_group_id_index ON entity_groups (group_id);

CREATE INDEX entity_groups_user_id_index ON entity_groups (user_id);
