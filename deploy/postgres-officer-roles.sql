-- Officers' own PostgreSQL logins that read only their counties and change nothing (issue 26, SPEC §12).
--
-- Run as the application role (the owner of the tables, which ran `rectify init`), once per database and again
-- after every `rectify init` that adds tables. Officers' changes go through the application role (the web front,
-- or an operator); their own roles only read, and row-level security keyed on the county limits what they read
-- to the counties of the registered person whose login is the role's name. The owner is not subject to it.
--
--   CREATE ROLE rectify_officer NOLOGIN;                       -- once per server
--   CREATE ROLE qs_zhangsan LOGIN PASSWORD '…' IN ROLE rectify_officer;
--   psql -v ON_ERROR_STOP=1 -d rectify -f deploy/postgres-officer-roles.sql

REVOKE ALL ON ALL TABLES IN SCHEMA public FROM rectify_officer;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM rectify_officer;
GRANT USAGE ON SCHEMA public TO rectify_officer;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO rectify_officer;

-- The counties of the person whose login is the session's role ('*': every county); none for anyone else.
-- SECURITY DEFINER reads the registry as the owner; session_user is the officer who logged in.
CREATE OR REPLACE FUNCTION rectify_counties() RETURNS text[]
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT COALESCE((
        SELECT CASE WHEN p.scope = '*' THEN ARRAY(SELECT DISTINCT o.county FROM organization o)
                    ELSE string_to_array(split_part(p.scope, '/', 1), ',') END
        FROM person p WHERE p.login = session_user AND p.registered AND p.active), '{}')
$$;
REVOKE ALL ON FUNCTION rectify_counties() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rectify_counties() TO rectify_officer;

DO $$
DECLARE
    t text;
    cond text;
    by_case text := 'case_id IN (SELECT c.id FROM rectification_case c JOIN organization o ON o.id = c.org_id '
                    'WHERE o.county = ANY (rectify_counties()))';
BEGIN
    FOR t, cond IN
        SELECT 'organization', 'county = ANY (rectify_counties())'
        UNION ALL SELECT 'rectification_case', 'org_id IN (SELECT o.id FROM organization o '
                                               'WHERE o.county = ANY (rectify_counties()))'
        UNION ALL SELECT 'measure_problem', 'measure_id IN (SELECT m.id FROM measure m)'
        UNION ALL SELECT 'outbox_digest', 'id IN (SELECT i.digest_id FROM outbox_item i)'
        UNION ALL SELECT 'person', 'scope = ''*'' OR string_to_array(split_part(scope, ''/'', 1), '','') '
                                   '&& rectify_counties()'
        UNION ALL SELECT c.table_name::text, by_case FROM information_schema.columns c
                  WHERE c.table_schema = 'public' AND c.column_name = 'case_id'
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('DROP POLICY IF EXISTS rectify_county ON %I', t);
        EXECUTE format('CREATE POLICY rectify_county ON %I FOR SELECT TO rectify_officer USING (%s)', t, cond);
    END LOOP;
END$$;
