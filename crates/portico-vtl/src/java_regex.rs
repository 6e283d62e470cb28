//! Java regular expressions (`java.util.regex`) on top of the `regex` crate: pattern
//! translation, `Matcher.replaceAll` replacement strings and `String.split`.
//!
//! The common syntax is the same. Translated: `\d \w \s` and their negations are ASCII as in
//! Java, `\Q…\E` quoting, POSIX classes such as `\p{Alpha}`, escaped punctuation (`\<` is a
//! literal in Java, a word boundary in `regex`), and possessive quantifiers (`a*+`, treated as
//! greedy). Not available, so the method throws as for an invalid pattern: lookaround and
//! backreferences.

use regex::{Captures, Regex, RegexBuilder};

/// Bounds the memory a template's regex may take.
const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// Compiles a Java pattern; `whole` anchors it for `String.matches`.
pub(crate) fn compile(pattern: &str, whole: bool) -> Result<Regex, String> {
    let translated = translate(pattern)?;
    let anchored;
    let source = if whole {
        anchored = format!(r"\A(?:{translated})\z");
        &anchored
    } else {
        &translated
    };
    RegexBuilder::new(source)
        .size_limit(REGEX_SIZE_LIMIT)
        .dfa_size_limit(REGEX_SIZE_LIMIT)
        .build()
        .map_err(|err| format!("java.util.regex.PatternSyntaxException: {err}"))
}

fn posix_class(name: &str) -> Option<&'static str> {
    Some(match name {
        "Lower" => "[:lower:]",
        "Upper" => "[:upper:]",
        "ASCII" => "[:ascii:]",
        "Alpha" => "[:alpha:]",
        "Digit" => "[:digit:]",
        "Alnum" => "[:alnum:]",
        "Punct" => "[:punct:]",
        "Graph" => "[:graph:]",
        "Print" => "[:print:]",
        "Blank" => "[:blank:]",
        "Cntrl" => "[:cntrl:]",
        "XDigit" => "[:xdigit:]",
        "Space" => "[:space:]",
        _ => return None,
    })
}

fn translate(pattern: &str) -> Result<String, String> {
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut chars = pattern.chars().peekable();
    let mut class_depth = 0usize;
    let mut after_quantifier = false;
    while let Some(c) = chars.next() {
        let was_quantifier = std::mem::take(&mut after_quantifier);
        match c {
            '\\' => {
                let Some(next) = chars.next() else {
                    return Err("java.util.regex.PatternSyntaxException: unexpected internal error near index 1".into());
                };
                let in_class = class_depth > 0;
                match next {
                    'Q' => {
                        let mut quoted = String::new();
                        while let Some(q) = chars.next() {
                            if q == '\\' && chars.peek() == Some(&'E') {
                                chars.next();
                                break;
                            }
                            quoted.push(q);
                        }
                        out.push_str(&regex::escape(&quoted));
                    }
                    'd' => out.push_str(if in_class { "0-9" } else { "[0-9]" }),
                    'w' => out.push_str(if in_class {
                        "a-zA-Z_0-9"
                    } else {
                        "[a-zA-Z_0-9]"
                    }),
                    's' => out.push_str(if in_class {
                        r"\t\n\x0B\f\r "
                    } else {
                        r"[\t\n\x0B\f\r ]"
                    }),
                    'D' if !in_class => out.push_str("[^0-9]"),
                    'W' if !in_class => out.push_str("[^a-zA-Z_0-9]"),
                    'S' if !in_class => out.push_str(r"[^\t\n\x0B\f\r ]"),
                    'Z' => out.push_str(r"(?:\n?\z)"),
                    'p' | 'P' if chars.peek() == Some(&'{') => {
                        let mut name = String::new();
                        chars.next();
                        for n in chars.by_ref() {
                            if n == '}' {
                                break;
                            }
                            name.push(n);
                        }
                        match (posix_class(&name), next, in_class) {
                            (Some(class), 'p', true) => out.push_str(class),
                            (Some(class), 'p', false) => {
                                out.push('[');
                                out.push_str(class);
                                out.push(']');
                            }
                            (Some(class), _, _) => {
                                out.push_str("[^");
                                out.push_str(class);
                                out.push(']');
                            }
                            (None, _, _) => {
                                out.push('\\');
                                out.push(next);
                                out.push('{');
                                out.push_str(&name);
                                out.push('}');
                            }
                        }
                    }
                    n if n.is_ascii_alphanumeric() => {
                        out.push('\\');
                        out.push(n);
                    }
                    n => {
                        // Java allows escaping any other character, meaning itself.
                        let mut buf = [0u8; 4];
                        out.push_str(&regex::escape(n.encode_utf8(&mut buf)));
                    }
                }
            }
            '[' => {
                class_depth += 1;
                out.push('[');
                // A `]` or `^]` right after the opening bracket is a literal in both dialects.
            }
            ']' if class_depth > 0 => {
                class_depth -= 1;
                out.push(']');
            }
            '*' | '+' | '?' if class_depth == 0 => {
                if c == '+' && was_quantifier {
                    // Possessive quantifier: no `regex` equivalent, treated as greedy.
                    continue;
                }
                out.push(c);
                after_quantifier = true;
            }
            '}' if class_depth == 0 => {
                out.push('}');
                after_quantifier = true;
            }
            c => out.push(c),
        }
    }
    Ok(out)
}

/// Appends Java's expansion of `replacement` for one match: `$n` and `${name}` insert groups,
/// `\x` inserts `x`.
fn expand(
    caps: &Captures<'_>,
    regex: &Regex,
    replacement: &str,
    out: &mut String,
) -> Result<(), String> {
    let group_count = regex.captures_len() - 1;
    let mut chars = replacement.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                match chars.next() {
                    Some(escaped) => out.push(escaped),
                    None => {
                        return Err("java.lang.IllegalArgumentException: character to be escaped is missing".into());
                    }
                }
            }
            '$' => {
                if chars.peek() == Some(&'{') {
                    chars.next();
                    let mut name = String::new();
                    loop {
                        match chars.next() {
                            Some('}') => break,
                            Some(n) if n.is_ascii_alphanumeric() => name.push(n),
                            _ => {
                                return Err("java.lang.IllegalArgumentException: named capturing group is missing trailing '}'".into());
                            }
                        }
                    }
                    if regex.capture_names().flatten().all(|n| n != name) {
                        return Err(format!(
                            "java.lang.IllegalArgumentException: No group with name {{{name}}}"
                        ));
                    }
                    if let Some(group) = caps.name(&name) {
                        out.push_str(group.as_str());
                    }
                    continue;
                }
                let Some(first) = chars.peek().and_then(|d| d.to_digit(10)) else {
                    return Err(
                        "java.lang.IllegalArgumentException: Illegal group reference".into(),
                    );
                };
                chars.next();
                let mut number = first as usize;
                if number > group_count {
                    return Err(format!(
                        "java.lang.IndexOutOfBoundsException: No group {number}"
                    ));
                }
                while let Some(d) = chars.peek().and_then(|d| d.to_digit(10)) {
                    let longer = number * 10 + d as usize;
                    if longer > group_count {
                        break;
                    }
                    number = longer;
                    chars.next();
                }
                if let Some(group) = caps.get(number) {
                    out.push_str(group.as_str());
                }
            }
            c => out.push(c),
        }
    }
    Ok(())
}

/// `Matcher.replaceAll` / `replaceFirst`.
pub(crate) fn replace(
    regex: &Regex,
    text: &str,
    replacement: &str,
    first_only: bool,
) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for caps in regex.captures_iter(text) {
        let Some(whole) = caps.get(0) else { continue };
        out.push_str(&text[last..whole.start()]);
        expand(&caps, regex, replacement, &mut out)?;
        last = whole.end();
        if first_only {
            break;
        }
    }
    out.push_str(&text[last..]);
    Ok(out)
}

/// `String.split(regex, limit)`: with `limit == 0` trailing empty strings are dropped; a
/// zero-width match at the start never produces a leading empty string (Java 8+).
pub(crate) fn split<'t>(regex: &Regex, text: &'t str, limit: i64) -> Vec<&'t str> {
    let mut parts = Vec::new();
    let mut index = 0;
    let mut matched = false;
    for m in regex.find_iter(text) {
        if limit > 0 && parts.len() as i64 >= limit - 1 {
            break;
        }
        if m.end() == 0 {
            continue;
        }
        matched = true;
        parts.push(&text[index..m.start()]);
        index = m.end();
    }
    if !matched {
        return vec![text];
    }
    parts.push(&text[index..]);
    if limit == 0 {
        while parts.last() == Some(&"") {
            parts.pop();
        }
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split_all(pattern: &str, text: &str, limit: i64) -> Vec<String> {
        let regex = compile(pattern, false).unwrap();
        split(&regex, text, limit)
            .into_iter()
            .map(str::to_owned)
            .collect()
    }

    fn replace_all(pattern: &str, text: &str, replacement: &str) -> Result<String, String> {
        replace(&compile(pattern, false).unwrap(), text, replacement, false)
    }

    #[test]
    fn split_follows_java() {
        assert_eq!(split_all(",", "a,b,,c,,", 0), ["a", "b", "", "c"]);
        assert_eq!(split_all(",", "a,b,,c,,", -1), ["a", "b", "", "c", "", ""]);
        assert_eq!(split_all(",", "a,b,c", 2), ["a", "b,c"]);
        assert_eq!(split_all(",", ",a", 0), ["", "a"]);
        assert_eq!(split_all("", "abc", 0), ["a", "b", "c"]);
        assert_eq!(split_all(",", "", 0), [""]);
        assert_eq!(split_all(",", ",,", 0), Vec::<String>::new());
        assert_eq!(split_all("\\s+", "a  b\tc", 0), ["a", "b", "c"]);
        assert_eq!(split_all("\\.", "a.b", 0), ["a", "b"]);
    }

    #[test]
    fn replacement_strings_follow_java() {
        assert_eq!(replace_all("(a)(b)", "xaby", "$2$1").unwrap(), "xbay");
        assert_eq!(replace_all("(a)", "a", "$10").unwrap(), "a0");
        assert_eq!(replace_all("a", "a", "\\$").unwrap(), "$");
        assert_eq!(replace_all("(?<x>a)", "a", "<${x}>").unwrap(), "<a>");
        assert!(replace_all("a", "a", "$1").is_err());
        assert!(replace_all("a", "a", "$").is_err());
        assert_eq!(replace_all("a", "bbb", "$").unwrap(), "bbb");
        assert_eq!(replace_all("\\\\'", "it\\'s", "'").unwrap(), "it's");
    }

    #[test]
    fn java_syntax_is_translated() {
        assert!(compile("\\<b\\>", false).unwrap().is_match("<b>"));
        assert!(compile("\\Qa.b\\E", false).unwrap().is_match("a.b"));
        assert!(!compile("\\Qa.b\\E", false).unwrap().is_match("axb"));
        assert!(compile("\\p{Alpha}+", true).unwrap().is_match("abc"));
        assert!(compile("a++b", true).unwrap().is_match("aab"));
        assert!(!compile("\\d", false).unwrap().is_match("\u{0663}"));
        assert!(compile("[\\w-]+", true).unwrap().is_match("a-b_c"));
        assert!(compile("(?=a)", false).is_err());
        assert!(compile("a|ab", true).unwrap().is_match("ab"));
    }
}
