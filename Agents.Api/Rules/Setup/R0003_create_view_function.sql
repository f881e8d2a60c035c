-- Creates a rule's materialized view from its checked query text. The text travels as a parameter (so the driver
-- never parses or splits it) and is placed inside a subquery with a row cap.

CREATE OR REPLACE FUNCTION rules.create_rule_view(view_name text, body text, max_rows bigint) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('CREATE MATERIALIZED VIEW rules.%I AS SELECT * FROM (%s) AS rule_query LIMIT %s WITH DATA',
                   view_name, E'\n' || body || E'\n', max_rows);
END
$$;

REVOKE ALL ON FUNCTION rules.create_rule_view(text, text, bigint) FROM PUBLIC;
