-- Rows returned by a run, for the history page (the audit log doubles as each user's history).
ALTER TABLE audit_log ADD COLUMN row_count BIGINT;
CREATE INDEX audit_by_user ON audit_log (user_id, at_ms);

-- Question → SQL pairs a person marked correct; the ask pipeline shows the closest ones to the
-- model as examples. Private to their author unless shared with the datasource's users.
CREATE TABLE verified_answers (
    id TEXT PRIMARY KEY,
    datasource_id TEXT NOT NULL REFERENCES datasources(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    question TEXT NOT NULL,
    sql_text TEXT NOT NULL,
    shared BIGINT NOT NULL DEFAULT 0,
    created_at_ms BIGINT NOT NULL,
    updated_at_ms BIGINT NOT NULL
);
CREATE INDEX verified_by_datasource ON verified_answers (datasource_id, updated_at_ms);
