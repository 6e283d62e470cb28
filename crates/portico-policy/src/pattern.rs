//! Wildcard patterns (`*` any sequence, `?` one character) with policy variables
//! (`${aws:username}`, `${*}`, `${?}`, `${$}`), compiled once at parse time.
//!
//! Matching is the classic greedy glob with one backtrack point, walking the pattern and the text
//! in place: it never allocates, and variables are looked up in the condition keys as they are
//! reached. Patterns made only of literals and `*` (nearly every action and resource) take a
//! faster road: a prefix, a suffix and a left-to-right search for the pieces between stars.

use crate::context::ConditionKeys;

/// Whether letters must match exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Case {
    Sensitive,
    Insensitive,
}

/// Whether `*` and `?` are wildcards (`StringLike`, resources) or plain characters
/// (`StringEquals`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Wildcards {
    Glob,
    Literal,
}

/// Whether `${...}` is a policy variable (policy version 2012-10-17) or plain text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Variables {
    Expand,
    Literal,
}

/// A compiled pattern.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Pattern {
    tokens: Vec<Token>,
    case: Case,
    has_variables: bool,
    /// Only literals and stars, and (when case-insensitive) ASCII literals.
    stars_only: bool,
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Literal(String),
    Star,
    One,
    /// A policy variable: its lowercased key and optional default (`${aws:username, 'anon'}`).
    Variable {
        key: String,
        default: Option<String>,
    },
}

/// One step of the pattern: what comes next and where the pattern continues after it.
enum Element {
    End,
    Star(Position),
    One(Position),
    Char(char, Position),
}

/// A place in the pattern: token index and byte offset inside a literal or variable value.
type Position = (usize, usize);

// === impl Pattern ===

impl Pattern {
    pub(crate) fn compile(
        source: &str,
        case: Case,
        wildcards: Wildcards,
        variables: Variables,
    ) -> Pattern {
        let mut tokens = Vec::new();
        let mut literal = String::new();
        let mut rest = source;
        while let Some(c) = rest.chars().next() {
            if variables == Variables::Expand
                && rest.starts_with("${")
                && let Some(end) = rest.find('}')
            {
                let inner = &rest[2..end];
                rest = &rest[end + 1..];
                match inner {
                    "*" | "?" | "$" => literal.push_str(inner),
                    _ => {
                        flush(&mut literal, &mut tokens);
                        tokens.push(variable(inner));
                    }
                }
                continue;
            }
            rest = &rest[c.len_utf8()..];
            match (c, wildcards) {
                ('*', Wildcards::Glob) => {
                    flush(&mut literal, &mut tokens);
                    if tokens.last() != Some(&Token::Star) {
                        tokens.push(Token::Star);
                    }
                }
                ('?', Wildcards::Glob) => {
                    flush(&mut literal, &mut tokens);
                    tokens.push(Token::One);
                }
                _ => literal.push(c),
            }
        }
        flush(&mut literal, &mut tokens);
        let has_variables = tokens
            .iter()
            .any(|token| matches!(token, Token::Variable { .. }));
        let stars_only = tokens.iter().all(|token| match token {
            Token::Star => true,
            Token::Literal(text) => case == Case::Sensitive || text.is_ascii(),
            Token::One | Token::Variable { .. } => false,
        });
        Pattern {
            tokens,
            case,
            has_variables,
            stars_only,
        }
    }

    /// The lowercased condition keys this pattern's variables read.
    pub(crate) fn variable_keys(&self) -> impl Iterator<Item = &str> {
        self.tokens.iter().filter_map(|token| match token {
            Token::Variable { key, .. } => Some(key.as_str()),
            _ => None,
        })
    }

    /// Whether `text` matches. A variable the request does not carry (and that has no default)
    /// makes the pattern match nothing, as in IAM.
    pub(crate) fn matches(&self, text: &str, keys: &ConditionKeys) -> bool {
        if self.has_variables
            && self.tokens.iter().any(|token| {
                matches!(token, Token::Variable { .. }) && resolve(token, keys).is_none()
            })
        {
            return false;
        }
        if self.stars_only && (self.case == Case::Sensitive || text.is_ascii()) {
            return self.matches_pieces(text.as_bytes());
        }
        let mut position: Position = (0, 0);
        let mut offset = 0;
        let mut backtrack: Option<(Position, usize)> = None;
        loop {
            let next = text[offset..].chars().next();
            match (self.step(position, keys), next) {
                (Element::Star(after), _) => {
                    backtrack = Some((after, offset));
                    position = after;
                    continue;
                }
                (Element::One(after), Some(c)) => {
                    position = after;
                    offset += c.len_utf8();
                    continue;
                }
                (Element::Char(expected, after), Some(c)) if self.same(expected, c) => {
                    position = after;
                    offset += c.len_utf8();
                    continue;
                }
                (Element::End, None) => return true,
                _ => {}
            }
            // Mismatch: let the last star swallow one more character and retry from after it.
            let Some((after_star, star_offset)) = backtrack else {
                return false;
            };
            let Some(c) = text[star_offset..].chars().next() else {
                return false;
            };
            let resumed = star_offset + c.len_utf8();
            backtrack = Some((after_star, resumed));
            position = after_star;
            offset = resumed;
        }
    }

    /// Literals between stars: the first is a prefix unless a star leads, the last a suffix
    /// unless a star ends, and the ones between are found leftmost, in order (leftmost is
    /// never worse for what follows). Bytes compare exactly for case-sensitive patterns (UTF-8
    /// keeps character boundaries) and ASCII-insensitively for ASCII pattern and text.
    fn matches_pieces(&self, text: &[u8]) -> bool {
        let same = |a: &[u8], b: &[u8]| match self.case {
            Case::Sensitive => a == b,
            Case::Insensitive => a.eq_ignore_ascii_case(b),
        };
        let mut tokens = &self.tokens[..];
        let mut rest = text;
        match tokens {
            [] => return rest.is_empty(),
            [Token::Literal(only)] => return same(only.as_bytes(), rest),
            _ => {}
        }
        if let Some((first, after)) = tokens.split_first()
            && let Some(prefix) = literal(first)
        {
            let Some(head) = rest.get(..prefix.len()) else {
                return false;
            };
            if !same(prefix, head) {
                return false;
            }
            rest = &rest[prefix.len()..];
            tokens = after;
        }
        if let Some((last, before)) = tokens.split_last()
            && let Some(suffix) = literal(last)
        {
            let Some(split) = rest.len().checked_sub(suffix.len()) else {
                return false;
            };
            if !same(suffix, &rest[split..]) {
                return false;
            }
            rest = &rest[..split];
            tokens = before;
        }
        for piece in tokens.iter().filter_map(literal) {
            let found = rest
                .windows(piece.len())
                .position(|window| same(piece, window));
            match found {
                Some(at) => rest = &rest[at + piece.len()..],
                None => return false,
            }
        }
        true
    }

    fn step(&self, (mut index, mut offset): Position, keys: &ConditionKeys) -> Element {
        loop {
            let Some(token) = self.tokens.get(index) else {
                return Element::End;
            };
            let text = match token {
                Token::Star => return Element::Star((index + 1, 0)),
                Token::One => return Element::One((index + 1, 0)),
                Token::Literal(text) => text.as_str(),
                Token::Variable { .. } => resolve(token, keys).unwrap_or(""),
            };
            match text.get(offset..).and_then(|rest| rest.chars().next()) {
                Some(c) => return Element::Char(c, (index, offset + c.len_utf8())),
                None => {
                    index += 1;
                    offset = 0;
                }
            }
        }
    }

    fn same(&self, expected: char, actual: char) -> bool {
        expected == actual
            || (self.case == Case::Insensitive
                && (expected.eq_ignore_ascii_case(&actual)
                    || expected.to_lowercase().eq(actual.to_lowercase())))
    }
}

fn literal(token: &Token) -> Option<&[u8]> {
    match token {
        Token::Literal(text) => Some(text.as_bytes()),
        _ => None,
    }
}

fn flush(literal: &mut String, tokens: &mut Vec<Token>) {
    if !literal.is_empty() {
        tokens.push(Token::Literal(std::mem::take(literal)));
    }
}

fn variable(inner: &str) -> Token {
    let (name, default) = match inner.split_once(',') {
        Some((name, default)) => {
            let default = default.trim();
            let default = default
                .strip_prefix('\'')
                .and_then(|d| d.strip_suffix('\''))
                .unwrap_or(default);
            (name, Some(default.to_string()))
        }
        None => (inner, None),
    };
    Token::Variable {
        key: name.trim().to_ascii_lowercase(),
        default,
    }
}

/// A variable's value: the key's single value, else the default. Multivalued keys cannot be
/// used as variables.
fn resolve<'a>(token: &'a Token, keys: &'a ConditionKeys) -> Option<&'a str> {
    let Token::Variable { key, default } = token else {
        return None;
    };
    match keys.get_lowercase(key) {
        Some([value]) => Some(value.as_str()),
        _ => default.as_deref(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(pattern: &str, text: &str, expected: bool) {
        let keys = ConditionKeys::default();
        let compiled =
            Pattern::compile(pattern, Case::Sensitive, Wildcards::Glob, Variables::Expand);
        assert_eq!(
            compiled.matches(text, &keys),
            expected,
            "{pattern} vs {text}"
        );
    }

    #[test]
    fn globs_match_like_iam() {
        check("*", "", true);
        check("*", "anything", true);
        check("a*c", "abbbc", true);
        check("a*c", "abbb", false);
        check("a?c", "abc", true);
        check("a?c", "ac", false);
        check("*/prod/*", "api/prod/GET/x", true);
        check("a*b*c", "axxbyyc", true);
        check("a*b*c", "axxbyy", false);
        check("ä?", "äö", true);
        check("abc", "ABC", false);
        check("${*}", "*", true);
        check("${*}", "x", false);
        check("a${?}${$}", "a?$", true);
    }

    /// The obvious exponential matcher, as the reference for the linear one.
    fn naive(pattern: &[char], text: &[char]) -> bool {
        match pattern.split_first() {
            None => text.is_empty(),
            Some(('*', rest)) => (0..=text.len()).any(|skip| naive(rest, &text[skip..])),
            Some(('?', rest)) => !text.is_empty() && naive(rest, &text[1..]),
            Some((c, rest)) => text.first() == Some(c) && naive(rest, &text[1..]),
        }
    }

    proptest::proptest! {
        #[test]
        fn glob_agrees_with_the_naive_matcher(pattern in "[ab*?]{0,8}", text in "[ab]{0,10}") {
            let keys = ConditionKeys::default();
            let compiled = Pattern::compile(&pattern, Case::Sensitive, Wildcards::Glob, Variables::Literal);
            let pattern_chars: Vec<char> = pattern.chars().collect();
            let text_chars: Vec<char> = text.chars().collect();
            proptest::prop_assert_eq!(compiled.matches(&text, &keys), naive(&pattern_chars, &text_chars));
        }
    }

    proptest::proptest! {
        #[test]
        fn star_patterns_agree_with_the_naive_matcher(pattern in "[ab*]{0,8}", text in "[ab]{0,12}") {
            let keys = ConditionKeys::default();
            let compiled = Pattern::compile(&pattern, Case::Sensitive, Wildcards::Glob, Variables::Literal);
            proptest::prop_assert!(compiled.stars_only);
            let pattern_chars: Vec<char> = pattern.chars().collect();
            let text_chars: Vec<char> = text.chars().collect();
            proptest::prop_assert_eq!(compiled.matches(&text, &keys), naive(&pattern_chars, &text_chars));
        }

        #[test]
        fn insensitive_star_patterns_fold_ascii_case(pattern in "[aAb*]{0,8}", text in "[aAbB]{0,12}") {
            let keys = ConditionKeys::default();
            let compiled = Pattern::compile(&pattern, Case::Insensitive, Wildcards::Glob, Variables::Literal);
            let pattern_chars: Vec<char> = pattern.to_ascii_lowercase().chars().collect();
            let text_chars: Vec<char> = text.to_ascii_lowercase().chars().collect();
            proptest::prop_assert_eq!(compiled.matches(&text, &keys), naive(&pattern_chars, &text_chars));
        }
    }

    #[test]
    fn star_patterns_keep_utf8_and_unicode_case_rules() {
        check("arn:*:ä*", "arn:x:äö", true);
        check("*ö", "äö", true);
        check("", "", true);
        check("", "x", false);
        check("a*a", "a", false);
        let keys = ConditionKeys::default();
        // Non-ASCII text under a case-insensitive pattern takes the general road, which
        // folds Unicode case: the Kelvin sign lowercases to `k`.
        let p = Pattern::compile("*k", Case::Insensitive, Wildcards::Glob, Variables::Literal);
        assert!(p.matches("x\u{212A}", &keys));
        assert!(p.matches("XK", &keys));
    }

    #[test]
    fn insensitive_patterns_ignore_case() {
        let keys = ConditionKeys::default();
        let p = Pattern::compile(
            "execute-api:In*",
            Case::Insensitive,
            Wildcards::Glob,
            Variables::Literal,
        );
        assert!(p.matches("EXECUTE-API:invoke", &keys));
    }

    #[test]
    fn variables_resolve_from_keys_with_defaults() {
        let mut keys = ConditionKeys::default();
        keys.insert("aws:username", "alice");
        let p = Pattern::compile(
            "home/${aws:username}/*",
            Case::Sensitive,
            Wildcards::Glob,
            Variables::Expand,
        );
        assert!(p.matches("home/alice/x", &keys));
        assert!(!p.matches("home/bob/x", &keys));
        let p = Pattern::compile(
            "${aws:userid}",
            Case::Sensitive,
            Wildcards::Glob,
            Variables::Expand,
        );
        assert!(!p.matches("", &keys));
        let p = Pattern::compile(
            "${aws:userid, 'none'}",
            Case::Sensitive,
            Wildcards::Glob,
            Variables::Expand,
        );
        assert!(p.matches("none", &keys));
    }
}
