//! Wildcard patterns (`*` any sequence, `?` one character) with policy variables
//! (`${aws:username}`, `${*}`, `${?}`, `${$}`), compiled once at parse time.
//!
//! Matching is the classic greedy glob with one backtrack point, walking the pattern and the text
//! in place: it never allocates, and variables are looked up in the condition keys as they are
//! reached.

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
        Pattern {
            tokens,
            case,
            has_variables,
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
