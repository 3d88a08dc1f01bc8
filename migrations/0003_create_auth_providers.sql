-- depends: 0002_create_users
-- Third-party sign-in providers linked to a user (spec 2.2).
CREATE TABLE auth_providers (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL,
    provider varchar(32) NOT NULL,
    provider_uid varchar(255) NOT NULL,
    provider_token bytea,
    provider_refresh_token bytea,
    provider_meta jsonb NOT NULL DEFAULT '{}'::jsonb,
    inserted_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT auth_providers_pkey PRIMARY KEY (id),
    CONSTRAINT auth_providers_user_id_fkey FOREIGN KEY (user_id)
        REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT auth_providers_provider_check CHECK (provider::text = ANY ('{google,apple,facebook,linkedin}'::text[]))
);

CREATE UNIQUE INDEX auth_providers_provider_provider_uid_index ON auth_providers (provider, provider_uid);

CREATE INDEX auth_providers_user_id_index ON auth_providers (user_id);
