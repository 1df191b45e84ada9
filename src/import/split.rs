//! Splits a snapshot file into the JSON text of its top-level fields and of each account,
//! reading it in large blocks: serde_json reading from a file goes byte by byte (about 150
//! MB/s here), this finds where values end at memory speed, and serde parses each piece from
//! memory afterwards. It checks only the structure around the pieces (braces, colons, commas);
//! every piece is parsed by serde, which checks the rest. Any fault is a [`Split::Malformed`]:
//! the caller then reads the file with serde to say where it is wrong.

use std::io::BufRead;

/// Why a file could not be split.
#[derive(Debug)]
pub enum Split {
    Io(std::io::Error),
    /// Not a JSON object of fields whose `accounts` is an array (the reader stopped there).
    Malformed,
}

impl From<std::io::Error> for Split {
    fn from(error: std::io::Error) -> Self {
        Split::Io(error)
    }
}

/// What a split hands on: each top-level field but `accounts` (its name and JSON text), and
/// each element of `accounts` (its JSON text); either returns false to stop the reading.
pub trait Pieces {
    fn field(&mut self, name: &str, json: Vec<u8>) -> bool;
    fn account(&mut self, json: Vec<u8>) -> bool;
}

/// Splits `input` (a whole snapshot file) into `pieces`, in file order.
pub fn split(input: impl BufRead, pieces: &mut dyn Pieces) -> Result<(), Split> {
    let mut scanner = Scanner { input };
    scanner.expect(b'{')?;
    if scanner.next_if(b'}')? {
        return scanner.end();
    }
    loop {
        let name: String = serde_json::from_slice(&scanner.value()?).map_err(|_| Split::Malformed)?;
        scanner.expect(b':')?;
        let go_on = if name == "accounts" {
            scanner.accounts(pieces)?
        } else {
            let json = scanner.value()?;
            pieces.field(&name, json)
        };
        if !go_on {
            return Ok(());
        }
        if !scanner.comma_or(b'}')? {
            return scanner.end();
        }
    }
}

struct Scanner<R> {
    input: R,
}

impl<R: BufRead> Scanner<R> {
    /// The next byte after whitespace, not consumed; `None` at the end.
    fn peek(&mut self) -> Result<Option<u8>, Split> {
        loop {
            let buffer = self.input.fill_buf()?;
            let Some(&first) = buffer.first() else { return Ok(None) };
            let blank = buffer
                .iter()
                .take_while(|b| matches!(b, b' ' | b'\n' | b'\r' | b'\t'))
                .count();
            if blank == 0 {
                return Ok(Some(first));
            }
            self.input.consume(blank);
        }
    }

    fn next_if(&mut self, byte: u8) -> Result<bool, Split> {
        let found = self.peek()? == Some(byte);
        if found {
            self.input.consume(1);
        }
        Ok(found)
    }

    fn expect(&mut self, byte: u8) -> Result<(), Split> {
        match self.next_if(byte)? {
            true => Ok(()),
            false => Err(Split::Malformed),
        }
    }

    /// After a member: true on a comma (another follows), false on `close`.
    fn comma_or(&mut self, close: u8) -> Result<bool, Split> {
        match self.peek()? {
            Some(b',') => {
                self.input.consume(1);
                Ok(true)
            }
            Some(byte) if byte == close => {
                self.input.consume(1);
                Ok(false)
            }
            _ => Err(Split::Malformed),
        }
    }

    fn end(&mut self) -> Result<(), Split> {
        match self.peek()? {
            None => Ok(()),
            Some(_) => Err(Split::Malformed),
        }
    }

    /// The elements of the `accounts` array; false when `pieces` stopped the reading.
    fn accounts(&mut self, pieces: &mut dyn Pieces) -> Result<bool, Split> {
        self.expect(b'[')?;
        if self.next_if(b']')? {
            return Ok(true);
        }
        loop {
            let json = self.value()?;
            if !pieces.account(json) {
                return Ok(false);
            }
            if !self.comma_or(b']')? {
                return Ok(true);
            }
        }
    }

    /// The text of one JSON value: a string, an object or array (to its matching close, strings
    /// skipped whole), or a scalar (to the next delimiter).
    fn value(&mut self) -> Result<Vec<u8>, Split> {
        let first = self.peek()?.ok_or(Split::Malformed)?;
        let mut text = Vec::new();
        // A string, object or array is scanned from its first byte; the rest is a scalar.
        let mut state = match first {
            b'"' | b'{' | b'[' => State::default(),
            b'}' | b']' | b',' | b':' => return Err(Split::Malformed),
            _ => return self.scalar(text),
        };
        loop {
            let buffer = self.input.fill_buf()?;
            if buffer.is_empty() {
                return Err(Split::Malformed);
            }
            match state.scan(buffer) {
                Some(end) => {
                    text.extend_from_slice(&buffer[..end]);
                    self.input.consume(end);
                    return Ok(text);
                }
                None => {
                    let taken = buffer.len();
                    text.extend_from_slice(buffer);
                    self.input.consume(taken);
                }
            }
        }
    }

    fn scalar(&mut self, mut text: Vec<u8>) -> Result<Vec<u8>, Split> {
        loop {
            let buffer = self.input.fill_buf()?;
            let end = buffer
                .iter()
                .position(|b| matches!(b, b',' | b'}' | b']' | b':' | b' ' | b'\n' | b'\r' | b'\t'));
            let taken = end.unwrap_or(buffer.len());
            text.extend_from_slice(&buffer[..taken]);
            self.input.consume(taken);
            if end.is_some() || taken == 0 {
                return Ok(text);
            }
        }
    }
}

/// Where a scan of a string, object or array is, across blocks.
#[derive(Default)]
struct State {
    depth: usize,
    in_string: bool,
    escaped: bool,
}

impl State {
    /// Scans `block`; the length up to and including the value's last byte, if it ends here.
    fn scan(&mut self, block: &[u8]) -> Option<usize> {
        let mut at = 0;
        while at < block.len() {
            if self.in_string {
                if self.escaped {
                    self.escaped = false;
                    at += 1;
                    continue;
                }
                // Most of a snapshot is string text: jump to the next quote or backslash.
                match memchr::memchr2(b'"', b'\\', &block[at..]) {
                    None => return None,
                    Some(offset) => at += offset,
                }
                match block[at] {
                    b'\\' => self.escaped = true,
                    _ => {
                        self.in_string = false;
                        if self.depth == 0 {
                            return Some(at + 1);
                        }
                    }
                }
            } else {
                match block[at] {
                    b'"' => self.in_string = true,
                    b'{' | b'[' => self.depth += 1,
                    b'}' | b']' => {
                        self.depth = self.depth.saturating_sub(1);
                        if self.depth == 0 {
                            return Some(at + 1);
                        }
                    }
                    _ => {}
                }
            }
            at += 1;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default)]
    struct Collected {
        fields: Vec<(String, String)>,
        accounts: Vec<String>,
        stop_after: Option<usize>,
    }

    impl Pieces for Collected {
        fn field(&mut self, name: &str, json: Vec<u8>) -> bool {
            self.fields.push((name.into(), String::from_utf8(json).unwrap()));
            true
        }
        fn account(&mut self, json: Vec<u8>) -> bool {
            self.accounts.push(String::from_utf8(json).unwrap());
            self.stop_after != Some(self.accounts.len())
        }
    }

    /// Splits `text` read in blocks of `block` bytes.
    fn split_in_blocks(text: &str, block: usize, pieces: &mut Collected) -> Result<(), Split> {
        split(std::io::BufReader::with_capacity(block, text.as_bytes()), pieces)
    }

    #[test]
    fn pieces_are_the_values_exactly_whatever_the_block_size() {
        let text = r#" { "schema_version" : "3", "accounts": [ {"account_id": "1", "s": "a\"}]\\", "n": [1, {"x": []}]},
            {"account_id":"2"} ], "n\u0061me": -1.5e3 , "t": true, "o": {"k": "}"} }
        "#;
        for block in [1, 2, 3, 7, 64, 4096] {
            let mut pieces = Collected::default();
            split_in_blocks(text, block, &mut pieces).unwrap();
            assert_eq!(
                pieces.accounts,
                [
                    r#"{"account_id": "1", "s": "a\"}]\\", "n": [1, {"x": []}]}"#,
                    r#"{"account_id":"2"}"#
                ],
                "block {block}"
            );
            let fields: Vec<(&str, &str)> = pieces.fields.iter().map(|(n, j)| (n.as_str(), j.as_str())).collect();
            assert_eq!(
                fields,
                [
                    ("schema_version", "\"3\""),
                    ("name", "-1.5e3"),
                    ("t", "true"),
                    ("o", r#"{"k": "}"}"#)
                ],
                "block {block}"
            );
        }
    }

    #[test]
    fn empty_objects_and_arrays_split_to_nothing() {
        let mut pieces = Collected::default();
        split_in_blocks("{}", 1, &mut pieces).unwrap();
        split_in_blocks(r#"{"accounts": []}"#, 3, &mut pieces).unwrap();
        assert!(pieces.accounts.is_empty() && pieces.fields.is_empty());
    }

    #[test]
    fn a_stop_leaves_the_rest_unread() {
        let mut pieces = Collected {
            stop_after: Some(1),
            ..Default::default()
        };
        split_in_blocks(r#"{"accounts": [{}, {}, oops"#, 4, &mut pieces).unwrap();
        assert_eq!(pieces.accounts, ["{}"]);
    }

    #[test]
    fn broken_structure_is_malformed_never_a_panic() {
        for text in [
            "",
            "[]",
            "{",
            r#"{"a" 1}"#,
            r#"{"a": 1,}"#,
            r#"{"a": 1 "b": 2}"#,
            r#"{"accounts": {}}"#,
            r#"{"accounts": [{}, ]}"#,
            r#"{"accounts": [{} {}]}"#,
            r#"{"accounts": [{"a": "unterminated}]}"#,
            r#"{"accounts": [{"a": [1, 2}"#,
            r#"{"a": 1} trailing"#,
            r#"{1: 2}"#,
            r#"{"a": }"#,
        ] {
            for block in [1, 5, 4096] {
                let mut pieces = Collected::default();
                assert!(
                    matches!(split_in_blocks(text, block, &mut pieces), Err(Split::Malformed)),
                    "{text:?} in blocks of {block}"
                );
            }
        }
    }
}
