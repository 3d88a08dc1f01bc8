-- depends: 0012_create_conversations
-- One message with an entity, in a conversation or not (spec 4.2; errata B8, B10, C8, C9).
CREATE TABLE communications (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    conversation_id uuid,
    user_id uuid NOT NULL,
    entity_id uuid NOT NULL,
    channel varchar(32) NOT NULL,
    direction varchar(16) NOT NULL,
    content text NOT NULL,
    attachments jsonb NOT NULL DEFAULT '[]'::jsonb,
    sent_at timestamptz NOT NULL DEFAULT now(),
    read_at timestamptz,
    external_id varchar(255),
    inserted_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT communications_pkey PRIMARY KEY (id),
    CONSTRAINT communications_user_id_fkey FOREIGN KEY (user_id)
        REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT communications_entity_id_user_id_fkey FOREIGN KEY (entity_id, user_id)
        REFERENCES entities (id, owner_id) ON DELETE CASCADE,
    -- deleting a conversation keeps its messages: only conversation_id is nulled, never user_id (PostgreSQL 15+)
    CONSTRAINT communications_conversation_id_user_id_fkey FOREIGN KEY (conversation_id, user_id)
        REFERENCES conversations (id, user_id) ON DELETE SET NULL (conversation_id),
    CONSTRAINT communications_channel_check CHECK (channel::text = ANY ('{internal,email,sms,whatsapp,telegram,phone}'::text[])),
    CONSTRAINT communications_direction_check CHECK (direction::text = ANY ('{inbound,outbound}'::text[])),
    CONSTRAINT communications_content_check CHECK (char_length(content) >= 1 AND char_length(content) <= 100000),
    CONSTRAINT communications_attachments_check CHECK (jsonb_typeof(attachments) = 'array')
);

-- The spec's (conversation_id), widened to serve a conversation's messages in (sent_at, id) order.
CREATE INDEX communications_conversation_id_sent_at_id_index ON communications (conversation_id, sent_at, id);

-- The spec's (user_id, entity_id), with sent_at: the entity's latest message. It serves both the
-- user's and the entity's foreign key (entity_id, user_id), as B8 asks.
CREATE INDEX communications_user_id_entity_id_sent_at_index ON communications (user_id, entity_id, sent_at);

CREATE INDEX communications_sent_at_index ON communications (sent_at);

CREATE INDEX communications_external_id_index ON communications (external_id);
