//! Several candidate queries per question, asked at once: one at the configured temperature
//! (the greedy one, whose progress the user watches) and the rest sampled. The model server
//! batches concurrent requests on its parallel slots, so k candidates cost far less than k
//! asks. Each candidate corrects itself like a single ask; their results are then compared
//! (`vote`), and the largest group of equal results is the answer.
use futures::{stream::FuturesUnordered, StreamExt};

use super::{vote, Answered, AskService, Progress};
use crate::{
    app::model::{AskEvent, Confidence, QueryResult, Reading, SchemaTable},
    server::{
        datasources::Datasource,
        error::{AppError, AppResult},
        llm::{ChatMessage, LlmClient, Sampling},
    },
};

/// Upper bound for `--ask-candidates` (each is a model request in flight).
pub const MAX_CANDIDATES: u32 = 8;
/// Temperature of the sampled candidates: diverse enough to read a question another way,
/// low enough to stay on it.
const SAMPLE_TEMPERATURE: f32 = 0.7;
/// Attempts a sampled candidate may make: it can still correct a slip, but a long repair
/// chain in a sample would set the pace of the whole ask.
const SAMPLED_ATTEMPTS: u32 = 2;
/// Alternatives offered when the candidates disagree, and rows shown of each.
const MAX_ALTERNATIVES: usize = 2;
const PREVIEW_ROWS: usize = 5;

/// The chosen answer and what the vote said about it.
pub struct Voted {
    pub answer: Answered,
    pub confidence: Confidence,
    /// Candidates asked, and how many returned the answer's rows.
    pub asked: u32,
    pub votes: u32,
    /// The other groups' readings, largest first (only groups that found rows).
    pub alternatives: Vec<Reading>,
}

impl Voted {
    /// A verified answer's SQL, run with the question's values: no vote, no model.
    pub fn verified(lookup: super::lookup::Lookup, result: QueryResult) -> Voted {
        let mut explanation = format!("The verified answer to “{}”", lookup.question);
        if !lookup.parameters.is_empty() {
            let changes: Vec<String> = lookup.parameters.iter().map(|(was, now)| format!("{was} → {now}")).collect();
            explanation.push_str(&format!(", with {}", changes.join(", ")));
        }
        explanation.push('.');
        Voted {
            answer: Answered { sql: lookup.sql, explanation, result, attempts: vec![] },
            confidence: Confidence::Verified,
            asked: 0,
            votes: 0,
            alternatives: vec![],
        }
    }

    /// The answer as a reading, then the alternatives: what a turn stores for a later pick.
    pub fn readings(&self) -> Vec<Reading> {
        let answer = Reading {
            sql: self.answer.sql.clone(),
            explanation: self.answer.explanation.clone(),
            preview: preview(&self.answer.result),
            votes: self.votes,
        };
        std::iter::once(answer).chain(self.alternatives.iter().cloned()).collect()
    }
}

/// The first rows of a result (its `row_count` stays the full count).
fn preview(result: &QueryResult) -> QueryResult {
    QueryResult { rows: result.rows.iter().take(PREVIEW_ROWS).cloned().collect(), ..result.clone() }
}

/// Each candidate's rows, None while it runs or when it found no working query.
fn finished_results(outcomes: &[Option<AppResult<Answered>>]) -> Vec<Option<&QueryResult>> {
    outcomes.iter().map(|o| o.as_ref().and_then(|r| r.as_ref().ok()).map(|a| &a.result)).collect()
}

/// The cancel id of candidate `n`'s queries: the ask's own id for the first, so a cancel of
/// a single-candidate ask works as before.
pub fn query_id(ask_id: Option<&str>, n: usize) -> Option<String> {
    ask_id.map(|id| if n == 0 { id.to_string() } else { format!("{id}#{n}") })
}

impl AskService {
    /// Asks for the configured number of candidates at once and votes on their results.
    pub(super) async fn candidates(
        &self,
        llm: &LlmClient,
        datasource: &Datasource,
        ask_id: Option<&str>,
        first_prompt: &[ChatMessage],
        shown: &[&SchemaTable],
        progress: Progress<'_>,
    ) -> AppResult<Voted> {
        let asked = self.settings.candidates.max(1) as usize;
        let greedy = llm.settings().temperature;
        let silent = |_: AskEvent| {};
        let runs = (0..asked).map(|n| {
            let id = query_id(ask_id, n);
            // Only the greedy candidate reports progress: the user watches one query being written.
            let (sampling, attempts, report): (Sampling, u32, Progress<'_>) = if n == 0 {
                (Sampling { temperature: greedy, seed: None }, self.settings.max_attempts, progress)
            } else {
                let sampled = Sampling { temperature: greedy.max(SAMPLE_TEMPERATURE), seed: Some(n as u64) };
                (sampled, self.settings.max_attempts.min(SAMPLED_ATTEMPTS), &silent)
            };
            async move { self.attempt(llm, datasource, id.as_deref(), first_prompt, shown, sampling, attempts, report).await }
        });
        // Candidates finish in any order; once the greedy one is done and a strict majority
        // agrees on rows, the rest cannot change the answer and are dropped (which closes
        // their model connections, so the model server stops writing them).
        let mut pending: FuturesUnordered<_> = runs.enumerate().map(|(n, run)| async move { (n, run.await) }).collect();
        let mut outcomes: Vec<Option<AppResult<Answered>>> = (0..asked).map(|_| None).collect();
        while let Some((n, outcome)) = pending.next().await {
            // A cancel, or a question that asks for a change: the other candidates are dropped.
            let outcome = match outcome {
                Err(e @ (AppError::AskCancelled | AppError::ChangeRefused(_))) => return Err(e),
                outcome => outcome,
            };
            outcomes[n] = Some(outcome);
            let results = finished_results(&outcomes);
            if vote::decided(asked, &vote::rank(&results), &results, outcomes[0].is_some()) {
                break;
            }
        }
        drop(pending);
        let results = finished_results(&outcomes);
        let ranked = vote::rank(&results);
        if asked > 1 {
            let group_of = |n: usize| ranked.iter().position(|g| g.contains(&n)).map(|g| g as u32);
            progress(AskEvent::CandidatesCompared {
                sqls: outcomes.iter().map(|o| o.as_ref().and_then(|r| r.as_ref().ok()).map(|a| a.sql.clone())).collect(),
                groups: (0..asked).map(group_of).collect(),
            });
        }
        let mut answers: Vec<Option<Answered>> = Vec::with_capacity(asked);
        let mut first_error = None;
        for outcome in outcomes {
            match outcome {
                Some(Ok(a)) => answers.push(Some(a)),
                Some(Err(e)) => {
                    first_error.get_or_insert(e);
                    answers.push(None);
                }
                None => answers.push(None),
            }
        }
        let Some(winner) = ranked.first() else {
            return Err(first_error.unwrap_or_else(|| AppError::Llm("the model gave no answer".into())));
        };
        let alternatives = ranked[1..]
            .iter()
            .filter_map(|group| {
                let a = answers[group[0]].as_ref()?;
                (a.result.row_count > 0).then(|| Reading {
                    sql: a.sql.clone(),
                    explanation: a.explanation.clone(),
                    preview: preview(&a.result),
                    votes: group.len() as u32,
                })
            })
            .take(MAX_ALTERNATIVES)
            .collect();
        let answer = answers[winner[0]].take().expect("a ranked candidate has an answer");
        let confidence = vote::confidence(asked, &ranked, &answer.result, !answer.attempts.is_empty());
        Ok(Voted { confidence, asked: asked as u32, votes: winner.len() as u32, alternatives, answer })
    }
}
