//! A server-sent-events decoder that does linear work per byte and holds at most
//! `MAX_STREAM_BYTES` of one reply, however the stream is cut into chunks or lines. (A
//! general-purpose parser re-scanned a long unterminated `data:` line on every chunk:
//! quadratic time on a hostile reply.)

/// All bytes of one streamed reply, framing included (each token event is ~150 bytes of JSON
/// around a few characters of text, so this is far above a 64 KiB answer's stream).
pub const MAX_STREAM_BYTES: usize = 16 * 1024 * 1024;

#[derive(Debug, PartialEq, Eq)]
pub enum SseError {
    TooLarge,
    NotUtf8,
}

#[derive(Default)]
pub struct SseDecoder {
    buf: Vec<u8>,
    /// Start of the current (unfinished) line in `buf`.
    line_start: usize,
    /// Bytes of `buf` already searched for a line end.
    scanned: usize,
    /// `data:` lines of the event being read, joined with '\n'.
    data: Option<String>,
    total: usize,
}

impl SseDecoder {
    /// Feeds one chunk; returns the data of every event it completed.
    pub fn push(&mut self, chunk: &[u8]) -> Result<Vec<String>, SseError> {
        self.total += chunk.len();
        if self.total > MAX_STREAM_BYTES {
            return Err(SseError::TooLarge);
        }
        self.buf.extend_from_slice(chunk);
        let mut events = Vec::new();
        while let Some(offset) = self.buf[self.scanned..].iter().position(|&b| b == b'\n' || b == b'\r') {
            let end = self.scanned + offset;
            // A '\r' as the last byte may be the first half of "\r\n": wait for the next chunk.
            if self.buf[end] == b'\r' && end + 1 == self.buf.len() {
                self.scanned = end;
                break;
            }
            let line = std::str::from_utf8(&self.buf[self.line_start..end]).map_err(|_| SseError::NotUtf8)?.to_string();
            let next = if self.buf[end] == b'\r' && self.buf.get(end + 1) == Some(&b'\n') { end + 2 } else { end + 1 };
            self.line_start = next;
            self.scanned = next;
            if let Some(event) = self.line(&line) {
                events.push(event);
            }
        }
        if self.scanned < self.buf.len() && self.buf[self.scanned] != b'\r' {
            self.scanned = self.buf.len();
        }
        // Drop consumed lines once they are most of the buffer, so compaction stays linear.
        if self.line_start > self.buf.len() / 2 {
            self.buf.drain(..self.line_start);
            self.scanned -= self.line_start;
            self.line_start = 0;
        }
        Ok(events)
    }

    /// The event still open when the stream ended without a blank line.
    pub fn finish(mut self) -> Option<String> {
        let rest = std::str::from_utf8(&self.buf[self.line_start..]).ok()?.to_string();
        if !rest.is_empty() {
            self.line(&rest);
        }
        self.data.take()
    }

    fn line(&mut self, line: &str) -> Option<String> {
        if line.is_empty() {
            return self.data.take();
        }
        let (field, value) = match line.split_once(':') {
            Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
            None => (line, ""),
        };
        if field == "data" {
            match &mut self.data {
                Some(d) => {
                    d.push('\n');
                    d.push_str(value);
                }
                None => self.data = Some(value.to_string()),
            }
        }
        // Comments (":…") and the event, id and retry fields carry nothing we use.
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(chunks: &[&[u8]]) -> Vec<String> {
        let mut d = SseDecoder::default();
        let mut out: Vec<String> = chunks.iter().flat_map(|c| d.push(c).unwrap()).collect();
        out.extend(d.finish());
        out
    }

    #[test]
    fn events_are_found_however_the_stream_is_cut() {
        let stream = b"data: {\"a\":1}\n\n: keep-alive\r\n\r\nevent: x\ndata: one\ndata: two\r\n\r\ndata:[DONE]\n\n";
        let whole = decode(&[stream]);
        assert_eq!(whole, vec!["{\"a\":1}", "one\ntwo", "[DONE]"]);
        for cut in 1..stream.len() {
            assert_eq!(decode(&[&stream[..cut], &stream[cut..]]), whole, "cut at {cut}");
        }
        let bytes: Vec<&[u8]> = stream.chunks(1).collect();
        assert_eq!(decode(&bytes), whole);
        // A final event without its blank line still counts.
        assert_eq!(decode(&[b"data: last"]), vec!["last"]);
    }

    #[test]
    fn a_long_line_is_linear_and_capped() {
        let mut d = SseDecoder::default();
        let chunk = vec![b'x'; 8192];
        let started = std::time::Instant::now();
        d.push(b"data: ").unwrap();
        let mut result = Ok(vec![]);
        for _ in 0..(MAX_STREAM_BYTES / chunk.len() + 2) {
            result = d.push(&chunk);
            if result.is_err() {
                break;
            }
        }
        assert_eq!(result, Err(SseError::TooLarge));
        // 16 MiB in 8 KiB chunks: linear work is well under a second even in a debug build.
        assert!(started.elapsed() < std::time::Duration::from_secs(5), "{:?}", started.elapsed());
    }
}
