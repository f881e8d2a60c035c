-- The rules database: a schema for the rules' materialized views, and the role generated queries run as.
-- Roles are cluster-wide, so an existing one is kept. Its password is set by the Api at start (RulesDatabaseSetup).

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'agents_rules_reader') THEN
        CREATE ROLE agents_rules_reader LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION CONNECTION LIMIT 32;
    END IF;
END
$$;

CREATE SCHEMA IF NOT EXISTS rules;
GRANT USAGE ON SCHEMA rules TO agents_rules_reader;
ALTER DEFAULT PRIVILEGES IN SCHEMA rules GRANT SELECT ON TABLES TO agents_rules_reader;

-- Nothing in public for the reader (PUBLIC has USAGE there by default).
REVOKE ALL ON SCHEMA public FROM agents_rules_reader;
