ATTACH DATABASE '/tmp/databaseai_attached.db' AS x
====
DETACH DATABASE main
====
PRAGMA writable_schema = 1
====
PRAGMA query_only = 0
====
SELECT load_extension('/tmp/evil.so')
====
SELECT readfile('/etc/passwd')
====
SELECT writefile('/tmp/databaseai_writefile', 'x')
====
VACUUM INTO '/tmp/databaseai_vacuum_copy.db'
====
INSERT OR REPLACE INTO guard_victim VALUES (1, 'x')
====
REPLACE INTO guard_victim VALUES (1, 'x')
====
DELETE FROM guard_victim
====
UPDATE guard_victim SET v = 'x'
====
DROP TABLE guard_victim
====
SELECT 1; DROP TABLE guard_victim
====
CREATE TRIGGER t AFTER INSERT ON guard_victim BEGIN DELETE FROM guard_victim; END
====
CREATE VIEW v AS SELECT 1
====
WITH d AS (DELETE FROM guard_victim RETURNING *) SELECT * FROM d
====
SELECT zeroblob(1000000000)
====
BEGIN IMMEDIATE
====
REINDEX
====
ANALYZE
====
VACUUM
====
SELECT * FROM guard_victim; DELETE FROM guard_victim
====
ALTER TABLE guard_victim RENAME TO gone

====
SELECT randomblob(900000000)
====
SELECT zeroblob(900000000)
====
SELECT load_extension('/tmp/x.so')
====
SELECT readfile('/etc/passwd')
====
SELECT writefile('/tmp/databaseai_sqlite_w', 'x')
====
SELECT edit('x')
====
SELECT fts3_tokenizer('simple')
====
SELECT sqlite_compileoption_get(0)
====
SELECT * FROM sqlite_dbpage
====
SELECT * FROM sqlite_stat1
====
SELECT * FROM sqlite_temp_master
====
SELECT * FROM pragma_compile_options
====
SELECT * FROM pragma_database_list
====
SELECT * FROM pragma_function_list
====
ATTACH DATABASE '/tmp/databaseai_attach.db' AS x
====
DETACH DATABASE main
====
PRAGMA query_only = OFF
====
PRAGMA writable_schema = ON
====
VACUUM INTO '/tmp/databaseai_vacuum.db'
====
SELECT 1 -- , load_extension('/tmp/x.so')
====
SELECT sqlite_offset(id) FROM guard_victim
====
SELECT unknown_udf(1)
====
SELECT * FROM json_each(readfile('/etc/passwd'))
