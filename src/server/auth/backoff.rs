//! A growing wait after repeated wrong passwords, per username *and* client address (so it
//! never locks the real user out from elsewhere): free for the first few tries, then 2 s,
//! 4 s, 8 s … up to 15 minutes; a successful sign-in clears it. On top of the per-minute
//! rate limit, which alone would allow a steady trickle of guesses forever.
use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

/// Wrong passwords allowed before any wait.
const FREE_FAILURES: u32 = 3;
const MAX_WAIT: Duration = Duration::from_secs(15 * 60);
/// Entries kept at most; expired ones are dropped first when it fills.
const MAX_KEYS: usize = 10_000;

#[derive(Default)]
pub struct LoginBackoff {
    failures: Mutex<HashMap<String, (u32, Instant)>>,
}

impl LoginBackoff {
    /// How long `key` must still wait, if at all.
    pub fn wait(&self, key: &str) -> Option<Duration> {
        let failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let (_, until) = failures.get(key)?;
        until.checked_duration_since(Instant::now()).filter(|d| !d.is_zero())
    }

    pub fn failed(&self, key: &str) {
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        if failures.len() >= MAX_KEYS {
            failures.retain(|_, (_, until)| *until > now);
            if failures.len() >= MAX_KEYS {
                failures.clear();
            }
        }
        let entry = failures.entry(key.to_string()).or_insert((0, now));
        entry.0 += 1;
        let extra = entry.0.saturating_sub(FREE_FAILURES);
        let wait = if extra == 0 { Duration::ZERO } else { Duration::from_secs(1u64 << extra.min(20)).min(MAX_WAIT) };
        entry.1 = now + wait;
    }

    pub fn succeeded(&self, key: &str) {
        self.failures.lock().unwrap_or_else(|p| p.into_inner()).remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_grows_per_key_and_success_clears_it() {
        let b = LoginBackoff::default();
        for _ in 0..FREE_FAILURES {
            b.failed("ann|1.2.3.4");
            assert_eq!(b.wait("ann|1.2.3.4"), None);
        }
        b.failed("ann|1.2.3.4");
        let first = b.wait("ann|1.2.3.4").expect("a wait after the free tries");
        b.failed("ann|1.2.3.4");
        assert!(b.wait("ann|1.2.3.4").unwrap() > first, "it grows");
        assert_eq!(b.wait("ann|5.6.7.8"), None, "another address is not affected");
        for _ in 0..40 {
            b.failed("ann|1.2.3.4");
        }
        assert!(b.wait("ann|1.2.3.4").unwrap() <= MAX_WAIT);
        b.succeeded("ann|1.2.3.4");
        assert_eq!(b.wait("ann|1.2.3.4"), None);
    }
}
