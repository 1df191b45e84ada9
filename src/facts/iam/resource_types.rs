//! Resource types and their ARN formats (`resource_types.tsv`, generated with `actions.tsv`):
//! which actions a `Resource` pattern can reach. An action applies only to ARNs of its own
//! types; one with no type only to `*`, as the Service Authorization Reference documents.

/// One element of an ARN format or of a policy's resource pattern.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Token {
    Literal(u8),
    /// `?` in a pattern: exactly one character.
    One,
    /// `*` or `${Variable}`: any run of characters, without `:` when `colon` is false.
    Run {
        colon: bool,
    },
}

/// The ARN formats of one resource type, tokenised.
#[derive(Debug)]
pub struct ResourceType {
    pub name: &'static str,
    /// The service every format names, when all name the same one literally.
    service: Option<&'static str>,
    formats: Vec<Vec<Token>>,
    /// The formats as generated, for `covered_by`.
    raw: &'static str,
}

/// IAM and STS names cannot hold a `:`, so their placeholders never span one; elsewhere a
/// resource id may (Lambda qualifiers, S3 keys), and the placeholder is kept wide: wider
/// formats only ever keep a grant.
const COLON_FREE_SERVICES: [&str; 2] = ["iam", "sts"];

impl ResourceType {
    /// `formats` is the generated field: comma-separated, each without `arn:${Partition}:`.
    pub fn parse(name: &'static str, formats: &'static str) -> Self {
        let mut services = formats.split(',').map(|f| f.split(':').next().unwrap_or_default());
        let first = services.next().unwrap_or_default();
        let literal = |s: &str| !s.is_empty() && !s.contains(['$', '*', '?']);
        let service = (literal(first) && services.all(|s| s == first)).then_some(first);
        ResourceType {
            name,
            service,
            formats: formats.split(',').map(format_tokens).collect(),
            raw: formats,
        }
    }

    /// Whether `pattern` matches every ARN of this type (in the `aws` partition): it matches
    /// each format with its placeholders filled by text no policy spells, at two lengths.
    pub fn covered_by(&self, pattern: &str) -> bool {
        let fills = ["\u{1}", "\u{1}\u{1}\u{1}"];
        // Every format has a placeholder: a pattern without a wildcard names some ARNs only.
        pattern.contains(['*', '?'])
            && !self.raw.is_empty()
            && self.raw.split(',').all(|format| {
                fills
                    .iter()
                    .all(|fill| super::catalog::resource_match(pattern, &sample_arn(format, fill)))
            })
    }

    /// Whether some ARN of this type matches the tokenised pattern.
    pub fn may_match(&self, pattern: &[Token]) -> bool {
        self.formats.iter().any(|format| intersects(pattern, format))
    }
}

/// An ARN of `format` with each placeholder (and the format's own `*`) replaced by `fill`.
fn sample_arn(format: &str, fill: &str) -> String {
    let mut arn = String::from("arn:aws:");
    let mut rest = format;
    while let Some(at) = rest.find(['$', '*']) {
        arn.push_str(&rest[..at]);
        arn.push_str(fill);
        let skip = if rest[at..].starts_with("${") {
            rest[at..].find('}').map_or(rest.len() - at, |end| end + 1)
        } else {
            1
        };
        rest = &rest[at + skip..];
    }
    arn.push_str(rest);
    arn
}

/// An ARN format as tokens: placeholders (and the format's own `*`) are runs, colon-free in
/// the partition, service, region and account fields.
fn format_tokens(rest: &str) -> Vec<Token> {
    let service = rest.split(':').next().unwrap_or_default();
    let resource_colons = !COLON_FREE_SERVICES.contains(&service);
    let mut tokens: Vec<Token> = b"arn:".iter().map(|b| Token::Literal(*b)).collect();
    tokens.push(Token::Run { colon: false });
    tokens.push(Token::Literal(b':'));
    let mut colons = 2;
    let bytes = rest.as_bytes();
    let mut at = 0;
    while at < bytes.len() {
        let run = Token::Run {
            colon: colons >= 5 && resource_colons,
        };
        if bytes[at] == b'$' && bytes.get(at + 1) == Some(&b'{') {
            at = bytes[at..]
                .iter()
                .position(|b| *b == b'}')
                .map_or(bytes.len(), |end| at + end + 1);
            tokens.push(run);
            continue;
        }
        if bytes[at] == b'*' {
            tokens.push(run);
        } else {
            colons += usize::from(bytes[at] == b':');
            tokens.push(Token::Literal(bytes[at]));
        }
        at += 1;
    }
    tokens
}

/// A policy's resource pattern as tokens: `${aws:username}` and other variables are unknown
/// here, so they match anything (a grant is kept, never dropped, on them).
pub fn pattern_tokens(pattern: &str) -> Vec<Token> {
    let bytes = pattern.as_bytes();
    let mut tokens = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        match bytes[at] {
            b'$' if bytes.get(at + 1) == Some(&b'{') => {
                at = bytes[at..]
                    .iter()
                    .position(|b| *b == b'}')
                    .map_or(bytes.len(), |end| at + end + 1);
                tokens.push(Token::Run { colon: true });
                continue;
            }
            b'*' => tokens.push(Token::Run { colon: true }),
            b'?' => tokens.push(Token::One),
            other => tokens.push(Token::Literal(other)),
        }
        at += 1;
    }
    tokens
}

/// Whether some string matches both token lists: reachability in their product automaton.
fn intersects(pattern: &[Token], format: &[Token]) -> bool {
    let width = format.len() + 1;
    let mut seen = vec![false; (pattern.len() + 1) * width];
    let mut stack = vec![(0usize, 0usize)];
    while let Some((i, j)) = stack.pop() {
        if std::mem::replace(&mut seen[i * width + j], true) {
            continue;
        }
        if i == pattern.len() && j == format.len() {
            return true;
        }
        let (p, f) = (pattern.get(i).copied(), format.get(j).copied());
        let mut step = |next: (usize, usize)| {
            if !seen[next.0 * width + next.1] {
                stack.push(next);
            }
        };
        if let Some(Token::Run { .. }) = p {
            step((i + 1, j));
        }
        if let Some(Token::Run { .. }) = f {
            step((i, j + 1));
        }
        match (p, f) {
            (Some(Token::Run { .. }), Some(Token::Literal(_))) => step((i, j + 1)),
            (Some(Token::Literal(c)), Some(Token::Run { colon })) if colon || c != b':' => step((i + 1, j)),
            (Some(Token::One), Some(Token::Run { .. })) => step((i + 1, j)),
            (Some(Token::Literal(c)), Some(Token::Literal(d))) if c == d => step((i + 1, j + 1)),
            (Some(Token::One), Some(Token::Literal(_))) => step((i + 1, j + 1)),
            _ => {}
        }
    }
    false
}

/// The indices of the `types` some ARN matching the tokenised pattern can belong to. A pattern
/// whose partition and service are literal can only meet the types of that service: the others
/// are not searched (the search was most of a scan's IAM work otherwise).
pub fn matching_types(types: &[ResourceType], pattern: &[Token]) -> Vec<usize> {
    let service = literal_service(pattern);
    let other_service = |t: &ResourceType| matches!((service.as_deref(), t.service), (Some(wanted), Some(own)) if wanted != own.as_bytes());
    (0..types.len())
        .filter(|&i| !other_service(&types[i]) && types[i].may_match(pattern))
        .collect()
}

/// The service field of `arn:PARTITION:SERVICE:…` when the pattern spells both literally.
fn literal_service(pattern: &[Token]) -> Option<Vec<u8>> {
    let mut literal = Vec::with_capacity(pattern.len());
    for token in pattern {
        match token {
            Token::Literal(byte) => literal.push(*byte),
            _ => break,
        }
        if literal.iter().filter(|b| **b == b':').count() == 3 {
            let mut fields = literal.split(|b| *b == b':');
            return match (fields.next(), fields.next(), fields.next()) {
                (Some(b"arn"), Some(_), Some(service)) => Some(service.to_vec()),
                _ => None,
            };
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(pattern: &str, formats: &'static str) -> bool {
        ResourceType::parse("t", formats).may_match(&pattern_tokens(pattern))
    }

    #[test]
    fn a_pattern_covers_a_type_only_when_it_matches_every_arn_of_it() {
        let role = ResourceType::parse("role", "iam::${Account}:role/${RoleNameWithPath}");
        assert!(role.covered_by("arn:aws:iam::*:role/*"));
        assert!(role.covered_by("*"));
        assert!(!role.covered_by("arn:aws:iam::111122223333:role/*"));
        assert!(!role.covered_by("arn:aws:iam::*:role/app-*"));
        assert!(!role.covered_by("arn:aws:iam::*:role/?"));
        assert!(!role.covered_by("arn:aws:iam::*:role/${aws:username}"));
    }

    /// `covered_by` skips patterns without a wildcard: no format may be a literal ARN.
    #[test]
    fn every_generated_format_has_a_placeholder() {
        for resource_type in &crate::facts::iam::catalog::catalog().resource_types {
            for format in resource_type.raw.split(',') {
                assert!(format.contains(['$', '*']), "{}: {format}", resource_type.name);
            }
        }
    }

    #[test]
    fn patterns_meet_formats_of_their_own_type_only() {
        let role = "iam::${Account}:role/${RoleNameWithPath}";
        let policy = "iam::${Account}:policy/${PolicyNameWithPath}";
        assert!(matches("arn:aws:iam::*:role/*", role));
        assert!(!matches("arn:aws:iam::*:role/*", policy));
        assert!(matches("arn:aws:iam::*:policy/*", policy));
        assert!(!matches("arn:aws:s3:::bucket", role));
        assert!(matches("arn:aws:s3:::bucket", "s3:::${BucketName}"));
        assert!(!matches("arn:aws:s3:::bucket", "s3:::${BucketName}/${ObjectName}"));
        assert!(matches("arn:aws:s3:::bucket/*", "s3:::${BucketName}/${ObjectName}"));
        assert!(matches(
            "arn:*:iam::1:user/${aws:username}",
            "iam::${Account}:user/${UserNameWithPath}"
        ));
        assert!(matches("arn:aws:i?m::1:role/x", role));
        // Outside IAM, a resource id may hold a colon (a Lambda qualifier).
        assert!(matches(
            "arn:aws:lambda:*:*:function:f:*",
            "lambda:${Region}:${Account}:function:${FunctionName}"
        ));
        // The account field never spans a colon.
        assert!(!matches("arn:aws:iam::1:2:role/x", role));
    }

    #[test]
    fn a_literal_service_narrows_the_search_and_a_wildcard_one_does_not() {
        let types = [
            ResourceType::parse("role", "iam::${Account}:role/${RoleNameWithPath}"),
            ResourceType::parse("bucket", "s3:::${BucketName}"),
        ];
        let reached = |pattern: &str| matching_types(&types, &pattern_tokens(pattern));
        assert_eq!(reached("arn:aws:s3:::b"), [1]);
        assert_eq!(reached("arn:aws:iam::1:role/x"), [0]);
        // ARNs match case-sensitively: searched or not, no type of another spelling is met.
        assert!(reached("arn:aws:IAM::1:role/x").is_empty());
        assert_eq!(reached("arn:aws:*:::b"), [1]);
        // A wildcard partition may span colons (`aws:s3:::iam…` is a bucket name): all searched.
        assert_eq!(reached("arn:*:iam::1:role/x"), [0, 1]);
        assert_eq!(literal_service(&pattern_tokens("arn:aws:s3:::b")), Some(b"s3".to_vec()));
        assert_eq!(literal_service(&pattern_tokens("arn:aws:s*:::b")), None);
        assert_eq!(literal_service(&pattern_tokens("arn:aws")), None);
    }
}
