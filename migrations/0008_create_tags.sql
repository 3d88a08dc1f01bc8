-- depends: 0007_create_identifiers
-- A user's tags (spec 3.4).
CREATE TABLE tags (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL,
    name varchar(50) NOT NULL,
    color varchar(16) NOT NULL DEFAULT 'blue',
    description varchar(255),
    inserted_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT tags_pkey PRIMARY KEY (id),
    CONSTRAINT tags_user_id_fkey FOREIGN KEY (user_id)
        REFERENCES users (id) ON DELETE CASCADE,
    -- Target of entity_tags' composite foreign key (errata C8).
    CONSTRAINT tags_id_user_id_index UNIQUE (id, user_id),
    CONSTRAINT tags_name_check CHECK (char_length(name) >= 1),
    CONSTRAINT tags_color_check CHECK (color::text = ANY ('{red,orange,yellow,green,blue,purple,pink,gray}'::text[]))
);

CREATE UNIQUE INDEX tags_user_id_name_index ON tags (user_id, name);

CREATE INDEX tags_user_id_index ON tags (user_id);

-- Serves a user's tags by name in code-point order, as listed (errata E1).
CREATE INDEX tags_user_id_name_id_index ON tags (user_id, name COLLATE "C", id);
