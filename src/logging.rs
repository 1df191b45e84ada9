//! Diagnostics on stderr (`POSTURE_LOG`, `-v`, `-q`), with credentials redacted from every
//! line: at `debug`/`trace` the AWS SDK prints its `Credentials` (with the access key id),
//! request headers and signing details, and none of that may reach a CI log.

use std::io::{IsTerminal, Write};

/// Sets up the global subscriber: our warnings by default, more with `-v`, everything
/// `POSTURE_LOG` asks for, always through the redacting writer.
pub fn init(quiet: bool, verbose: u8) {
    // Our own warnings by default; the SDK's own (credential-chain probing) only when asked.
    let level = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "error,posture=warn",
        (false, 1) => "warn,posture=info",
        _ => "info,posture=debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("POSTURE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    let stderr = std::io::stderr();
    let colour = stderr.is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(|| Redacting(std::io::stderr()))
        .with_ansi(colour)
        .with_target(false)
        .without_time()
        .try_init();
}

/// A writer that redacts credentials from what passes through it. The fmt layer writes each
/// event in one call, so a secret is never split across two writes.
pub struct Redacting<W: Write>(pub W);

impl<W: Write> Write for Redacting<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        self.0.write_all(redact(&text).as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

/// What replaces a secret.
const REDACTED: &str = "[redacted]";

/// Names whose value is a credential, compared case-insensitively with `-` read as `_`.
const SECRET_KEYS: [&str; 12] = [
    "access_key_id",
    "accesskeyid",
    "aws_access_key_id",
    "secret_access_key",
    "secretaccesskey",
    "aws_secret_access_key",
    "session_token",
    "aws_session_token",
    "sessiontoken",
    "x_amz_security_token",
    "authorization",
    "signature",
];

/// Prefixes of AWS access key ids (long-term and temporary).
const KEY_ID_PREFIXES: [&str; 2] = ["AKIA", "ASIA"];

/// Replaces every access key id and every value of a [`SECRET_KEYS`] name (`key: "v"`,
/// `key=v`, `"key": "v"`) with `[redacted]`.
pub fn redact(text: &str) -> String {
    redact_key_ids(&redact_named_values(text))
}

fn redact_named_values(text: &str) -> String {
    let folded: String = text
        .chars()
        .map(|c| if c == '-' { '_' } else { c.to_ascii_lowercase() })
        .collect();
    // Lowercasing ASCII keeps byte offsets; other characters fold to themselves.
    if folded.len() != text.len() {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut search = 0;
    while let Some((start, key)) = next_key(&folded, search) {
        search = start + key.len();
        // A whole name only: not the tail of a longer identifier.
        if folded[..start]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            continue;
        }
        let Some(value) = value_after(text, search) else {
            continue;
        };
        out.push_str(&text[copied..value.start]);
        out.push_str(REDACTED);
        copied = value.end;
        search = value.end;
    }
    out.push_str(&text[copied..]);
    out
}

fn next_key(folded: &str, from: usize) -> Option<(usize, &'static str)> {
    SECRET_KEYS
        .iter()
        .filter_map(|key| folded.get(from..)?.find(key).map(|at| (from + at, *key)))
        // The earliest match, and at one place the longest name.
        .min_by_key(|(at, key)| (*at, usize::MAX - key.len()))
}

/// The byte range of the value written after a name: past a closing quote, `:` or `=`, then
/// a quoted value up to its quote, or a bare one up to a separator.
fn value_after(text: &str, mut at: usize) -> Option<std::ops::Range<usize>> {
    let bytes = text.as_bytes();
    while bytes.get(at).is_some_and(|b| *b == b'"' || *b == b'\'') {
        at += 1;
    }
    while bytes.get(at).is_some_and(|b| *b == b' ') {
        at += 1;
    }
    let separator = bytes.get(at).copied().filter(|b| *b == b':' || *b == b'=')?;
    at += 1;
    while bytes.get(at).is_some_and(|b| *b == b' ') {
        at += 1;
    }
    let quote = bytes.get(at).copied().filter(|b| *b == b'"' || *b == b'\'');
    let start = if quote.is_some() { at + 1 } else { at };
    let end = match quote {
        Some(q) => text[start..].find(q as char).map_or(text.len(), |i| start + i),
        // `key=value` ends at a space; a header value (`Authorization: AWS4-HMAC-SHA256 ...`) may hold spaces.
        None => text[start..]
            .find(|c: char| {
                matches!(c, ',' | '}' | ')' | '&' | ';' | '\n' | '\r') || (separator == b'=' && c.is_whitespace())
            })
            .map_or(text.len(), |i| start + i),
    };
    (end > start).then_some(start..end)
}

fn redact_key_ids(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = KEY_ID_PREFIXES.iter().filter_map(|p| rest.find(p)).min() {
        let tail = &rest[at + 4..];
        let length = tail
            .find(|c: char| !(c.is_ascii_uppercase() || c.is_ascii_digit()))
            .unwrap_or(tail.len());
        let word_start = rest[..at]
            .chars()
            .next_back()
            .is_none_or(|c| !c.is_ascii_alphanumeric());
        out.push_str(&rest[..at + 4]);
        // Real ids are 20 characters: the prefix and 16 more.
        if word_start && length >= 12 {
            out.push_str(REDACTED);
            rest = &tail[length..];
        } else {
            rest = tail;
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use std::sync::{Arc, Mutex};

    #[test]
    fn access_key_ids_are_redacted_wherever_they_appear() {
        assert_eq!(redact("using AKIAIOSFODNN7EXAMPLE now"), "using AKIA[redacted] now");
        assert_eq!(
            redact("Credential=ASIAQWERTYUIOPASDFGH/20260101/us-east-1/sts/aws4_request"),
            "Credential=ASIA[redacted]/20260101/us-east-1/sts/aws4_request"
        );
        // Words that merely start like one stay.
        assert_eq!(redact("ASIAN markets, AKIA short"), "ASIAN markets, AKIA short");
    }

    #[test]
    fn named_secrets_are_redacted_in_every_notation() {
        let debug = r#"Credentials { provider_name: "Environment", access_key_id: "testing", secret_access_key: "** redacted **", expires_after: None }"#;
        let redacted = redact(debug);
        assert!(!redacted.contains("testing"), "{redacted}");
        // As the SDK prints it at trace level.
        let sdk = r#"resolved identity identity=Identity { data: Credentials { provider_name: \"EnvironmentVariable\", access_key_id: \"ASIA3LTVE3H47JFJEP34\", secret_access_key: \"** redacted **\" } }"#;
        assert!(!redact(sdk).contains("3LTVE3H47JFJEP34"), "{}", redact(sdk));
        assert!(redacted.contains("provider_name: \"Environment\""), "{redacted}");
        assert_eq!(
            redact("aws_secret_access_key=abc/def+ghi rest"),
            "aws_secret_access_key=[redacted] rest"
        );
        assert_eq!(
            redact(r#"{"x-amz-security-token": "FwoGZXIvYXdz", "host": "sts"}"#),
            r#"{"x-amz-security-token": "[redacted]", "host": "sts"}"#
        );
        assert_eq!(
            redact("Authorization: AWS4-HMAC-SHA256 Credential=x/y, SignedHeaders=host, Signature=00ff\nnext"),
            "Authorization: [redacted], SignedHeaders=host, Signature=[redacted]\nnext"
        );
        assert_eq!(redact("AWS_SESSION_TOKEN=tok123"), "AWS_SESSION_TOKEN=[redacted]");
        // Prose that names a credential without a value is kept.
        assert_eq!(
            redact("loading the access_key_id from the profile"),
            "loading the access_key_id from the profile"
        );
    }

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn events_pass_through_the_redacting_writer() {
        let captured = Captured::default();
        let sink = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || Redacting(sink.clone()))
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            tracing::debug!(credentials = ?"access_key_id: \"AKIAIOSFODNN7EXAMPLE\"", "loaded credentials");
            tracing::trace!("header x-amz-security-token=FwoGZXIvYXdzEXAMPLE");
        });
        let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        assert!(text.contains("loaded credentials"), "{text}");
        assert!(
            !text.contains("IOSFODNN7EXAMPLE") && !text.contains("FwoGZXIvYXdzEXAMPLE"),
            "{text}"
        );
    }
}
