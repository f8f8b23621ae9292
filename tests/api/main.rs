//! The one integration-test binary: the real app on a random port, driven over HTTP,
//! against the real PostgreSQL on 127.0.0.1:5432, the real MariaDB on 127.0.0.1:3306 and
//! real SQLite files.
mod ask;
mod auth;
mod bypasses;
mod candidates;
mod datasources;
mod deploy;
mod differential;
mod export;
mod faults;
mod grounding;
mod guard_db;
mod health;
mod llm_stub;
mod mcp;
mod mysql;
mod helpers;
mod hints;
mod password_pg;
mod replicas;
mod settings;
mod sql;
mod store;
mod verified;
