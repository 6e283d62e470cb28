//! Velocity 1.7's grammar, parsed by hand, with its whitespace rules:
//!
//! - the `)` that closes a directive (`#set`, `#if`, `#elseif`, `#foreach`, `#macro`,
//!   `#define`, a macro call) eats the spaces, tabs and one newline that follow it, if a newline
//!   follows;
//! - `#else` and `#end` eat the spaces, tabs and one newline that follow them, if a newline
//!   follows;
//! - `#set` also eats the spaces and tabs before it, when they are the whole text since the
//!   previous VTL element (in practice: indentation on a line after a line ending in a
//!   directive);
//! - `##` comments eat their newline.
//!
//! Nothing else is gobbled: indentation before `#if`, `#foreach` or `#end` is output.

use std::collections::HashMap;
use std::sync::Arc;

use crate::ast::{BinOp, Block, Expr, Macro, Node, Part, Reference, Slot};
use crate::error::ParseError;
use crate::java_regex;
use crate::limits::MAX_NESTING;

/// Everything [`crate::Template`] keeps from parsing.
pub(crate) struct Parsed {
    pub(crate) body: Block,
    pub(crate) slots: Vec<Box<str>>,
    pub(crate) macros: Vec<Macro>,
    pub(crate) defines: Vec<Block>,
}

/// Parses a whole template.
pub(crate) fn parse(source: &str) -> Result<Parsed, ParseError> {
    let mut shared = Shared {
        root: source,
        slots: Vec::new(),
        slot_index: HashMap::new(),
        macros: Vec::new(),
        defines: Vec::new(),
    };
    let mut parser = Parser {
        src: source,
        pos: 0,
        base: 0,
        depth: 0,
        shared: &mut shared,
    };
    let (body, end, at) = parser.parse_block()?;
    match end {
        Closer::Eof => {}
        Closer::End => return Err(parser.error_at(at, "unexpected #end")),
        Closer::Else => return Err(parser.error_at(at, "#else without #if")),
        Closer::ElseIf(_) => return Err(parser.error_at(at, "#elseif without #if")),
    }
    Ok(Parsed {
        body,
        slots: shared.slots,
        macros: shared.macros,
        defines: shared.defines,
    })
}

/// State shared by the parser of a template and those of its interpolated strings.
struct Shared<'r> {
    root: &'r str,
    slots: Vec<Box<str>>,
    slot_index: HashMap<Box<str>, Slot>,
    macros: Vec<Macro>,
    defines: Vec<Block>,
}

struct Parser<'s, 'sh, 'r> {
    src: &'s str,
    pos: usize,
    /// Where `src` starts in the template, for error positions.
    base: usize,
    depth: usize,
    shared: &'sh mut Shared<'r>,
}

/// How a block ended.
enum Closer {
    Eof,
    End,
    Else,
    ElseIf(Expr),
}

/// What a `#` turned out to start.
enum Hash {
    /// Text was appended (or nothing, for a comment or a macro definition).
    Text,
    Node(Node),
    End(Closer),
}

/// Directives with a meaning of their own; `\#name` escapes only these (and macro names).
const DIRECTIVES: [&str; 14] = [
    "set", "if", "elseif", "else", "end", "foreach", "macro", "define", "break", "stop", "include",
    "parse", "evaluate", "literal",
];

/// Methods whose first argument is a Java regex.
const REGEX_METHODS: [&str; 4] = ["replaceAll", "replaceFirst", "split", "matches"];

/// The text of the block being parsed, and where its latest run of plain text began, which is
/// what `#set` may gobble.
#[derive(Default)]
struct Text {
    text: String,
    run: Option<usize>,
}

// === impl Text ===

impl Text {
    fn push_special(&mut self, s: &str) {
        self.text.push_str(s);
        self.run = None;
    }

    fn push_run(&mut self, s: &str) {
        let start = self.text.len();
        self.text.push_str(s);
        self.run = Some(start);
    }

    fn flush(&mut self, nodes: &mut Vec<Node>) {
        if !self.text.is_empty() {
            nodes.push(Node::Text(std::mem::take(&mut self.text).into_boxed_str()));
        }
        self.run = None;
    }

    /// Drops the spaces and tabs that directly precede a `#set`, when they are the whole latest
    /// run of text (Velocity's `SET_DIRECTIVE` token starts with them).
    fn gobble_before_set(&mut self) {
        if let Some(start) = self.run
            && self.text[start..].bytes().all(|b| b == b' ' || b == b'\t')
        {
            self.text.truncate(start);
        }
        self.run = None;
    }
}

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

fn is_ident_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

fn is_word_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b == b'@'
}

fn is_word_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'@'
}

// === impl Parser ===

impl Parser<'_, '_, '_> {
    fn bytes(&self) -> &[u8] {
        self.src.as_bytes()
    }

    fn peek(&self) -> Option<u8> {
        self.bytes().get(self.pos).copied()
    }

    fn peek_at(&self, at: usize) -> Option<u8> {
        self.bytes().get(at).copied()
    }

    fn error_at(&self, at: usize, message: impl Into<String>) -> ParseError {
        let absolute = (self.base + at).min(self.shared.root.len());
        let mut line = 1u32;
        let mut column = 1u32;
        for (i, c) in self.shared.root.char_indices() {
            if i >= absolute {
                break;
            }
            if c == '\n' {
                line += 1;
                column = 1;
            } else {
                column += 1;
            }
        }
        ParseError {
            line,
            column,
            message: message.into(),
        }
    }

    fn error(&self, message: impl Into<String>) -> ParseError {
        self.error_at(self.pos, message)
    }

    fn enter(&mut self) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err(self.error(format!("nesting deeper than {MAX_NESTING} levels")));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    fn slot(&mut self, name: &str) -> Slot {
        if let Some(slot) = self.shared.slot_index.get(name) {
            return *slot;
        }
        let slot = self.shared.slots.len() as Slot;
        self.shared.slots.push(name.into());
        self.shared.slot_index.insert(name.into(), slot);
        slot
    }

    fn is_known_directive(&self, word: &str) -> bool {
        DIRECTIVES.contains(&word) || self.shared.macros.iter().any(|m| &*m.name == word)
    }

    /// Parses nodes until the end of input or a `#end`, `#else` or `#elseif`, returning the
    /// position of that directive.
    fn parse_block(&mut self) -> Result<(Block, Closer, usize), ParseError> {
        self.enter()?;
        let mut nodes = Vec::new();
        let mut text = Text::default();
        let result = loop {
            let Some(b) = self.peek() else {
                break (Closer::Eof, self.pos);
            };
            match b {
                b'$' => match self.parse_reference(self.pos, 0)? {
                    Some(reference) => {
                        text.flush(&mut nodes);
                        nodes.push(Node::Reference(reference));
                    }
                    None => {
                        text.push_special("$");
                        self.pos += 1;
                    }
                },
                b'\\' => self.parse_backslashes(&mut text, &mut nodes)?,
                b'#' => {
                    let at = self.pos;
                    match self.parse_hash(&mut text)? {
                        Hash::Text => {}
                        Hash::Node(node) => {
                            text.flush(&mut nodes);
                            nodes.push(node);
                        }
                        Hash::End(end) => break (end, at),
                    }
                }
                _ => {
                    let start = self.pos;
                    while let Some(b) = self.peek() {
                        if matches!(b, b'$' | b'#' | b'\\') {
                            break;
                        }
                        self.pos += 1;
                    }
                    text.push_run(&self.src[start..self.pos]);
                }
            }
        };
        text.flush(&mut nodes);
        self.leave();
        Ok((Block { nodes }, result.0, result.1))
    }

    /// A run of backslashes: before a reference they are part of it (odd counts escape it);
    /// before a directive, pairs become single backslashes and an odd one escapes it.
    fn parse_backslashes(
        &mut self,
        text: &mut Text,
        nodes: &mut Vec<Node>,
    ) -> Result<(), ParseError> {
        let start = self.pos;
        let mut after = start;
        while self.peek_at(after) == Some(b'\\') {
            after += 1;
        }
        let count = after - start;
        match self.peek_at(after) {
            Some(b'$') => {
                if let Some(reference) = self.parse_reference(after, count as u32)? {
                    text.flush(nodes);
                    nodes.push(Node::Reference(reference));
                    return Ok(());
                }
            }
            Some(b'#') => {
                if let Some((word, end)) = self.directive_word(after)
                    && self.is_known_directive(word)
                {
                    // Each pair of backslashes prints one.
                    text.push_special(&self.src[start..start + count / 2]);
                    if count % 2 == 1 {
                        // An escaped directive: its name is text, its arguments are not
                        // consumed (they render as whatever they are).
                        text.push_special(&self.src[after..end]);
                        self.pos = end;
                    } else {
                        self.pos = after;
                    }
                    return Ok(());
                }
            }
            _ => {}
        }
        text.push_special(&self.src[start..after]);
        self.pos = after;
        Ok(())
    }

    /// The directive name after the `#` at `at` (`#name` or `#{name}`) and where it ends.
    fn directive_word(&self, at: usize) -> Option<(&str, usize)> {
        let bytes = self.bytes();
        let first = *bytes.get(at + 1)?;
        if first == b'{' {
            let start = at + 2;
            if !bytes.get(start).is_some_and(|b| is_ident_start(*b)) {
                return None;
            }
            let mut end = start + 1;
            while bytes.get(end).is_some_and(|b| is_word_char(*b)) {
                end += 1;
            }
            if bytes.get(end) != Some(&b'}') {
                return None;
            }
            return Some((&self.src[start..end], end + 1));
        }
        if !is_word_start(first) {
            return None;
        }
        let start = at + 1;
        let mut end = start + 1;
        while bytes.get(end).is_some_and(|b| is_word_char(*b)) {
            end += 1;
        }
        Some((&self.src[start..end], end))
    }

    fn parse_hash(&mut self, text: &mut Text) -> Result<Hash, ParseError> {
        let start = self.pos;
        match self.peek_at(start + 1) {
            Some(b'#') => {
                // A line comment, newline included.
                let rest = &self.src[start..];
                self.pos = match rest.find(['\n', '\r']) {
                    Some(i) if rest[i..].starts_with("\r\n") => start + i + 2,
                    Some(i) => start + i + 1,
                    None => self.src.len(),
                };
                text.run = None;
                return Ok(Hash::Text);
            }
            Some(b'*') => {
                let Some(end) = self.src[start + 2..].find("*#") else {
                    return Err(self.error("unterminated #* comment"));
                };
                self.pos = start + 2 + end + 2;
                text.run = None;
                return Ok(Hash::Text);
            }
            Some(b'[') if self.peek_at(start + 2) == Some(b'[') => {
                let Some(end) = self.src[start + 3..].find("]]#") else {
                    return Err(self.error("unterminated #[[ block"));
                };
                text.push_special(&self.src[start + 3..start + 3 + end]);
                self.pos = start + 3 + end + 3;
                return Ok(Hash::Text);
            }
            _ => {}
        }
        let Some((word, word_end)) = self.directive_word(start) else {
            text.push_special("#");
            self.pos += 1;
            return Ok(Hash::Text);
        };
        let word: Box<str> = word.into();
        match &*word {
            "set" => {
                let mut open = word_end;
                while self.peek_at(open) == Some(b' ') {
                    open += 1;
                }
                if self.peek_at(open) != Some(b'(') {
                    text.push_special(&self.src[start..word_end]);
                    self.pos = word_end;
                    return Ok(Hash::Text);
                }
                text.gobble_before_set();
                self.pos = open + 1;
                self.parse_set().map(Hash::Node)
            }
            "if" => {
                self.pos = word_end;
                self.parse_if(start).map(Hash::Node)
            }
            "elseif" => {
                self.pos = word_end;
                self.expect_open("#elseif")?;
                let condition = self.parse_expr()?;
                self.expect_close_directive("#elseif")?;
                Ok(Hash::End(Closer::ElseIf(condition)))
            }
            "else" => {
                self.pos = word_end;
                self.gobble_newline();
                Ok(Hash::End(Closer::Else))
            }
            "end" => {
                self.pos = word_end;
                self.gobble_newline();
                Ok(Hash::End(Closer::End))
            }
            "foreach" => {
                self.pos = word_end;
                self.parse_foreach(start).map(Hash::Node)
            }
            "macro" => {
                self.pos = word_end;
                self.parse_macro(start)?;
                text.run = None;
                Ok(Hash::Text)
            }
            "define" => {
                self.pos = word_end;
                self.parse_define(start).map(Hash::Node)
            }
            "break" | "stop" => {
                self.pos = word_end;
                if self.open_follows() {
                    self.expect_open("directive")?;
                    self.parse_args(b')')?;
                    self.gobble_newline();
                }
                Ok(Hash::Node(if &*word == "break" {
                    Node::Break
                } else {
                    Node::Stop
                }))
            }
            "include" | "parse" | "evaluate" => Err(self.error_at(
                start,
                format!("#{word} is not supported in mapping templates"),
            )),
            _ => self.parse_macro_call(start, word, word_end).map(Hash::Node),
        }
    }

    /// A call of a macro (possibly defined later), or text that merely looks like one.
    fn parse_macro_call(
        &mut self,
        start: usize,
        name: Box<str>,
        word_end: usize,
    ) -> Result<Node, ParseError> {
        self.pos = word_end;
        let mut args = Vec::new();
        if self.open_follows() {
            let known = self.is_known_directive(&name);
            let saved_pos = self.pos;
            let saved_depth = self.depth;
            let parsed = self
                .expect_open("macro call")
                .and_then(|()| self.parse_args(b')'));
            match parsed {
                Ok(parsed) => {
                    args = parsed;
                    self.gobble_newline();
                }
                Err(err) if known => return Err(err),
                Err(_) => {
                    // Not a macro we know and not parseable as a call: plain text.
                    self.pos = saved_pos;
                    self.depth = saved_depth;
                }
            }
        }
        Ok(Node::MacroCall {
            name,
            args,
            literal: self.src[start..self.pos].into(),
        })
    }

    fn parse_set(&mut self) -> Result<Node, ParseError> {
        self.skip_ws();
        if self.peek() != Some(b'$') {
            return Err(self.error("#set must assign to a reference"));
        }
        let Some(target) = self.parse_reference(self.pos, 0)? else {
            return Err(self.error("#set must assign to a reference"));
        };
        if matches!(target.parts.last(), Some(Part::Method { .. })) {
            return Err(self.error("the left side of #set cannot end with a method call"));
        }
        self.skip_ws();
        if self.peek() != Some(b'=') {
            return Err(self.error("expected = in #set"));
        }
        self.pos += 1;
        let value = self.parse_expr()?;
        self.expect_close_directive("#set")?;
        Ok(Node::Set { target, value })
    }

    fn parse_if(&mut self, if_at: usize) -> Result<Node, ParseError> {
        self.expect_open("#if")?;
        let mut condition = self.parse_expr()?;
        self.expect_close_directive("#if")?;
        let mut branches = Vec::new();
        loop {
            let (body, end, _) = self.parse_block()?;
            branches.push((condition, body));
            match end {
                Closer::ElseIf(next) => condition = next,
                Closer::Else => {
                    let (otherwise, end, at) = self.parse_block()?;
                    return match end {
                        Closer::End => Ok(Node::If {
                            branches,
                            otherwise: Some(otherwise),
                        }),
                        Closer::Eof => Err(self.error_at(if_at, "#if without #end")),
                        Closer::Else | Closer::ElseIf(_) => {
                            Err(self.error_at(at, "#else or #elseif after #else"))
                        }
                    };
                }
                Closer::End => {
                    return Ok(Node::If {
                        branches,
                        otherwise: None,
                    });
                }
                Closer::Eof => return Err(self.error_at(if_at, "#if without #end")),
            }
        }
    }

    fn parse_foreach(&mut self, at: usize) -> Result<Node, ParseError> {
        self.expect_open("#foreach")?;
        let var = self.parse_variable("#foreach")?;
        self.skip_ws();
        if !self.src[self.pos..].starts_with("in")
            || self.peek_at(self.pos + 2).is_some_and(is_ident_char)
        {
            return Err(self.error("expected `in` in #foreach"));
        }
        self.pos += 2;
        let iterable = self.parse_expr()?;
        self.expect_close_directive("#foreach")?;
        let body = self.parse_body(at, "#foreach")?;
        Ok(Node::Foreach {
            var,
            iterable,
            body,
        })
    }

    fn parse_macro(&mut self, at: usize) -> Result<(), ParseError> {
        self.expect_open("#macro")?;
        self.skip_ws();
        let start = self.pos;
        if !self.peek().is_some_and(is_word_start) {
            return Err(self.error("#macro needs a name"));
        }
        while self.peek().is_some_and(is_word_char) {
            self.pos += 1;
        }
        let name: Box<str> = self.src[start..self.pos].into();
        let mut params = Vec::new();
        loop {
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b')') => break,
                Some(b'$') => params.push(self.parse_variable("#macro")?),
                _ => return Err(self.error("expected a $parameter or ) in #macro")),
            }
        }
        self.pos += 1;
        self.gobble_newline();
        // Registered before the body is parsed, so that the body may call the macro itself.
        self.shared.macros.push(Macro {
            name: name.clone(),
            params: params.clone(),
            body: Block::default(),
        });
        let index = self.shared.macros.len() - 1;
        let body = self.parse_body(at, "#macro")?;
        self.shared.macros[index].body = body;
        Ok(())
    }

    fn parse_define(&mut self, at: usize) -> Result<Node, ParseError> {
        self.expect_open("#define")?;
        let var = self.parse_variable("#define")?;
        self.expect_close_directive("#define")?;
        let body = self.parse_body(at, "#define")?;
        self.shared.defines.push(body);
        Ok(Node::Define {
            var,
            index: self.shared.defines.len() - 1,
        })
    }

    /// The body of a directive that ends with `#end` only.
    fn parse_body(&mut self, at: usize, directive: &str) -> Result<Block, ParseError> {
        let (body, end, end_at) = self.parse_block()?;
        match end {
            Closer::End => Ok(body),
            Closer::Eof => Err(self.error_at(at, format!("{directive} without #end"))),
            Closer::Else | Closer::ElseIf(_) => {
                Err(self.error_at(end_at, format!("#else or #elseif inside {directive}")))
            }
        }
    }

    /// `$name` (or `$!name`, `${name}`) naming a plain variable.
    fn parse_variable(&mut self, directive: &str) -> Result<Slot, ParseError> {
        self.skip_ws();
        let at = self.pos;
        if self.peek() == Some(b'$')
            && let Some(reference) = self.parse_reference(at, 0)?
            && reference.parts.is_empty()
        {
            return Ok(reference.root);
        }
        Err(self.error_at(at, format!("{directive} expects a $variable")))
    }

    /// Whether `(` follows, possibly after whitespace (Velocity's `isLeftParenthesis`).
    fn open_follows(&self) -> bool {
        self.src[self.pos..]
            .bytes()
            .find(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
            == Some(b'(')
    }

    fn expect_open(&mut self, directive: &str) -> Result<(), ParseError> {
        self.skip_ws();
        if self.peek() != Some(b'(') {
            return Err(self.error(format!("expected ( after {directive}")));
        }
        self.pos += 1;
        Ok(())
    }

    fn expect_close_directive(&mut self, directive: &str) -> Result<(), ParseError> {
        self.skip_ws();
        if self.peek() != Some(b')') {
            return Err(self.error(format!("expected ) to close {directive}")));
        }
        self.pos += 1;
        self.gobble_newline();
        Ok(())
    }

    /// Eats `[ \t]*` and one newline, if a newline follows.
    fn gobble_newline(&mut self) {
        let mut at = self.pos;
        while matches!(self.peek_at(at), Some(b' ' | b'\t')) {
            at += 1;
        }
        match self.peek_at(at) {
            Some(b'\n') => self.pos = at + 1,
            Some(b'\r') if self.peek_at(at + 1) == Some(b'\n') => self.pos = at + 2,
            Some(b'\r') => self.pos = at + 1,
            _ => {}
        }
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    /// Arguments up to `close`, separated by commas or whitespace.
    fn parse_args(&mut self, close: u8) -> Result<Vec<Expr>, ParseError> {
        let mut args = Vec::new();
        loop {
            self.skip_ws();
            match self.peek() {
                Some(b) if b == close => {
                    self.pos += 1;
                    return Ok(args);
                }
                Some(b',') if !args.is_empty() => self.pos += 1,
                Some(_) => args.push(self.parse_expr()?),
                None => return Err(self.error(format!("expected {}", close as char))),
            }
        }
    }

    /// A reference starting at the `$` at `dollar` (after `backslashes` backslashes), or `None`
    /// if the `$` does not start one and is text.
    fn parse_reference(
        &mut self,
        dollar: usize,
        backslashes: u32,
    ) -> Result<Option<Box<Reference>>, ParseError> {
        let mut at = dollar + 1;
        let quiet = self.peek_at(at) == Some(b'!');
        if quiet {
            at += 1;
        }
        let formal = self.peek_at(at) == Some(b'{');
        if formal {
            at += 1;
        }
        if !self.peek_at(at).is_some_and(is_ident_start) {
            return Ok(None);
        }
        let start = at;
        while self.peek_at(at).is_some_and(is_ident_char) {
            at += 1;
        }
        let src = self.src;
        let root = self.slot(&src[start..at]);
        self.pos = at;
        self.enter()?;
        let parts = self.parse_parts();
        self.leave();
        let parts = parts?;
        if formal {
            if self.peek() != Some(b'}') {
                return Err(self.error("expected } to close ${"));
            }
            self.pos += 1;
        }
        Ok(Some(Box::new(Reference {
            root,
            parts,
            quiet,
            backslashes,
            literal: self.src[dollar..self.pos].into(),
        })))
    }

    fn parse_parts(&mut self) -> Result<Vec<Part>, ParseError> {
        let mut parts = Vec::new();
        loop {
            match self.peek() {
                Some(b'[') => {
                    self.pos += 1;
                    let index = self.parse_expr()?;
                    self.skip_ws();
                    if self.peek() != Some(b']') {
                        return Err(self.error("expected ] to close an index"));
                    }
                    self.pos += 1;
                    parts.push(Part::Index(index));
                }
                Some(b'.')
                    if self
                        .peek_at(self.pos + 1)
                        .is_some_and(|b| b.is_ascii_alphabetic()) =>
                {
                    let start = self.pos + 1;
                    let mut end = start;
                    while self.peek_at(end).is_some_and(is_ident_char) {
                        end += 1;
                    }
                    let name: Box<str> = self.src[start..end].into();
                    self.pos = end;
                    if self.peek() == Some(b'(') {
                        self.pos += 1;
                        let args = self.parse_args(b')')?;
                        let regex = match args.first() {
                            Some(Expr::Str(pattern)) if REGEX_METHODS.contains(&&*name) => {
                                java_regex::compile(pattern, &*name == "matches").ok()
                            }
                            _ => None,
                        };
                        parts.push(Part::Method { name, args, regex });
                    } else {
                        parts.push(Part::Property(name));
                    }
                }
                _ => return Ok(parts),
            }
        }
    }

    fn parse_expr(&mut self) -> Result<Expr, ParseError> {
        self.enter()?;
        let expr = self.parse_level(0);
        self.leave();
        expr
    }

    /// Binary operators by precedence, loosest first.
    fn parse_level(&mut self, level: usize) -> Result<Expr, ParseError> {
        if level == 6 {
            return self.parse_unary();
        }
        let first = self.parse_level(level + 1)?;
        let mut rest = Vec::new();
        while let Some((op, len)) = self.peek_operator(level) {
            self.pos += len;
            rest.push((op, self.parse_level(level + 1)?));
        }
        Ok(if rest.is_empty() {
            first
        } else {
            Expr::Chain(Box::new(first), rest)
        })
    }

    fn peek_operator(&mut self, level: usize) -> Option<(BinOp, usize)> {
        self.skip_ws();
        let rest = &self.src[self.pos..];
        let word = |w: &str| {
            rest.starts_with(w)
                && !rest
                    .as_bytes()
                    .get(w.len())
                    .is_some_and(|b| is_ident_char(*b))
        };
        let found = match level {
            0 if rest.starts_with("||") => (BinOp::Or, 2),
            0 if word("or") => (BinOp::Or, 2),
            1 if rest.starts_with("&&") => (BinOp::And, 2),
            1 if word("and") => (BinOp::And, 3),
            2 if rest.starts_with("==") => (BinOp::Eq, 2),
            2 if rest.starts_with("!=") => (BinOp::Ne, 2),
            2 if word("eq") => (BinOp::Eq, 2),
            2 if word("ne") => (BinOp::Ne, 2),
            3 if rest.starts_with("<=") => (BinOp::Le, 2),
            3 if rest.starts_with(">=") => (BinOp::Ge, 2),
            3 if rest.starts_with('<') => (BinOp::Lt, 1),
            3 if rest.starts_with('>') => (BinOp::Gt, 1),
            3 if word("lt") => (BinOp::Lt, 2),
            3 if word("le") => (BinOp::Le, 2),
            3 if word("gt") => (BinOp::Gt, 2),
            3 if word("ge") => (BinOp::Ge, 2),
            4 if rest.starts_with('+') => (BinOp::Add, 1),
            4 if rest.starts_with('-') => (BinOp::Sub, 1),
            5 if rest.starts_with('*') => (BinOp::Mul, 1),
            5 if rest.starts_with('/') => (BinOp::Div, 1),
            5 if rest.starts_with('%') => (BinOp::Mod, 1),
            _ => return None,
        };
        Some(found)
    }

    fn parse_unary(&mut self) -> Result<Expr, ParseError> {
        self.skip_ws();
        let rest = &self.src[self.pos..];
        let not_word =
            rest.starts_with("not") && !rest.as_bytes().get(3).is_some_and(|b| is_ident_char(*b));
        if (rest.starts_with('!') && !rest.starts_with("!=")) || not_word {
            self.pos += if not_word { 3 } else { 1 };
            self.enter()?;
            let operand = self.parse_unary();
            self.leave();
            return Ok(Expr::Not(Box::new(operand?)));
        }
        if rest.starts_with('-') && !rest.as_bytes().get(1).is_some_and(u8::is_ascii_digit) {
            self.pos += 1;
            self.enter()?;
            let operand = self.parse_unary();
            self.leave();
            return Ok(Expr::Negate(Box::new(operand?)));
        }
        self.parse_primary()
    }

    fn parse_primary(&mut self) -> Result<Expr, ParseError> {
        self.skip_ws();
        let at = self.pos;
        let Some(b) = self.peek() else {
            return Err(self.error("expected an expression"));
        };
        let expr = match b {
            b'$' => match self.parse_reference(at, 0)? {
                Some(reference) => Expr::Reference(reference),
                None => return Err(self.error("expected a reference after $")),
            },
            b'"' | b'\'' => self.parse_string(b)?,
            b'0'..=b'9' | b'-' | b'.' => self.parse_number()?,
            b'[' => {
                self.pos += 1;
                self.parse_list()?
            }
            b'{' => {
                self.pos += 1;
                self.parse_map()?
            }
            b'(' => {
                self.pos += 1;
                let inner = self.parse_expr()?;
                self.skip_ws();
                if self.peek() != Some(b')') {
                    return Err(self.error("expected )"));
                }
                self.pos += 1;
                inner
            }
            _ => {
                let src = self.src;
                let rest = &src[at..];
                let word_len = rest.bytes().take_while(|b| is_ident_char(*b)).count();
                let literal = match &rest[..word_len] {
                    "true" => Expr::Bool(true),
                    "false" => Expr::Bool(false),
                    "null" => Expr::Null,
                    _ => return Err(self.error("expected an expression")),
                };
                self.pos += word_len;
                literal
            }
        };
        Ok(expr)
    }

    fn parse_number(&mut self) -> Result<Expr, ParseError> {
        let start = self.pos;
        let bytes = self.bytes();
        let mut at = start;
        if bytes.get(at) == Some(&b'-') {
            at += 1;
        }
        let digits_start = at;
        while bytes.get(at).is_some_and(u8::is_ascii_digit) {
            at += 1;
        }
        let mut float = false;
        if bytes.get(at) == Some(&b'.') && bytes.get(at + 1).is_some_and(u8::is_ascii_digit) {
            float = true;
            at += 1;
            while bytes.get(at).is_some_and(u8::is_ascii_digit) {
                at += 1;
            }
        }
        if at == digits_start {
            return Err(self.error("expected an expression"));
        }
        if matches!(bytes.get(at), Some(b'e' | b'E')) {
            let mut exp = at + 1;
            if matches!(bytes.get(exp), Some(b'+' | b'-')) {
                exp += 1;
            }
            if bytes.get(exp).is_some_and(u8::is_ascii_digit) {
                float = true;
                at = exp;
                while bytes.get(at).is_some_and(u8::is_ascii_digit) {
                    at += 1;
                }
            }
        }
        let text = &self.src[start..at];
        self.pos = at;
        if !float && let Ok(i) = text.parse::<i64>() {
            return Ok(Expr::Int(i));
        }
        text.parse::<f64>()
            .map(Expr::Float)
            .map_err(|_| self.error_at(start, "invalid number"))
    }

    fn parse_string(&mut self, quote: u8) -> Result<Expr, ParseError> {
        let start = self.pos;
        let bytes = self.bytes();
        let mut at = start + 1;
        let mut doubled = false;
        loop {
            match bytes.get(at) {
                None => return Err(self.error_at(start, "unterminated string literal")),
                Some(&b) if b == quote => {
                    if bytes.get(at + 1) == Some(&quote) {
                        doubled = true;
                        at += 2;
                    } else {
                        break;
                    }
                }
                Some(_) => at += 1,
            }
        }
        let raw = &self.src[start + 1..at];
        self.pos = at + 1;
        let mut content = if doubled {
            let q = quote as char;
            raw.replace(&format!("{q}{q}"), &q.to_string())
        } else {
            raw.to_owned()
        };
        if content.contains("\\u") {
            content = unescape_unicode(&content);
        }
        if quote == b'"' && content.contains(['$', '#']) {
            self.enter()?;
            let result = {
                let mut inner = Parser {
                    src: &content,
                    pos: 0,
                    base: self.base + start + 1,
                    depth: self.depth,
                    shared: &mut *self.shared,
                };
                inner.parse_block()
            };
            self.leave();
            let (block, end, end_at) = result?;
            return match end {
                Closer::Eof => Ok(Expr::Interpolated(block)),
                _ => Err(self.error_at(
                    start + 1 + end_at,
                    "unexpected #end, #else or #elseif in a string",
                )),
            };
        }
        Ok(Expr::Str(Arc::from(content)))
    }

    fn parse_list(&mut self) -> Result<Expr, ParseError> {
        self.enter()?;
        let result = self.parse_list_items();
        self.leave();
        result
    }

    fn parse_list_items(&mut self) -> Result<Expr, ParseError> {
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(Expr::List(Vec::new()));
        }
        let first = self.parse_expr()?;
        self.skip_ws();
        if self.src[self.pos..].starts_with("..") {
            self.pos += 2;
            let last = self.parse_expr()?;
            self.skip_ws();
            if self.peek() != Some(b']') {
                return Err(self.error("expected ] to close a range"));
            }
            self.pos += 1;
            return Ok(Expr::Range(Box::new(first), Box::new(last)));
        }
        let mut items = vec![first];
        loop {
            self.skip_ws();
            match self.peek() {
                Some(b']') => {
                    self.pos += 1;
                    return Ok(Expr::List(items));
                }
                Some(b',') => {
                    self.pos += 1;
                    items.push(self.parse_expr()?);
                }
                _ => return Err(self.error("expected , or ] in a list")),
            }
        }
    }

    fn parse_map(&mut self) -> Result<Expr, ParseError> {
        self.enter()?;
        let result = self.parse_map_entries();
        self.leave();
        result
    }

    fn parse_map_entries(&mut self) -> Result<Expr, ParseError> {
        let mut entries = Vec::new();
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(Expr::Map(entries));
        }
        loop {
            let key = self.parse_expr()?;
            self.skip_ws();
            if self.peek() != Some(b':') {
                return Err(self.error("expected : in a map"));
            }
            self.pos += 1;
            let value = self.parse_expr()?;
            entries.push((key, value));
            self.skip_ws();
            match self.peek() {
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(Expr::Map(entries));
                }
                Some(b',') => self.pos += 1,
                _ => return Err(self.error("expected , or } in a map")),
            }
        }
    }
}

/// Replaces `\uXXXX` escapes, as Velocity does in string literals.
fn unescape_unicode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("\\u") {
        out.push_str(&rest[..i]);
        let hex = rest.get(i + 2..i + 6);
        match hex
            .filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()))
            .and_then(|h| u32::from_str_radix(h, 16).ok())
        {
            Some(code) => {
                out.push(char::from_u32(code).unwrap_or('\u{fffd}'));
                rest = &rest[i + 6..];
            }
            None => {
                out.push_str("\\u");
                rest = &rest[i + 2..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests;
