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

====
SELECT U&"pg_r\0065ad_file"('/etc/passwd')
====
SELECT * FROM (SELECT 1) s CROSS JOIN LATERAL (SELECT pg_catalog.pg_read_file('/etc/passwd')) x
====
SELECT U&"pg_r\0065ad_binary_file"('/etc/passwd')
====
SELECT * FROM (SELECT 1) s CROSS JOIN LATERAL (SELECT pg_catalog.pg_read_binary_file('/etc/passwd')) x
====
SELECT U&"pg_l\0073_dir"('.')
====
SELECT * FROM (SELECT 1) s CROSS JOIN LATERAL (SELECT pg_catalog.pg_ls_dir('.')) x
====
SELECT U&"pg_s\0074at_file"('postmaster.pid')
====
SELECT * FROM (SELECT 1) s CROSS JOIN LATERAL (SELECT pg_catalog.pg_stat_file('postmaster.pid')) x
====
SELECT U&"pg_s\006ceep"(5)
====
SELECT * FROM (SELECT 1) s CROSS JOIN LATERAL (SELECT pg_catalog.pg_sleep(5)) x
====
SELECT U&"pg_t\0065rminate_backend"(pg_backend_pid())
====
SELECT * FROM (SELECT 1) s CROSS JOIN LATERAL (SELECT pg_catalog.pg_terminate_backend(pg_backend_pid())) x
====
SELECT U&"pg_c\0061ncel_backend"(1)
====
SELECT * FROM (SELECT 1) s CROSS JOIN LATERAL (SELECT pg_catalog.pg_cancel_backend(1)) x
====
SELECT U&"pg_a\0064visory_lock"(42)
====
SELECT * FROM (SELECT 1) s CROSS JOIN LATERAL (SELECT pg_catalog.pg_advisory_lock(42)) x
====
SELECT U&"pg_t\0072y_advisory_lock"(42)
====
SELECT * FROM (SELECT 1) s CROSS JOIN LATERAL (SELECT pg_catalog.pg_try_advisory_lock(42)) x
====
SELECT U&"pg_a\0064visory_xact_lock"(42)
====
SELECT * FROM (SELECT 1) s CROSS JOIN LATERAL (SELECT pg_catalog.pg_advisory_xact_lock(42)) x
====
SELECT U&"set_\0063onfig"('work_mem', '1GB', false)
====
SELECT * FROM (SELECT 1) s CROSS JOIN LATERAL (SELECT pg_catalog.set_config('work_mem', '1GB', false)) x
====
SELECT U&"curr\0065nt_setting"('data_directory')
====
SELECT * FROM (SELECT 1) s CROSS JOIN LATERAL (SELECT pg_catalog.current_setting('data_directory')) x
====
SELECT U&"next\0076al"('guard_victim_id_seq')
====
SELECT * FROM (SELECT 1) s CROSS JOIN LATERAL (SELECT pg_catalog.nextval('guard_victim_id_seq')) x
====
SELECT U&"setv\0061l"('guard_victim_id_seq', 1)
====
SELECT * FROM (SELECT 1) s CROSS JOIN LATERAL (SELECT pg_catalog.setval('guard_victim_id_seq', 1)) x
====
SELECT U&"lo_i\006dport"('/etc/passwd')
====
SELECT * FROM (SELECT 1) s CROSS JOIN LATERAL (SELECT pg_catalog.lo_import('/etc/passwd')) x
====
SELECT U&"lo_e\0078port"(1, '/tmp/databaseai_lo_export')
====
SELECT * FROM (SELECT 1) s CROSS JOIN LATERAL (SELECT pg_catalog.lo_export(1, '/tmp/databaseai_lo_export')) x
====
SELECT U&"dbli\006ek_exec"('dbname=postgres', 'DROP TABLE guard_victim')
====
SELECT * FROM (SELECT 1) s CROSS JOIN LATERAL (SELECT pg_catalog.dblink_exec('dbname=postgres', 'DROP TABLE guard_victim')) x
====
SELECT U&"dbli\006ek"('dbname=postgres', 'SELECT 1')
====
SELECT * FROM (SELECT 1) s CROSS JOIN LATERAL (SELECT pg_catalog.dblink('dbname=postgres', 'SELECT 1')) x
====
SELECT U&"pg_n\006ftify"('c', 'x')
====
SELECT * FROM (SELECT 1) s CROSS JOIN LATERAL (SELECT pg_catalog.pg_notify('c', 'x')) x
====
SELECT U&"txid\005fcurrent"()
====
SELECT * FROM (SELECT 1) s CROSS JOIN LATERAL (SELECT pg_catalog.txid_current()) x
====
SELECT U&"pg_s\0074at_reset"()
====
SELECT * FROM (SELECT 1) s CROSS JOIN LATERAL (SELECT pg_catalog.pg_stat_reset()) x
====
SELECT U&"pg_r\0065load_conf"()
====
SELECT * FROM (SELECT 1) s CROSS JOIN LATERAL (SELECT pg_catalog.pg_reload_conf()) x
====
SELECT U&"quer\0079_to_xml"('DELETE FROM guard_victim RETURNING 1', true, true, '')
====
SELECT * FROM (SELECT 1) s CROSS JOIN LATERAL (SELECT pg_catalog.query_to_xml('DELETE FROM guard_victim RETURNING 1', true, true, '')) x
====
SELECT U&"ts_s\0074at"('SELECT to_tsvector(v) FROM guard_victim')
====
SELECT * FROM (SELECT 1) s CROSS JOIN LATERAL (SELECT pg_catalog.ts_stat('SELECT to_tsvector(v) FROM guard_victim')) x
====
SELECT U&"pg_s\0074at_get_activity"(NULL)
====
SELECT * FROM (SELECT 1) s CROSS JOIN LATERAL (SELECT pg_catalog.pg_stat_get_activity(NULL)) x
====
SELECT U&"pg_h\0062a_file_rules"()
====
SELECT * FROM (SELECT 1) s CROSS JOIN LATERAL (SELECT pg_catalog.pg_hba_file_rules()) x
====
SELECT U&"pg_s\0068ow_all_file_settings"()
====
SELECT * FROM (SELECT 1) s CROSS JOIN LATERAL (SELECT pg_catalog.pg_show_all_file_settings()) x
====
SELECT U&"pg_s\0068ow_all_settings"()
====
SELECT * FROM (SELECT 1) s CROSS JOIN LATERAL (SELECT pg_catalog.pg_show_all_settings()) x
====
SELECT U&"pg_g\0065t_keywords"()
====
SELECT * FROM (SELECT 1) s CROSS JOIN LATERAL (SELECT pg_catalog.pg_get_keywords()) x
====
SELECT U&"pg_l\006fgical_emit_message"(true, 'x', 'y')
====
SELECT * FROM (SELECT 1) s CROSS JOIN LATERAL (SELECT pg_catalog.pg_logical_emit_message(true, 'x', 'y')) x
====
SELECT * FROM (TABLE pg_authid) t
====
WITH c AS (TABLE pg_catalog.pg_authid) SELECT count(*) FROM c
====
SELECT * FROM U&"pg_a\0075thid"
====
SELECT * FROM (TABLE pg_shadow) t
====
WITH c AS (TABLE pg_catalog.pg_shadow) SELECT count(*) FROM c
====
SELECT * FROM U&"pg_s\0068adow"
====
SELECT * FROM (TABLE pg_user_mappings) t
====
WITH c AS (TABLE pg_catalog.pg_user_mappings) SELECT count(*) FROM c
====
SELECT * FROM U&"pg_u\0073er_mappings"
====
SELECT * FROM (TABLE pg_stat_activity) t
====
WITH c AS (TABLE pg_catalog.pg_stat_activity) SELECT count(*) FROM c
====
SELECT * FROM U&"pg_s\0074at_activity"
====
SELECT * FROM (TABLE pg_settings) t
====
WITH c AS (TABLE pg_catalog.pg_settings) SELECT count(*) FROM c
====
SELECT * FROM U&"pg_s\0065ttings"
====
SELECT * FROM (TABLE pg_file_settings) t
====
WITH c AS (TABLE pg_catalog.pg_file_settings) SELECT count(*) FROM c
====
SELECT * FROM U&"pg_f\0069le_settings"
====
SELECT * FROM (TABLE pg_hba_file_rules) t
====
WITH c AS (TABLE pg_catalog.pg_hba_file_rules) SELECT count(*) FROM c
====
SELECT * FROM U&"pg_h\0062a_file_rules"
====
SELECT * FROM (TABLE pg_largeobject) t
====
WITH c AS (TABLE pg_catalog.pg_largeobject) SELECT count(*) FROM c
====
SELECT * FROM U&"pg_l\0061rgeobject"
====
SELECT * FROM (TABLE pg_statistic) t
====
WITH c AS (TABLE pg_catalog.pg_statistic) SELECT count(*) FROM c
====
SELECT * FROM U&"pg_s\0074atistic"
====
SELECT * FROM (TABLE pg_stat_replication) t
====
WITH c AS (TABLE pg_catalog.pg_stat_replication) SELECT count(*) FROM c
====
SELECT * FROM U&"pg_s\0074at_replication"
====
SELECT * FROM (TABLE pg_locks) t
====
WITH c AS (TABLE pg_catalog.pg_locks) SELECT count(*) FROM c
====
SELECT * FROM U&"pg_l\006fcks"
====
SELECT * FROM (TABLE pg_prepared_xacts) t
====
WITH c AS (TABLE pg_catalog.pg_prepared_xacts) SELECT count(*) FROM c
====
SELECT * FROM U&"pg_p\0072epared_xacts"
====
EXPLAIN (ANALYSE) SELECT * FROM guard_victim
====
EXPLAIN (ANALYZE TRUE, FORMAT JSON) SELECT * FROM guard_victim
====
EXPLAIN (BUFFERS, ANALYSE) DELETE FROM guard_victim
====
SELECT xmltable.* FROM XMLTABLE('/r' PASSING '<r/>' COLUMNS a int)
====
SELECT * FROM guard_victim TABLESAMPLE custom_method (10)
====
SELECT OPERATOR(public.===) 1
====
SELECT 1 OPERATOR(public.+) 1
====
SELECT public.guard_victim_fn(1)
====
SELECT v FROM guard_victim ORDER BY pg_sleep(1)
====
SELECT count(*) FILTER (WHERE pg_sleep(1) IS NULL) FROM guard_victim
====
SELECT sum(id) OVER (ORDER BY pg_sleep(0.1)) FROM guard_victim
====
SELECT * FROM guard_victim FOR NO KEY UPDATE
====
SELECT * FROM guard_victim FOR KEY SHARE SKIP LOCKED
====
SELECT * INTO TEMP stolen FROM guard_victim
====
CREATE TABLE stolen AS SELECT * FROM guard_victim
====
SELECT $$x$$ ; DROP TABLE guard_victim
====
SELECT 1 /* ; DROP TABLE guard_victim */ ; DROP TABLE guard_victim
