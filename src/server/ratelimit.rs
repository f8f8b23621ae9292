//! Per-key request budgets (per user, per user and address): a keyed token bucket from
//! `governor`, answering `RateLimited` with the seconds to wait.
use std::num::NonZeroU32;

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use super::error::{AppError, AppResult};

pub struct KeyedLimit(DefaultKeyedRateLimiter<String>);

impl KeyedLimit {
    pub fn per_minute(n: u32) -> Self {
        KeyedLimit(RateLimiter::keyed(Quota::per_minute(NonZeroU32::new(n.max(1)).expect("at least one"))))
    }

    /// Takes one request from `key`'s budget, or says how long until there is one.
    pub fn check(&self, key: &str) -> AppResult<()> {
        self.0.check_key(&key.to_string()).map_err(|not_until| {
            let wait = not_until.wait_time_from(governor::clock::Clock::now(&governor::clock::DefaultClock::default()));
            AppError::RateLimited(wait.as_secs().max(1))
        })
    }
}

/// Budgets for the expensive operations, per user.
pub struct RequestLimits {
    pub ask: KeyedLimit,
    pub test_connection: KeyedLimit,
    /// MCP tool calls: an agent in a loop must not crowd out the people on the same server.
    pub mcp_call: KeyedLimit,
}

/// MCP tool calls per user and minute (asks also count against the ask limit).
const MCP_CALLS_PER_MINUTE: u32 = 120;

impl RequestLimits {
    pub fn new(ask_per_minute: u32, test_per_minute: u32) -> Self {
        RequestLimits {
            ask: KeyedLimit::per_minute(ask_per_minute),
            test_connection: KeyedLimit::per_minute(test_per_minute),
            mcp_call: KeyedLimit::per_minute(MCP_CALLS_PER_MINUTE),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_key_has_its_own_budget() {
        let limit = KeyedLimit::per_minute(2);
        assert!(limit.check("a").is_ok() && limit.check("a").is_ok());
        assert!(matches!(limit.check("a"), Err(AppError::RateLimited(s)) if (1..=60).contains(&s)));
        assert!(limit.check("b").is_ok(), "another key is not affected");
    }
}
