-- Conversations per datasource and their turns (question → SQL → outcome).
CREATE TABLE conversations (
    id TEXT PRIMARY KEY,
    datasource_id TEXT NOT NULL REFERENCES datasources(id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    created_at_ms BIGINT NOT NULL,
    updated_at_ms BIGINT NOT NULL
);

CREATE TABLE turns (
    id TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    question TEXT NOT NULL,
    sql_text TEXT,
    explanation TEXT,
    error TEXT,
    row_count BIGINT,
    created_at_ms BIGINT NOT NULL
);

CREATE INDEX turns_by_conversation ON turns (conversation_id, created_at_ms);
