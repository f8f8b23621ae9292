//! Verified answers as examples in the prompt: the ones most like the new question, by word
//! overlap, among those the asker may be shown.
use std::collections::HashSet;

use super::{prompt::Example, words::stem};
use crate::app::model::VerifiedAnswer;

/// Examples shown to the model per question.
pub const EXAMPLES: usize = 3;
/// Below this word overlap a pair is not "similar".
const MIN_SIMILARITY: f64 = 0.2;
const STOPWORDS: &[&str] = &[
    "the", "a", "an", "of", "in", "on", "for", "to", "and", "or", "is", "are", "was", "were", "what", "which", "who", "how", "many",
    "much", "by", "with", "per", "each", "all", "me", "show", "list", "give", "get", "find", "do", "does", "did", "we", "our", "have",
    "has", "from", "that", "this", "there", "their", "it", "its", "be", "as", "at",
];

/// The question's word stems, without the words every question has.
fn words(text: &str) -> HashSet<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.len() > 1 && !STOPWORDS.contains(&w.to_lowercase().as_str()))
        .map(|w| stem(w).into_owned())
        .collect()
}

/// Word overlap (Jaccard) of two questions, 0..=1.
pub fn similarity(a: &str, b: &str) -> f64 {
    let (a, b) = (words(a), words(b));
    let union = a.union(&b).count();
    if union == 0 {
        0.0
    } else {
        a.intersection(&b).count() as f64 / union as f64
    }
}

/// The pairs most like `question`, best first (ties: most recently verified first, as listed).
pub fn closest(question: &str, pairs: &[VerifiedAnswer], exclude: Option<&str>) -> Vec<Example> {
    let mut scored: Vec<(f64, usize)> = pairs
        .iter()
        .enumerate()
        .filter(|(_, p)| Some(p.id.as_str()) != exclude)
        .map(|(i, p)| (similarity(question, &p.question), i))
        .filter(|(s, _)| *s >= MIN_SIMILARITY)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    scored.into_iter().take(EXAMPLES).map(|(_, i)| Example { question: pairs[i].question.clone(), sql: pairs[i].sql.clone() }).collect()
}

/// The pairs that may go into `viewer`'s prompt: their own, and shared ones an admin vouched
/// for (anyone else's text in a prompt is a way to steer the model).
pub fn usable_as_examples(pairs: Vec<VerifiedAnswer>) -> Vec<VerifiedAnswer> {
    pairs.into_iter().filter(|p| p.mine || p.approved).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(id: &str, q: &str) -> VerifiedAnswer {
        VerifiedAnswer { id: id.into(), datasource_id: "d".into(), question: q.into(), sql: format!("SELECT '{id}'"), shared: false, approved: false, can_approve: false, author: "a".into(), mine: true, updated_at_ms: 0 }
    }

    #[test]
    fn only_own_or_approved_pairs_reach_a_prompt() {
        let others = |id: &str, approved: bool| VerifiedAnswer { mine: false, shared: true, approved, ..pair(id, "q") };
        let usable = usable_as_examples(vec![pair("own", "q"), others("unapproved", false), others("approved", true)]);
        assert_eq!(usable.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(), vec!["own", "approved"]);
    }

    #[test]
    fn the_closest_questions_are_chosen() {
        assert!(similarity("How many orders were shipped?", "how many ORDERS shipped") > 0.99);
        assert!(similarity("top customers by revenue", "number of employees") < 0.01);
        let pairs = [pair("1", "Which products sold the most units?"), pair("2", "How many employees are there?"), pair("3", "Products with the most reviews")];
        let got = closest("What are the 5 products that sold the most?", &pairs, None);
        assert_eq!(got.first().map(|e| e.sql.as_str()), Some("SELECT '1'"));
        assert!(got.iter().all(|e| e.sql != "SELECT '2'"), "unrelated pairs stay out: {got:?}");
        assert!(closest("What are the 5 products that sold the most?", &pairs, Some("1")).iter().all(|e| e.sql != "SELECT '1'"), "excluded");
        assert!(closest("weather tomorrow", &pairs, None).is_empty());
    }
}
