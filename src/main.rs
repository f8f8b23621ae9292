//! The `databaseai` server binary.
use std::net::SocketAddr;

use databaseai::server::{
    config::{AdminCommand, Command, Settings},
    eval, startup, telemetry,
};

/// Settings are read first, on this one thread: a config file is applied to the environment
/// (`std::env::set_var`), which is only sound before any other thread exists. Then the
/// runtime starts.
fn main() {
    let settings = match Settings::load() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("databaseai: {e}");
            std::process::exit(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("databaseai: cannot start the async runtime: {e}");
            std::process::exit(1);
        }
    };
    runtime.block_on(run(settings));
}

async fn run(settings: Settings) {
    // Over stdio, stdout is the MCP channel.
    telemetry::init(settings.log_json, matches!(settings.command, Some(Command::Mcp)));
    if let Some(Command::Eval(args)) = &settings.command {
        let outcome = match &args.verified {
            Some(datasource) => eval::run_verified(&settings, args, datasource).await,
            None => eval::run(&settings, args).await,
        };
        match outcome {
            Ok(report) => {
                println!("execution accuracy: {}/{} = {:.1}%", report.correct, report.total, report.accuracy * 100.0);
                for (category, (ok, n)) in &report.per_category {
                    println!("  {category:<15} {ok}/{n}");
                }
                return;
            }
            Err(e) => {
                eprintln!("databaseai eval: {e}");
                std::process::exit(1);
            }
        }
    }
    if let Some(Command::Admin(command)) = &settings.command {
        std::process::exit(match admin(&settings, command).await {
            Ok(()) => 0,
            Err(e) => {
                eprintln!("databaseai admin: {e}");
                1
            }
        });
    }
    let addr = SocketAddr::new(settings.bind, settings.port);
    if let Some(Command::Mcp) = &settings.command {
        std::process::exit(match mcp_stdio(&settings, addr).await {
            Ok(()) => 0,
            Err(e) => {
                eprintln!("databaseai mcp: {e}");
                1
            }
        });
    }
    let state = match startup::build_state(&settings, startup::leptos_options(addr)).await {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, "start-up failed");
            std::process::exit(1);
        }
    };
    let listener = match tokio::net::TcpListener::bind(addr).await {
        Ok(l) => l,
        Err(e) => {
            tracing::error!(error = %e, %addr, "cannot listen");
            std::process::exit(1);
        }
    };
    if let Some(port) = settings.metrics_port {
        let metrics_addr = SocketAddr::new(settings.bind, port);
        match tokio::net::TcpListener::bind(metrics_addr).await {
            Ok(l) => {
                let app = startup::metrics_router(state.clone());
                tokio::spawn(async move { axum::serve(l, app).await });
                tracing::info!(url = %format!("http://{metrics_addr}/metrics"), "metrics are served on their own port");
            }
            Err(e) => {
                tracing::error!(error = %e, %metrics_addr, "cannot listen for metrics");
                std::process::exit(1);
            }
        }
    }
    tracing::info!(url = %format!("http://{addr}"), store = state.store.backend(), "DatabaseAI is listening");
    if let Err(e) = startup::serve(listener, state, startup::shutdown_signal()).await {
        tracing::error!(error = %e, "server error");
        std::process::exit(1);
    }
}

/// `databaseai mcp`: MCP on stdin/stdout as the token in DATABASEAI_TOKEN (the built-in
/// user with --no-auth). Logs go to stderr, so stdout carries only the protocol.
async fn mcp_stdio(settings: &Settings, addr: SocketAddr) -> Result<(), String> {
    use databaseai::server::mcp;
    let token = std::env::var("DATABASEAI_TOKEN").ok().filter(|t| !t.trim().is_empty());
    if token.is_none() && !settings.no_auth {
        return Err("set DATABASEAI_TOKEN to a personal token (Account page, or `databaseai admin create-token`)".into());
    }
    let state = startup::build_state(settings, startup::leptos_options(addr)).await.map_err(|e| e.to_string())?;
    let principal = state.auth.principal(None, token.as_deref()).await.map_err(|e| e.public_message())?;
    let principal = principal.ok_or("DATABASEAI_TOKEN is not a valid token (revoked, or from another app store?)")?;
    mcp::serve_stdio(state, principal).await
}

/// `databaseai admin …`: works on the app store directly, so it runs beside a live server.
async fn admin(settings: &Settings, command: &AdminCommand) -> Result<(), String> {
    use databaseai::{
        app::model::NewTokenInput,
        server::{auth::Principal, ops::accounts, store::Store},
    };
    let store = Store::connect(&settings.store_url()).await.map_err(|e| e.to_string())?;
    match command {
        AdminCommand::CreateToken { user, name, scopes, datasources } => {
            // Only accounts people sign in to (not the built-in no-auth or eval users).
            let found = store.user_with_hash(user).await.map_err(|e| e.to_string())?;
            let user = found.and_then(|(u, hash)| hash.map(|_| u)).ok_or(format!("no account is named {user:?}"))?;
            let input = NewTokenInput {
                name: name.clone(),
                scopes: (!scopes.is_empty()).then(|| scopes.clone()),
                datasource_ids: (!datasources.is_empty()).then(|| datasources.clone()),
            };
            let maker = Principal::local(user);
            let created = accounts::create_token(&store, &maker, &input).await.map_err(|e| e.public_message())?;
            // Only the secret on stdout, so scripts can capture it.
            println!("{}", created.secret);
            Ok(())
        }
    }
}
