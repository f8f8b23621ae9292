-- Written in the subset of SQL that SQLite and PostgreSQL share, so one migration set
-- serves both app stores. Ids are UUID text; times are Unix milliseconds.
CREATE TABLE datasources (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    engine TEXT NOT NULL,
    host TEXT,
    port BIGINT,
    database_name TEXT,
    username TEXT,
    password_encrypted TEXT,
    sslmode TEXT,
    sqlite_path TEXT,
    is_demo BIGINT NOT NULL DEFAULT 0,
    created_at_ms BIGINT NOT NULL,
    updated_at_ms BIGINT NOT NULL
);

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
