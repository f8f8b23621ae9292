-- A shared verified answer goes into other people's prompts only after an admin approved it
-- (an analyst's shared SQL and question would otherwise be text written into an admin's
-- prompt). Admins' own shared answers count as approved.
ALTER TABLE verified_answers ADD COLUMN approved BIGINT NOT NULL DEFAULT 0;
UPDATE verified_answers SET approved = 1 WHERE user_id IN (SELECT id FROM users WHERE role = 'admin');
