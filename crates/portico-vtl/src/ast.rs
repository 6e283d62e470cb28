//! The parsed form of a template. Variables are resolved to slots at parse time, so rendering
//! never looks a name up in a hash map.

use regex::Regex;

/// The index of a variable name in [`crate::Template`]'s slot table.
pub(crate) type Slot = u32;

/// A sequence of nodes: the template, a directive's body or an interpolated string.
#[derive(Debug, Default)]
pub(crate) struct Block {
    pub(crate) nodes: Vec<Node>,
}

#[derive(Debug)]
pub(crate) enum Node {
    /// Literal output.
    Text(Box<str>),
    /// `$ref`, `$!ref`, `${ref}` and their escaped forms.
    Reference(Box<Reference>),
    /// `#set($target = value)`.
    Set { target: Box<Reference>, value: Expr },
    /// `#if(…)…#elseif(…)…#else…#end`.
    If {
        branches: Vec<(Expr, Block)>,
        otherwise: Option<Block>,
    },
    /// `#foreach($var in iterable)…#end`.
    Foreach {
        var: Slot,
        iterable: Expr,
        body: Block,
    },
    /// `#define($var)…#end`: `index` points into the template's define table.
    Define { var: Slot, index: usize },
    /// `#name(args)` or `#name`: a macro call, or literal text if no such macro exists.
    MacroCall {
        name: Box<str>,
        args: Vec<Expr>,
        literal: Box<str>,
    },
    /// `#break`.
    Break,
    /// `#stop`.
    Stop,
}

/// A reference: a variable followed by properties, method calls and indexes.
#[derive(Debug)]
pub(crate) struct Reference {
    pub(crate) root: Slot,
    pub(crate) parts: Vec<Part>,
    /// `$!x`: renders nothing when null.
    pub(crate) quiet: bool,
    /// Backslashes written before the `$`.
    pub(crate) backslashes: u32,
    /// The source text from `$` to the end, rendered when the value is null.
    pub(crate) literal: Box<str>,
}

#[derive(Debug)]
pub(crate) enum Part {
    Property(Box<str>),
    Method {
        name: Box<str>,
        args: Vec<Expr>,
        /// The first argument compiled as a Java regex, when it is a string literal and the
        /// method takes a regex (`replaceAll`, `replaceFirst`, `split`, `matches`).
        regex: Option<Regex>,
    },
    Index(Expr),
}

#[derive(Debug)]
pub(crate) enum Expr {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    /// A string without interpolation (single-quoted, or double-quoted without `$` or `#`).
    Str(std::sync::Arc<str>),
    /// A double-quoted string containing `$` or `#`, rendered as a template.
    Interpolated(Block),
    List(Vec<Expr>),
    Map(Vec<(Expr, Expr)>),
    Range(Box<Expr>, Box<Expr>),
    Reference(Box<Reference>),
    Not(Box<Expr>),
    Negate(Box<Expr>),
    /// Operators of one precedence level, applied left to right (`a + b - c`).
    Chain(Box<Expr>, Vec<(BinOp, Expr)>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BinOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
}

#[derive(Debug)]
pub(crate) struct Macro {
    pub(crate) name: Box<str>,
    pub(crate) params: Vec<Slot>,
    pub(crate) body: Block,
}
