//! Value grounding: the distinct values of low-cardinality text columns, so the words of a
//! question ("new york", "premium") can be matched to values as they are stored
//! (`city.city_name = 'New York'`). A small model guesses spellings and case; this tells it.
//! The index is built next to the schema (see `DatasourceService::values`), bounded in
//! columns, values and time, and dropped with the schema.
use std::collections::HashMap;

use crate::app::model::{Engine, SchemaInfo, SchemaTable};

/// Columns with more distinct values than this are not indexed (names of people, free text).
pub const MAX_DISTINCT_PER_COLUMN: usize = 1_000;
/// At most this many columns are read, and this many values kept, per datasource.
pub const MAX_COLUMNS: usize = 400;
pub const MAX_VALUES: usize = 200_000;
/// Longer values are not kept: a question rarely quotes a sentence.
const MAX_VALUE_CHARS: usize = 60;
/// Longest phrase of a question tried against the index, in words.
const MAX_PHRASE_WORDS: usize = 6;

/// Words that are values somewhere but mean nothing on their own in a question: function
/// words, and the words of analysis ("average" is a value of a review's text in one database
/// of the benchmark, and a hint for it misled the model).
const STOPWORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "how", "in", "is", "it", "many", "me", "much", "no", "not", "of", "on",
    "or", "per", "show", "the", "to", "was", "what", "when", "where", "which", "who", "with", "yes", "all", "each", "list", "total", "number",
    "none", "null", "other", "unknown", "n/a", "na", "average", "avg", "mean", "median", "sum", "count", "max", "maximum", "min", "minimum",
    "highest", "lowest", "most", "least", "top", "bottom", "first", "last", "latest", "recent", "more", "less", "than", "between", "ratio",
    "percentage", "percent", "rate", "amount", "name", "names", "date", "year", "month", "week", "day", "time", "good", "bad", "best", "worst",
    "high", "low", "new", "old", "big", "small", "large", "any", "some", "only", "same", "different", "order", "id", "value", "type",
];
/// A phrase found in many columns (an airport code in every table of flights) is shown for
/// at most this many of them: more would drown the schema.
const MAX_COLUMNS_PER_PHRASE: usize = 3;

/// One column's distinct values.
pub struct ColumnValues {
    /// As the prompt names it (schema-qualified where the engine has schemas).
    pub table: String,
    pub column: String,
    pub values: Vec<String>,
}

/// A value of the database that a phrase of the question names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValueMatch {
    pub table: String,
    pub column: String,
    pub value: String,
}

impl ValueMatch {
    /// `table.column = 'value'`, as the prompt shows it.
    pub fn hint(&self) -> String {
        format!("{}.{} = '{}'", self.table, self.column, self.value.replace('\'', "''"))
    }
}

/// Values by their normalized phrase.
#[derive(Default)]
pub struct ValueIndex {
    by_phrase: HashMap<String, Vec<ValueMatch>>,
    values: usize,
}

/// Lower case, words of letters and digits separated by single spaces.
pub fn normalize(text: &str) -> String {
    text.to_lowercase().split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ")
}

/// Whether a normalized value could be meant by a phrase of a question.
fn matchable(phrase: &str) -> bool {
    phrase.chars().count() >= 3
        && phrase.split(' ').count() <= MAX_PHRASE_WORDS
        && !phrase.chars().all(|c| c.is_ascii_digit() || c == ' ')
        && !STOPWORDS.contains(&phrase)
}

impl ValueIndex {
    pub fn new(columns: Vec<ColumnValues>) -> ValueIndex {
        let mut index = ValueIndex::default();
        for column in columns {
            for value in column.values {
                if index.values >= MAX_VALUES {
                    return index;
                }
                if value.chars().count() > MAX_VALUE_CHARS {
                    continue;
                }
                let phrase = normalize(&value);
                if !matchable(&phrase) {
                    continue;
                }
                index.values += 1;
                index.by_phrase.entry(phrase).or_default().push(ValueMatch { table: column.table.clone(), column: column.column.clone(), value });
            }
        }
        index
    }

    pub fn len(&self) -> usize {
        self.values
    }

    pub fn is_empty(&self) -> bool {
        self.values == 0
    }

    /// The values the question names, longest phrases first (a phrase inside a longer
    /// matched one is skipped: "new york city" wins over "york"), at most `limit`.
    pub fn matches(&self, question: &str, limit: usize) -> Vec<ValueMatch> {
        let normalized = normalize(question);
        let words: Vec<&str> = normalized.split(' ').filter(|w| !w.is_empty()).collect();
        let mut covered = vec![false; words.len()];
        let mut found = Vec::new();
        for len in (1..=MAX_PHRASE_WORDS.min(words.len())).rev() {
            for start in 0..=words.len() - len {
                if covered[start..start + len].iter().all(|&c| c) {
                    continue;
                }
                let Some(values) = self.by_phrase.get(&words[start..start + len].join(" ")) else { continue };
                covered[start..start + len].iter_mut().for_each(|c| *c = true);
                for v in values.iter().take(MAX_COLUMNS_PER_PHRASE) {
                    if found.len() < limit && !found.contains(v) {
                        found.push(v.clone());
                    }
                }
            }
        }
        found
    }
}

/// The text columns worth indexing, in catalog order: not already listed with all their
/// values in the schema (those the prompt shows whole), at most `MAX_COLUMNS`.
pub fn columns_to_index(schema: &SchemaInfo) -> Vec<(&SchemaTable, &str)> {
    schema
        .tables
        .iter()
        .flat_map(|t| t.columns.iter().map(move |c| (t, c)))
        .filter(|(_, c)| super::is_text_type(&c.data_type) && !c.data_type.is_empty())
        .map(|(t, c)| (t, c.name.as_str()))
        .take(MAX_COLUMNS)
        .collect()
}

/// `SELECT DISTINCT col FROM table WHERE col IS NOT NULL LIMIT n`, quoted for the engine.
pub fn distinct_sql(engine: Engine, table: &SchemaTable, column: &str, limit: usize) -> String {
    let quote = |name: &str| match engine {
        Engine::MySql => format!("`{}`", name.replace('`', "``")),
        Engine::Postgres | Engine::Sqlite => format!("\"{}\"", name.replace('"', "\"\"")),
    };
    let table_name = match &table.schema {
        Some(schema) => format!("{}.{}", quote(schema), quote(&table.name)),
        None => quote(&table.name),
    };
    let column = quote(column);
    format!("SELECT DISTINCT {column} FROM {table_name} WHERE {column} IS NOT NULL LIMIT {limit}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::ask::fixtures::table;

    fn index() -> ValueIndex {
        ValueIndex::new(vec![
            ColumnValues { table: "public.city".into(), column: "city_name".into(), values: vec!["New York".into(), "York".into(), "Lisbon".into()] },
            ColumnValues { table: "public.airport".into(), column: "city".into(), values: vec!["NEW YORK".into()] },
            ColumnValues { table: "public.customer".into(), column: "plan".into(), values: vec!["premium".into(), "no".into(), "2023".into(), "x".repeat(80)] },
        ])
    }

    #[test]
    fn phrases_of_the_question_find_stored_values_with_their_spelling() {
        let index = index();
        assert_eq!(index.len(), 5, "stopwords, numbers and long text are not indexed");
        let found = index.matches("How many Premium customers live in new york?", 10);
        let hints: Vec<String> = found.iter().map(ValueMatch::hint).collect();
        assert_eq!(hints, ["public.city.city_name = 'New York'", "public.airport.city = 'NEW YORK'", "public.customer.plan = 'premium'"]);
        assert!(!hints.iter().any(|h| h.ends_with("'York'")), "a word inside a longer match is not matched again");
        assert_eq!(index.matches("flights to york", 10)[0].value, "York");
        assert!(index.matches("Is there no plan for 2023?", 10).is_empty());
        assert_eq!(index.matches("new york new york", 1).len(), 1, "the limit holds");
        let everywhere = ValueIndex::new(
            (0..5).map(|i| ColumnValues { table: format!("t{i}"), column: "code".into(), values: vec!["JFK".into(), "Average".into()] }).collect(),
        );
        assert_eq!(everywhere.matches("flights from jfk", 10).len(), MAX_COLUMNS_PER_PHRASE);
        assert!(everywhere.matches("the average delay", 10).is_empty(), "words of analysis are not values");
        assert_eq!(ValueMatch { table: "t".into(), column: "c".into(), value: "O'Hare".into() }.hint(), "t.c = 'O''Hare'");
    }

    #[test]
    fn the_index_is_bounded() {
        let many = ColumnValues { table: "t".into(), column: "c".into(), values: (0..MAX_VALUES + 10).map(|i| format!("value {i}")).collect() };
        assert_eq!(ValueIndex::new(vec![many]).len(), MAX_VALUES);
    }

    #[test]
    fn distinct_queries_quote_names_for_each_engine() {
        let mut t = table("Order Items", &["Name"]);
        assert_eq!(distinct_sql(Engine::Postgres, &t, "Name", 11), r#"SELECT DISTINCT "Name" FROM "public"."Order Items" WHERE "Name" IS NOT NULL LIMIT 11"#);
        t.schema = None;
        assert_eq!(distinct_sql(Engine::MySql, &t, "a`b", 5), "SELECT DISTINCT `a``b` FROM `Order Items` WHERE `a``b` IS NOT NULL LIMIT 5");
        assert_eq!(distinct_sql(Engine::Sqlite, &t, "x\"y", 5), r#"SELECT DISTINCT "x""y" FROM "Order Items" WHERE "x""y" IS NOT NULL LIMIT 5"#);
    }
}
