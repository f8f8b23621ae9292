//! A fair share of each datasource's small pool: one person may run at most `PER_USER`
//! queries or exports on a datasource at once, so the rest of the pool stays free for others
//! (eight long queries of one user no longer lock everyone out). Beyond it: `503 busy`.
use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use crate::server::error::AppError;

/// Half of a datasource pool's four connections.
pub const PER_USER: usize = 2;
/// What a client is told to wait before trying again.
const RETRY_SECS: u64 = 2;

#[derive(Clone, Default)]
pub struct UserShares {
    running: Arc<Mutex<HashMap<(String, String), usize>>>,
}

/// Held while one query or export runs; gives the slot back when dropped.
pub struct ShareSlot {
    shares: UserShares,
    key: (String, String),
}

impl UserShares {
    /// A slot for `user` on `datasource`, or `Busy` when they already use their share.
    pub fn take(&self, datasource: &str, user: &str) -> Result<ShareSlot, AppError> {
        let key = (datasource.to_string(), user.to_string());
        let mut running = self.running.lock().unwrap_or_else(|p| p.into_inner());
        let count = running.entry(key.clone()).or_default();
        if *count >= PER_USER {
            return Err(AppError::Busy(RETRY_SECS));
        }
        *count += 1;
        Ok(ShareSlot { shares: self.clone(), key })
    }
}

impl Drop for ShareSlot {
    fn drop(&mut self) {
        let mut running = self.shares.running.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(count) = running.get_mut(&self.key) {
            *count -= 1;
            if *count == 0 {
                running.remove(&self.key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_gets_a_share_and_others_keep_theirs() {
        let shares = UserShares::default();
        let a1 = shares.take("ds", "ann").unwrap();
        let _a2 = shares.take("ds", "ann").unwrap();
        assert!(matches!(shares.take("ds", "ann"), Err(AppError::Busy(_))));
        let _b = shares.take("ds", "bob").expect("another user is not affected");
        let _other = shares.take("other-ds", "ann").expect("another datasource is not affected");
        drop(a1);
        let _a3 = shares.take("ds", "ann").expect("a finished query gives its slot back");
    }
}
