//! A guard for paginations whose service hands back a next token it already gave. The SDK's
//! paginators stop at a token that repeats the one just sent, without an error, so a partial
//! listing would read as complete; a longer cycle (A, B, A) would never stop. Either way the
//! listing is incomplete: a coverage gap, never a silent truncation or a hang.

use std::collections::HashSet;

/// The gap's error for a pagination that came back to a token it had already given.
pub(crate) const LOOP: &str = "PaginationLoop: the service returned a next token it had already given";

/// The next tokens one pagination has been given so far.
#[derive(Default)]
pub(crate) struct PageTokens {
    seen: HashSet<String>,
}

impl PageTokens {
    /// Whether this page's next token was given before: the listing goes round and is incomplete.
    pub(crate) fn repeats(&mut self, next: Option<&str>) -> bool {
        next.filter(|token| !token.is_empty())
            .is_some_and(|token| !self.seen.insert(token.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::PageTokens;

    #[test]
    fn a_token_given_twice_repeats_and_the_last_page_never_does() {
        let mut tokens = PageTokens::default();
        assert!(!tokens.repeats(Some("a")));
        assert!(!tokens.repeats(Some("b")));
        assert!(tokens.repeats(Some("a")), "a cycle A, B, A");
        assert!(tokens.repeats(Some("b")));
        assert!(!tokens.repeats(None), "no token: the last page");
        assert!(!tokens.repeats(Some("")), "an empty token also ends a listing");
    }
}
