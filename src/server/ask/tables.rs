//! Choosing the tables a question needs, so the prompt fits a small model's context:
//! lexical matches on table names, column names and comments, then foreign-key neighbours,
//! within a character budget. No model call, so it costs microseconds.
use std::collections::{BTreeSet, HashSet};

use crate::app::model::{SchemaInfo, SchemaTable};

/// Lower-case word stems: "Customers'" -> "customer".
pub fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.len() > 1)
        .map(|w| {
            let w = w.to_lowercase();
            let stem = w.strip_suffix("ies").map(|s| format!("{s}y")).or_else(|| w.strip_suffix('s').map(str::to_string));
            stem.filter(|s| s.len() > 2).unwrap_or(w)
        })
        .collect()
}

fn name_words(name: &str) -> Vec<String> {
    words(&name.replace('_', " "))
}

fn score(table: &SchemaTable, question: &HashSet<String>) -> u32 {
    let mut s = 0;
    for w in name_words(&table.name) {
        if question.contains(&w) {
            s += 5;
        }
    }
    for c in &table.columns {
        for w in name_words(&c.name) {
            if question.contains(&w) {
                s += 2;
            }
        }
    }
    if let Some(comment) = &table.comment {
        s += words(comment).iter().filter(|w| question.contains(*w)).count() as u32;
    }
    s
}

/// Indexes of the tables to show the model, in catalog order. A schema that fits the budget is
/// shown whole (the model sees every join path, and the unchanged prompt prefix lets the LLM
/// server reuse its cache across questions); a larger one is cut down to the best matches and
/// their foreign-key neighbours. `pinned` names (plain or schema-qualified) are always included.
pub fn select_tables(schema: &SchemaInfo, question: &str, pinned: &[String], budget_chars: usize) -> Vec<usize> {
    if schema.tables.iter().map(table_cost).sum::<usize>() <= budget_chars {
        return (0..schema.tables.len()).collect();
    }
    let mut chosen = select_by_relevance(schema, question, pinned, budget_chars);
    chosen.sort_unstable();
    chosen
}

fn select_by_relevance(schema: &SchemaInfo, question: &str, pinned: &[String], budget_chars: usize) -> Vec<usize> {
    let q: HashSet<String> = words(question).into_iter().collect();
    let mut ranked: Vec<(u32, usize)> = schema.tables.iter().enumerate().map(|(i, t)| (score(t, &q), i)).collect();
    ranked.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let is_pinned = |t: &SchemaTable| pinned.iter().any(|p| p == &t.name || p == &t.qualified_name());
    let mut chosen: Vec<usize> = schema.tables.iter().enumerate().filter(|(_, t)| is_pinned(t)).map(|(i, _)| i).collect();
    let matched: Vec<usize> = ranked.iter().filter(|(s, _)| *s > 0).map(|(_, i)| *i).collect();
    // Nothing matched: show everything that fits, in catalog order.
    let seeds = if matched.is_empty() { (0..schema.tables.len()).collect() } else { matched };
    let mut used: usize = chosen.iter().map(|&i| table_cost(&schema.tables[i])).sum();
    let mut push = |i: usize, chosen: &mut Vec<usize>| {
        let cost = table_cost(&schema.tables[i]);
        if !chosen.contains(&i) && (chosen.is_empty() || used + cost <= budget_chars) {
            used += cost;
            chosen.push(i);
        }
    };
    for &i in &seeds {
        push(i, &mut chosen);
    }
    // Foreign-key neighbours of what was chosen, so joins have both ends.
    let neighbours: BTreeSet<usize> = chosen
        .iter()
        .flat_map(|&i| neighbours_of(schema, i))
        .collect();
    for i in neighbours {
        push(i, &mut chosen);
    }
    chosen
}

fn neighbours_of(schema: &SchemaInfo, index: usize) -> Vec<usize> {
    let table = &schema.tables[index];
    let find = |name: &str, s: &Option<String>| schema.tables.iter().position(|t| t.name == name && (s.is_none() || &t.schema == s));
    let mut out: Vec<usize> =
        table.columns.iter().filter_map(|c| c.references.as_ref()).filter_map(|r| find(&r.table, &r.schema)).collect();
    for (i, other) in schema.tables.iter().enumerate() {
        if other.columns.iter().any(|c| c.references.as_ref().is_some_and(|r| r.table == table.name && (r.schema.is_none() || r.schema == table.schema))) {
            out.push(i);
        }
    }
    out
}

/// Rough size of a table in the prompt, in characters.
pub fn table_cost(t: &SchemaTable) -> usize {
    let column = |c: &crate::app::model::SchemaColumn| {
        12 + c.name.len()
            + c.data_type.len()
            + c.comment.as_ref().map_or(0, |s| s.len() + 4)
            + c.sample_values.iter().map(|v| v.len() + 4).sum::<usize>()
    };
    40 + t.name.len() + t.comment.as_ref().map_or(0, String::len) + t.columns.iter().map(column).sum::<usize>()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::model::{Engine, ForeignKeyRef, SchemaColumn};

    fn col(name: &str, refs: Option<&str>) -> SchemaColumn {
        SchemaColumn {
            name: name.into(),
            data_type: "integer".into(),
            nullable: true,
            default: None,
            primary_key: name == "id",
            references: refs.map(|t| ForeignKeyRef { schema: None, table: t.into(), column: "id".into() }),
            comment: None,
            sample_values: vec![],
        }
    }

    fn table(name: &str, cols: Vec<SchemaColumn>) -> SchemaTable {
        SchemaTable { schema: None, name: name.into(), kind: "table".into(), comment: None, row_estimate: None, columns: cols }
    }

    fn shop() -> SchemaInfo {
        SchemaInfo {
            engine: Engine::Sqlite,
            introspected_at_ms: 0,
            tables: vec![
                table("categories", vec![col("id", None), col("name", None)]),
                table("customers", vec![col("id", None), col("city", None)]),
                table("orders", vec![col("id", None), col("customer_id", Some("customers")), col("total", None)]),
                table("employees", vec![col("id", None), col("role", None)]),
                table("reviews", vec![col("id", None), col("rating", None)]),
            ],
        }
    }

    #[test]
    fn stems() {
        assert_eq!(words("Which customers' categories?"), vec!["which", "customer", "category"]);
    }

    #[test]
    fn a_schema_that_fits_is_shown_whole_in_catalog_order() {
        let s = shop();
        assert_eq!(select_tables(&s, "total of orders per city", &[], 10_000), vec![0, 1, 2, 3, 4]);
    }

    #[test]
    fn picks_matching_tables_and_their_neighbours() {
        let s = shop();
        let budget = table_cost(&s.tables[2]) + table_cost(&s.tables[1]) + 10;
        let chosen = select_tables(&s, "total of orders per city", &[], budget);
        let names: Vec<&str> = chosen.iter().map(|&i| s.tables[i].name.as_str()).collect();
        assert_eq!(names, vec!["customers", "orders"], "catalog order");
        assert!(names.contains(&"customers"), "{names:?}");
        assert!(!names.contains(&"employees"));
        assert!(!names.contains(&"reviews"));
    }

    #[test]
    fn pins_and_budget() {
        let s = shop();
        let budget = table_cost(&s.tables[3]) + table_cost(&s.tables[4]) + 10;
        let chosen = select_tables(&s, "average rating", &["employees".into()], budget);
        assert_eq!(chosen, vec![3, 4]);
        let tiny = select_tables(&s, "orders", &[], 1);
        assert_eq!(tiny, vec![2], "the best table always fits, nothing else does");
        let none = select_tables(&s, "zzz", &[], budget);
        assert_eq!(none, vec![0, 1], "no match shows the first tables that fit");
    }
}
