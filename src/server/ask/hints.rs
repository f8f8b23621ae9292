//! Concrete hints for a failed attempt, so the model's next try is better than a guess:
//! the closest real names for a column or table the database did not know.
use crate::app::model::SchemaTable;

/// The unknown identifier in a PostgreSQL or SQLite error message.
pub fn unknown_identifier(error: &str) -> Option<(&'static str, String)> {
    let quoted = |prefix: &str| -> Option<String> {
        let start = error.find(prefix)? + prefix.len();
        let rest = &error[start..];
        let end = rest.find('"')?;
        Some(rest[..end].to_string())
    };
    let after = |prefix: &str| -> Option<String> {
        let start = error.find(prefix)? + prefix.len();
        Some(error[start..].split_whitespace().next()?.trim_matches(|c| c == '"' || c == '\'').to_string())
    };
    // PostgreSQL quotes a bare name (`column "x"`) but not a qualified one (`column t.x`).
    let unquoted_column = || {
        let start = error.find("column ")? + "column ".len();
        let name = error[start..].split_whitespace().next()?;
        (error[start..].contains(" does not exist") && !name.starts_with('"')).then(|| name.to_string())
    };
    if let Some(c) = quoted("column \"").or_else(|| after("no such column: ")).or_else(unquoted_column) {
        return Some(("column", c));
    }
    if let Some(t) = quoted("relation \"").or_else(|| after("no such table: ")) {
        return Some(("table", t));
    }
    None
}

/// "Closest columns: orders.total, order_items.unit_price" style hint, or None.
pub fn closest_names(error: &str, tables: &[&SchemaTable]) -> Option<String> {
    let (kind, wanted) = unknown_identifier(error)?;
    let wanted_last = wanted.rsplit('.').next().unwrap_or(&wanted).to_lowercase();
    let mut candidates: Vec<(f64, String)> = match kind {
        "column" => tables
            .iter()
            .flat_map(|t| t.columns.iter().map(move |c| (c.name.to_lowercase(), format!("{}.{}", t.qualified_name(), c.name))))
            .map(|(name, label)| (strsim::jaro_winkler(&name, &wanted_last), label))
            .collect(),
        _ => tables.iter().map(|t| (strsim::jaro_winkler(&t.name.to_lowercase(), &wanted_last), t.qualified_name())).collect(),
    };
    candidates.sort_by(|a, b| b.0.total_cmp(&a.0));
    let best: Vec<String> = candidates.into_iter().filter(|(s, _)| *s > 0.7).take(3).map(|(_, l)| l).collect();
    (!best.is_empty()).then(|| format!("{kind} {wanted} does not exist; the closest {kind}s are: {}", best.join(", ")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::model::SchemaColumn;

    #[test]
    fn finds_the_unknown_name_and_its_neighbours() {
        assert_eq!(unknown_identifier("column \"totl\" does not exist"), Some(("column", "totl".into())));
        assert_eq!(unknown_identifier("no such column: o.totl"), Some(("column", "o.totl".into())));
        assert_eq!(unknown_identifier("column t1.business_id does not exist"), Some(("column", "t1.business_id".into())));
        assert_eq!(unknown_identifier("relation \"ordrs\" does not exist"), Some(("table", "ordrs".into())));
        assert_eq!(unknown_identifier("no such table: ordrs"), Some(("table", "ordrs".into())));
        let t = SchemaTable {
            schema: None,
            name: "orders".into(),
            kind: "table".into(),
            comment: None,
            row_estimate: None,
            columns: ["id", "total", "status"]
                .iter()
                .map(|n| SchemaColumn { name: n.to_string(), data_type: "int".into(), nullable: true, default: None, primary_key: false, references: None, comment: None, sample_values: vec![] })
                .collect(),
        };
        let hint = closest_names("no such column: o.totl", &[&t]).unwrap();
        assert!(hint.contains("orders.total"), "{hint}");
        let hint = closest_names("column o.stats does not exist", &[&t]).unwrap();
        assert!(hint.contains("orders.status"), "{hint}");
        assert!(closest_names("syntax error", &[&t]).is_none());
    }
}
