//! Choosing the tables a question needs, so the prompt fits a small model's context:
//! lexical matches on table names, column names and comments, then foreign-key neighbours,
//! within a character budget. No model call, so it costs microseconds.
use std::collections::{BTreeSet, HashMap, HashSet};

use super::words::{word_stems, words};
use crate::app::model::{SchemaInfo, SchemaTable};

fn matches(text: &str, question: &HashSet<String>) -> u32 {
    word_stems(text).filter(|w| question.contains(w.as_ref())).count() as u32
}

fn score(table: &SchemaTable, question: &HashSet<String>) -> u32 {
    5 * matches(&table.name, question)
        + 2 * table.columns.iter().map(|c| matches(&c.name, question)).sum::<u32>()
        + table.comment.as_deref().map_or(0, |comment| matches(comment, question))
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
    let mut is_chosen = vec![false; schema.tables.len()];
    for &i in &chosen {
        is_chosen[i] = true;
    }
    let matched: Vec<usize> = ranked.iter().filter(|(s, _)| *s > 0).map(|(_, i)| *i).collect();
    // Nothing matched: show everything that fits, in catalog order.
    let seeds = if matched.is_empty() { (0..schema.tables.len()).collect() } else { matched };
    let mut used: usize = chosen.iter().map(|&i| table_cost(&schema.tables[i])).sum();
    let mut push = |i: usize, chosen: &mut Vec<usize>| {
        if is_chosen[i] {
            return;
        }
        let cost = table_cost(&schema.tables[i]);
        if chosen.is_empty() || used + cost <= budget_chars {
            used += cost;
            is_chosen[i] = true;
            chosen.push(i);
        }
    };
    for &i in &seeds {
        push(i, &mut chosen);
    }
    // Foreign-key neighbours of what was chosen, so joins have both ends.
    let links = ForeignKeys::new(schema);
    let neighbours: BTreeSet<usize> = chosen.iter().flat_map(|&i| links.neighbours_of(i)).collect();
    for i in neighbours {
        push(i, &mut chosen);
    }
    chosen
}

/// The schema's foreign keys indexed by table name both ways, built once per question so
/// finding neighbours does not rescan every column of the schema for each chosen table.
struct ForeignKeys<'a> {
    schema: &'a SchemaInfo,
    /// Table name -> indexes of the tables of that name, in catalog order.
    by_name: HashMap<&'a str, Vec<usize>>,
    /// Referenced table name -> (referencing table, schema named by the reference).
    referenced_by: HashMap<&'a str, Vec<(usize, Option<&'a str>)>>,
}

impl<'a> ForeignKeys<'a> {
    fn new(schema: &'a SchemaInfo) -> Self {
        let mut by_name: HashMap<&str, Vec<usize>> = HashMap::new();
        let mut referenced_by: HashMap<&str, Vec<(usize, Option<&str>)>> = HashMap::new();
        for (i, table) in schema.tables.iter().enumerate() {
            by_name.entry(&table.name).or_default().push(i);
            for r in table.columns.iter().filter_map(|c| c.references.as_ref()) {
                referenced_by.entry(&r.table).or_default().push((i, r.schema.as_deref()));
            }
        }
        ForeignKeys { schema, by_name, referenced_by }
    }

    /// The tables `index` references and the tables that reference it. A reference without a
    /// schema matches a table of that name in any schema.
    fn neighbours_of(&self, index: usize) -> Vec<usize> {
        let table = &self.schema.tables[index];
        let in_schema = |wanted: Option<&str>, actual: &Option<String>| wanted.is_none() || wanted == actual.as_deref();
        let mut out: Vec<usize> = table
            .columns
            .iter()
            .filter_map(|c| c.references.as_ref())
            .filter_map(|r| {
                let same_name = self.by_name.get(r.table.as_str())?;
                same_name.iter().copied().find(|&i| in_schema(r.schema.as_deref(), &self.schema.tables[i].schema))
            })
            .collect();
        if let Some(referrers) = self.referenced_by.get(table.name.as_str()) {
            out.extend(referrers.iter().filter(|(_, s)| in_schema(*s, &table.schema)).map(|(i, _)| *i));
        }
        out
    }
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
    fn neighbours_follow_the_schema_a_reference_names() {
        let mut sales_orders = table("orders", vec![col("id", None), col("customer_id", Some("customers"))]);
        sales_orders.schema = Some("sales".into());
        sales_orders.columns[1].references.as_mut().unwrap().schema = Some("sales".into());
        let mut sales_customers = table("customers", vec![col("id", None)]);
        sales_customers.schema = Some("sales".into());
        let mut crm_customers = table("customers", vec![col("id", None)]);
        crm_customers.schema = Some("crm".into());
        let s = SchemaInfo { engine: Engine::Postgres, introspected_at_ms: 0, tables: vec![crm_customers, sales_customers, sales_orders] };
        let links = ForeignKeys::new(&s);
        assert_eq!(links.neighbours_of(2), vec![1], "sales.orders references sales.customers, not crm.customers");
        assert_eq!(links.neighbours_of(1), vec![2]);
        assert!(links.neighbours_of(0).is_empty(), "nothing references crm.customers");
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
