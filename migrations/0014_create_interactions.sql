-- depends: 0013_create_communications
-- What happened with an entity: notes, meetings, calls, ... (spec 5.1; errata C8, C9).
CREATE TABLE interactions (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL,
    entity_id uuid NOT NULL,
    type varchar(32) NOT NULL,
    title varchar(255),
    content text NOT NULL,
    occurred_at timestamptz NOT NULL DEFAULT now(),
    inserted_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT interactions_pkey PRIMARY KEY (id),
    CONSTRAINT interactions_user_id_fkey FOREIGN KEY (user_id)
        REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT interactions_entity_id_user_id_fkey FOREIGN KEY (entity_id, user_id)
        REFERENCES entities (id, owner_id) ON DELETE CASCADE,
    CONSTRAINT interactions_type_check CHECK (type::text = ANY ('{note,meeting,call,transaction,event,document,other}'::text[])),
    CONSTRAINT interactions_content_check CHECK (char_length(content) >= 1 AND char_length(content) <= 50000)
);

-- A user's timeline newest first (read backwards); it serves the user's foreign key too.
CREATE INDEX interactions_user_id_occurred_at_id_index ON interactions (user_id, occurred_at, id);

-- An entity's timeline newest first, and its latest interaction; it serves the entity's foreign key.
CREATE INDEX interactions_entity_id_occurred_at_id_index ON interactions (entity_id, occurred_at, id);
