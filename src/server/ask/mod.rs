//! The ask pipeline: question → relevant tables → prompt → model → guard → limited run,
//! feeding errors (with concrete hints) back to the model for a bounded number of attempts.
//! Every turn is stored, failed ones too, so the conversation can go on.
use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Instant,
};

use tokio::sync::{mpsc, Notify};

use crate::{
    app::model::{AskAttempt, AskEvent, AskRequest, AskResponse, QueryResult, SqlRequest, UserView},
    server::{
        datasources::{Datasource, DatasourceService},
        error::{AppError, AppResult},
        guard,
        llm::{answer_schema, parse_answer, provider::LlmProviders, ChatMessage, LlmClient, Sampling},
        store::{AuditAction, AuditRecord, AuditStatus, Store, TurnRecord},
    },
};

pub mod candidates;
pub mod events;
pub mod examples;
mod columns;
mod explain;
pub mod hints;
pub mod lookup;
pub mod prompt;
pub mod repair;
pub mod tables;
pub mod vote;
pub mod words;

/// Longest question accepted, in characters.
pub const MAX_QUESTION_CHARS: usize = 2_000;
/// Prompt budget for schema text, in characters (about 3.5k tokens, under half of an 8k-token
/// context, leaving room for corrections).
pub const SCHEMA_BUDGET_CHARS: usize = 12_000;
/// Sampling temperature for the fresh attempt after the model repeated a failed query.
const REPEAT_TEMPERATURE: f32 = 0.7;
/// Values of the database named by the question, shown at most.
const MAX_VALUE_HINTS: usize = 8;
/// Earlier turns shown to the model for follow-ups.
const HISTORY_TURNS: i64 = 3;

/// How asks are run (from the typed config).
#[derive(Clone, Copy, Debug)]
pub struct AskSettings {
    /// Model attempts per question (errors are fed back between them).
    pub max_attempts: u32,
    /// Candidate queries per question, asked at once and compared by their results (1: no vote).
    pub candidates: u32,
    /// Show the model frequent values of categorical columns.
    pub sample_values: bool,
    pub answer_format: prompt::AnswerFormat,
}

pub struct AskService {
    datasources: Arc<DatasourceService>,
    store: Store,
    llm: Arc<LlmProviders>,
    settings: AskSettings,
    /// Running asks by client-chosen id, for cancel requests.
    running: Mutex<HashMap<String, Arc<Notify>>>,
}

/// Progress reports from a running ask.
pub type Progress<'a> = &'a (dyn Fn(AskEvent) + Send + Sync);

/// Removes a running ask's cancel handle when the ask ends, however it ends.
struct Running<'a> {
    service: &'a AskService,
    id: Option<String>,
    cancelled: Arc<Notify>,
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        if let Some(id) = &self.id {
            self.service.running.lock().expect("ask registry lock").remove(id);
        }
    }
}

impl AskService {
    pub fn new(datasources: Arc<DatasourceService>, store: Store, llm: Arc<LlmProviders>, settings: AskSettings) -> Self {
        let settings = AskSettings {
            max_attempts: settings.max_attempts.max(1),
            candidates: settings.candidates.clamp(1, candidates::MAX_CANDIDATES),
            ..settings
        };
        AskService { datasources, store, llm, settings, running: Mutex::default() }
    }

    /// Asks as `user`, who must already be allowed to use the datasource (see `ops::asks`),
    /// with `request.ask_id` already scoped to the user.
    pub async fn ask(&self, user: &UserView, datasource: &Datasource, request: &AskRequest) -> AppResult<AskResponse> {
        self.ask_with_progress(user, datasource, request, &|_| {}).await
    }

    /// Stops the ask with this (user-scoped) id: its model call and its query. False when none runs.
    pub async fn cancel(&self, ask_id: &str) -> bool {
        let handle = self.running.lock().expect("ask registry lock").get(ask_id).cloned();
        let Some(handle) = handle else { return false };
        handle.notify_one();
        for n in 0..self.settings.candidates as usize {
            if let Some(id) = candidates::query_id(Some(ask_id), n) {
                self.datasources.cancel(&id).await;
            }
        }
        true
    }

    /// Runs an ask in its own task and streams its events; the last is `Done` or `Failed`.
    /// Dropping the receiver (the browser went away) drops the work, which closes the model
    /// connection so the model server stops generating.
    pub fn ask_events(self: &Arc<Self>, user: UserView, datasource: Datasource, request: AskRequest) -> mpsc::UnboundedReceiver<AskEvent> {
        let (tx, rx) = mpsc::unbounded_channel();
        let service = self.clone();
        tokio::spawn(async move {
            let report = {
                let tx = tx.clone();
                move |event: AskEvent| {
                    let _ = tx.send(event);
                }
            };
            tokio::select! {
                outcome = service.ask_with_progress(&user, &datasource, &request, &report) => {
                    let _ = tx.send(match outcome {
                        Ok(answer) => AskEvent::Done { answer: Box::new(answer) },
                        Err(e) => AskEvent::Failed { code: e.code().to_string(), message: e.public_message() },
                    });
                }
                _ = tx.closed() => tracing::info!("ask abandoned by the client"),
            }
        });
        rx
    }

    /// Registers a running ask under its user-scoped id (None when the client sent no id).
    fn register(&self, id: Option<String>) -> Running<'_> {
        let cancelled = Arc::new(Notify::new());
        if let Some(id) = &id {
            self.running.lock().expect("ask registry lock").insert(id.clone(), cancelled.clone());
        }
        Running { service: self, id, cancelled }
    }

    pub async fn ask_with_progress(&self, user: &UserView, datasource: &Datasource, request: &AskRequest, progress: Progress<'_>) -> AppResult<AskResponse> {
        self.ask_excluding(user, datasource, request, None, progress).await
    }

    /// The same, never showing the verified answer `exclude` as an example (the eval command
    /// tests each verified answer without its own help).
    pub async fn ask_excluding(
        &self,
        user: &UserView,
        datasource: &Datasource,
        request: &AskRequest,
        exclude: Option<&str>,
        progress: Progress<'_>,
    ) -> AppResult<AskResponse> {
        let started = Instant::now();
        let datasource_id = datasource.id();
        let ask_id = request.ask_id.clone();
        let running = self.register(ask_id.clone());
        let question = request.question.trim();
        if question.is_empty() {
            return Err(AppError::InvalidInput("the question is empty".into()));
        }
        if question.chars().count() > MAX_QUESTION_CHARS {
            return Err(AppError::InvalidInput(format!("the question is longer than {MAX_QUESTION_CHARS} characters")));
        }
        let llm = self.llm.client().await;
        let verified = examples::usable_as_examples(self.store.verified_answers(datasource_id, Some(&user.id)).await?);
        let lookup = lookup::find(question, &verified, exclude, datasource.engine().into());
        if llm.is_none() && lookup.is_none() {
            return Err(no_model());
        }
        let (conversation_id, history) = match &request.conversation_id {
            Some(id) => {
                if self.store.conversation_datasource(id, &user.id).await?.as_deref() != Some(datasource_id) {
                    return Err(AppError::NotFound("conversation"));
                }
                (id.clone(), self.store.recent_turns(id, HISTORY_TURNS).await?)
            }
            None => {
                let id = uuid::Uuid::new_v4().to_string();
                let title: String = question.chars().take(80).collect();
                self.store.create_conversation(&id, datasource_id, &user.id, &title).await?;
                (id, Vec::new())
            }
        };
        progress(AskEvent::Started { conversation_id: conversation_id.clone() });
        let context = AskContext { datasource, ask_id: ask_id.as_deref(), question, pinned: &request.pinned_tables, history: &history, verified: &verified, exclude };
        let outcome = tokio::select! {
            outcome = self.answer(llm, lookup, &context, progress) => outcome,
            _ = running.cancelled.notified() => Err(AppError::AskCancelled),
        };
        let status = match &outcome {
            Ok(_) => AuditStatus::Answered,
            Err(AppError::AskCancelled) => AuditStatus::Cancelled,
            Err(AppError::ChangeRefused(_)) => AuditStatus::Denied,
            Err(_) => AuditStatus::Failed,
        };
        crate::server::metrics::ask_finished(status.as_str(), started.elapsed().as_secs_f64());
        let turn = match &outcome {
            Ok((voted, _)) => TurnRecord {
                question: question.to_string(),
                sql: Some(voted.answer.sql.clone()),
                explanation: Some(voted.answer.explanation.clone()),
                error: None,
                row_count: Some(voted.answer.result.row_count as i64),
                confidence: Some(voted.confidence),
                readings: voted.readings(),
            },
            Err(e) => TurnRecord {
                question: question.to_string(),
                sql: None,
                explanation: None,
                error: Some(e.public_message()),
                row_count: None,
                confidence: None,
                readings: vec![],
            },
        };
        let turn_id = self.store.add_turn(&conversation_id, &turn).await?;
        let audit = AuditRecord {
            question: Some(turn.question.clone()),
            sql: turn.sql.clone(),
            duration_ms: Some(started.elapsed().as_millis() as i64),
            detail: turn.error.clone(),
            row_count: turn.row_count,
            ..AuditRecord::by(user, AuditAction::Ask, status).on_datasource(datasource_id, datasource.name())
        };
        self.store.append_audit(&audit).await?;
        let (voted, source) = outcome?;
        let candidates::Voted { answer, confidence, asked, votes, alternatives } = voted;
        let Answered { sql, explanation, mut result, attempts } = answer;
        result.elapsed_ms = started.elapsed().as_millis() as u64;
        Ok(AskResponse {
            conversation_id,
            sql,
            explanation,
            result,
            attempts,
            examples: source.examples,
            verified_question: source.verified_question,
            turn_id,
            confidence,
            candidates: asked,
            votes,
            alternatives,
        })
    }

    /// The answer: the verified SQL with the question's literals when a verified answer
    /// matches (no model call), otherwise the model's candidates. Says what guided it.
    async fn answer(&self, llm: Option<LlmClient>, lookup: Option<lookup::Lookup>, context: &AskContext<'_>, progress: Progress<'_>) -> AppResult<(candidates::Voted, AnswerSource)> {
        let AskContext { datasource, ask_id, question, .. } = *context;
        if let Some(lookup) = lookup {
            progress(AskEvent::Running { sql: lookup.sql.clone() });
            let request = SqlRequest { sql: lookup.sql.clone(), max_rows: None, query_id: ask_id.map(str::to_string) };
            match self.datasources.run_sql(datasource, &request).await {
                Ok(result) => {
                    let source = AnswerSource { examples: vec![], verified_question: Some(lookup.question.clone()) };
                    return Ok((candidates::Voted::verified(lookup, result), source));
                }
                Err(AppError::QueryCancelled) => return Err(AppError::AskCancelled),
                // The stored SQL with new values may not fit them (a value of another type):
                // the model answers instead.
                Err(e) => tracing::info!(error = %e.public_message(), "a verified answer with new values failed; asking the model"),
            }
        }
        let llm = llm.ok_or_else(no_model)?;
        let schema = self.datasources.schema(datasource, false).await?;
        let chosen = tables::select_tables(&schema, question, context.pinned, SCHEMA_BUDGET_CHARS);
        let shown: Vec<_> = chosen.iter().map(|&i| &schema.tables[i]).collect();
        progress(AskEvent::TablesChosen { tables: shown.iter().map(|t| t.qualified_name()).collect() });
        let past: Vec<prompt::PastTurn> = context
            .history
            .iter()
            .map(|t| prompt::PastTurn { question: t.question.clone(), sql: t.sql.clone() })
            .collect();
        let examples = examples::closest(question, context.verified, context.exclude);
        if !examples.is_empty() {
            progress(AskEvent::ExamplesChosen { questions: examples.iter().map(|e| e.question.clone()).collect() });
        }
        let values = self.grounded_values(datasource, &schema, &shown, question).await;
        if !values.is_empty() {
            progress(AskEvent::ValuesMatched { values: values.clone() });
        }
        let input = prompt::PromptInput {
            engine: datasource.engine(),
            tables: &shown,
            with_values: self.settings.sample_values,
            format: self.settings.answer_format,
            history: &past,
            examples: &examples,
            values: &values,
        };
        let messages = prompt::build_messages(&input, question);
        let voted = self.candidates(&llm, datasource, ask_id, &messages, &shown, progress).await?;
        Ok((voted, AnswerSource { examples: examples.into_iter().map(|e| e.question).collect(), verified_question: None }))
    }

    /// `table.column = 'value'` for the values the question names, in the tables shown. Only
    /// when data values may reach the model (`--llm-sample-values`).
    async fn grounded_values(
        &self,
        datasource: &Datasource,
        schema: &Arc<crate::app::model::SchemaInfo>,
        shown: &[&crate::app::model::SchemaTable],
        question: &str,
    ) -> Vec<String> {
        if !self.settings.sample_values {
            return Vec::new();
        }
        let index = self.datasources.values(datasource, schema).await;
        let shown: Vec<String> = shown.iter().map(|t| t.qualified_name()).collect();
        index.matches(question, MAX_VALUE_HINTS * 3).into_iter().filter(|m| shown.contains(&m.table)).take(MAX_VALUE_HINTS).map(|m| m.hint()).collect()
    }

    /// Asks, runs and corrects until a query works or the attempts run out. Each correction
    /// is asked on the original prompt plus only the latest failed answer and what was wrong
    /// with it: a small model that reads a growing list of its own failures starts answering
    /// with prose, and the unchanged prefix stays in the model server's prompt cache.
    #[allow(clippy::too_many_arguments)]
    async fn attempt(
        &self,
        llm: &LlmClient,
        datasource: &Datasource,
        query_id: Option<&str>,
        first_prompt: &[ChatMessage],
        shown: &[&crate::app::model::SchemaTable],
        sampling: Sampling,
        max_attempts: u32,
        progress: Progress<'_>,
    ) -> AppResult<Answered> {
        let format = self.settings.answer_format;
        let dialect = datasource.engine().into();
        let structured = answer_schema();
        let schema = (format == prompt::AnswerFormat::Json).then_some(&structured);
        let mut attempts: Vec<AskAttempt> = Vec::new();
        let mut empty_answer: Option<(String, QueryResult)> = None;
        let answered = |sql: String, result: QueryResult, attempts: Vec<AskAttempt>| Answered {
            explanation: explain::describe(&sql, dialect),
            sql,
            result,
            attempts,
        };
        // The latest failed reply and the correction asked for it.
        let mut correction: Option<(String, String)> = None;
        let mut repeated = false;
        for n in 0..max_attempts {
            progress(AskEvent::Writing { attempt: n + 1 });
            let mut messages = first_prompt.to_vec();
            if let Some((reply, request)) = &correction {
                messages.push(ChatMessage::assistant(reply.clone()));
                messages.push(ChatMessage::user(request.clone()));
            }
            let mut on_token = |text: &str| progress(AskEvent::Token { text: text.to_string() });
            // After the model repeated a failed query, the question is asked afresh and sampled
            // (a seed of its own per attempt): the same conversation, even sampled, mostly
            // brings the same query back (measured: docs/eval.md, 2026-12-01 second session).
            let sampling = if repeated {
                Sampling { temperature: sampling.temperature.max(REPEAT_TEMPERATURE), seed: Some(1_000 * (sampling.seed.unwrap_or(0) + 1) + u64::from(n)) }
            } else {
                sampling
            };
            let reply = llm.chat_at(&messages, schema, sampling, &mut on_token).await.map_err(|e| AppError::Llm(e.to_string()))?;
            repeated = false;
            let mut answer = match parse_answer(&reply) {
                Ok(a) => a,
                Err(e) => {
                    let failed = AskAttempt { sql: None, error: e.clone() };
                    progress(AskEvent::AttemptFailed { attempt: failed.clone() });
                    attempts.push(failed);
                    correction = Some((reply, format!("{e}. {}", format.instruction())));
                    continue;
                }
            };
            // The same query after "no rows": the model says no rows is the answer.
            if empty_answer.as_ref().is_some_and(|(sql, ..)| squash(sql) == squash(&answer.sql)) {
                let (sql, result) = empty_answer.take().expect("checked");
                return Ok(answered(sql, result, attempts));
            }
            // The same failed query again would fail the same way: say so instead of running it.
            let same = |a: &AskAttempt| a.sql.as_deref().is_some_and(|sql| squash(sql) == squash(&answer.sql));
            if let Some(earlier) = attempts.iter().find(|a| same(a)).cloned() {
                repeated = true;
                let failed = AskAttempt { sql: Some(answer.sql.clone()), error: format!("the same query as before; it failed with: {}", earlier.error) };
                progress(AskEvent::AttemptFailed { attempt: failed.clone() });
                attempts.push(failed);
                correction = None;
                continue;
            }
            progress(AskEvent::Running { sql: answer.sql.clone() });
            let run = |sql: &str| SqlRequest { sql: sql.to_string(), max_rows: None, query_id: query_id.map(str::to_string) };
            let mut outcome = self.datasources.run_sql(datasource, &run(&answer.sql)).await;
            // A first answer that changes data means the question asks for a change: no
            // correction can make that a read, so the ask ends here with a plain refusal.
            // (A write later in a correction is only a confused fix and is fed back as usual.)
            if let (0, Err(AppError::SqlRejected(refusal))) = (n, &outcome) {
                if let Some(statement) = guard::refused_statement(refusal) {
                    return Err(AppError::ChangeRefused(statement.to_string()));
                }
            }
            // Mechanical slips (a column taken from the wrong alias, a reserved word as an
            // alias, which the guard's parser already refuses) are fixed here without another
            // model call; one query may have both.
            for _ in 0..2 {
                let Err(AppError::Query(msg) | AppError::SqlRejected(msg)) = &outcome else { break };
                let Some((repaired, how)) = repair::repair(msg, &answer.sql, shown, dialect) else { break };
                let failed = AskAttempt { sql: Some(answer.sql.clone()), error: format!("{msg} (repaired: {how})") };
                progress(AskEvent::AttemptFailed { attempt: failed.clone() });
                attempts.push(failed);
                progress(AskEvent::Running { sql: repaired.clone() });
                outcome = self.datasources.run_sql(datasource, &run(&repaired)).await;
                answer.sql = repaired;
            }
            // The failed query as the model should see it (after any repair).
            let shown_reply = format.render(&answer.sql);
            match outcome {
                Ok(result) if result.row_count == 0 && n + 1 < max_attempts && empty_answer.is_none() => {
                    let failed = AskAttempt { sql: Some(answer.sql.clone()), error: "the query returned no rows".into() };
                    progress(AskEvent::AttemptFailed { attempt: failed.clone() });
                    attempts.push(failed);
                    correction = Some((
                        shown_reply,
                        "That query returned no rows. Check the filter values (spelling, case, date formats) and the joins. \
                         If no rows is the right answer, reply with the same query."
                            .into(),
                    ));
                    empty_answer = Some((answer.sql, result));
                }
                Ok(result) => return Ok(answered(answer.sql, result, attempts)),
                Err(e @ (AppError::SqlRejected(_) | AppError::Query(_) | AppError::QueryTimeout(_))) => {
                    let msg = e.public_message();
                    let hint = hints::for_error(&msg, &answer.sql, shown).map(|h| format!(" Hint: {h}.")).unwrap_or_default();
                    let failed = AskAttempt { sql: Some(answer.sql), error: msg.clone() };
                    progress(AskEvent::AttemptFailed { attempt: failed.clone() });
                    attempts.push(failed);
                    correction = Some((shown_reply, format!("That query failed: {msg}.{hint} Fix it. {}", format.instruction())));
                }
                Err(AppError::QueryCancelled) => return Err(AppError::AskCancelled),
                Err(other) => return Err(other),
            }
        }
        if let Some((sql, result)) = empty_answer {
            return Ok(answered(sql, result, attempts));
        }
        let last = attempts.last().map(|a| a.error.clone()).unwrap_or_default();
        Err(AppError::Llm(format!("no working query after {max_attempts} attempts; the last error was: {last}")))
    }
}

/// What one ask works from, besides the model.
#[derive(Clone, Copy)]
struct AskContext<'a> {
    datasource: &'a Datasource,
    ask_id: Option<&'a str>,
    question: &'a str,
    pinned: &'a [String],
    history: &'a [crate::app::model::ConversationTurn],
    verified: &'a [crate::app::model::VerifiedAnswer],
    exclude: Option<&'a str>,
}

/// What guided an answer: verified answers shown as examples, or the one used as a lookup.
struct AnswerSource {
    examples: Vec<String>,
    verified_question: Option<String>,
}

fn no_model() -> AppError {
    AppError::Llm("no language model is configured: set one on the Settings page or with DATABASEAI_LLM_BASE_URL".into())
}

/// One candidate's working query, what it returned, and the attempts it corrected on the way.
pub struct Answered {
    pub sql: String,
    pub explanation: String,
    pub result: QueryResult,
    pub attempts: Vec<AskAttempt>,
}

/// A query with spacing and the case of everything outside string literals flattened, to
/// notice the model sending the same one again ('lisbon' and 'Lisbon' stay different).
fn squash(sql: &str) -> String {
    let spaced = sql.trim().trim_end_matches(';').split_whitespace().collect::<Vec<_>>().join(" ");
    let mut in_literal = false;
    spaced
        .chars()
        .map(|c| {
            if c == '\'' {
                in_literal = !in_literal;
            }
            if in_literal { c } else { c.to_ascii_lowercase() }
        })
        .collect()
}

/// Schema tables for the pipeline's unit tests.
#[cfg(test)]
pub(crate) mod fixtures {
    use crate::app::model::{SchemaColumn, SchemaTable};

    /// A table of integer columns.
    pub fn table(name: &str, cols: &[&str]) -> SchemaTable {
        SchemaTable {
            schema: Some("public".into()),
            name: name.into(),
            kind: "table".into(),
            comment: None,
            row_estimate: None,
            columns: cols
                .iter()
                .map(|n| SchemaColumn { name: n.to_string(), data_type: "int".into(), nullable: true, default: None, primary_key: false, references: None, comment: None, sample_values: vec![] })
                .collect(),
        }
    }

    /// `t` with the named columns given these types.
    pub fn typed(mut t: SchemaTable, types: &[(&str, &str)]) -> SchemaTable {
        for (name, data_type) in types {
            t.columns.iter_mut().find(|c| c.name == *name).expect("column").data_type = data_type.to_string();
        }
        t
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn squash_ignores_spacing_and_keyword_case_but_not_literals() {
        use super::squash;
        assert_eq!(squash("SELECT  sum(x)\nFROM t;"), squash("select sum(x) from t"));
        assert_ne!(squash("SELECT * FROM c WHERE city = 'lisbon'"), squash("SELECT * FROM c WHERE city = 'Lisbon'"));
    }
}
