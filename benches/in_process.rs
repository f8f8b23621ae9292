//! In-process timings for `scripts/bench`, measured with criterion: the SQL guard on a corpus
//! of real analytic queries (the gold queries of the sql-eval question file), and table
//! selection plus prompt building for one question on a generated schema of many tables.
//!
//! Inputs come from the environment so the quick smoke run can use small sizes:
//! `DATABASEAI_BENCH_QUERIES` (question CSV), `DATABASEAI_BENCH_TABLES` (default 2000, of 20
//! columns each), and `DATABASEAI_BENCH_META` (where to write the corpus and schema facts
//! the report prints beside criterion's timings).
use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use databaseai::{
    app::model::{Engine, ForeignKeyRef, SchemaColumn, SchemaInfo, SchemaTable},
    server::{
        ask::{prompt, tables::select_tables, SCHEMA_BUDGET_CHARS},
        guard::{self, SqlDialect},
    },
};

/// A schema like a large warehouse: `tables` tables of `columns` columns, each with a key, a
/// foreign key to the previous table, and comments on a few columns.
fn generated_schema(tables: usize, columns: usize) -> SchemaInfo {
    let tables = (0..tables)
        .map(|t| SchemaTable {
            schema: Some("public".into()),
            name: format!("table_{t:04}"),
            kind: "table".into(),
            comment: Some(format!("entity {t}")),
            row_estimate: Some(1000),
            columns: (0..columns)
                .map(|c| SchemaColumn {
                    name: match c {
                        0 => "id".into(),
                        1 => "parent_id".into(),
                        _ => format!("attr_{t}_{c}"),
                    },
                    data_type: if c % 3 == 0 { "integer".into() } else { "text".into() },
                    nullable: c > 1,
                    default: None,
                    primary_key: c == 0,
                    references: (c == 1 && t > 0)
                        .then(|| ForeignKeyRef { schema: Some("public".into()), table: format!("table_{:04}", t - 1), column: "id".into() }),
                    comment: (c % 7 == 2).then(|| format!("measure {c} of entity {t}")),
                    sample_values: vec![],
                })
                .collect(),
        })
        .collect();
    SchemaInfo { engine: Engine::Postgres, tables, introspected_at_ms: 0 }
}

/// Every gold query of the question file (alternatives split, templated ones left out).
fn corpus() -> Vec<String> {
    let path = std::env::var("DATABASEAI_BENCH_QUERIES")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/tests/corpus/sql-eval/questions_gen_postgres.csv").into());
    let mut reader = csv::Reader::from_path(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut out = Vec::new();
    for row in reader.records() {
        let row = row.expect("a CSV row");
        let gold = row.get(1).unwrap_or_default();
        out.extend(gold.split(';').map(str::trim).filter(|s| !s.is_empty() && !s.contains('{')).map(str::to_string));
    }
    out
}

fn benches(c: &mut Criterion) {
    let queries = corpus();
    let accepted = queries.iter().filter(|q| guard::validate(q, SqlDialect::Postgres).is_ok()).count();
    let mut group = c.benchmark_group("guard");
    group.throughput(Throughput::Elements(queries.len() as u64));
    group.bench_function("validate_corpus", |b| {
        b.iter(|| queries.iter().filter(|q| guard::validate(black_box(q), SqlDialect::Postgres).is_ok()).count())
    });
    group.finish();

    let tables: usize = std::env::var("DATABASEAI_BENCH_TABLES").ok().and_then(|v| v.parse().ok()).unwrap_or(2000);
    let schema = generated_schema(tables, 20);
    let question = format!("What is the total attr_{0}_3 per parent in table_{0:04}?", tables / 2);
    let build = || {
        let chosen = select_tables(&schema, black_box(&question), &[], SCHEMA_BUDGET_CHARS);
        let shown: Vec<&SchemaTable> = chosen.iter().map(|&i| &schema.tables[i]).collect();
        let input = prompt::PromptInput { engine: Engine::Postgres, tables: &shown, with_values: true, format: prompt::AnswerFormat::Json, history: &[], examples: &[], values: &[] };
        (prompt::build_messages(&input, &question), chosen.len())
    };
    let chosen = build().1;
    let mut group = c.benchmark_group("prompt");
    group.bench_function("select_and_build", |b| b.iter(build));
    group.finish();

    if let Ok(path) = std::env::var("DATABASEAI_BENCH_META") {
        let meta = serde_json::json!({
            "guard_statements": queries.len(),
            "guard_accepted": accepted,
            "schema_tables": tables,
            "schema_columns": tables * 20,
            "prompt_tables_chosen": chosen,
        });
        std::fs::write(&path, meta.to_string()).unwrap_or_else(|e| panic!("{path}: {e}"));
    }
}

criterion_group!(in_process, benches);
criterion_main!(in_process);
