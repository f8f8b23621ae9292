//! The one way questions, names and comments are cut into comparable words: lower-case,
//! split at anything that is not a letter or digit, plural endings removed.
use std::borrow::Cow;

/// Lower-case word stems: "Customers'" -> "customer".
pub fn words(text: &str) -> Vec<String> {
    word_stems(text).map(Cow::into_owned).collect()
}

/// The stems of `words`, borrowed from `text` where they can be: scoring a 2,000-table
/// schema reads some 40,000 identifiers per question, already lower-case nearly all of them.
pub fn word_stems(text: &str) -> impl Iterator<Item = Cow<'_, str>> {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| w.len() > 1).map(stem)
}

pub fn stem(word: &str) -> Cow<'_, str> {
    let lower: Cow<str> =
        if word.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()) { Cow::Borrowed(word) } else { Cow::Owned(word.to_lowercase()) };
    if let Some(base) = lower.strip_suffix("ies") {
        let singular = format!("{base}y");
        return if singular.len() > 2 { Cow::Owned(singular) } else { lower };
    }
    let singular_len = lower.len().saturating_sub(1);
    if !lower.ends_with('s') || singular_len <= 2 {
        return lower;
    }
    match lower {
        Cow::Borrowed(w) => Cow::Borrowed(&w[..singular_len]),
        Cow::Owned(mut w) => {
            w.truncate(singular_len);
            Cow::Owned(w)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems() {
        assert_eq!(words("Which customers' categories?"), vec!["which", "customer", "category"]);
        assert_eq!(words("ORDER_LINES of Ünits, lies, gas 2024s"), vec!["order", "line", "of", "ünit", "lies", "gas", "2024"]);
    }
}
