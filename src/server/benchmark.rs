//! `databaseai bench-internal`: in-process timings for `scripts/bench` — the SQL guard's
//! throughput on a corpus of real analytic queries, and table selection plus prompt building
//! on a generated schema of many tables. Each figure is the median of repeated runs after a
//! warm-up, measured in the release binary the benchmark serves from.
use std::time::{Duration, Instant};

use serde::Serialize;

use super::{
    ask::{prompt, tables::select_tables, SCHEMA_BUDGET_CHARS},
    config::{anyhow_like, BenchArgs},
    guard::{self, SqlDialect},
};
use crate::app::model::{Engine, ForeignKeyRef, SchemaColumn, SchemaInfo, SchemaTable};

#[derive(Serialize)]
pub struct InternalReport {
    pub guard_statements: usize,
    pub guard_statements_per_second: f64,
    pub guard_accepted: usize,
    pub schema_tables: usize,
    pub schema_columns: usize,
    pub prompt_p50_ms: f64,
    pub prompt_p99_ms: f64,
    pub prompt_tables_chosen: usize,
}

/// A schema like a large warehouse: `tables` tables of `columns` columns, each with a key, a
/// foreign key to the previous table, and comments on a few columns.
pub fn generated_schema(tables: usize, columns: usize) -> SchemaInfo {
    let tables = (0..tables)
        .map(|t| {
            let cols = (0..columns)
                .map(|c| SchemaColumn {
                    name: if c == 0 { "id".into() } else if c == 1 { "parent_id".into() } else { format!("attr_{t}_{c}") },
                    data_type: if c % 3 == 0 { "integer".into() } else { "text".into() },
                    nullable: c > 1,
                    default: None,
                    primary_key: c == 0,
                    references: (c == 1 && t > 0).then(|| ForeignKeyRef { schema: Some("public".into()), table: format!("table_{:04}", t - 1), column: "id".into() }),
                    comment: (c % 7 == 2).then(|| format!("measure {c} of entity {t}")),
                    sample_values: vec![],
                })
                .collect();
            SchemaTable { schema: Some("public".into()), name: format!("table_{t:04}"), kind: "table".into(), comment: Some(format!("entity {t}")), row_estimate: Some(1000), columns: cols }
        })
        .collect();
    SchemaInfo { engine: Engine::Postgres, tables, introspected_at_ms: 0 }
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

pub fn run(args: &BenchArgs) -> anyhow_like::Result<InternalReport> {
    // The guard: every gold query of the question file, repeated.
    let mut reader = csv::Reader::from_path(&args.queries)?;
    let mut corpus = Vec::new();
    for row in reader.records() {
        let row = row?;
        let q = row.get(1).unwrap_or_default();
        corpus.extend(q.split(';').map(str::trim).filter(|s| !s.is_empty() && !s.contains('{')).map(str::to_string));
    }
    let accepted = corpus.iter().filter(|q| guard::validate(q, SqlDialect::Postgres).is_ok()).count();
    let started = Instant::now();
    let mut checked = 0usize;
    while started.elapsed() < Duration::from_millis(args.millis) {
        for q in &corpus {
            std::hint::black_box(guard::validate(q, SqlDialect::Postgres).is_ok());
        }
        checked += corpus.len();
    }
    let per_second = checked as f64 / started.elapsed().as_secs_f64();

    // Table selection and prompt building for one question on a big schema.
    let schema = generated_schema(args.tables, args.columns);
    let question = format!("What is the total attr_{0}_3 per parent in table_{0:04}?", args.tables / 2);
    let build = || {
        let chosen = select_tables(&schema, &question, &[], SCHEMA_BUDGET_CHARS);
        let shown: Vec<&SchemaTable> = chosen.iter().map(|&i| &schema.tables[i]).collect();
        let input = prompt::PromptInput { engine: Engine::Postgres, tables: &shown, with_values: true, format: prompt::AnswerFormat::Json, history: &[], examples: &[] };
        (prompt::build_messages(&input, &question), chosen.len())
    };
    let (_, chosen) = build();
    let mut times = Vec::new();
    let started = Instant::now();
    while times.len() < 5 || started.elapsed() < Duration::from_millis(args.millis) {
        let t = Instant::now();
        std::hint::black_box(build());
        times.push(t.elapsed());
    }
    times.sort();
    Ok(InternalReport {
        guard_statements: corpus.len(),
        guard_statements_per_second: per_second,
        guard_accepted: accepted,
        schema_tables: args.tables,
        schema_columns: args.tables * args.columns,
        prompt_p50_ms: percentile(&times, 0.5),
        prompt_p99_ms: percentile(&times, 0.99),
        prompt_tables_chosen: chosen,
    })
}
