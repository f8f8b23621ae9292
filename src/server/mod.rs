//! Server-only code (feature "ssr"). From the bottom up (see docs/architecture.md):
//! `error`, `config`, `crypto`, `store`, `netpolicy`, `ratelimit`, `metrics`; `guard`, `exec`
//! (pools and limited execution), `schema`, `export`; `datasources`, `llm`, `ask`; `auth`
//! (who someone is); `state`; `ops` (what they may do: the one door); `http`, `mcp`, `startup`,
//! `eval`, `demo`. A module only uses modules listed before it (a test checks this).
pub mod ask;
pub mod auth;
pub mod config;
pub mod crypto;
pub mod csp;
pub mod datasources;
pub mod demo;
pub mod error;
pub mod eval;
pub mod exec;
pub mod export;
pub mod guard;
pub mod http;
pub mod mcp;
pub mod metrics;
pub mod netpolicy;
pub mod ops;
pub mod ratelimit;
pub mod schema;
pub mod startup;
pub mod state;
pub mod store;
pub mod telemetry;
pub mod llm;

#[cfg(test)]
mod layering;
