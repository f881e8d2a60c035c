-- The rule registry: what each rule says, the SQL it became, and the materialized view that holds its rows
-- (in the rules database's "rules" schema; a new version of the view when the SQL changes).

CREATE TABLE rules (
    id            uuid PRIMARY KEY,
    name          text NOT NULL UNIQUE CHECK (name ~ '^[a-z][a-z0-9_]{0,54}$'),
    text          text NOT NULL,
    sql           text NOT NULL,
    parameters    jsonb NOT NULL DEFAULT '[]',
    view_sql      text NOT NULL,
    translator    text NOT NULL,
    view_name     text NOT NULL,
    version       int NOT NULL DEFAULT 1,
    row_count     bigint NOT NULL DEFAULT 0,
    duration_ms   double precision NOT NULL DEFAULT 0,
    created_by    text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    refreshed_at  timestamptz NOT NULL DEFAULT now()
);
