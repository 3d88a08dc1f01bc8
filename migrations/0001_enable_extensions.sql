-- Enable the extensions the schema needs (spec 9.1, errata A1: no uuid-ossp;
-- ids come from the built-in gen_random_uuid()).
CREATE EXTENSION IF NOT EXISTS citext;

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE EXTENSION IF NOT EXISTS unaccent;
