//! Structured logs through `tracing`. `RUST_LOG` filters; `--log-json` switches to JSON lines.
use tracing_subscriber::{fmt, fmt::writer::BoxMakeWriter, EnvFilter};

/// `to_stderr`: when stdout is a protocol channel (`databaseai mcp`).
pub fn init(json: bool, to_stderr: bool) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=info"));
    let writer = if to_stderr { BoxMakeWriter::new(std::io::stderr) } else { BoxMakeWriter::new(std::io::stdout) };
    let builder = fmt().with_env_filter(filter).with_target(false).with_writer(writer);
    // A second init (tests start several apps in one process) is harmless.
    let _ = if json { builder.json().try_init() } else { builder.try_init() };
}
