//! Reading the SQL out of a model's reply: strict JSON `{"sql"}` first, then the shapes small
//! models produce anyway (fenced JSON, a fenced SQL block, bare SQL). Any prose around it, or an
//! `explanation` the model adds unasked, is dropped: the explanation shown is read off the query.
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelAnswer {
    pub sql: String,
}

/// The JSON schema requested through `response_format`.
pub fn answer_schema() -> serde_json::Value {
    serde_json::json!({
        "type": "object",
        "properties": {
            "sql": {"type": "string", "description": "one read-only SQL query"}
        },
        "required": ["sql"],
        "additionalProperties": false
    })
}

fn strip_fence<'a>(text: &'a str, lang: &str) -> Option<&'a str> {
    let start = text.find(&format!("```{lang}"))? + 3 + lang.len();
    let rest = &text[start..];
    let end = rest.find("```").unwrap_or(rest.len());
    Some(rest[..end].trim())
}

fn from_json(text: &str) -> Option<ModelAnswer> {
    let answer: ModelAnswer = serde_json::from_str(text).ok()?;
    (!answer.sql.trim().is_empty()).then_some(answer)
}

pub fn parse_answer(reply: &str) -> Result<ModelAnswer, String> {
    let text = reply.trim();
    if text.is_empty() {
        return Err("the model returned an empty reply".into());
    }
    if let Some(a) = from_json(text) {
        return Ok(a);
    }
    if let Some(a) = strip_fence(text, "json").and_then(from_json) {
        return Ok(a);
    }
    if let (Some(start), Some(end)) = (text.find('{'), text.rfind('}')) {
        if let Some(a) = (start < end).then(|| from_json(&text[start..=end])).flatten() {
            return Ok(a);
        }
    }
    if let Some(sql) = strip_fence(text, "sql") {
        return Ok(ModelAnswer { sql: sql.to_string() });
    }
    let upper = text.to_ascii_uppercase();
    if upper.starts_with("SELECT") || upper.starts_with("WITH") {
        return Ok(ModelAnswer { sql: text.to_string() });
    }
    Err("the model replied with prose instead of a SQL query".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_shapes_models_produce() {
        let a = parse_answer(r#"{"sql": "SELECT 1", "explanation": "one"}"#).unwrap();
        assert_eq!(a, ModelAnswer { sql: "SELECT 1".into() }, "an explanation the model adds unasked is dropped");
        let a = parse_answer("Here you go:\n```json\n{\"sql\": \"SELECT 2\", \"explanation\": \"two\"}\n```").unwrap();
        assert_eq!(a.sql, "SELECT 2");
        let a = parse_answer("Sure! {\"sql\": \"SELECT 3\", \"explanation\": \"x\"} Hope it helps").unwrap();
        assert_eq!(a.sql, "SELECT 3");
        let a = parse_answer("This counts rows.\n```sql\nSELECT count(*) FROM t;\n```").unwrap();
        assert_eq!(a.sql, "SELECT count(*) FROM t;");
        let a = parse_answer("```sql\nSELECT 4\n```\nThe number four.").unwrap();
        assert_eq!(a.sql, "SELECT 4");
        assert_eq!(parse_answer("select * from t").unwrap().sql, "select * from t");
    }

    #[test]
    fn prose_and_empty_replies_are_errors() {
        assert!(parse_answer("I cannot help with that.").unwrap_err().contains("prose"));
        assert!(parse_answer("  ").unwrap_err().contains("empty"));
        assert!(parse_answer(r#"{"sql": "", "explanation": "nothing"}"#).is_err());
        assert!(parse_answer("{not json").is_err());
    }
}
