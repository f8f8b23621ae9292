//! Admin: accounts, who may use which datasource, and the audit log.
use leptos::prelude::*;

use crate::app::{
    api::{audit_log, change_role, create_user, delete_user, get_sharing, list_datasources, list_users, outcome, reset_password, set_functions, set_sharing},
    browser,
    model::{AuditAction, AuditFilter, DatasourceFunctions, DatasourceSharing, DatasourceSummary, NewUserInput, PasswordReset, Role, RoleChange, UserView},
    components::local_time::LocalTime,
    session::{use_session, AdminGate},
};

#[component]
pub fn AdminPage() -> impl IntoView {
    view! {
        <AdminGate>
            <AdminContent/>
        </AdminGate>
    }
}

#[component]
fn AdminContent() -> impl IntoView {
    let version = RwSignal::new(0u32);
    let users = Resource::new(move || version.get(), |_| async move { outcome(list_users().await) });
    view! {
        <section class="page">
            <h1>"Admin"</h1>
            <Users users version/>
            <Sharing users/>
            <Audit version/>
        </section>
    }
}

#[component]
fn Users(users: Resource<Result<Vec<UserView>, String>>, version: RwSignal<u32>) -> impl IntoView {
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let role = RwSignal::new("analyst".to_string());
    let create = Action::new(|input: &NewUserInput| {
        let input = input.clone();
        async move { outcome(create_user(input).await) }
    });
    let remove = Action::new(|id: &String| {
        let id = id.clone();
        async move { outcome(delete_user(id).await) }
    });
    Effect::new(move |_| {
        if let Some(Ok(_)) = create.value().get() {
            username.set(String::new());
            password.set(String::new());
            version.update(|v| *v += 1);
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(())) = remove.value().get() {
            // "Added …" may name the account just deleted: no message outlives what it says.
            create.value().set(None);
            version.update(|v| *v += 1);
        }
    });
    let session = use_session();
    view! {
        <div class="card">
            <h2>"Accounts"</h2>
            <Transition fallback=|| view! { <p class="muted">"Loading accounts…"</p> }>
                {move || Suspend::new(async move {
                    let me = session.await.and_then(|s| s.user).map(|u| u.id);
                    match users.await {
                        Ok(list) => view! {
                            <table class="plain-table" data-testid="users">
                                <thead><tr><th>"Username"</th><th>"Role"</th><th><span class="sr-only">"Actions"</span></th></tr></thead>
                                <tbody>
                                    {list.into_iter().map(|user| view! { <UserRow user me=me.clone() remove version/> }).collect_view()}
                                </tbody>
                            </table>
                        }.into_any(),
                        Err(e) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
                    }
                })}
            </Transition>
            {move || remove.value().get().and_then(|r| r.err()).map(|e| view! { <p class="error" role="alert">{e}</p> })}
            <h3>"Add an account"</h3>
            <form class="grid" novalidate on:submit=move |ev: leptos::ev::SubmitEvent| {
                ev.prevent_default();
                let role = if role.get_untracked() == "admin" { Role::Admin } else { Role::Analyst };
                create.dispatch(NewUserInput { username: username.get_untracked(), password: password.get_untracked(), role });
            }>
                <label>"Username" <input name="new_username" autocomplete="off" bind:value=username/></label>
                <label>"Password" <input name="new_password" type="password" autocomplete="new-password" bind:value=password/></label>
                <label>
                    "Role"
                    <select name="new_role" bind:value=role>
                        <option value="analyst">"analyst: asks and runs SQL on shared datasources"</option>
                        <option value="admin">"admin: everything"</option>
                    </select>
                </label>
                <div class="form-actions wide">
                    <button type="submit" class="primary" disabled=move || create.pending().get()>"Add account"</button>
                </div>
            </form>
            {move || create.value().get().map(|r| match r {
                Ok(u) => view! { <p class="ok" role="status">"Added " {u.username} "."</p> }.into_any(),
                Err(e) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
            })}
        </div>
    }
}

/// One account: its role (a select that saves on change), a password reset and a two-step
/// Delete. None of these on your own account: the server refuses them (another admin changes
/// your role; your own password is changed on the account page, with the current one).
#[component]
fn UserRow(user: UserView, me: Option<String>, remove: Action<String, Result<(), String>>, version: RwSignal<u32>) -> impl IntoView {
    let confirming = RwSignal::new(false);
    let resetting = RwSignal::new(false);
    let new_password = RwSignal::new(String::new());
    let own = me.as_deref() == Some(user.id.as_str());
    let id = StoredValue::new(user.id.clone());
    let name = user.username.clone();
    let role_change = Action::new(move |role: &Role| {
        let change = RoleChange { role: *role };
        async move { outcome(change_role(id.get_value(), change).await) }
    });
    // The select shows the stored role again when a change is refused (the last admin).
    let shown_role = RwSignal::new(user.role.as_str());
    let stored_role = user.role.as_str();
    Effect::new(move |_| match role_change.value().get() {
        Some(Ok(_)) => version.update(|v| *v += 1),
        Some(Err(_)) => shown_role.set(stored_role),
        None => {}
    });
    let reset = Action::new(move |password: &String| {
        let reset = PasswordReset { password: password.clone() };
        async move { outcome(reset_password(id.get_value(), reset).await) }
    });
    Effect::new(move |_| {
        if let Some(Ok(())) = reset.value().get() {
            resetting.set(false);
            new_password.set(String::new());
        }
    });
    let role_label = format!("Role of {name}");
    let password_label = format!("New password for {name}");
    view! {
        <tr data-user=user.username.clone()>
            <td>{user.username.clone()}{own.then(|| view! { <span class="muted small">" (you)"</span> })}</td>
            <td>
                {if own {
                    user.role.as_str().into_any()
                } else {
                    view! {
                        <select aria-label=role_label prop:value=move || shown_role.get() disabled=move || role_change.pending().get()
                            on:change=move |ev| {
                                if let Some(role) = Role::parse(&event_target_value(&ev)) {
                                    shown_role.set(role.as_str());
                                    role_change.dispatch(role);
                                }
                            }>
                            <option value="analyst">"analyst"</option>
                            <option value="admin">"admin"</option>
                        </select>
                    }.into_any()
                }}
            </td>
            <td><div class="row-actions">
                {(!own).then(|| view! {
                    <Show when=move || resetting.get() fallback=move || view! { <button on:click=move |_| resetting.set(true)>"Reset password"</button> }>
                        <form class="inline-form" novalidate on:submit=move |ev: leptos::ev::SubmitEvent| {
                            ev.prevent_default();
                            reset.dispatch(new_password.get_untracked());
                        }>
                            <input type="password" autocomplete="new-password" aria-label=password_label.clone() bind:value=new_password/>
                            <button type="submit" class="primary" disabled=move || reset.pending().get()>"Set password"</button>
                            <button type="button" on:click=move |_| { resetting.set(false); reset.value().set(None); }>"Cancel"</button>
                        </form>
                    </Show>
                    <Show when=move || confirming.get() fallback=move || view! { <button on:click=move |_| confirming.set(true)>"Delete"</button> }>
                        <button class="danger" on:click=move |_| { remove.dispatch(id.get_value()); }>"Confirm delete"</button>
                        <button on:click=move |_| confirming.set(false)>"Keep"</button>
                    </Show>
                })}
                {move || role_change.value().get().and_then(|r| r.err()).map(|e| view! { <p class="error" role="alert">{e}</p> })}
                {move || reset.value().get().map(|r| match r {
                    Ok(()) => view! { <p class="ok" role="status">"Password set; " {name.clone()} " was signed out everywhere."</p> }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
                })}
            </div></td>
        </tr>
    }
}

#[component]
fn Sharing(users: Resource<Result<Vec<UserView>, String>>) -> impl IntoView {
    let datasources = Resource::new(|| (), |_| async move { outcome(list_datasources().await) });
    view! {
        <div class="card">
            <h2>"Who may use each datasource"</h2>
            <p class="small muted">"Admins may use every datasource. Analysts see only what is shared with them."</p>
            <p class="small muted" id="functions-help">"Queries may call only built-in functions known to be harmless. To allow a datasource's own functions, name them (name or schema.name, comma-separated); the server's own functions cannot be added."</p>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let (list, people) = (datasources.await, users.await);
                    match (list, people) {
                        (Ok(list), Ok(people)) => {
                            let analysts: Vec<UserView> = people.into_iter().filter(|u| !u.is_admin()).collect();
                            list.into_iter()
                                .map(|ds| view! { <ShareRow ds analysts=analysts.clone()/> })
                                .collect_view()
                                .into_any()
                        }
                        (Err(e), _) | (_, Err(e)) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

#[component]
fn ShareRow(ds: DatasourceSummary, analysts: Vec<UserView>) -> impl IntoView {
    let id = ds.id.clone();
    let current = Resource::new(move || id.clone(), |id| async move { outcome(get_sharing(id).await) });
    let everyone = RwSignal::new(false);
    let chosen = RwSignal::new(Vec::<String>::new());
    Effect::new(move |_| {
        if let Some(Ok(s)) = current.get() {
            everyone.set(s.everyone);
            chosen.set(s.users);
        }
    });
    let save = Action::new(|(id, sharing): &(String, DatasourceSharing)| {
        let (id, sharing) = (id.clone(), sharing.clone());
        async move { outcome(set_sharing(id, sharing).await) }
    });
    let id = ds.id.clone();
    view! {
        <fieldset class="share-row" data-datasource=ds.name.clone()>
            <legend>{ds.name.clone()}</legend>
            <label class="check"><input type="checkbox" name="everyone" bind:checked=everyone/>" Everyone"</label>
            {analysts.into_iter().map(|u| {
                let uid = u.id.clone();
                let uid_check = uid.clone();
                view! {
                    <label class="check">
                        <input type="checkbox" name="share_user"
                            prop:checked=move || chosen.with(|c| c.contains(&uid_check))
                            on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                chosen.update(|c| {
                                    c.retain(|x| x != &uid);
                                    if on { c.push(uid.clone()); }
                                });
                            }/>
                        " " {u.username.clone()}
                    </label>
                }
            }).collect_view()}
            <button on:click=move |_| {
                save.dispatch((id.clone(), DatasourceSharing { everyone: everyone.get_untracked(), users: chosen.get_untracked() }));
            }>"Save"</button>
            {move || save.value().get().map(|r| match r {
                Ok(_) => view! { <span class="ok small" role="status">"Saved"</span> }.into_any(),
                Err(e) => view! { <span class="error small" role="alert">{e}</span> }.into_any(),
            })}
            <FunctionsEditor id=ds.id.clone() initial=ds.allowed_functions.clone()/>
        </fieldset>
    }
}

/// The datasource's own functions that queries may call besides the built-in harmless ones.
#[component]
fn FunctionsEditor(id: String, initial: Vec<String>) -> impl IntoView {
    let save = Action::new(|(id, text): &(String, String)| {
        let functions = DatasourceFunctions { functions: text.split(',').map(|f| f.trim().to_string()).filter(|f| !f.is_empty()).collect() };
        let id = id.clone();
        async move { outcome(set_functions(id, functions).await) }
    });
    let text = RwSignal::new(initial.join(", "));
    // The saved list, as the server normalised it, replaces what was typed.
    Effect::new(move |_| {
        if let Some(Ok(f)) = save.value().get() {
            text.set(f.functions.join(", "));
        }
    });
    let input_id = format!("functions-{id}");
    view! {
        <div class="functions-row">
            <label for=input_id.clone()>"Its own functions queries may call"</label>
            <input id=input_id name="allowed_functions" placeholder="e.g. public.fiscal_quarter, net_revenue" bind:value=text
                aria-describedby="functions-help"/>
            <button on:click=move |_| { save.dispatch((id.clone(), text.get_untracked())); }>"Save functions"</button>
            {move || save.value().get().map(|r| match r {
                Ok(_) => view! { <span class="ok small" role="status">"Saved"</span> }.into_any(),
                Err(e) => view! { <span class="error small" role="alert">{e}</span> }.into_any(),
            })}
        </div>
    }
}

#[component]
fn Audit(version: RwSignal<u32>) -> impl IntoView {
    let page = RwSignal::new(0i64);
    let filter = RwSignal::new(AuditFilter::default());
    // Reloaded when accounts change, so the admin sees their own changes logged.
    let entries = Resource::new(move || (filter.get(), page.get(), version.get()), |(f, p, _)| async move { outcome(audit_log(f, p * 200).await) });
    let (who, action, datasource, from, to) = (RwSignal::new(String::new()), RwSignal::new(String::new()), RwSignal::new(String::new()), RwSignal::new(String::new()), RwSignal::new(String::new()));
    let text = |s: RwSignal<String>| Some(s.get_untracked().trim().to_string()).filter(|v| !v.is_empty());
    let apply = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        page.set(0);
        filter.set(AuditFilter {
            user: text(who),
            action: text(action),
            datasource: text(datasource),
            // Days in the reader's time zone; "to" includes its whole day.
            since_ms: browser::local_day_start_ms(&from.get_untracked(), 0),
            until_ms: browser::local_day_start_ms(&to.get_untracked(), 1),
        });
    };
    let clear = move |_| {
        for s in [who, action, datasource, from, to] {
            s.set(String::new());
        }
        page.set(0);
        filter.set(AuditFilter::default());
    };
    view! {
        <div class="card">
            <div class="card-head">
                <h2>"Audit log"</h2>
                <a class="button" href="/api/v1/audit/export" download="databaseai-audit.csv">"Download CSV"</a>
            </div>
            <form class="audit-filters" on:submit=apply>
                <label>"Who" <input name="audit_user" placeholder="username" bind:value=who/></label>
                <label>
                    "What"
                    <select name="audit_action" prop:value=move || action.get() on:change=move |ev| action.set(event_target_value(&ev))>
                        <option value="">"any action"</option>
                        {AuditAction::ALL.into_iter().map(|a| view! { <option value=a.as_str()>{a.as_str()}</option> }).collect_view()}
                    </select>
                </label>
                <label>"Datasource" <input name="audit_datasource" placeholder="name contains" bind:value=datasource/></label>
                <label>"From" <input name="audit_from" type="date" bind:value=from/></label>
                <label>"To" <input name="audit_to" type="date" bind:value=to/></label>
                <div class="form-actions">
                    <button type="submit">"Filter"</button>
                    <button type="button" on:click=clear>"Clear"</button>
                </div>
            </form>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match entries.await {
                        Ok(list) => view! {
                            <div class="table-wrap" tabindex="0" role="region" aria-label="Audit log entries">
                                <table class="result-table" data-testid="audit">
                                    <thead><tr><th>"When"</th><th>"Who"</th><th>"What"</th><th>"Datasource"</th><th>"Question / SQL"</th><th>"Status"</th><th>"ms"</th></tr></thead>
                                    <tbody>
                                        {list.into_iter().map(|e| {
                                            let sql_title = e.sql.clone().unwrap_or_default();
                                            view! {
                                            <tr>
                                                <td><LocalTime ms=e.at_ms/></td>
                                                <td>{e.username}</td>
                                                <td>{e.action}</td>
                                                <td>{e.datasource_name.unwrap_or_default()}</td>
                                                <td title=sql_title>{e.question.or(e.sql).or(e.detail).unwrap_or_default()}</td>
                                                <td>{e.status}</td>
                                                <td class="num">{e.duration_ms.map(|d| d.to_string()).unwrap_or_default()}</td>
                                            </tr>
                                            }
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                        }.into_any(),
                        Err(e) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
                    }
                })}
            </Transition>
            <div class="form-actions">
                <button disabled=move || page.get() == 0 on:click=move |_| page.update(|p| *p = (*p - 1).max(0))>"Newer"</button>
                <button on:click=move |_| page.update(|p| *p += 1)>"Older"</button>
            </div>
        </div>
    }
}
