-- Accounts, sessions, API tokens, datasource sharing and the audit log.
CREATE TABLE users (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    -- Argon2id PHC string; NULL for the built-in user of --no-auth mode, which cannot sign in.
    password_hash TEXT,
    role TEXT NOT NULL,
    created_at_ms BIGINT NOT NULL
);

-- Session and token secrets are stored as SHA-256 hashes: a copy of the store signs no one in.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at_ms BIGINT NOT NULL,
    last_seen_ms BIGINT NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    -- The first characters, so a person can tell their tokens apart.
    prefix TEXT NOT NULL,
    created_at_ms BIGINT NOT NULL,
    last_used_ms BIGINT
);

-- Who may use a datasource besides admins: a user id, or '*' for everyone.
CREATE TABLE datasource_grants (
    datasource_id TEXT NOT NULL REFERENCES datasources(id) ON DELETE CASCADE,
    grantee TEXT NOT NULL,
    PRIMARY KEY (datasource_id, grantee)
);

-- Append-only; names are copied so entries outlive the users and datasources they mention.
CREATE TABLE audit_log (
    id TEXT PRIMARY KEY,
    at_ms BIGINT NOT NULL,
    user_id TEXT,
    username TEXT NOT NULL,
    action TEXT NOT NULL,
    datasource_id TEXT,
    datasource_name TEXT,
    question TEXT,
    sql_text TEXT,
    status TEXT NOT NULL,
    duration_ms BIGINT,
    detail TEXT
);
CREATE INDEX audit_by_time ON audit_log (at_ms);

-- Conversations belong to the person who asked (older rows have no owner and stay hidden).
ALTER TABLE conversations ADD COLUMN user_id TEXT REFERENCES users(id) ON DELETE CASCADE;
CREATE INDEX conversations_by_user ON conversations (user_id, datasource_id, updated_at_ms);
