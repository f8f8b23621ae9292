//! `databaseai eval`: execution accuracy of the ask pipeline on a question set in the
//! sql-eval CSV format (question, query, db_name, query_category, instructions), against
//! PostgreSQL databases named after `db_name` (or, with `--mysql-url`, asked of MySQL / MariaDB
//! copies of them and scored against the gold queries on PostgreSQL). It drives the same
//! AskService the app uses.
use std::{collections::BTreeMap, path::PathBuf, time::Instant};

use serde::{Deserialize, Serialize};

use super::{
    ask::vote,
    config::{EvalArgs, Settings},
    datasources::Datasource,
    error::{AppError, StartupResult},
    startup,
    state::AppState,
};
use crate::app::model::{AskAttempt, AskEvent, AskRequest, Confidence, DatasourceInput, Engine, QueryResult, SqlRequest, SslMode, UserView};

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
    #[serde(flatten)]
    pub scored: Scored,
}

/// One question asked and scored.
#[derive(Debug, Serialize)]
pub struct Scored {
    pub correct: bool,
    pub predicted_sql: Option<String>,
    pub error: Option<String>,
    /// Why it was missed (None when correct).
    pub failure: Option<Failure>,
    pub confidence: Option<Confidence>,
    pub attempts: usize,
    /// Every failed attempt's SQL and error, in order (the last attempt's SQL when it worked is
    /// `predicted_sql`).
    pub failed_attempts: Vec<AskAttempt>,
    /// Each candidate's final SQL (None: no working query) and whether its rows were right.
    pub candidates: Vec<Option<String>>,
    pub candidate_correct: Vec<bool>,
    /// Some candidate was right (what a perfect vote could have scored).
    pub oracle: bool,
    /// Values of the database the question named, shown to the model.
    pub values: Vec<String>,
    pub seconds: f64,
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub model: String,
    pub temperature: f32,
    pub candidates: u32,
    pub total: usize,
    pub correct: usize,
    pub accuracy: f64,
    /// Questions where some candidate was right, and how many of those the vote got right.
    pub oracle: usize,
    pub vote_picked_right: usize,
    pub per_category: BTreeMap<String, (usize, usize)>,
    pub per_database: BTreeMap<String, (usize, usize)>,
    /// Correct / total per confidence the answers carried.
    pub per_confidence: BTreeMap<String, (usize, usize)>,
    pub failures: BTreeMap<String, usize>,
    pub median_seconds: f64,
    pub p90_seconds: f64,
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

/// The sql-eval scoring rule (see `vote::covers`): every gold column present, same rows.
pub fn results_match(gold: &QueryResult, predicted: &QueryResult) -> bool {
    vote::covers(gold, predicted)
}

/// Why a question was missed, so each change is judged by what it fixes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Failure {
    /// No working query (every attempt failed in the database or the guard).
    SqlError,
    /// Rows were expected and none came back.
    EmptyResult,
    MissingRows,
    ExtraRows,
    /// As many rows as the gold query, but fewer columns than it has.
    WrongColumns,
    /// As many rows and enough columns, with other values.
    WrongValues,
    /// The query or the model ran out of time.
    Timeout,
    /// The model failed (unreachable, refused, no usable reply).
    ModelError,
}

impl Failure {
    pub fn as_str(self) -> &'static str {
        match self {
            Failure::SqlError => "sql_error",
            Failure::EmptyResult => "empty_result",
            Failure::MissingRows => "missing_rows",
            Failure::ExtraRows => "extra_rows",
            Failure::WrongColumns => "wrong_columns",
            Failure::WrongValues => "wrong_values",
            Failure::Timeout => "timeout",
            Failure::ModelError => "model_error",
        }
    }

    /// A wrong result, compared with the gold one (None when the gold query did not run).
    pub fn of_result(gold: Option<&QueryResult>, predicted: &QueryResult) -> Failure {
        let Some(gold) = gold else { return Failure::WrongValues };
        match predicted.rows.len().cmp(&gold.rows.len()) {
            _ if predicted.rows.is_empty() && !gold.rows.is_empty() => Failure::EmptyResult,
            std::cmp::Ordering::Less => Failure::MissingRows,
            std::cmp::Ordering::Greater => Failure::ExtraRows,
            std::cmp::Ordering::Equal if predicted.columns.len() < gold.columns.len() => Failure::WrongColumns,
            std::cmp::Ordering::Equal => Failure::WrongValues,
        }
    }

    /// An ask that gave no answer.
    pub fn of_error(e: &AppError) -> Failure {
        match e {
            AppError::QueryTimeout(_) => Failure::Timeout,
            AppError::Llm(m) if m.starts_with("no working query") => Failure::SqlError,
            AppError::Llm(m) if m.contains("did not answer within") => Failure::Timeout,
            AppError::Llm(_) => Failure::ModelError,
            _ => Failure::SqlError,
        }
    }
}

/// Asks one question (never showing the verified answer `exclude` as an example) and scores
/// the answer and every candidate against the gold queries' results.
async fn ask_and_score(state: &AppState, runner: &UserView, asked: &Datasource, exclude: Option<&str>, question: String, gold: &[QueryResult]) -> Scored {
    let log = std::sync::Mutex::new((Vec::new(), Vec::new(), Vec::new()));
    let record = |event: AskEvent| match event {
        AskEvent::AttemptFailed { attempt } => log.lock().expect("attempt log").0.push(attempt),
        AskEvent::CandidatesCompared { sqls, .. } => log.lock().expect("attempt log").1 = sqls,
        AskEvent::ValuesMatched { values } => log.lock().expect("attempt log").2 = values,
        _ => {}
    };
    let request = AskRequest { question, conversation_id: None, pinned_tables: vec![], ask_id: None };
    let t0 = Instant::now();
    let answer = state.ask.ask_excluding(runner, asked, &request, exclude, &record).await;
    let seconds = t0.elapsed().as_secs_f64();
    let (failed_attempts, mut candidates, values) = log.into_inner().expect("attempt log");
    let right = |result: &QueryResult| gold.iter().any(|g| results_match(g, result));
    match answer {
        Ok(a) => {
            let correct = right(&a.result);
            if candidates.is_empty() {
                candidates = vec![Some(a.sql.clone())];
            }
            let mut candidate_correct = Vec::new();
            for sql in &candidates {
                candidate_correct.push(match sql {
                    Some(sql) if *sql == a.sql => correct,
                    Some(sql) => {
                        let request = SqlRequest { sql: sql.clone(), max_rows: None, query_id: None };
                        state.datasources.run_sql(asked, &request).await.is_ok_and(|r| right(&r))
                    }
                    None => false,
                });
            }
            Scored {
                correct,
                failure: (!correct).then(|| Failure::of_result(gold.first(), &a.result)),
                confidence: Some(a.confidence),
                predicted_sql: Some(a.sql),
                error: None,
                attempts: a.attempts.len() + 1,
                failed_attempts,
                oracle: candidate_correct.iter().any(|&c| c),
                values,
                candidates,
                candidate_correct,
                seconds,
            }
        }
        Err(e) => Scored {
            correct: false,
            failure: Some(Failure::of_error(&e)),
            confidence: None,
            predicted_sql: None,
            error: Some(e.public_message()),
            attempts: failed_attempts.len(),
            failed_attempts,
            candidate_correct: vec![false; candidates.len()],
            candidates,
            oracle: false,
            values,
            seconds,
        },
    }
}

/// One progress line per question.
fn print_line(n: usize, total: usize, category: &str, db: &str, scored: &Scored) {
    println!(
        "[{}/{}] {} {:<15} {:<12} {:>6.1}s {:<8} {}",
        n + 1,
        total,
        if scored.correct { "ok  " } else { "MISS" },
        category,
        db,
        scored.seconds,
        scored.confidence.map_or("-", Confidence::as_str),
        scored.failure.map_or("", Failure::as_str),
    );
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
        let gold: Vec<QueryResult> =
            state.datasources.run_sql(&datasource, &SqlRequest { sql: pair.sql.clone(), max_rows: None, query_id: None }).await.into_iter().collect();
        let scored = ask_and_score(&state, &runner, &datasource, Some(&pair.id), pair.question.clone(), &gold).await;
        print_line(n, pairs.len(), "verified", datasource.name(), &scored);
        outcomes.push(QuestionOutcome { index: n, db_name: datasource.name().to_string(), category: "verified".into(), question: pair.question.clone(), scored });
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
        let mut gold = Vec::new();
        for gold_sql in expand_gold(&q.query) {
            if let Ok(result) = state.datasources.run_sql(gold_ds, &SqlRequest { sql: gold_sql, max_rows: None, query_id: None }).await {
                gold.push(result);
            }
        }
        let scored = ask_and_score(&state, &runner, ds, None, question, &gold).await;
        print_line(n, selected.len(), &q.query_category, &q.db_name, &scored);
        outcomes.push(QuestionOutcome { index: *index, db_name: q.db_name.clone(), category: q.query_category.clone(), question: q.question.clone(), scored });
    }
    let _ = std::fs::remove_dir_all(&settings.data_dir);
    finish(&settings, args, outcomes, started)
}

fn finish(settings: &Settings, args: &EvalArgs, outcomes: Vec<QuestionOutcome>, started: Instant) -> StartupResult<Report> {
    let tally = |key: fn(&QuestionOutcome) -> String| {
        let mut out: BTreeMap<String, (usize, usize)> = BTreeMap::new();
        for o in &outcomes {
            let e = out.entry(key(o)).or_default();
            e.0 += o.scored.correct as usize;
            e.1 += 1;
        }
        out
    };
    let mut failures: BTreeMap<String, usize> = BTreeMap::new();
    for f in outcomes.iter().filter_map(|o| o.scored.failure) {
        *failures.entry(f.as_str().to_string()).or_default() += 1;
    }
    let mut times: Vec<f64> = outcomes.iter().map(|o| o.scored.seconds).collect();
    times.sort_by(f64::total_cmp);
    let correct = outcomes.iter().filter(|o| o.scored.correct).count();
    let oracle = outcomes.iter().filter(|o| o.scored.oracle).count();
    let report = Report {
        model: settings.llm_model.clone(),
        temperature: settings.llm_temperature,
        candidates: settings.ask_candidates,
        total: outcomes.len(),
        correct,
        accuracy: if outcomes.is_empty() { 0.0 } else { correct as f64 / outcomes.len() as f64 },
        oracle,
        vote_picked_right: outcomes.iter().filter(|o| o.scored.oracle && o.scored.correct).count(),
        per_category: tally(|o| o.category.clone()),
        per_database: tally(|o| o.db_name.clone()),
        per_confidence: tally(|o| o.scored.confidence.map_or("none", Confidence::as_str).to_string()),
        failures,
        median_seconds: percentile(&times, 0.5),
        p90_seconds: percentile(&times, 0.9),
        seconds: started.elapsed().as_secs_f64(),
        questions: outcomes,
    };
    write_report(&report, &args.report_dir)?;
    Ok(report)
}

/// The value below which `share` of the sorted `values` lie (nearest rank).
pub fn percentile(sorted: &[f64], share: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = (share * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn write_report(report: &Report, dir: &PathBuf) -> StartupResult<()> {
    std::fs::create_dir_all(dir)?;
    let stamp = super::store::now_ms();
    std::fs::write(dir.join(format!("eval-{stamp}.json")), serde_json::to_string_pretty(report)?)?;
    let pct = |ok: usize, n: usize| if n == 0 { 0.0 } else { ok as f64 * 100.0 / n as f64 };
    let mut md = format!(
        "# Ask pipeline evaluation\n\nModel `{}`, temperature {}, {} candidate(s). Execution accuracy: **{}/{} = {:.1}%** in {:.0} s \
(median {:.1} s, p90 {:.1} s per question).\n\nOracle (some candidate right): {}/{}; the vote picked a right one in {} of those.\n",
        report.model, report.temperature, report.candidates, report.correct, report.total, report.accuracy * 100.0, report.seconds,
        report.median_seconds, report.p90_seconds, report.oracle, report.total, report.vote_picked_right
    );
    for (title, table) in [("category", &report.per_category), ("database", &report.per_database), ("confidence", &report.per_confidence)] {
        md.push_str(&format!("\n| {title} | correct | total | accuracy |\n|---|---|---|---|\n"));
        for (key, (ok, n)) in table {
            md.push_str(&format!("| {key} | {ok} | {n} | {:.1}% |\n", pct(*ok, *n)));
        }
    }
    md.push_str("\n| failure | questions |\n|---|---|\n");
    for (kind, n) in &report.failures {
        md.push_str(&format!("| {kind} | {n} |\n"));
    }
    std::fs::write(dir.join(format!("eval-{stamp}.md")), md)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::ask::vote::fixtures::result;
    use serde_json::json;

    #[test]
    fn gold_alternatives_expand() {
        let v = expand_gold("SELECT {a.x, a.y}, count(*) FROM a GROUP BY {};SELECT 1;");
        assert!(v.contains(&"SELECT a.x, count(*) FROM a GROUP BY a.x".to_string()));
        assert!(v.contains(&"SELECT a.y, count(*) FROM a GROUP BY a.y".to_string()));
        assert!(v.contains(&"SELECT 1".to_string()));
        assert_eq!(v.len(), 3);
    }

    #[test]
    fn misses_are_sorted_by_what_went_wrong() {
        let gold = result(&["name", "n"], vec![vec![json!("a"), json!(1)], vec![json!("b"), json!(2)]]);
        let of = |r: QueryResult| Failure::of_result(Some(&gold), &r);
        assert_eq!(of(result(&["n"], vec![])), Failure::EmptyResult);
        assert_eq!(of(result(&["name", "n"], vec![vec![json!("a"), json!(1)]])), Failure::MissingRows);
        assert_eq!(of(result(&["n"], vec![vec![json!(1)], vec![json!(2)], vec![json!(3)]])), Failure::ExtraRows);
        assert_eq!(of(result(&["n"], vec![vec![json!(1)], vec![json!(2)]])), Failure::WrongColumns);
        assert_eq!(of(result(&["name", "n"], vec![vec![json!("a"), json!(5)], vec![json!("b"), json!(2)]])), Failure::WrongValues);
        assert_eq!(Failure::of_error(&AppError::Llm("no working query after 4 attempts; the last error was: x".into())), Failure::SqlError);
        assert_eq!(Failure::of_error(&AppError::Llm("the language model did not answer within 180 s".into())), Failure::Timeout);
        assert_eq!(Failure::of_error(&AppError::Llm("the model server refused".into())), Failure::ModelError);
        assert_eq!(Failure::of_error(&AppError::QueryTimeout(5)), Failure::Timeout);
        assert!(results_match(&result(&["n"], vec![vec![json!(1)], vec![json!(2)]]), &gold), "the scoring rule is the vote's");
    }

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let times = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0];
        assert_eq!(percentile(&times, 0.5), 5.0);
        assert_eq!(percentile(&times, 0.9), 9.0);
        assert_eq!(percentile(&[], 0.5), 0.0);
    }
}
