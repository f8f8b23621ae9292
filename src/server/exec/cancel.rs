//! Running queries by client-chosen id, so a cancel button (or `POST …/cancel`) can stop one.
use std::{
    collections::HashMap,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc, Mutex,
    },
};

use sqlx::{mysql::MySqlConnectOptions, postgres::PgConnectOptions, ConnectOptions, Connection};

#[derive(Clone)]
pub enum CancelTarget {
    /// A PostgreSQL backend, cancelled from a separate connection with `pg_cancel_backend`.
    Postgres { pid: i32, options: PgConnectOptions },
    /// A MySQL / MariaDB connection, whose running statement `KILL QUERY` stops.
    MySql { connection_id: u64, options: MySqlConnectOptions },
    /// A SQLite query, stopped by its progress handler when the flag is set.
    Flag(Arc<AtomicBool>),
}

/// Cloning shares the registry.
#[derive(Clone, Default)]
pub struct CancelRegistry {
    running: Arc<Mutex<HashMap<String, CancelTarget>>>,
}

/// Removes the registration when the query ends, however it ends.
pub struct Registration {
    running: Arc<Mutex<HashMap<String, CancelTarget>>>,
    id: Option<String>,
}

impl Drop for Registration {
    fn drop(&mut self) {
        if let Some(id) = &self.id {
            self.running.lock().expect("cancel registry lock").remove(id);
        }
    }
}

impl CancelRegistry {
    pub fn register(&self, query_id: Option<&str>, target: CancelTarget) -> Registration {
        let id = query_id.filter(|id| !id.is_empty() && id.len() <= 100).map(str::to_string);
        if let Some(id) = &id {
            self.running.lock().expect("cancel registry lock").insert(id.clone(), target);
        }
        Registration { running: self.running.clone(), id }
    }

    pub async fn cancel(&self, query_id: &str) -> bool {
        let target = self.running.lock().expect("cancel registry lock").get(query_id).cloned();
        match target {
            None => false,
            Some(CancelTarget::Flag(flag)) => {
                flag.store(true, Ordering::SeqCst);
                true
            }
            Some(CancelTarget::MySql { connection_id, options }) => super::mysql::kill_query(&options, connection_id).await,
            Some(CancelTarget::Postgres { pid, options }) => {
                // Our own code, not the guard path: pg_cancel_backend on our own backend.
                match options.connect().await {
                    Ok(mut conn) => {
                        let ok = sqlx::query_scalar::<_, bool>("SELECT pg_cancel_backend($1)")
                            .bind(pid)
                            .fetch_one(&mut conn)
                            .await
                            .unwrap_or(false);
                        let _ = conn.close().await;
                        ok
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "could not connect to cancel a query");
                        false
                    }
                }
            }
        }
    }
}
