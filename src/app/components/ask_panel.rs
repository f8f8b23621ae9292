//! The chat: ask in plain language, watch it work (tables chosen → SQL being written, token
//! by token → running), cancel it, and see each answer's explanation, SQL (editable in the
//! SQL editor), corrected attempts and rows. Follow-ups continue the conversation; past
//! conversations can be reopened.
use futures::StreamExt;
use leptos::{prelude::*, task::spawn_local};
use leptos_router::hooks::use_query_map;

use crate::app::{
    api::{ask_stream, cancel_query, get_conversation, list_conversations, outcome},
    browser::{self, copy_to_clipboard, new_query_id},
    components::{
        readings::{ConfidenceBadge, DidYouMean},
        result_table::ResultTable,
        verified::MarkCorrect,
    },
    model::{AskAttempt, AskEvent, AskRequest, AskResponse, ConversationTurn},
};

/// Conversation ids are UUIDs; anything else in the address is ignored.
fn is_conversation_id(text: &str) -> bool {
    text.len() == 36 && text.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
}

#[derive(Clone)]
enum Reply {
    /// Asked in this page: the rows are here.
    Answer(AskResponse),
    /// Reopened from the store: SQL and outcome, rows on re-run.
    Stored(ConversationTurn),
    Error(String),
    /// An ask that ended as the person chose (a cancel) or as this app's rule says (a request
    /// to change data): said plainly, not as a fault.
    Notice(String),
}

/// Ask outcomes that are not faults.
fn is_notice(code: &str) -> bool {
    matches!(code, "ask_cancelled" | "change_refused")
}

#[derive(Clone)]
struct ChatTurn {
    /// Unique on the page, so that adding a turn leaves the earlier ones (and what the person
    /// chose in them: chart or table, sort, filter) as they were.
    id: u64,
    question: String,
    reply: Reply,
}

/// The ask in flight, as its events describe it.
#[derive(Clone, Default)]
struct LiveAsk {
    ask_id: String,
    question: String,
    stage: String,
    tokens: String,
    failed: Vec<AskAttempt>,
}

impl LiveAsk {
    fn apply(&mut self, event: &AskEvent) {
        match event {
            AskEvent::Started { .. } => self.stage = "Choosing tables…".into(),
            AskEvent::TablesChosen { tables } => self.stage = format!("Using {}", tables.join(", ")),
            AskEvent::ExamplesChosen { questions } => self.stage = format!("Using {} verified example{}", questions.len(), if questions.len() == 1 { "" } else { "s" }),
            AskEvent::Writing { attempt } => {
                self.stage = if *attempt == 1 { "Writing SQL…".into() } else { format!("Writing SQL (attempt {attempt})…") };
                self.tokens.clear();
            }
            AskEvent::Token { text } => self.tokens.push_str(text),
            AskEvent::Running { .. } => self.stage = "Running the query…".into(),
            AskEvent::AttemptFailed { attempt } => self.failed.push(attempt.clone()),
            AskEvent::ValuesMatched { values } => self.stage = format!("Matched {} value{} from the question", values.len(), if values.len() == 1 { "" } else { "s" }),
            AskEvent::CandidatesCompared { .. } => self.stage = "Comparing the candidate queries' results…".into(),
            AskEvent::Done { .. } | AskEvent::Failed { .. } => {}
        }
    }
}

#[component]
pub fn AskPanel(id: Signal<String>, sql: RwSignal<String>, pinned: RwSignal<Vec<String>>) -> impl IntoView {
    let question = RwSignal::new(String::new());
    // Each conversation has its own address (`?c=<id>`): a reload or a bookmark reopens it,
    // rendered by the server (so it shows before, or without, the WebAssembly).
    let query = use_query_map();
    let linked = query.with_untracked(|q| q.get("c")).filter(|c| is_conversation_id(c));
    // A question the page's form posted by itself that failed comes back as `failed=<code>`.
    let posted_failure = query.with_untracked(|q| q.get("failed"));
    let conversation = RwSignal::new(linked.clone());
    let linked_turns = Resource::new(
        move || linked.clone(),
        |c| async move {
            match c {
                Some(c) => Some(outcome(get_conversation(c).await)),
                None => None,
            }
        },
    );
    // Until another conversation is opened or a new one started.
    let linked_shown = RwSignal::new(true);
    let thread = RwSignal::new(Vec::<ChatTurn>::new());
    let live = RwSignal::new(None::<LiveAsk>);
    let list_version = RwSignal::new(0u32);
    let turn_ids = StoredValue::new(0u64);
    let new_turn = move |question: String, reply: Reply| {
        let id = turn_ids.get_value();
        turn_ids.set_value(id + 1);
        ChatTurn { id, question, reply }
    };

    let finish = move |asked: String, reply: Reply| {
        // A failed question goes back into the box, so trying again is one click.
        if matches!(reply, Reply::Error(_)) && question.with_untracked(String::is_empty) {
            question.try_set(asked.clone());
        }
        thread.try_update(|t| t.push(new_turn(asked, reply)));
        live.try_set(None);
        list_version.try_update(|v| *v += 1);
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if live.get_untracked().is_some() {
            return;
        }
        let asked = question.get_untracked();
        question.set(String::new());
        let ask_id = new_query_id();
        live.set(Some(LiveAsk { ask_id: ask_id.clone(), question: asked.clone(), stage: "Sending…".into(), ..Default::default() }));
        let request = AskRequest {
            question: asked.clone(),
            conversation_id: conversation.get_untracked(),
            pinned_tables: pinned.get_untracked(),
            ask_id: Some(ask_id),
        };
        let datasource = id.get_untracked();
        spawn_local(async move {
            let stream = match ask_stream(datasource, request).await {
                Ok(s) => s,
                Err(e) => return finish(asked, Reply::Error(outcome::<()>(Err(e)).unwrap_err())),
            };
            let mut chunks = stream.into_inner();
            let mut buffer = String::new();
            while let Some(chunk) = chunks.next().await {
                match chunk {
                    Ok(text) => buffer.push_str(&text),
                    Err(e) => return finish(asked, Reply::Error(outcome::<()>(Err(e)).unwrap_err())),
                }
                while let Some(end) = buffer.find('\n') {
                    let line: String = buffer.drain(..=end).collect();
                    let Ok(event) = serde_json::from_str::<AskEvent>(line.trim()) else { continue };
                    match event {
                        AskEvent::Done { answer } => return finish(asked, Reply::Answer(*answer)),
                        AskEvent::Failed { code, message } => {
                            return finish(asked, if is_notice(&code) { Reply::Notice(message) } else { Reply::Error(message) })
                        }
                        AskEvent::Started { ref conversation_id } => {
                            conversation.try_set(Some(conversation_id.clone()));
                        }
                        _ => {}
                    }
                    live.try_update(|l| {
                        if let Some(l) = l {
                            l.apply(&event)
                        }
                    });
                }
            }
            finish(asked, Reply::Error("the connection to the server closed before the answer arrived; try again".into()));
        });
    };
    let cancel = move |_| {
        if let Some(l) = live.get_untracked() {
            spawn_local(async move {
                let _ = cancel_query(l.ask_id).await;
            });
        }
    };
    let open_conversation = move |conversation_id: String| {
        if live.get_untracked().is_some() {
            return;
        }
        conversation.set(Some(conversation_id.clone()));
        linked_shown.set(false);
        spawn_local(async move {
            let turns = outcome(get_conversation(conversation_id).await);
            thread.try_set(match turns {
                Ok(turns) => turns.into_iter().map(|t| new_turn(t.question.clone(), Reply::Stored(t))).collect(),
                Err(e) => vec![new_turn(String::new(), Reply::Error(e))],
            });
        });
    };
    Effect::new(move |shown: Option<Option<String>>| {
        let now = conversation.get();
        if shown.is_some_and(|shown| shown != now) {
            browser::replace_query(&now.as_ref().map(|c| format!("c={c}")).unwrap_or_default());
        }
        now
    });
    let busy = move || live.with(Option::is_some);
    let live_text = move |field: fn(&LiveAsk) -> String| live.with(|l| l.as_ref().map(field).unwrap_or_default());
    view! {
        <section class="ask card-flat">
            <ConversationList id conversation list_version open=open_conversation/>
            <div class="thread" aria-live="polite">
                <Show when=move || linked_shown.get()>
                    <Transition fallback=|| ()>
                        {move || Suspend::new(async move {
                            match linked_turns.await {
                                Some(Ok(turns)) => turns
                                    .into_iter()
                                    .map(|t| {
                                        let asked = t.question.clone();
                                        view! { <div class="turn"><p class="question">{asked}</p><StoredAnswer turn=t sql/></div> }
                                    })
                                    .collect_view()
                                    .into_any(),
                                Some(Err(e)) => view! { <p class="error" role="alert" data-testid="ask-error">{e}</p> }.into_any(),
                                None => ().into_any(),
                            }
                        })}
                    </Transition>
                </Show>
                {posted_failure.map(|code| view! {
                    <p class="error" role="alert" data-testid="ask-error">{format!("The question could not be answered ({code}); try again.")}</p>
                })}
                <For each=move || thread.get() key=|turn| turn.id children=move |turn| view! { <Turn turn sql/> }/>
                // Stable elements with reactive text: the Cancel button must not be replaced
                // while tokens arrive, or a click could land on a vanished element.
                <Show when=busy>
                    <div class="turn live" data-testid="ask-progress">
                        <p class="question">{move || live_text(|l| l.question.clone())}</p>
                        <p class="stage"><span class="spinner" aria-hidden="true"></span>{move || live_text(|l| l.stage.clone())}</p>
                        <Show when=move || live.with(|l| l.as_ref().is_some_and(|l| !l.tokens.is_empty()))>
                            <pre class="tokens" data-testid="ask-tokens">{move || live_text(|l| l.tokens.clone())}</pre>
                        </Show>
                        {move || {
                            let failed = live.with(|l| l.as_ref().map_or(0, |l| l.failed.len()));
                            (failed > 0).then(|| view! {
                                <p class="muted small">{format!("{failed} attempt(s) failed so far; the model is correcting")}</p>
                            })
                        }}
                        <button type="button" class="danger small" on:click=cancel>"Cancel"</button>
                    </div>
                </Show>
            </div>
            // Without the WebAssembly the form posts itself and the server answers with this page.
            <form class="ask-form" method="post" action=move || format!("/datasources/{}/ask", id.get()) on:submit=submit>
                <input type="hidden" name="conversation" value=move || conversation.get().unwrap_or_default()/>
                <label for="question" class="sr-only">"Question"</label>
                <input id="question" name="question" class="ask-input" placeholder="Ask a question about this data, e.g. “Which 5 products sold the most last year?”" bind:value=question/>
                <button type="submit" class="primary" disabled=busy>{move || if busy() { "Thinking…" } else { "Ask" }}</button>
                <Show when=move || conversation.get().is_some()>
                    <button type="button" disabled=busy on:click=move |_| {
                        conversation.set(None);
                        linked_shown.set(false);
                        thread.set(vec![]);
                        question.set(String::new());
                    }>"New conversation"</button>
                </Show>
            </form>
            <Show when=move || pinned.with(|p| !p.is_empty())>
                <p class="pinned small" data-testid="pinned">
                    "Always shown to the model: "
                    {move || pinned.get().into_iter().map(|name| {
                        let remove = name.clone();
                        view! {
                            <span class="chip">{name.clone()}
                                <button type="button" class="link" aria-label=format!("Unpin {name}")
                                    on:click=move |_| pinned.update(|p| p.retain(|n| n != &remove))>"×"</button>
                            </span>
                        }
                    }).collect_view()}
                </p>
            </Show>
        </section>
    }
}

#[component]
fn ConversationList(
    id: Signal<String>,
    conversation: RwSignal<Option<String>>,
    list_version: RwSignal<u32>,
    open: impl Fn(String) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let conversations =
        Resource::new(move || (id.get(), list_version.get()), |(id, _)| async move { outcome(list_conversations(id).await) });
    view! {
        <Transition fallback=|| ()>
            {move || conversations.get().map(|r| match r {
                Ok(list) if list.is_empty() => ().into_any(),
                Ok(list) => view! {
                    <details class="conversations" data-testid="conversations">
                        <summary>{format!("Past conversations ({})", list.len())}</summary>
                        <ul>
                            {list.into_iter().map(|c| {
                                let cid = c.id.clone();
                                let current = move || conversation.get().as_deref() == Some(c.id.as_str());
                                view! {
                                    <li>
                                        <button type="button" class="link" class:current=current on:click=move |_| open(cid.clone())>
                                            {c.title.clone()}
                                        </button>
                                        <span class="muted small">{format!(" {} question{}", c.turns, if c.turns == 1 { "" } else { "s" })}</span>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    </details>
                }.into_any(),
                Err(e) => view! { <p class="error">{e}</p> }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn Turn(turn: ChatTurn, sql: RwSignal<String>) -> impl IntoView {
    let question = (!turn.question.is_empty()).then(|| view! { <p class="question">{turn.question.clone()}</p> });
    let reply = match turn.reply {
        Reply::Answer(answer) => view! { <Answer answer sql question=turn.question.clone()/> }.into_any(),
        Reply::Stored(stored) => view! { <StoredAnswer turn=stored sql/> }.into_any(),
        Reply::Error(e) => view! { <p class="error" role="alert" data-testid="ask-error">{e}</p> }.into_any(),
        Reply::Notice(n) => view! { <p class="notice" role="status" data-testid="ask-notice">{n}</p> }.into_any(),
    };
    view! { <div class="turn">{question}{reply}</div> }
}

#[component]
fn Answer(answer: AskResponse, sql: RwSignal<String>, question: String) -> impl IntoView {
    // The reading shown: the vote's answer, or the one the user picked under "Did you mean".
    let shown_sql = RwSignal::new(answer.sql.clone());
    let shown_explanation = RwSignal::new(answer.explanation.clone());
    let shown_result = RwSignal::new(answer.result.clone());
    let copied = RwSignal::new(false);
    let copy = move |_| {
        let text = shown_sql.get_untracked();
        spawn_local(async move {
            copied.try_set(copy_to_clipboard(text).await);
        });
    };
    let attempts = answer.attempts.clone();
    let examples = answer.examples.clone();
    let picked = move |reading: crate::app::model::Reading, result: crate::app::model::QueryResult| {
        shown_sql.set(reading.sql);
        shown_explanation.set(reading.explanation);
        shown_result.set(result);
    };
    view! {
        <div class="answer" data-testid="answer">
            <ConfidenceBadge confidence=answer.confidence votes=answer.votes candidates=answer.candidates/>
            {answer.verified_question.clone().map(|q| view! {
                <p class="small muted" data-testid="verified-used">"Answered from the verified answer to: " <q>{q}</q></p>
            })}
            {move || {
                let e = shown_explanation.get();
                (!e.is_empty()).then(|| view! { <p class="explanation">{e}</p> })
            }}
            <pre class="sql" data-testid="answer-sql">{move || shown_sql.get()}</pre>
            <div class="answer-actions">
                <button class="small" on:click=move |_| sql.set(shown_sql.get_untracked())>"Edit in SQL editor"</button>
                <button class="small" on:click=copy>{move || if copied.get() { "Copied" } else { "Copy SQL" }}</button>
                {move || view! { <MarkCorrect question=question.clone() sql=shown_sql.get()/> }}
            </div>
            {(!answer.alternatives.is_empty()).then(|| view! { <DidYouMean answer=answer.clone() picked/> })}
            {(!examples.is_empty()).then(|| view! {
                <p class="small muted" data-testid="examples-used">
                    {format!("Guided by {} verified answer{}: ", examples.len(), if examples.len() == 1 { "" } else { "s" })}
                    {examples.join(" · ")}
                </p>
            })}
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
            {move || view! { <ResultTable result=shown_result.get() sql=shown_sql.get()/> }}
        </div>
    }
}

#[component]
fn StoredAnswer(turn: ConversationTurn, sql: RwSignal<String>) -> impl IntoView {
    let stored_sql = turn.sql.clone();
    view! {
        <div class="answer stored" data-testid="stored-answer">
            {turn.confidence.map(|c| {
                let votes = turn.readings.get(turn.chosen as usize).map_or(0, |r| r.votes);
                view! { <ConfidenceBadge confidence=c votes candidates=0/> }
            })}
            {(turn.chosen > 0).then(|| view! { <p class="small muted">"You chose this reading over the first answer."</p> })}
            {turn.explanation.filter(|e| !e.is_empty()).map(|e| view! { <p class="explanation">{e}</p> })}
            {turn.sql.clone().map(|s| view! { <pre class="sql">{s}</pre> })}
            {stored_sql.map(|s| view! { <button class="small" on:click=move |_| sql.set(s.clone())>"Edit in SQL editor"</button> })}
            {turn.row_count.map(|n| view! { <span class="muted small">{format!(" {n} row{} when asked", if n == 1 { "" } else { "s" })}</span> })}
            {turn.error.map(|e| view! { <p class="error">{e}</p> })}
        </div>
    }
}
