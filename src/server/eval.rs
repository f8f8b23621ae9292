//! `databaseai eval`: execution accuracy of the ask pipeline on a question set in the
//! sql-eval CSV format (question, query, db_name, query_category, instructions), against
//! PostgreSQL databases named after `db_name` (or, with `--mysql-url`, asked of MySQL / MariaDB
//! copies of them and scored against the gold queries on PostgreSQL). It drives the same
//! AskService the app uses.
use std::{collections::BTreeMap, path::PathBuf, time::Instant};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{
    config::{EvalArgs, Settings},
    datasources::Datasource,
    error::StartupResult,
    startup,
};
use crate::app::model::{AskAttempt, AskEvent, AskRequest, DatasourceInput, Engine, QueryResult, SqlRequest, SslMode};

#[derive(Debug, Deserialize)]
struct Question {
    question: String,
    query: String,
    db_name: String,
    query_category: String,
    #[serde(default)]
    instructions: String,
}

#[derive(Debug, Serialize)]
pub struct QuestionOutcome {
    pub index: usize,
    pub db_name: String,
    pub category: String,
    pub question: String,
    pub correct: bool,
    pub predicted_sql: Option<String>,
    pub error: Option<String>,
    pub attempts: usize,
    /// Every failed attempt's SQL and error, in order (the last attempt's SQL when it worked is
    /// `predicted_sql`).
    pub failed_attempts: Vec<AskAttempt>,
    pub seconds: f64,
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub model: String,
    pub temperature: f32,
    pub total: usize,
    pub correct: usize,
    pub accuracy: f64,
    pub per_category: BTreeMap<String, (usize, usize)>,
    pub seconds: f64,
    pub questions: Vec<QuestionOutcome>,
}

/// Gold queries: alternatives separated by `;`, and `{a, b}` meaning any one of the columns
/// (with `{}` repeating the choice, e.g. in GROUP BY).
pub fn expand_gold(query: &str) -> Vec<String> {
    let mut out = Vec::new();
    for alternative in query.split(';').map(str::trim).filter(|q| !q.is_empty()) {
        let mut pending = vec![alternative.to_string()];
        while let Some(q) = pending.pop() {
            let brace = q.find('{').and_then(|s| q[s..].find('}').map(|e| (s, s + e)));
            match brace {
                Some((s, e)) if e > s + 1 => {
                    for option in q[s + 1..e].split(',').map(str::trim) {
                        let chosen = format!("{}{}{}", &q[..s], option, &q[e + 1..]).replace("{}", option);
                        pending.push(chosen);
                    }
                }
                _ => out.push(q),
            }
        }
    }
    out
}

fn normalize(v: &Value) -> String {
    let number = match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok().filter(|f| f.is_finite()),
        _ => None,
    };
    match (number, v) {
        (Some(f), _) => format!("{:.2}", (f * 100.0).round() / 100.0),
        (None, Value::Null) => "NULL".into(),
        (None, Value::String(s)) => s.trim().to_string(),
        (None, other) => other.to_string(),
    }
}

/// Same rows as multisets, where every gold column has a matching predicted column (the
/// prediction may carry extra columns); floats compared to two decimals.
pub fn results_match(gold: &QueryResult, predicted: &QueryResult) -> bool {
    if gold.rows.len() != predicted.rows.len() || gold.truncated {
        return false;
    }
    let column = |r: &QueryResult, i: usize| -> Vec<String> {
        let mut c: Vec<String> = r.rows.iter().map(|row| normalize(&row[i])).collect();
        c.sort();
        c
    };
    let predicted_columns: Vec<Vec<String>> = (0..predicted.columns.len()).map(|i| column(predicted, i)).collect();
    let mut used = vec![false; predicted_columns.len()];
    let mut mapping = Vec::new();
    for g in 0..gold.columns.len() {
        let wanted = column(gold, g);
        let Some(j) = (0..predicted_columns.len()).find(|&j| !used[j] && predicted_columns[j] == wanted) else {
            return false;
        };
        used[j] = true;
        mapping.push(j);
    }
    let rows = |r: &QueryResult, cols: &[usize]| -> Vec<Vec<String>> {
        let mut out: Vec<Vec<String>> = r.rows.iter().map(|row| cols.iter().map(|&i| normalize(&row[i])).collect()).collect();
        out.sort();
        out
    };
    let gold_cols: Vec<usize> = (0..gold.columns.len()).collect();
    rows(gold, &gold_cols) == rows(predicted, &mapping)
}

/// Runs the datasource's verified answers through the pipeline: the user's own regression test.
pub async fn run_verified(settings: &Settings, args: &EvalArgs, datasource_id: &str) -> StartupResult<Report> {
    let started = Instant::now();
    let addr = std::net::SocketAddr::new(settings.bind, settings.port);
    let state = startup::build_state(settings, startup::leptos_options(addr)).await?;
    let runner = state.auth.system_user("eval").await.map_err(|e| e.public_message())?;
    let datasource = state.datasources.open(datasource_id).await.map_err(|e| e.public_message())?;
    let mut pairs = state.store.verified_answers(datasource.id(), None).await?;
    // A stable order, so two runs can be compared line by line.
    pairs.sort_by(|a, b| a.question.cmp(&b.question).then(a.id.cmp(&b.id)));
    if pairs.is_empty() {
        return Err(format!("{} has no verified answers yet", datasource.name()).into());
    }
    let mut outcomes = Vec::new();
    for (n, pair) in pairs.iter().enumerate() {
        let failed_attempts = std::sync::Mutex::new(Vec::new());
        let record = |event: AskEvent| {
            if let AskEvent::AttemptFailed { attempt } = event {
                failed_attempts.lock().expect("attempt log").push(attempt);
            }
        };
        let request = AskRequest { question: pair.question.clone(), conversation_id: None, pinned_tables: vec![], ask_id: None };
        let t0 = Instant::now();
        let answer = state.ask.ask_excluding(&runner, &datasource, &request, Some(&pair.id), &record).await;
        let seconds = t0.elapsed().as_secs_f64();
        let failed_attempts = failed_attempts.into_inner().expect("attempt log");
        let (correct, predicted_sql, error) = match answer {
            Ok(a) => {
                let gold = state.datasources.run_sql(&datasource, &SqlRequest { sql: pair.sql.clone(), max_rows: None, query_id: None }).await;
                (gold.is_ok_and(|g| results_match(&g, &a.result)), Some(a.sql), None)
            }
            Err(e) => (false, None, Some(e.public_message())),
        };
        println!("[{}/{}] {} {:>6.1}s  {}", n + 1, pairs.len(), if correct { "ok  " } else { "MISS" }, seconds, pair.question);
        outcomes.push(QuestionOutcome {
            index: n,
            db_name: datasource.name().to_string(),
            category: "verified".into(),
            question: pair.question.clone(),
            correct,
            predicted_sql,
            error,
            attempts: failed_attempts.len() + usize::from(correct),
            failed_attempts,
            seconds,
        });
    }
    finish(settings, args, outcomes, started)
}

pub async fn run(settings: &Settings, args: &EvalArgs) -> StartupResult<Report> {
    let started = Instant::now();
    let mut settings = settings.clone();
    settings.data_dir = std::env::temp_dir().join(format!("databaseai-eval-{}", uuid::Uuid::new_v4()));
    settings.database_url = None;
    settings.no_demo = true;
    let addr = std::net::SocketAddr::new(settings.bind, settings.port);
    let state = startup::build_state(&settings, startup::leptos_options(addr)).await?;
    let pg = url::Url::parse(&args.pg_url)?;
    let mysql = args.mysql_url.as_deref().map(url::Url::parse).transpose()?;
    let runner = state.auth.system_user("eval").await.map_err(|e| e.public_message())?;

    let questions_file = args.questions.as_ref().ok_or("--questions is required")?;
    let mut reader = csv::Reader::from_path(questions_file)?;
    let questions: Vec<Question> = reader.deserialize().collect::<Result<_, _>>()?;
    let selected: Vec<(usize, Question)> = questions
        .into_iter()
        .enumerate()
        .filter(|(_, q)| args.category.as_deref().is_none_or(|c| c == q.query_category))
        .filter(|(_, q)| args.db.as_deref().is_none_or(|d| d == q.db_name))
        .step_by(args.stride.max(1))
        .skip(args.skip)
        .take(args.limit.unwrap_or(usize::MAX))
        .collect();

    // db_name → (datasource asked, datasource the gold queries run on).
    let mut datasources: BTreeMap<String, (Datasource, Datasource)> = BTreeMap::new();
    let mut outcomes = Vec::new();
    for (n, (index, q)) in selected.iter().enumerate() {
        if !datasources.contains_key(&q.db_name) {
            let server_input = |engine: Engine, server: &url::Url, default_user: &str, name: String| DatasourceInput {
                name,
                engine: Some(engine),
                host: server.host_str().map(str::to_string),
                port: server.port(),
                database: Some(q.db_name.clone()),
                user: Some(if server.username().is_empty() { default_user.into() } else { server.username().into() }),
                password: server.password().map(str::to_string),
                sslmode: Some(SslMode::Disable),
                path: None,
            };
            let service = &state.datasources;
            let create = |input: DatasourceInput| async move {
                let created = service.create(&input).await.map_err(|e| e.public_message())?;
                service.open(&created.id).await.map_err(|e| e.public_message())
            };
            let gold = create(server_input(Engine::Postgres, &pg, "postgres", q.db_name.clone())).await?;
            let asked = match &mysql {
                Some(server) => create(server_input(Engine::MySql, server, "root", format!("{} (MySQL)", q.db_name))).await?,
                None => gold.clone(),
            };
            datasources.insert(q.db_name.clone(), (asked, gold));
        }
        let (ds, gold_ds) = &datasources[&q.db_name];
        let question = if q.instructions.trim().is_empty() {
            q.question.clone()
        } else {
            format!("{}\nInstructions: {}", q.question, q.instructions.trim())
        };
        let t0 = Instant::now();
        let failed_attempts = std::sync::Mutex::new(Vec::new());
        let record = |event: AskEvent| {
            if let AskEvent::AttemptFailed { attempt } = event {
                failed_attempts.lock().expect("attempt log").push(attempt);
            }
        };
        let request = AskRequest { question, conversation_id: None, pinned_tables: vec![], ask_id: None };
        let answer = state.ask.ask_with_progress(&runner, ds, &request, &record).await;
        let failed_attempts = failed_attempts.into_inner().expect("attempt log");
        let seconds = t0.elapsed().as_secs_f64();
        let (correct, predicted_sql, error, attempts) = match answer {
            Ok(a) => {
                let predicted = a.result;
                let mut correct = false;
                for gold_sql in expand_gold(&q.query) {
                    let gold = state.datasources.run_sql(gold_ds, &SqlRequest { sql: gold_sql, max_rows: None, query_id: None }).await;
                    if gold.is_ok_and(|g| results_match(&g, &predicted)) {
                        correct = true;
                        break;
                    }
                }
                (correct, Some(a.sql), None, a.attempts.len() + 1)
            }
            Err(e) => (false, None, Some(e.public_message()), failed_attempts.len()),
        };
        println!(
            "[{}/{}] {} {:<15} {:<12} {:>6.1}s  {}",
            n + 1,
            selected.len(),
            if correct { "ok  " } else { "MISS" },
            q.query_category,
            q.db_name,
            seconds,
            error.as_deref().unwrap_or("")
        );
        outcomes.push(QuestionOutcome {
            index: *index,
            db_name: q.db_name.clone(),
            category: q.query_category.clone(),
            question: q.question.clone(),
            correct,
            predicted_sql,
            error,
            attempts,
            failed_attempts,
            seconds,
        });
    }
    let _ = std::fs::remove_dir_all(&settings.data_dir);
    finish(&settings, args, outcomes, started)
}

fn finish(settings: &Settings, args: &EvalArgs, outcomes: Vec<QuestionOutcome>, started: Instant) -> StartupResult<Report> {
    let mut per_category: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for o in &outcomes {
        let e = per_category.entry(o.category.clone()).or_default();
        e.0 += o.correct as usize;
        e.1 += 1;
    }
    let correct = outcomes.iter().filter(|o| o.correct).count();
    let report = Report {
        model: settings.llm_model.clone(),
        temperature: settings.llm_temperature,
        total: outcomes.len(),
        correct,
        accuracy: if outcomes.is_empty() { 0.0 } else { correct as f64 / outcomes.len() as f64 },
        per_category,
        seconds: started.elapsed().as_secs_f64(),
        questions: outcomes,
    };
    write_report(&report, &args.report_dir)?;
    Ok(report)
}

fn write_report(report: &Report, dir: &PathBuf) -> StartupResult<()> {
    std::fs::create_dir_all(dir)?;
    let stamp = super::store::now_ms();
    std::fs::write(dir.join(format!("eval-{stamp}.json")), serde_json::to_string_pretty(report)?)?;
    let mut md = format!(
        "# Ask pipeline evaluation\n\nModel `{}`, temperature {}. Execution accuracy: **{}/{} = {:.1}%** in {:.0} s.\n\n| category | correct | total | accuracy |\n|---|---|---|---|\n",
        report.model, report.temperature, report.correct, report.total, report.accuracy * 100.0, report.seconds
    );
    for (category, (ok, n)) in &report.per_category {
        md.push_str(&format!("| {category} | {ok} | {n} | {:.1}% |\n", *ok as f64 * 100.0 / *n as f64));
    }
    std::fs::write(dir.join(format!("eval-{stamp}.md")), md)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::model::ResultColumn;
    use serde_json::json;

    fn result(cols: &[&str], rows: Vec<Vec<Value>>) -> QueryResult {
        QueryResult {
            columns: cols.iter().map(|c| ResultColumn { name: c.to_string(), type_name: "text".into() }).collect(),
            row_count: rows.len(),
            rows,
            truncated: false,
            elapsed_ms: 0,
        }
    }

    #[test]
    fn gold_alternatives_expand() {
        let v = expand_gold("SELECT {a.x, a.y}, count(*) FROM a GROUP BY {};SELECT 1;");
        assert!(v.contains(&"SELECT a.x, count(*) FROM a GROUP BY a.x".to_string()));
        assert!(v.contains(&"SELECT a.y, count(*) FROM a GROUP BY a.y".to_string()));
        assert!(v.contains(&"SELECT 1".to_string()));
        assert_eq!(v.len(), 3);
    }

    #[test]
    fn results_match_as_multisets_with_extra_columns() {
        let gold = result(&["n"], vec![vec![json!(1.004)], vec![json!(2)]]);
        let same_other_order = result(&["name", "count"], vec![vec![json!("b"), json!("2.00")], vec![json!("a"), json!(1)]]);
        assert!(results_match(&gold, &same_other_order));
        let different = result(&["n"], vec![vec![json!(1)], vec![json!(3)]]);
        assert!(!results_match(&gold, &different));
        let fewer = result(&["n"], vec![vec![json!(1)]]);
        assert!(!results_match(&gold, &fewer));
        let pairs = result(&["a", "b"], vec![vec![json!("x"), json!(1)], vec![json!("y"), json!(2)]]);
        let swapped = result(&["a", "b"], vec![vec![json!("x"), json!(2)], vec![json!("y"), json!(1)]]);
        assert!(!results_match(&pairs, &swapped), "rows must stay together");
    }
}
