//! Splitting a byte stream into lines the way `FileStreamSourceTask` does.
//!
//! A line ends at `\n`, `\r` or `\r\n`. A `\r` that is the last byte available so far is not
//! yet a terminator: the next byte decides whether it is `\r\n` (one terminator) or a lone
//! `\r`. Bytes after the last terminator stay buffered until their line is terminated, like
//! Java, which never emits an unterminated last line.
//!
//! Lengths are counted in **bytes**, terminator included, so that a source offset is an exact
//! byte position in the file (see the [`source`](super) module docs for why this departs from
//! Java's character count).

use std::collections::VecDeque;
use std::io;

use tokio::io::{AsyncRead, AsyncReadExt};

/// A complete line found in the buffer: its text ends at `end` and the next line starts at
/// `next` (both indexes into the buffer).
#[derive(Debug, Clone, Copy)]
struct Span {
    end: usize,
    next: usize,
}

/// One line taken from a [`LineBuffer`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// The text without its terminator; invalid UTF-8 is replaced by U+FFFD, as Java's
    /// decoder does.
    pub text: String,
    /// Bytes the line took in the stream, terminator included.
    pub len: usize,
}

/// Bytes read from a stream and not yet returned as lines.
///
/// Reading ([`fill`](Self::fill)) and taking lines ([`take`](Self::take)) are separate steps,
/// and taking is synchronous: a caller that is cancelled while reading loses nothing, and
/// lines leave the buffer only when they are handed out.
#[derive(Debug, Default)]
pub struct LineBuffer {
    data: Vec<u8>,
    /// Bytes at the front of `data` already handed out as lines.
    consumed: usize,
    /// Bytes of `data` already searched for terminators.
    scanned: usize,
    /// Lines found in `data[consumed..scanned]`, in order.
    complete: VecDeque<Span>,
}

impl LineBuffer {
    /// An empty buffer.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends bytes (for callers that read by other means than [`fill`](Self::fill)).
    pub fn extend(&mut self, bytes: &[u8]) {
        self.data.extend_from_slice(bytes);
    }

    /// Reads once from `reader`, appending what it returns, with room for at least `chunk`
    /// bytes. Returns the number of bytes read; 0 means end of stream (for a file: no more
    /// data for now).
    ///
    /// Cancellation-safe as far as this buffer is concerned: the bytes are appended only when
    /// the read completes.
    pub async fn fill<R>(&mut self, reader: &mut R, chunk: usize) -> io::Result<usize>
    where
        R: AsyncRead + Unpin + ?Sized,
    {
        if self.data.capacity() - self.data.len() < chunk {
            self.compact();
        }
        self.data.reserve(chunk);
        reader.read_buf(&mut self.data).await
    }

    /// How many complete lines are buffered.
    pub fn complete_lines(&mut self) -> usize {
        self.scan();
        self.complete.len()
    }

    /// Bytes buffered and not yet handed out (complete lines and the unterminated rest).
    pub fn buffered(&self) -> usize {
        self.data.len() - self.consumed
    }

    /// Takes up to `max` complete lines, oldest first.
    pub fn take(&mut self, max: usize) -> Vec<Line> {
        self.scan();
        let count = max.min(self.complete.len());
        let mut lines = Vec::with_capacity(count);
        for span in self.complete.drain(..count) {
            let text = String::from_utf8_lossy(&self.data[self.consumed..span.end]).into_owned();
            lines.push(Line {
                text,
                len: span.next - self.consumed,
            });
            self.consumed = span.next;
        }
        if self.consumed == self.data.len() {
            // Everything was handed out: start over at the front without moving bytes.
            self.data.clear();
            self.consumed = 0;
            self.scanned = 0;
        }
        lines
    }

    /// Finds the terminators in the bytes not searched yet.
    fn scan(&mut self) {
        let data = &self.data;
        let mut at = self.scanned;
        loop {
            let Some(found) = data[at..].iter().position(|&b| b == b'\n' || b == b'\r') else {
                at = data.len();
                break;
            };
            let end = at + found;
            let next = if data[end] == b'\n' {
                end + 1
            } else {
                match data.get(end + 1) {
                    // A `\r` that ends the data: look at it again once more bytes arrive.
                    None => {
                        at = end;
                        break;
                    }
                    Some(b'\n') => end + 2,
                    Some(_) => end + 1,
                }
            };
            self.complete.push_back(Span { end, next });
            at = next;
        }
        self.scanned = at;
    }

    /// Drops the bytes already handed out, moving the rest to the front.
    fn compact(&mut self) {
        if self.consumed == 0 {
            return;
        }
        let shift = self.consumed;
        self.data.drain(..shift);
        self.scanned -= shift;
        for span in &mut self.complete {
            span.end -= shift;
            span.next -= shift;
        }
        self.consumed = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(lines: &[Line]) -> Vec<&str> {
        lines.iter().map(|l| l.text.as_str()).collect()
    }

    fn lens(lines: &[Line]) -> Vec<usize> {
        lines.iter().map(|l| l.len).collect()
    }

    #[test]
    fn splits_on_every_terminator() {
        let mut buf = LineBuffer::new();
        buf.extend(b"a\nbb\rccc\r\ndddd\n");
        let lines = buf.take(10);
        assert_eq!(texts(&lines), ["a", "bb", "ccc", "dddd"]);
        assert_eq!(lens(&lines), [2, 3, 5, 5]);
        assert_eq!(buf.buffered(), 0);
    }

    #[test]
    fn empty_lines_are_lines() {
        let mut buf = LineBuffer::new();
        buf.extend(b"\n\r\n\r\rx\n");
        let lines = buf.take(10);
        assert_eq!(texts(&lines), ["", "", "", "", "x"]);
        assert_eq!(lens(&lines), [1, 2, 1, 1, 2]);
    }

    #[test]
    fn unterminated_tail_waits() {
        let mut buf = LineBuffer::new();
        buf.extend(b"one\ntw");
        assert_eq!(texts(&buf.take(10)), ["one"]);
        assert_eq!(buf.complete_lines(), 0);
        assert_eq!(buf.buffered(), 2);
        buf.extend(b"o\n");
        let lines = buf.take(10);
        assert_eq!(texts(&lines), ["two"]);
        assert_eq!(lens(&lines), [4]);
    }

    #[test]
    fn carriage_return_at_end_waits_for_next_byte() {
        let mut buf = LineBuffer::new();
        buf.extend(b"a\r");
        assert_eq!(buf.complete_lines(), 0);
        buf.extend(b"\nb\r");
        let lines = buf.take(10);
        assert_eq!(texts(&lines), ["a"]);
        assert_eq!(lens(&lines), [3]);
        // A lone `\r` followed by more text is a terminator of its own.
        buf.extend(b"c\n");
        let lines = buf.take(10);
        assert_eq!(texts(&lines), ["b", "c"]);
        assert_eq!(lens(&lines), [2, 2]);
    }

    #[test]
    fn take_respects_max_and_keeps_order() {
        let mut buf = LineBuffer::new();
        buf.extend(b"1\n2\n3\n4\n5\n");
        assert_eq!(texts(&buf.take(2)), ["1", "2"]);
        assert_eq!(buf.complete_lines(), 3);
        assert_eq!(texts(&buf.take(2)), ["3", "4"]);
        assert_eq!(texts(&buf.take(2)), ["5"]);
        assert!(buf.take(2).is_empty());
    }

    #[test]
    fn lengths_count_utf8_bytes() {
        let mut buf = LineBuffer::new();
        buf.extend("héllo\n日本\r\n😀\n".as_bytes());
        let lines = buf.take(10);
        assert_eq!(texts(&lines), ["héllo", "日本", "😀"]);
        assert_eq!(lens(&lines), [7, 8, 5]);
    }

    #[test]
    fn invalid_utf8_is_replaced_but_counted() {
        let mut buf = LineBuffer::new();
        buf.extend(b"a\xffb\n");
        let lines = buf.take(1);
        assert_eq!(lines[0].text, "a\u{fffd}b");
        assert_eq!(lines[0].len, 4);
    }

    #[tokio::test]
    async fn fill_reads_long_lines_across_chunks() {
        let long = "x".repeat(10_000);
        let input = format!("{long}\nshort\n{long}\r\n");
        let mut reader = input.as_bytes();
        let mut buf = LineBuffer::new();
        let mut lines = Vec::new();
        loop {
            let n = buf.fill(&mut reader, 1024).await.unwrap_or(0);
            lines.extend(buf.take(usize::MAX));
            if n == 0 {
                break;
            }
        }
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[0].text, long);
        assert_eq!(lines[1].text, "short");
        assert_eq!(lines[2].text, long);
        assert_eq!(lens(&lines), [10_001, 6, 10_002]);
    }

    #[tokio::test]
    async fn fill_compacts_consumed_bytes() {
        let mut buf = LineBuffer::new();
        let input = "line\n".repeat(1000);
        let mut reader = input.as_bytes();
        let mut total = 0;
        while buf.fill(&mut reader, 64).await.unwrap_or(0) > 0 {
            // Take one line per read so that unread lines must survive compaction.
            total += buf.take(1).len();
            assert!(buf.buffered() <= input.len());
        }
        let rest = buf.take(usize::MAX);
        assert!(rest.iter().all(|l| l.text == "line" && l.len == 5));
        assert_eq!(total + rest.len(), 1000);
    }
}
