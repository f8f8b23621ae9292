-- How far each answer can be trusted, the readings the candidates offered (JSON, without
-- rows), and which one the user picked (0 = the answer given).
ALTER TABLE turns ADD COLUMN confidence TEXT;
ALTER TABLE turns ADD COLUMN readings TEXT NOT NULL DEFAULT '[]';
ALTER TABLE turns ADD COLUMN chosen BIGINT NOT NULL DEFAULT 0;
