DROP TABLE guard_victim
====
DELETE FROM guard_victim
====
UPDATE guard_victim SET v = 'gone'
====
INSERT INTO guard_victim VALUES (99, 'x')
====
REPLACE INTO guard_victim VALUES (1, 'replaced')
====
TRUNCATE TABLE guard_victim
====
SELECT 1; DROP TABLE guard_victim
====
SELECT 1; COMMIT; DROP TABLE guard_victim
====
COMMIT; DELETE FROM guard_victim
====
SELECT * FROM guard_victim INTO OUTFILE '/tmp/databaseai_mysql_outfile'
====
SELECT * INTO OUTFILE '/tmp/databaseai_mysql_outfile2' FROM guard_victim
====
SELECT v FROM guard_victim LIMIT 1 INTO DUMPFILE '/tmp/databaseai_mysql_dumpfile'
====
SELECT id INTO @stolen FROM guard_victim LIMIT 1
====
SELECT LOAD_FILE('/etc/passwd')
====
SELECT load_file(CONCAT('/etc/', 'passwd'))
====
SELECT SLEEP(5)
====
SELECT BENCHMARK(100000000, MD5('x'))
====
SELECT GET_LOCK('databaseai', 10)
====
SELECT RELEASE_ALL_LOCKS()
====
SELECT IS_FREE_LOCK('databaseai')
====
SELECT MASTER_POS_WAIT('log', 4)
====
SELECT * FROM guard_victim FOR UPDATE
====
SELECT * FROM guard_victim LOCK IN SHARE MODE
====
SELECT * FROM guard_victim FOR SHARE
====
SELECT * FROM mysql.user
====
SELECT authentication_string FROM mysql.global_priv
====
SELECT * FROM information_schema.PROCESSLIST
====
SELECT * FROM performance_schema.threads
====
SET GLOBAL max_connections = 1
====
SET @@session.sql_mode = ''
====
HANDLER guard_victim OPEN
====
LOAD DATA INFILE '/etc/passwd' INTO TABLE guard_victim
====
LOAD DATA LOCAL INFILE '/etc/passwd' INTO TABLE guard_victim
====
CALL mysql.some_procedure()
====
DO SLEEP(5)
====
PREPARE s FROM 'DELETE FROM guard_victim'
====
EXECUTE s
====
KILL 1
====
FLUSH PRIVILEGES
====
LOCK TABLES guard_victim WRITE
====
GRANT ALL ON *.* TO 'x'@'%'
====
CREATE TABLE stolen AS SELECT * FROM guard_victim
====
INSERT INTO guard_victim SELECT id + 100, v FROM guard_victim
====
UPDATE guard_victim g JOIN guard_victim h ON g.id = h.id SET g.v = 'x'
====
DELETE g FROM guard_victim g
====
ALTER TABLE guard_victim ADD COLUMN w INT
====
RENAME TABLE guard_victim TO gone
====
SELECT * FROM guard_victim WHERE id = 1 UNION SELECT LOAD_FILE('/etc/passwd'), 2
====
SELECT (SELECT SLEEP(3)) AS s
====
WITH x AS (SELECT SLEEP(2)) SELECT * FROM x
====
SELECT * FROM guard_victim /*!50000 INTO OUTFILE '/tmp/databaseai_mysql_comment' */
====
SELECT 1 /*!; DROP TABLE guard_victim */
====
SHOW GRANTS
====
SET autocommit = 1
====
START TRANSACTION READ WRITE
====
XA START 'x'
====
SELECT sys_exec('id')
====
INSTALL PLUGIN x SONAME 'x.so'

====
SELECT t.a -- , LOAD_FILE('/etc/hostname') AS f FROM (SELECT 1 AS a, 2 AS ` `) t
====
SELECT 1 -- , SLEEP(0.1)
====
SELECT t.a -- , LOAD_FILE('/etc/hostname') AS f FROM (SELECT 1 AS a, 2 AS ` `) t
====
SELECT 1 -- , SLEEP(0.1)
====
SELECT t.a --　, LOAD_FILE('/etc/hostname') AS f FROM (SELECT 1 AS a, 2 AS `　`) t
====
SELECT 1 --　, SLEEP(0.1)
====
SELECT t.a -- , LOAD_FILE('/etc/hostname') AS f FROM (SELECT 1 AS a, 2 AS ` `) t
====
SELECT 1 -- , SLEEP(0.1)
====
SELECT t.a --​, LOAD_FILE('/etc/hostname') AS f FROM (SELECT 1 AS a, 2 AS `​`) t
====
SELECT 1 --​, SLEEP(0.1)
====
SELECT t.a --﻿, LOAD_FILE('/etc/hostname') AS f FROM (SELECT 1 AS a, 2 AS `﻿`) t
====
SELECT 1 --﻿, SLEEP(0.1)
====
SELECT t.a --, LOAD_FILE('/etc/hostname') AS f FROM (SELECT 1 AS a, 2 AS ``) t
====
SELECT 1 --, SLEEP(0.1)
====
SELECT t.a --, LOAD_FILE('/etc/hostname') AS f FROM (SELECT 1 AS a, 2 AS ``) t
====
SELECT 1 --, SLEEP(0.1)
====
SELECT GET_LOCK('databaseai', 0)
====
SELECT IS_FREE_LOCK('x')
====
SELECT RELEASE_ALL_LOCKS()
====
SELECT BENCHMARK(100000000, MD5('x'))
====
SELECT MASTER_POS_WAIT('x', 1)
====
SELECT sys_exec('id')
====
SELECT * FROM mysql.db
====
SELECT * FROM performance_schema.threads
====
SELECT * FROM sys.processlist
====
SELECT * FROM information_schema.processlist
====
TABLE mysql.user
====
SELECT * FROM (TABLE mysql.user) u
====
SELECT user FROM mysql . user
====
SELECT `mysql`.`user`.`authentication_string` FROM `mysql`.`user`
====
SELECT * FROM guard_victim INTO DUMPFILE '/tmp/databaseai_mysql_dumpfile2'
====
SELECT @@global.secure_file_priv, LOAD_FILE(@@global.secure_file_priv)
====
SELECT 'a\\', LOAD_FILE('/etc/passwd'), 'b'
====
SELECT * FROM guard_victim WHERE v = 'x' LOCK IN SHARE MODE
====
SELECT UPDATEXML('<a/>', '/a', LOAD_FILE('/etc/passwd'))
====
SELECT EXTRACTVALUE(LOAD_FILE('/etc/passwd'), '/a')
