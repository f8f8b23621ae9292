//! The ask pipeline: question → relevant tables → prompt → model → guard → limited run,
//! feeding errors (with concrete hints) back to the model for a bounded number of attempts.
//! Every turn is stored, failed ones too, so the conversation can go on.
use std::{sync::Arc, time::Instant};

use crate::{
    app::model::{AskAttempt, AskRequest, AskResponse, QueryResult, SqlRequest},
    server::{
        datasources::DatasourceService,
        error::{AppError, AppResult},
        llm::{answer_schema, parse_answer, ChatMessage, LlmClient},
        store::{Store, TurnRecord},
    },
};

pub mod hints;
pub mod prompt;
pub mod tables;

/// Longest question accepted, in characters.
pub const MAX_QUESTION_CHARS: usize = 2_000;
/// Prompt budget for schema text, in characters (about a quarter of a 8k-token context).
const SCHEMA_BUDGET_CHARS: usize = 8_000;
/// Earlier turns shown to the model for follow-ups.
const HISTORY_TURNS: i64 = 3;

pub struct AskService {
    datasources: Arc<DatasourceService>,
    store: Store,
    llm: Option<LlmClient>,
    max_attempts: u32,
}

impl AskService {
    pub fn new(datasources: Arc<DatasourceService>, store: Store, llm: Option<LlmClient>, max_attempts: u32) -> Self {
        AskService { datasources, store, llm, max_attempts: max_attempts.max(1) }
    }

    pub async fn ask(&self, datasource_id: &str, request: &AskRequest) -> AppResult<AskResponse> {
        let started = Instant::now();
        let question = request.question.trim();
        if question.is_empty() {
            return Err(AppError::InvalidInput("the question is empty".into()));
        }
        if question.chars().count() > MAX_QUESTION_CHARS {
            return Err(AppError::InvalidInput(format!("the question is longer than {MAX_QUESTION_CHARS} characters")));
        }
        let llm = self.llm.as_ref().ok_or_else(|| {
            AppError::Llm("no language model is configured: set DATABASEAI_LLM_BASE_URL, or run scripts/local-llm".into())
        })?;
        let datasource = self.datasources.get(datasource_id).await?;
        let (conversation_id, history) = match &request.conversation_id {
            Some(id) => {
                if self.store.conversation_datasource(id).await?.as_deref() != Some(datasource_id) {
                    return Err(AppError::NotFound("conversation"));
                }
                (id.clone(), self.store.recent_turns(id, HISTORY_TURNS).await?)
            }
            None => {
                let id = uuid::Uuid::new_v4().to_string();
                let title: String = question.chars().take(80).collect();
                self.store.create_conversation(&id, datasource_id, &title).await?;
                (id, Vec::new())
            }
        };
        let schema = self.datasources.schema(datasource_id, false).await?;
        let chosen = tables::select_tables(&schema, question, &request.pinned_tables, SCHEMA_BUDGET_CHARS);
        let shown: Vec<_> = chosen.iter().map(|&i| &schema.tables[i]).collect();
        let past: Vec<prompt::PastTurn> = history
            .iter()
            .map(|t| prompt::PastTurn { question: t.question.clone(), sql: t.sql.clone() })
            .collect();
        let mut messages = prompt::build_messages(datasource.engine, &shown, &past, question);

        let outcome = self.attempt(llm, datasource_id, &mut messages, &shown).await;
        let turn = match &outcome {
            Ok((sql, explanation, result, _)) => TurnRecord {
                question: question.to_string(),
                sql: Some(sql.clone()),
                explanation: Some(explanation.clone()),
                error: None,
                row_count: Some(result.row_count as i64),
            },
            Err(e) => TurnRecord { question: question.to_string(), sql: None, explanation: None, error: Some(e.public_message()), row_count: None },
        };
        self.store.add_turn(&conversation_id, &turn).await?;
        let (sql, explanation, mut result, attempts) = outcome?;
        result.elapsed_ms = started.elapsed().as_millis() as u64;
        Ok(AskResponse { conversation_id, sql, explanation, result, attempts })
    }

    /// Asks, runs and corrects until a query works or the attempts run out.
    async fn attempt(
        &self,
        llm: &LlmClient,
        datasource_id: &str,
        messages: &mut Vec<ChatMessage>,
        shown: &[&crate::app::model::SchemaTable],
    ) -> AppResult<(String, String, QueryResult, Vec<AskAttempt>)> {
        let schema = answer_schema();
        let mut attempts: Vec<AskAttempt> = Vec::new();
        let mut empty_answer: Option<(String, String, QueryResult)> = None;
        for n in 0..self.max_attempts {
            let reply = llm.chat(messages, Some(&schema), &mut |_| {}).await.map_err(|e| AppError::Llm(e.to_string()))?;
            messages.push(ChatMessage::assistant(reply.clone()));
            let answer = match parse_answer(&reply) {
                Ok(a) => a,
                Err(e) => {
                    attempts.push(AskAttempt { sql: None, error: e.clone() });
                    messages.push(ChatMessage::user(format!(
                        "{e}. Reply with JSON only: {{\"sql\": \"<one SELECT query>\", \"explanation\": \"<one sentence>\"}}"
                    )));
                    continue;
                }
            };
            let request = SqlRequest { sql: answer.sql.clone(), max_rows: None, query_id: None };
            match self.datasources.run_sql(datasource_id, &request).await {
                Ok(result) if result.row_count == 0 && n + 1 < self.max_attempts && empty_answer.is_none() => {
                    attempts.push(AskAttempt { sql: Some(answer.sql.clone()), error: "the query returned no rows".into() });
                    messages.push(ChatMessage::user(
                        "That query returned no rows. Check the filter values (spelling, case, date formats) and the joins. \
                         If no rows is the right answer, reply with the same query.",
                    ));
                    empty_answer = Some((answer.sql, answer.explanation, result));
                }
                Ok(result) => return Ok((answer.sql, answer.explanation, result, attempts)),
                Err(e @ (AppError::SqlRejected(_) | AppError::Query(_) | AppError::QueryTimeout(_))) => {
                    let msg = e.public_message();
                    let hint = hints::closest_names(&msg, shown).map(|h| format!(" Hint: {h}.")).unwrap_or_default();
                    attempts.push(AskAttempt { sql: Some(answer.sql), error: msg.clone() });
                    messages.push(ChatMessage::user(format!("That query failed: {msg}.{hint} Fix it and reply with JSON only.")));
                }
                Err(other) => return Err(other),
            }
        }
        if let Some((sql, explanation, result)) = empty_answer {
            return Ok((sql, explanation, result, attempts));
        }
        let last = attempts.last().map(|a| a.error.clone()).unwrap_or_default();
        Err(AppError::Llm(format!("no working query after {} attempts; the last error was: {last}", self.max_attempts)))
    }
}
