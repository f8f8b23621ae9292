//! Ask a question in plain language; see the explanation, the SQL (editable in the SQL
//! editor), any corrected attempts, and the rows. Follow-ups continue the conversation.
use leptos::prelude::*;

use crate::app::{
    api::{ask_question, outcome},
    components::result_table::ResultTable,
    model::{AskRequest, AskResponse},
};

#[component]
pub fn AskPanel(id: Signal<String>, sql: RwSignal<String>) -> impl IntoView {
    let question = RwSignal::new(String::new());
    let conversation = RwSignal::new(None::<String>);
    let ask = Action::new(move |(id, request): &(String, AskRequest)| {
        let (id, request) = (id.clone(), request.clone());
        async move { outcome(ask_question(id, request).await) }
    });
    Effect::new(move |_| {
        if let Some(Ok(answer)) = ask.value().get() {
            conversation.set(Some(answer.conversation_id.clone()));
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if ask.pending().get_untracked() {
            return;
        }
        let request = AskRequest { question: question.get_untracked(), conversation_id: conversation.get_untracked(), pinned_tables: vec![] };
        ask.dispatch((id.get_untracked(), request));
    };
    view! {
        <section class="ask card-flat">
            <form class="ask-form" on:submit=submit>
                <label for="question" class="sr-only">"Question"</label>
                <input id="question" class="ask-input" placeholder="Ask a question about this data, e.g. “Which 5 products sold the most last year?”" bind:value=question/>
                <button type="submit" class="primary" disabled=move || ask.pending().get()>
                    {move || if ask.pending().get() { "Thinking…" } else { "Ask" }}
                </button>
                <Show when=move || conversation.get().is_some()>
                    <button type="button" on:click=move |_| { conversation.set(None); question.set(String::new()); }>"New conversation"</button>
                </Show>
            </form>
            <Show when=move || ask.pending().get()>
                <p class="muted small">"Choosing tables, writing SQL and running it… a local model can take a minute."</p>
            </Show>
            {move || ask.value().get().map(|r| match r {
                Ok(answer) => view! { <Answer answer sql/> }.into_any(),
                Err(e) => view! { <p class="error" role="alert" data-testid="ask-error">{e}</p> }.into_any(),
            })}
        </section>
    }
}

#[component]
fn Answer(answer: AskResponse, sql: RwSignal<String>) -> impl IntoView {
    let answer_sql = answer.sql.clone();
    let attempts = answer.attempts.clone();
    let result = answer.result;
    view! {
        <div class="answer" data-testid="answer">
            {(!answer.explanation.is_empty()).then(|| view! { <p class="explanation">{answer.explanation.clone()}</p> })}
            <pre class="sql">{answer.sql.clone()}</pre>
            <button class="small" on:click=move |_| sql.set(answer_sql.clone())>"Edit in SQL editor"</button>
            {(!attempts.is_empty()).then(|| view! {
                <details class="attempts">
                    <summary>{format!("{} earlier attempt{} corrected", attempts.len(), if attempts.len() == 1 { "" } else { "s" })}</summary>
                    <ol>
                        {attempts.into_iter().map(|a| view! {
                            <li>
                                {a.sql.map(|s| view! { <pre class="sql">{s}</pre> })}
                                <p class="error">{a.error}</p>
                            </li>
                        }).collect_view()}
                    </ol>
                </details>
            })}
            <ResultTable result/>
        </div>
    }
}
