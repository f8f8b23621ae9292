//! How far an answer can be trusted, shown as a badge, and — when the candidate queries
//! disagreed — the competing readings side by side, so the user picks the one they meant.
use leptos::{prelude::*, task::spawn_local};

use crate::app::{
    api::{choose_reading, outcome},
    model::{AskResponse, Confidence, QueryResult, Reading},
    table_rows::cell_text,
};

/// "High confidence", "Low confidence" or "Verified answer", with what it rests on.
#[component]
pub fn ConfidenceBadge(confidence: Confidence, votes: u32, candidates: u32) -> impl IntoView {
    let (label, why) = match confidence {
        // The vote stops once a majority agrees, so "2 agreed" may be all that ran to the end.
        Confidence::High if candidates > 1 => ("High confidence", format!("{votes} independent queries returned these rows, and none other")),
        Confidence::High => ("High confidence", "the query worked at the first try".to_string()),
        Confidence::Low if candidates > 1 => ("Check this answer", format!("only {votes} of {candidates} independent queries returned these rows")),
        Confidence::Low => ("Check this answer", "the query needed corrections or found no rows".to_string()),
        Confidence::Verified => ("Verified answer", "the SQL of an answer someone marked correct, run without the model".to_string()),
    };
    view! {
        <p class="confidence small" data-testid="confidence" data-confidence=confidence.as_str()>
            <span class=format!("badge confidence-{}", confidence.as_str())>{label}</span>
            " "<span class="muted">{why}</span>
        </p>
    }
}

/// The readings of a question the candidates split on: the answer (reading 0) and its
/// alternatives, each with its explanation, SQL and first rows. Picking one runs it, stores
/// the pick with the turn and shows it as the answer (`picked`).
#[component]
pub fn DidYouMean(answer: AskResponse, picked: impl Fn(Reading, QueryResult) + Copy + Send + Sync + 'static) -> impl IntoView {
    let first = Reading {
        sql: answer.sql.clone(),
        explanation: answer.explanation.clone(),
        preview: QueryResult { rows: answer.result.rows.iter().take(5).cloned().collect(), ..answer.result.clone() },
        votes: answer.votes,
    };
    let readings: Vec<Reading> = std::iter::once(first).chain(answer.alternatives.iter().cloned()).collect();
    let chosen = RwSignal::new(0u32);
    let error = RwSignal::new(None::<String>);
    let (conversation_id, turn_id) = (answer.conversation_id.clone(), answer.turn_id.clone());
    let choose = move |n: u32, reading: Reading| {
        let (conversation_id, turn_id) = (conversation_id.clone(), turn_id.clone());
        spawn_local(async move {
            match outcome(choose_reading(conversation_id, turn_id, n).await) {
                Ok(result) => {
                    chosen.try_set(n);
                    error.try_set(None);
                    picked(reading, result);
                }
                Err(e) => {
                    error.try_set(Some(e));
                }
            }
        });
    };
    let candidates = answer.candidates;
    view! {
        <section class="readings" data-testid="did-you-mean" aria-label="Other readings of the question">
            <h3 class="small">"Did you mean …?"</h3>
            <div class="reading-grid">
                {readings.into_iter().enumerate().map(|(n, reading)| {
                    let n = n as u32;
                    let choose = choose.clone();
                    let for_click = reading.clone();
                    view! {
                        <article class="reading" class:chosen=move || chosen.get() == n data-testid="reading">
                            <p class="small muted">{format!("{} of {candidates} queries", reading.votes)}</p>
                            <p class="explanation">{if reading.explanation.is_empty() { "(no explanation)".to_string() } else { reading.explanation.clone() }}</p>
                            <pre class="sql small" tabindex="0">{reading.sql.clone()}</pre>
                            <Preview result=reading.preview.clone()/>
                            <button class="small" disabled=move || chosen.get() == n on:click=move |_| choose(n, for_click.clone())>
                                {move || if chosen.get() == n { "Shown above" } else { "Use this reading" }}
                            </button>
                        </article>
                    }
                }).collect_view()}
            </div>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
        </section>
    }
}

/// A reading's first rows as a plain table.
#[component]
fn Preview(result: QueryResult) -> impl IntoView {
    let more = result.row_count.saturating_sub(result.rows.len());
    view! {
        <div class="preview" tabindex="0" role="region" aria-label="First rows">
            <table>
                <thead><tr>{result.columns.iter().map(|c| view! { <th scope="col">{c.name.clone()}</th> }).collect_view()}</tr></thead>
                <tbody>
                    {result.rows.iter().map(|row| view! {
                        <tr>{row.iter().map(|v| view! { <td>{cell_text(v).into_owned()}</td> }).collect_view()}</tr>
                    }).collect_view()}
                </tbody>
            </table>
            {(more > 0).then(|| view! { <p class="small muted">{format!("and {more} more row{}", if more == 1 { "" } else { "s" })}</p> })}
        </div>
    }
}
