-- depends: 0003_create_auth_providers
-- Session and email tokens (spec 2.3; errata C1: only SHA-256(token) is stored).
CREATE TABLE user_tokens (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL,
    token bytea NOT NULL,
    context varchar(32) NOT NULL,
    sent_to varchar(254),
    inserted_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT user_tokens_pkey PRIMARY KEY (id),
    CONSTRAINT user_tokens_user_id_fkey FOREIGN KEY (user_id)
        REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT user_tokens_token_check CHECK (octet_length(token) = 32),
    CONSTRAINT user_tokens_context_check CHECK (context::text = ANY ('{session,confirm_email,reset_password}'::text[]))
);

COMMENT ON COLUMN user_tokens.token IS 'SHA-256 digest of the token; the token itself is never stored';

CREATE INDEX user_tokens_user_id_index ON user_tokens (user_id);

CREATE UNIQUE INDEX user_tokens_context_token_index ON user_tokens (context, token);
