//! Ask events on the wire: one JSON object per line. Non-ASCII characters are written as
//! `\uXXXX` escapes so a chunk boundary can never split a UTF-8 sequence (the browser decodes
//! each network chunk on its own).
use futures::{stream, Stream};
use tokio::sync::mpsc::UnboundedReceiver;

use crate::app::model::AskEvent;

pub fn json_line(event: &AskEvent) -> String {
    let json = serde_json::to_string(event).unwrap_or_else(|_| r#"{"event":"failed","message":"internal error"}"#.into());
    let mut out = String::with_capacity(json.len() + 1);
    for c in json.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    out.push('\n');
    out
}

pub fn json_lines<E>(events: UnboundedReceiver<AskEvent>) -> impl Stream<Item = Result<String, E>> + Send + 'static
where
    E: Send + 'static,
{
    stream::unfold(events, |mut rx| async move { rx.recv().await.map(|event| (Ok(json_line(&event)), rx)) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_ascii_and_round_trip() {
        let event = AskEvent::Token { text: "Combien de clients à Zürich? 😀\n".into() };
        let line = json_line(&event);
        assert!(line.is_ascii() && line.ends_with('\n') && line.matches('\n').count() == 1, "{line}");
        assert_eq!(serde_json::from_str::<AskEvent>(line.trim_end()).unwrap(), event);
    }
}
