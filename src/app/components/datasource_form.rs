//! Add or edit a datasource. The password field is write-only: it is never filled from the server.
use leptos::prelude::*;

use crate::app::{
    api::{outcome, save_datasource, test_datasource},
    model::{ConnectionTest, DatasourceInput, DatasourceSummary, Engine, SslMode},
};

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

    /// Builds the request; a port that is not a number is reported here, before any request.
    fn input(&self) -> Result<DatasourceInput, String> {
        let engine = Engine::parse(&self.engine.get_untracked()).unwrap_or(Engine::Postgres);
        let opt = |s: RwSignal<String>| Some(s.get_untracked()).filter(|v| !v.trim().is_empty());
        let raw_port = self.port.get_untracked();
        let port = match raw_port.trim() {
            _ if !engine.is_server() => None,
            "" => None,
            raw => Some(raw.parse::<u16>().ok().filter(|p| *p > 0).ok_or("port must be a number between 1 and 65535")?),
        };
        Ok(DatasourceInput {
            name: self.name.get_untracked(),
            engine: Some(engine),
            host: opt(self.host),
            port,
            database: opt(self.database),
            user: opt(self.user),
            password: opt(self.password),
            sslmode: SslMode::parse(&self.sslmode.get_untracked()),
            path: opt(self.path),
        })
    }
}

#[component]
pub fn DatasourceForm(editing: RwSignal<Option<DatasourceSummary>>, on_saved: Callback<DatasourceSummary>) -> impl IntoView {
    let f = Fields::new();
    let local_error = RwSignal::new(None::<String>);
    Effect::new(move |_| f.load(editing.get().as_ref()));
    let save = Action::new(move |(id, input): &(Option<String>, DatasourceInput)| {
        let (id, input) = (id.clone(), input.clone());
        async move {
            let saved = outcome(save_datasource(id, input).await)?;
            let test = outcome(test_datasource(saved.id.clone()).await)?;
            Ok::<_, String>((saved, test))
        }
    });
    let last_saved = RwSignal::new(None::<(DatasourceSummary, ConnectionTest)>);
    Effect::new(move |_| {
        if let Some(Ok((saved, test))) = save.value().get() {
            last_saved.set(Some((saved.clone(), test)));
            f.load(None);
            on_saved.run(saved);
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match f.input() {
            Ok(input) => {
                local_error.set(None);
                save.dispatch((editing.get_untracked().map(|d| d.id), input));
            }
            Err(msg) => local_error.set(Some(msg)),
        }
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
                <label>"Name" <input name="name" required bind:value=f.name placeholder="Sales warehouse"/></label>
                <label>
                    "Engine"
                    <select name="engine" prop:value=move || f.engine.get() on:change=change_engine>
                        <option value="postgres">"PostgreSQL"</option>
                        <option value="mysql">"MySQL / MariaDB"</option>
                        <option value="sqlite">"SQLite (file in the data directory)"</option>
                    </select>
                </label>
                <Show when=is_server fallback=move || view! {
                    <label class="wide">"File (relative to data/sqlite/)" <input name="path" bind:value=f.path placeholder="sales.sqlite"/></label>
                }>
                    <label>"Host" <input name="host" bind:value=f.host placeholder="db.example.com"/></label>
                    <label>"Port" <input name="port" inputmode="numeric" bind:value=f.port/></label>
                    <label>"Database" <input name="database" bind:value=f.database/></label>
                    <label>"User" <input name="user" autocomplete="off" bind:value=f.user/></label>
                    <label>
                        "Password"
                        <input name="password" type="password" autocomplete="new-password" bind:value=f.password
                            placeholder=move || if editing.get().is_some_and(|d| d.has_password) { "unchanged (stored encrypted)" } else { "" }/>
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
                <button type="submit" class="primary" disabled=move || save.pending().get()>
                    {move || if save.pending().get() { "Saving…" } else if editing.get().is_some() { "Save changes" } else { "Save and test" }}
                </button>
                <Show when=move || editing.get().is_some()>
                    <button type="button" on:click=move |_| editing.set(None)>"Cancel edit"</button>
                </Show>
            </div>
            // One message at a time: a check in the browser replaces the last server answer.
            {move || {
                local_error
                    .get()
                    .or_else(|| save.value().get().and_then(|r| r.err()))
                    .map(|m| view! { <p class="error" role="alert">{m}</p> })
            }}
            {move || last_saved.get().map(|(saved, test)| view! {
                <div class="saved">
                    <p class="ok">"Saved “" {saved.name} "”."</p>
                    <ConnectionTestView test/>
                </div>
            })}
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
