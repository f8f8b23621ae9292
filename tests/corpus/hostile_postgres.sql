DROP TABLE guard_victim
====
DELETE FROM guard_victim
====
UPDATE guard_victim SET v = 'gone'
====
INSERT INTO guard_victim VALUES (99, 'x')
====
TRUNCATE guard_victim
====
SELECT 1; DROP TABLE guard_victim
====
SELECT 1; COMMIT; DROP TABLE guard_victim
====
COMMIT; DROP TABLE guard_victim
====
WITH d AS (DELETE FROM guard_victim RETURNING *) SELECT * FROM d
====
WITH u AS (UPDATE guard_victim SET v = 'x' RETURNING *) SELECT count(*) FROM u
====
WITH i AS (INSERT INTO guard_victim VALUES (5, 'x') RETURNING *) SELECT * FROM i
====
WITH a AS (SELECT 1), d AS (DELETE FROM guard_victim RETURNING 1) SELECT * FROM a
====
WITH outer_cte AS (WITH inner_cte AS (DELETE FROM guard_victim RETURNING id) SELECT * FROM inner_cte) SELECT * FROM outer_cte
====
SELECT * INTO stolen FROM guard_victim
====
SELECT * FROM guard_victim FOR UPDATE
====
SELECT * FROM guard_victim FOR SHARE
====
SELECT * FROM guard_victim FOR NO KEY UPDATE
====
SELECT * FROM guard_victim FOR KEY SHARE NOWAIT
====
SELECT * FROM (SELECT * FROM guard_victim FOR UPDATE) s
====
SELECT pg_read_file('/etc/passwd')
====
SELECT pg_read_binary_file('/etc/passwd')
====
SELECT * FROM pg_ls_dir('.')
====
SELECT pg_stat_file('postgresql.conf')
====
COPY guard_victim TO '/tmp/databaseai_copy_out'
====
COPY (SELECT 1) TO PROGRAM 'id'
====
COPY guard_victim FROM PROGRAM 'echo 7,x'
====
SELECT lo_import('/etc/passwd')
====
SELECT lo_export(1, '/tmp/databaseai_lo')
====
SELECT lo_get(1)
====
SELECT dblink('host=127.0.0.1', 'DROP TABLE guard_victim')
====
SELECT * FROM dblink('dbname=postgres', 'select 1') AS t(a int)
====
SELECT dblink_exec('DROP TABLE guard_victim')
====
SELECT pg_sleep(100)
====
SELECT pg_sleep_for('1 hour')
====
SELECT pg_catalog.pg_sleep(5)
====
SELECT set_config('default_transaction_read_only', 'off', false)
====
SELECT current_setting('data_directory')
====
SELECT pg_advisory_lock(1)
====
SELECT pg_try_advisory_xact_lock(1)
====
SELECT pg_terminate_backend(pid) FROM pg_stat_activity
====
SELECT pg_cancel_backend(1)
====
SELECT pg_reload_conf()
====
SELECT nextval('guard_victim_id_seq')
====
SELECT setval('guard_victim_id_seq', 1)
====
SELECT query_to_xml('delete from guard_victim', true, true, '')
====
SELECT cursor_to_xml('c', 1, true, true, '')
====
SELECT table_to_xml('pg_authid', true, true, '')
====
SELECT * FROM pg_authid
====
SELECT rolpassword FROM pg_catalog.pg_authid
====
SELECT * FROM pg_shadow
====
SELECT query FROM pg_stat_activity
====
SELECT name, setting FROM pg_settings
====
SELECT pg_notify('c', 'x')
====
SET default_transaction_read_only = off
====
SET TRANSACTION READ WRITE
====
SET LOCAL statement_timeout = 0
====
RESET ALL
====
BEGIN
====
ROLLBACK
====
DO $$ BEGIN DELETE FROM guard_victim; END $$
====
CALL some_procedure()
====
PREPARE p AS DELETE FROM guard_victim
====
EXECUTE p
====
LISTEN c
====
NOTIFY c
====
LOCK TABLE guard_victim
====
CREATE TABLE made_by_llm (a int)
====
CREATE TEMP TABLE x AS SELECT 1
====
CREATE FUNCTION f() RETURNS int AS 'select 1' LANGUAGE sql
====
CREATE EXTENSION dblink
====
ALTER TABLE guard_victim ADD COLUMN z int
====
GRANT ALL ON guard_victim TO PUBLIC
====
VACUUM guard_victim
====
ANALYZE guard_victim
====
REFRESH MATERIALIZED VIEW mv
====
DISCARD ALL
====
CHECKPOINT
====
MERGE INTO guard_victim t USING (SELECT 1 AS id) s ON t.id = s.id WHEN MATCHED THEN DELETE
====
EXPLAIN ANALYZE DELETE FROM guard_victim
====
EXPLAIN ANALYZE SELECT pg_sleep(10)
====
EXPLAIN (ANALYZE) SELECT 1
====
EXPLAIN (ANALYZE true, BUFFERS) SELECT 1
====
EXPLAIN DELETE FROM guard_victim
====
/* just a comment */ DELETE FROM guard_victim
====
-- a line comment
DROP TABLE guard_victim
====
sElEcT 1; dRoP tAbLe guard_victim
====
SELECT 1 /*; harmless? */; DROP TABLE guard_victim
====
SELECT (SELECT pg_read_file('/etc/passwd'))
====
SELECT * FROM guard_victim WHERE v IN (SELECT pg_sleep(10)::text)
====
SELECT * FROM (SELECT lo_import('/etc/hosts')) x
====
SELECT "pg_read_file"('/etc/passwd')
====
SELECT PG_CATALOG.PG_READ_FILE('/etc/passwd')
====
SELECT 1 UNION SELECT length(pg_read_file('/etc/passwd'))
====
SELECT 1 FROM guard_victim ORDER BY pg_sleep(1)
====
SELECT count(*) FILTER (WHERE pg_sleep(1) IS NULL) FROM guard_victim
====
SELECT CASE WHEN true THEN pg_sleep(1) END
====
SELECT ARRAY(SELECT pg_ls_dir('/'))
====
SELECT * FROM guard_victim, LATERAL pg_ls_dir('/') d
====
SELECT coalesce(NULL, pg_read_file('/etc/passwd'))
====
SELECT txid_current()
====
SELECT pg_export_snapshot()
====
SELECT pg_logical_emit_message(true, 'x', 'y')
====
SELECT 1; SELECT 2
====
SELECT 1 ; DROP TABLE guard_victim
====
SELECT 1； DROP TABLE guard_victim
====
SELECT 1; 
INSERT INTO guard_victim VALUES (1, 'x')
====
WITH x AS (SELECT 1) DELETE FROM guard_victim
====
(SELECT 1) UNION ALL (SELECT pg_sleep(3)::text::int)
====
SELECT * FROM guard_victim WHERE EXISTS (SELECT pg_advisory_lock(7))
====
SELECT string_agg(v, ',') FROM guard_victim GROUP BY pg_sleep(1)
====
SELECT 1 WHERE 1 = (SELECT 1 FROM guard_victim FOR UPDATE LIMIT 1)
====
SELECT pg_create_restore_point('x')
====
SELECT pg_switch_wal()
