//! API Gateway's mapping-template language: Apache Velocity (VTL) as API Gateway runs it, with
//! the `$input`, `$util`, `$context` and `$stageVariables` variables of [`aws`]. The snapshot
//! compiler calls [`Template::parse`] once per deployment (a bad template is a
//! [`ParseError`] with its line and column); the data plane builds a [`Context`] per request
//! (usually through [`aws::Variables`]) and calls [`Template::render`], which never re-parses.
//!
//! The crate is pure: no IO, no async, no clock reads, no other portico crate. Rendering never
//! panics and never runs unbounded: every template is limited by [`Limits`] (iterations per
//! `#foreach`, nesting depth, output size, evaluation steps and bytes allocated), and the parser
//! rejects templates over [`MAX_TEMPLATE_BYTES`] or nested deeper than [`MAX_NESTING`].
//!
//! # Semantics: Velocity 1.7
//!
//! API Gateway's behaviour matches Apache Velocity 1.7 (the version emulators of API Gateway
//! embed; `$foreach.hasNext`, added in 1.7, works there), so that is the reference here:
//!
//! - **Whitespace.** The `)` closing a directive (`#set`, `#if`, `#elseif`, `#foreach`,
//!   `#macro`, `#define`, a macro call) and the words `#else` and `#end` eat the spaces, tabs and
//!   single newline after them *if a newline follows*. `#set` also eats the spaces and tabs before
//!   it when they are all the text since the previous VTL element. `##` comments eat their
//!   newline. Indentation before other directives is output. (This is Velocity 1.7's lexer,
//!   `Parser.jjt`, and what Velocity 2's "bc" space-gobbling mode reproduces.)
//! - **Truth.** `null` and `false` are false; everything else, including `""`, `0` and empty
//!   collections, is true (Velocity 2's "empty is false" check is not applied).
//! - **Null.** A reference whose value is null renders as its source text (`$x`), or as nothing
//!   when quiet (`$!x`). `#set($x = <null>)` leaves `$x` unchanged. Division or modulo by zero is
//!   null. Escaping: `\$x` renders `$x` if `$x` is defined and `\$x` if not.
//! - **Calls.** A method that does not exist, or whose argument types do not match, is null
//!   (so the reference renders as text). A method that throws in Java (index out of bounds, bad
//!   regex, `NullPointerException` from a null argument…) aborts the render with
//!   [`RenderError::MethodFailed`], as Velocity's `MethodInvocationException` does. `void`
//!   methods return `""`; `$list.add(x)` returns `true`, which renders.
//! - **Identifiers** may contain `-` (`$a-b` is one name), as in Velocity 1.7.
//! - **Scope.** `#set` writes the global scope except for macro parameters, which are
//!   dynamically scoped to the call. A `#foreach` variable is restored after the loop.
//!   `#foreach` over a map iterates its values; over a list or range, its items; over anything
//!   else, nothing.
//! - **Limits.** `#foreach` stops with [`Limit::ForeachIterations`] on its 1001st iteration
//!   (AWS documents the 1000 limit; Velocity's own `directive.foreach.maxloops` would end the
//!   loop silently instead, and which one API Gateway does is unverified).
//!
//! Deliberate differences from Velocity 1.7: method arguments and list items may be full
//! expressions (1.7 accepts only literals and references there), and `null` is a literal;
//! macro arguments are evaluated once, when called (1.7 re-evaluates them at each use); map
//! keys are strings (`{1: "a"}` has the key `"1"`); numbers are 64-bit, and integer overflow
//! gives a double where Java would use `BigInteger`; arrays (`split`, `toCharArray`) are lists
//! and print as `[a, b]` rather than Java's `[Ljava.lang.String;@…`; `#include`, `#parse` and
//! `#evaluate` are parse errors (API Gateway has no resources to load).

mod ast;
pub mod aws;
mod error;
mod java_regex;
mod limits;
mod methods;
mod parser;
mod render;
mod value;

use std::sync::atomic::{AtomicU64, Ordering};

pub use error::{Limit, ParseError, RenderError};
pub use limits::{Budget, Limits, MAX_NESTING, MAX_TEMPLATE_BYTES};
pub use value::{Env, Heap, ListId, ListKind, MapId, NativeObject, Value};

use ast::{Block, Macro, Slot};

/// Distinguishes templates, so that a `#define`d value never renders another template's block.
static NEXT_TEMPLATE_ID: AtomicU64 = AtomicU64::new(1);

/// A parsed mapping template. Parse once; render any number of times, from any thread.
#[derive(Debug)]
pub struct Template {
    id: u64,
    body: Block,
    slots: Box<[Box<str>]>,
    macros: Box<[Macro]>,
    defines: Box<[Block]>,
    special: SpecialSlots,
}

/// The slots of the variables `#foreach` maintains, if the template mentions them.
#[derive(Debug, Clone, Copy, Default)]
struct SpecialSlots {
    foreach: Option<Slot>,
    velocity_count: Option<Slot>,
    velocity_has_next: Option<Slot>,
}

/// The variables of one render and the [`Heap`] holding their lists and maps. Changes a template
/// makes to those lists and maps (such as `#set($context.responseOverride.status = 400)`) are
/// visible here afterwards.
///
/// Use one context per request: its heap only grows (everything is freed when the context is
/// dropped), and the payload it parses is cached in it.
#[derive(Debug, Default)]
pub struct Context {
    heap: Heap,
    vars: Vec<(Box<str>, Value)>,
}

// === impl Template ===

impl Template {
    /// Parses `source`, or reports the first problem with its position. Sources over
    /// [`MAX_TEMPLATE_BYTES`] are rejected.
    pub fn parse(source: &str) -> Result<Template, ParseError> {
        if source.len() > MAX_TEMPLATE_BYTES {
            return Err(ParseError {
                line: 1,
                column: 1,
                message: format!(
                    "template is {} bytes, more than the {MAX_TEMPLATE_BYTES} allowed",
                    source.len()
                ),
            });
        }
        let parsed = parser::parse(source)?;
        let slot = |name: &str| {
            parsed
                .slots
                .iter()
                .position(|s| &**s == name)
                .map(|i| i as Slot)
        };
        let special = SpecialSlots {
            foreach: slot("foreach"),
            velocity_count: slot("velocityCount"),
            velocity_has_next: slot("velocityHasNext"),
        };
        Ok(Template {
            id: NEXT_TEMPLATE_ID.fetch_add(1, Ordering::Relaxed),
            body: parsed.body,
            slots: parsed.slots.into_boxed_slice(),
            macros: parsed.macros.into_boxed_slice(),
            defines: parsed.defines.into_boxed_slice(),
            special,
        })
    }

    /// Renders the template with the variables of `context`, within `limits`.
    pub fn render(&self, context: &mut Context, limits: &Limits) -> Result<String, RenderError> {
        render::render(self, context, limits)
    }
}

// === impl Context ===

impl Context {
    /// Sets variable `name` (without the `$`) for templates rendered with this context.
    pub fn insert(&mut self, name: &str, value: Value) {
        match self.vars.iter_mut().find(|(n, _)| &**n == name) {
            Some((_, slot)) => *slot = value,
            None => self.vars.push((name.into(), value)),
        }
    }

    /// The value of variable `name`, if set.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.vars.iter().find(|(n, _)| &**n == name).map(|(_, v)| v)
    }

    /// The lists and maps of this context.
    pub fn heap(&self) -> &Heap {
        &self.heap
    }

    /// The lists and maps of this context, to build values.
    pub fn heap_mut(&mut self) -> &mut Heap {
        &mut self.heap
    }
}

#[cfg(test)]
mod tests;
