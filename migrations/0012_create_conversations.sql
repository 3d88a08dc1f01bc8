-- depends: 0011_create_entity_groups
-- A thread of messages with one of the user's entities over one channel (spec 4.1; errata C8, C9).
CREATE TABLE conversations (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL,
    entity_id uuid NOT NULL,
    channel varchar(32) NOT NULL,
    subject varchar(255),
    last_message_at timestamptz,
    is_archived boolean NOT NULL DEFAULT false,
    inserted_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT conversations_pkey PRIMARY KEY (id),
    -- the target of the messages' composite key: a message's user owns its conversation
    CONSTRAINT conversations_id_user_id_index UNIQUE (id, user_id),
    CONSTRAINT conversations_user_id_fkey FOREIGN KEY (user_id)
        REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT conversations_entity_id_user_id_fkey FOREIGN KEY (entity_id, user_id)
        REFERENCES entities (id, owner_id) ON DELETE CASCADE,
    CONSTRAINT conversations_channel_check CHECK (channel::text = ANY ('{internal,email,sms,whatsapp,telegram,phone}'::text[]))
);

CREATE INDEX conversations_user_id_is_archived_index ON conversations (user_id, is_archived);

CREATE INDEX conversations_last_message_at_index ON conversations (last_message_at);

-- The spec's (entity_id), widened to serve an entity's conversations in keyset order (errata E1);
-- it also serves the entity's foreign key.
CREATE INDEX conversations_entity_id_inserted_at_id_index ON conversations (entity_id, inserted_at, id);

-- Every page of a user's conversations, and of their archived ones (errata E1).
CREATE INDEX conversations_user_id_inserted_at_id_index ON conversations (user_id, inserted_at, id);

CREATE INDEX conversations_archived_user_id_inserted_at_id_index ON conversations (user_id, inserted_at, id)
    WHERE is_archived;
