//! Server-only code (feature "ssr"): configuration, app store, datasources, SQL guard,
//! execution, schema introspection and the HTTP API.
pub mod ask;
pub mod auth;
pub mod config;
pub mod crypto;
pub mod datasources;
pub mod demo;
pub mod error;
pub mod eval;
pub mod exec;
pub mod export;
pub mod guard;
pub mod http;
pub mod metrics;
pub mod schema;
pub mod startup;
pub mod state;
pub mod store;
pub mod verified;
pub mod telemetry;
pub mod llm;
