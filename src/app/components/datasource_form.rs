//! Add or edit a datasource. The settings are tested before they are saved: a failed test
//! keeps the form as typed and saves only when the admin insists. Every broken field is shown
//! at once, next to the field, by the server's own rules (`check_datasource`). The password
//! field is write-only: it is never filled from the server.
use leptos::prelude::*;

use crate::app::{
    api::{form_outcome, save_datasource, test_datasource_settings, Failure},
    browser,
    components::field_errors::{FieldErrors, FieldMessage},
    model::{check_datasource, ConnectionTest, DatasourceInput, DatasourceSummary, Engine, FieldError, SslMode},
};

/// The form's fields in the order they are shown, which is the order errors are listed in.
const FIELD_ORDER: [&str; 8] = ["name", "engine", "path", "host", "port", "database", "user", "password"];

#[derive(Clone, Copy)]
struct Fields {
    name: RwSignal<String>,
    engine: RwSignal<String>,
    host: RwSignal<String>,
    port: RwSignal<String>,
    database: RwSignal<String>,
    user: RwSignal<String>,
    password: RwSignal<String>,
    sslmode: RwSignal<String>,
    path: RwSignal<String>,
}

impl Fields {
    fn new() -> Self {
        Fields {
            name: RwSignal::new(String::new()),
            engine: RwSignal::new("postgres".into()),
            host: RwSignal::new(String::new()),
            port: RwSignal::new("5432".into()),
            database: RwSignal::new(String::new()),
            user: RwSignal::new(String::new()),
            password: RwSignal::new(String::new()),
            sslmode: RwSignal::new("prefer".into()),
            path: RwSignal::new(String::new()),
        }
    }

    fn load(&self, ds: Option<&DatasourceSummary>) {
        let text = |v: Option<&String>| v.cloned().unwrap_or_default();
        self.name.set(ds.map(|d| d.name.clone()).unwrap_or_default());
        self.engine.set(ds.map_or("postgres", |d| d.engine.as_str()).to_string());
        self.host.set(text(ds.and_then(|d| d.host.as_ref())));
        self.port.set(ds.and_then(|d| d.port.or(d.engine.default_port())).unwrap_or(5432).to_string());
        self.database.set(text(ds.and_then(|d| d.database.as_ref())));
        self.user.set(text(ds.and_then(|d| d.user.as_ref())));
        self.password.set(String::new());
        self.sslmode.set(ds.and_then(|d| d.sslmode).unwrap_or_default().as_str().to_string());
        self.path.set(text(ds.and_then(|d| d.path.as_ref())));
    }

    /// Builds the request, or lists every field that breaks a rule (a port that is not a
    /// number is caught here, since the request carries a number).
    fn input(&self) -> Result<DatasourceInput, Vec<FieldError>> {
        let engine = Engine::parse(&self.engine.get_untracked()).unwrap_or(Engine::Postgres);
        let opt = |s: RwSignal<String>| Some(s.get_untracked()).filter(|v| !v.trim().is_empty());
        let raw_port = self.port.get_untracked();
        let (port, port_error) = match raw_port.trim() {
            _ if !engine.is_server() => (None, None),
            "" => (None, None),
            raw => match raw.parse::<u16>() {
                Ok(p) if p > 0 => (Some(p), None),
                _ => (None, Some(FieldError::new("port", "port must be a number between 1 and 65535"))),
            },
        };
        let input = DatasourceInput {
            name: self.name.get_untracked(),
            engine: Some(engine),
            host: opt(self.host),
            port,
            database: opt(self.database),
            user: opt(self.user),
            password: opt(self.password),
            sslmode: SslMode::parse(&self.sslmode.get_untracked()),
            path: opt(self.path),
        };
        let mut errors = check_datasource(&input).err().unwrap_or_default();
        errors.extend(port_error);
        errors.sort_by_key(|e| FIELD_ORDER.iter().position(|f| *f == e.field));
        if errors.is_empty() {
            Ok(input)
        } else {
            Err(errors)
        }
    }
}

/// What a submit ended with.
#[derive(Clone)]
enum Submitted {
    Saved(DatasourceSummary, ConnectionTest),
    /// The test failed; nothing was saved and the form keeps what was typed.
    TestFailed(ConnectionTest),
}

/// Tests the settings and saves them when the test passed. `insisted` is the failed test the
/// admin chose to save anyway: the settings are saved without testing them again.
async fn test_then_save(id: Option<String>, input: DatasourceInput, insisted: Option<ConnectionTest>) -> Result<Submitted, Failure> {
    let test = match insisted {
        Some(failed) => failed,
        None => {
            let test = form_outcome(test_datasource_settings(id.clone(), input.clone()).await)?;
            if !test.ok {
                return Ok(Submitted::TestFailed(test));
            }
            test
        }
    };
    let saved = form_outcome(save_datasource(id, input).await)?;
    Ok(Submitted::Saved(saved, test))
}

#[component]
pub fn DatasourceForm(editing: RwSignal<Option<DatasourceSummary>>, on_saved: Callback<(DatasourceSummary, ConnectionTest)>) -> impl IntoView {
    let f = Fields::new();
    let errors = FieldErrors::new("ds");
    // A failure that belongs to no field (the network policy, a name already taken…).
    let failure = RwSignal::new(None::<String>);
    let failed_test = RwSignal::new(None::<ConnectionTest>);
    let saved_name = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        f.load(editing.get().as_ref());
        errors.list.set(Vec::new());
        failure.set(None);
        failed_test.set(None);
    });
    let submit_action = Action::new(move |(id, input, insisted): &(Option<String>, DatasourceInput, Option<ConnectionTest>)| {
        test_then_save(id.clone(), input.clone(), insisted.clone())
    });
    Effect::new(move |_| match submit_action.value().get() {
        Some(Ok(Submitted::Saved(saved, test))) => {
            failed_test.set(None);
            saved_name.set(Some(saved.name.clone()));
            f.load(None);
            on_saved.run((saved, test));
        }
        Some(Ok(Submitted::TestFailed(test))) => failed_test.set(Some(test)),
        Some(Err(e)) if e.fields.is_empty() => failure.set(Some(e.message)),
        Some(Err(e)) => {
            errors.list.set(e.fields);
            browser::focus_first_invalid(".ds-form");
        }
        None => {}
    });
    let send = move |insisted: Option<ConnectionTest>| {
        failure.set(None);
        saved_name.set(None);
        match f.input() {
            Ok(input) => {
                errors.list.set(Vec::new());
                failed_test.set(None);
                submit_action.dispatch((editing.get_untracked().map(|d| d.id), input, insisted));
            }
            Err(found) => {
                errors.list.set(found);
                failed_test.set(None);
                browser::focus_first_invalid(".ds-form");
            }
        }
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        send(None);
    };
    let is_server = move || Engine::parse(&f.engine.get()).is_none_or(Engine::is_server);
    // Switching engines moves an untouched default port along (5432 ↔ 3306).
    let change_engine = move |ev: leptos::ev::Event| {
        let old = Engine::parse(&f.engine.get_untracked()).and_then(Engine::default_port);
        let new = event_target_value(&ev);
        if old.is_some_and(|p| p.to_string() == f.port.get_untracked().trim()) {
            if let Some(p) = Engine::parse(&new).and_then(Engine::default_port) {
                f.port.set(p.to_string());
            }
        }
        f.engine.set(new);
    };
    view! {
        <form class="card ds-form" on:submit=submit novalidate>
            <h2>{move || if editing.get().is_some() { "Edit datasource" } else { "Add a datasource" }}</h2>
            <div class="grid">
                <label>
                    "Name"
                    <input name="name" required bind:value=f.name placeholder="Sales warehouse"
                        aria-invalid=errors.invalid("name") aria-describedby=errors.described_by("name")/>
                    <FieldMessage errors field="name"/>
                </label>
                <label>
                    "Engine"
                    <select name="engine" prop:value=move || f.engine.get() on:change=change_engine>
                        <option value="postgres">"PostgreSQL"</option>
                        <option value="mysql">"MySQL / MariaDB"</option>
                        <option value="sqlite">"SQLite (file in the data directory)"</option>
                    </select>
                </label>
                <Show when=is_server fallback=move || view! {
                    <label class="wide">
                        "File (relative to data/sqlite/)"
                        <input name="path" bind:value=f.path placeholder="sales.sqlite"
                            aria-invalid=errors.invalid("path") aria-describedby=errors.described_by("path")/>
                        <FieldMessage errors field="path"/>
                    </label>
                }>
                    <label>
                        "Host"
                        <input name="host" bind:value=f.host placeholder="db.example.com"
                            aria-invalid=errors.invalid("host") aria-describedby=errors.described_by("host")/>
                        <FieldMessage errors field="host"/>
                    </label>
                    <label>
                        "Port"
                        <input name="port" inputmode="numeric" bind:value=f.port
                            aria-invalid=errors.invalid("port") aria-describedby=errors.described_by("port")/>
                        <FieldMessage errors field="port"/>
                    </label>
                    <label>
                        "Database"
                        <input name="database" bind:value=f.database
                            aria-invalid=errors.invalid("database") aria-describedby=errors.described_by("database")/>
                        <FieldMessage errors field="database"/>
                    </label>
                    <label>
                        "User"
                        <input name="user" autocomplete="off" bind:value=f.user
                            aria-invalid=errors.invalid("user") aria-describedby=errors.described_by("user")/>
                        <FieldMessage errors field="user"/>
                    </label>
                    <label>
                        "Password"
                        <input name="password" type="password" autocomplete="new-password" bind:value=f.password
                            aria-invalid=errors.invalid("password") aria-describedby=errors.described_by("password")
                            placeholder=move || if editing.get().is_some_and(|d| d.has_password) { "unchanged (stored encrypted)" } else { "" }/>
                        <FieldMessage errors field="password"/>
                    </label>
                    <label>
                        "SSL mode"
                        <select name="sslmode" prop:value=move || f.sslmode.get() on:change=move |ev| f.sslmode.set(event_target_value(&ev))>
                            {SslMode::ALL.iter().map(|m| view! { <option value=m.as_str()>{m.as_str()}</option> }).collect_view()}
                        </select>
                    </label>
                </Show>
            </div>
            <div class="form-actions">
                <button type="submit" class="primary" disabled=move || submit_action.pending().get()>
                    {move || if submit_action.pending().get() { "Testing…" } else if editing.get().is_some() { "Test and save changes" } else { "Test and save" }}
                </button>
                <Show when=move || editing.get().is_some()>
                    <button type="button" on:click=move |_| editing.set(None)>"Cancel edit"</button>
                </Show>
            </div>
            {move || errors.list.with(|e| e.len() > 1).then(|| view! {
                <p class="error" role="alert">{move || format!("{} fields need a change; each says why.", errors.list.with(Vec::len))}</p>
            })}
            {move || failure.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
            {move || failed_test.get().map(|test| {
                let insisted = test.clone();
                view! {
                    <div class="test-failed">
                        <ConnectionTestView test/>
                        <p>"Nothing was saved. Fix the settings and try again, or save them as they are."</p>
                        <button type="button" class="danger" on:click=move |_| send(Some(insisted.clone()))>"Save anyway"</button>
                    </div>
                }
            })}
            {move || saved_name.get().map(|name| view! { <p class="ok" role="status">"Saved “" {name} "”."</p> })}
        </form>
    }
}

#[component]
pub fn ConnectionTestView(test: ConnectionTest) -> impl IntoView {
    let status = if test.ok {
        format!("Connection OK{}", test.server_version.map(|v| format!(" — {v}")).unwrap_or_default())
    } else {
        format!("Connection failed: {}", test.message)
    };
    view! {
        <div class="test-result" class:ok=test.ok class:error=!test.ok role="status">
            <p>{status}</p>
            {(!test.warnings.is_empty()).then(|| view! {
                <div class="warning">
                    <p>"This role can do more than a read-only tool needs:"</p>
                    <ul>{test.warnings.into_iter().map(|w| view! { <li>{w}</li> }).collect_view()}</ul>
                    {test.read_only_role_sql.map(|sql| view! {
                        <p>"An administrator can create a read-only role instead:"</p>
                        <pre class="sql">{sql}</pre>
                    })}
                </div>
            })}
        </div>
    }
}
