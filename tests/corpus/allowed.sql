SELECT 1
====
SELECT 1;
====
select id, v from guard_victim where id > 1 order by id desc limit 5
====
WITH c AS (SELECT id FROM guard_victim) SELECT count(*) FROM c
====
SELECT v, count(*) AS n FROM guard_victim GROUP BY v HAVING count(*) > 0 ORDER BY n DESC
====
SELECT id, row_number() OVER (ORDER BY id) FROM guard_victim
====
VALUES (1, 'a'), (2, 'b')
====
SELECT 'DROP TABLE guard_victim; DELETE FROM x' AS harmless_text
====
-- DELETE FROM guard_victim in a comment is fine
SELECT id FROM guard_victim
====
SELECT id /* ; DROP TABLE guard_victim */ FROM guard_victim
====
SELECT a.id FROM guard_victim a JOIN guard_victim b ON a.id = b.id
====
SELECT * FROM guard_victim WHERE id IN (SELECT id FROM guard_victim WHERE v LIKE 'a%')
====
SELECT 1 UNION ALL SELECT 2 UNION SELECT 3
====
SELECT coalesce(NULL, 'x'), upper('y'), length('z'), abs(-1), round(1.5)
====
EXPLAIN SELECT * FROM guard_victim
