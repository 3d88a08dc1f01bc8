-- depends: 0017_create_attachments
-- What each user did, one row per action, written in the transaction of the change (spec 6.2,
-- step 18). Steps 15-17 come later; this one needs only users.
CREATE TABLE activity_logs (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL,
    action varchar(32) NOT NULL,
    resource_type varchar(32) NOT NULL,
    resource_id uuid,
    metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
    ip_address varchar(45),
    user_agent varchar(512),
    inserted_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT activity_logs_pkey PRIMARY KEY (id),
    CONSTRAINT activity_logs_user_id_fkey FOREIGN KEY (user_id)
        REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT activity_logs_action_check CHECK (action::text = ANY ('{create,update,delete,view,export,login,logout,import}'::text[])),
    CONSTRAINT activity_logs_resource_type_check CHECK (resource_type::text = ANY ('{entity,relationship,communication,interaction,reminder,tag,group,attachment,user}'::text[])),
    CONSTRAINT activity_logs_metadata_check CHECK (jsonb_typeof(metadata) = 'object')
);

-- The spec's (user_id, inserted_at), with id: it serves a user's log newest first, page by page.
CREATE INDEX activity_logs_user_id_inserted_at_index ON activity_logs (user_id, inserted_at, id);

-- The spec's (resource_type, resource_id), led by the id: one resource's history, newest first.
CREATE INDEX activity_logs_resource_id_inserted_at_index ON activity_logs (resource_id, inserted_at, id)
    WHERE resource_id IS NOT NULL;
