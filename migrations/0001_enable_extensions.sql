-- Enable the extensions the schema needs (spec 9.1, errata A1: no uuid-ossp;
-- ids come from the built-in gen_random_uuid()).
CREATE EXTENSION IF NOT EXISTS citext;

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE EXTENSION IF NOT EXISTS unaccent;

-- Not a table of the spec: the PostgreSQL adapter sends several writes as one statement
-- (adapters/postgres/_writes.py). A write there that must change exactly one row passes
-- its count to this function, which fails the whole statement, and so every write in it,
-- unless it did; `write` (its place in the statement) tells the adapter which write it was.
CREATE FUNCTION conezia_one_row(changed bigint, write integer) RETURNS bigint
LANGUAGE plpgsql AS $$
BEGIN
    IF changed <> 1 THEN
        RAISE EXCEPTION 'write % of the statement changed % rows, not one', write, changed
            USING ERRCODE = 'no_data_found', DETAIL = write::text;
    END IF;
    RETURN changed;
END
$$;
