//! Whatever the input, the guard returns without panicking, and anything it accepts is a
//! canonical text that the guard accepts again unchanged (what runs is what was checked),
//! in every dialect; and locating a parse error in a refused text never panics.
#![no_main]

/// The one type the guard borrows from the app, with the same variants.
mod app {
    pub mod model {
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum Engine {
            Postgres,
            MySql,
            Sqlite,
        }
    }
}

#[path = "../../src/server/guard/mod.rs"]
#[allow(dead_code)]
mod guard;

use guard::SqlDialect;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(sql) = std::str::from_utf8(data) else { return };
    for dialect in [SqlDialect::Postgres, SqlDialect::MySql, SqlDialect::Sqlite] {
        match guard::validate(sql, dialect) {
            Ok(checked) => {
                let again = guard::validate(checked.as_str(), dialect)
                    .unwrap_or_else(|r| panic!("{dialect:?}: accepted {sql:?} as {:?}, which is then refused: {r}", checked.as_str()));
                assert_eq!(again.as_str(), checked.as_str(), "{dialect:?}: canonical text is not a fixpoint for {sql:?}");
            }
            // Finding where a refused text stops parsing never panics and stays inside the text.
            Err(refusal) if refusal.0.starts_with(guard::UNPARSED) => {
                if let Some(at) = guard::syntax_error_at(sql, dialect) {
                    assert!(at.start <= at.end && at.end <= sql.chars().count(), "{dialect:?}: {at:?} outside {sql:?}");
                }
            }
            Err(_) => {}
        }
    }
});
