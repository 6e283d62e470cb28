//! Evaluation of a parsed template against a [`Context`].

use std::any::Any;
use std::cell::Cell;
use std::rc::Rc;
use std::sync::Arc;

use regex::Regex;
use smallvec::SmallVec;

use crate::ast::{BinOp, Block, Expr, Node, Part, Reference, Slot};
use crate::error::{Limit, RenderError};
use crate::java_regex;
use crate::limits::{Budget, Limits};
use crate::methods;
use crate::value::{Env, Heap, MapId, NativeObject, SLOT_BYTES, Value, compare_numbers};
use crate::{Context, Template};

/// How many dynamically built regexes one render keeps compiled.
const REGEX_CACHE_SIZE: usize = 32;

/// What a block asks of the blocks around it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flow {
    Normal,
    /// `#break`: ends the innermost `#foreach`, macro call, `#define` expansion or template.
    Break,
    /// `#stop`: ends the whole render, keeping the output so far.
    Stop,
}

pub(crate) struct Renderer<'a> {
    template: &'a Template,
    pub(crate) heap: &'a mut Heap,
    pub(crate) budget: Budget,
    globals: Vec<Value>,
    /// Macro parameters of the macro calls in progress, innermost last. Lookups search them all
    /// (Velocity's macro contexts chain to their callers').
    locals: Vec<(Slot, Value)>,
    out: String,
    depth: usize,
    regexes: Vec<(Box<str>, bool, Regex)>,
}

/// `$foreach`: the loop's position, updated in place on every iteration.
struct ForeachScope {
    index: Cell<i64>,
    has_next: Cell<bool>,
    parent: Value,
}

/// The value of a `#define`d reference: renders its block wherever it is printed.
struct DefinedBlock {
    template_id: u64,
    index: usize,
}

/// An entry of `$map.entrySet()`, a live view of the map.
pub(crate) struct MapEntry {
    pub(crate) map: MapId,
    pub(crate) key: Arc<str>,
}

/// What `#foreach` walks over.
enum Items {
    None,
    Range { next: i64, last: i64 },
    List(crate::value::ListId),
    Map(MapId),
}

// === impl Template rendering ===

pub(crate) fn render(
    template: &Template,
    context: &mut Context,
    limits: &Limits,
) -> Result<String, RenderError> {
    let globals = template
        .slots
        .iter()
        .map(|name| context.get(name).cloned().unwrap_or(Value::Null))
        .collect();
    let mut renderer = Renderer {
        template,
        heap: &mut context.heap,
        budget: Budget::new(limits),
        globals,
        locals: Vec::new(),
        out: String::new(),
        depth: 0,
        regexes: Vec::new(),
    };
    renderer.render_block(&template.body)?;
    Ok(renderer.out)
}

// === impl Renderer ===

impl<'a> Renderer<'a> {
    pub(crate) fn env(&mut self) -> Env<'_> {
        Env {
            heap: self.heap,
            budget: &mut self.budget,
        }
    }

    fn enter(&mut self) -> Result<(), RenderError> {
        self.depth += 1;
        if self.depth > self.budget.limits().max_depth {
            return Err(self.budget.depth_error());
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    /// How many more levels of nested values may be printed.
    fn print_depth(&self) -> usize {
        self.budget
            .limits()
            .max_depth
            .saturating_sub(self.depth)
            .max(1)
    }

    fn emit(&mut self, text: &str) -> Result<(), RenderError> {
        self.out.push_str(text);
        self.check_output()
    }

    fn check_output(&self) -> Result<(), RenderError> {
        let max = self.budget.limits().max_output_bytes;
        if self.out.len() > max {
            return Err(RenderError::LimitExceeded {
                limit: Limit::OutputBytes,
                max: max as u64,
            });
        }
        Ok(())
    }

    fn get_var(&self, slot: Slot) -> Value {
        if let Some((_, value)) = self.locals.iter().rev().find(|(s, _)| *s == slot) {
            return value.clone();
        }
        self.globals
            .get(slot as usize)
            .cloned()
            .unwrap_or(Value::Null)
    }

    fn set_var(&mut self, slot: Slot, value: Value) {
        if let Some((_, local)) = self.locals.iter_mut().rev().find(|(s, _)| *s == slot) {
            *local = value;
        } else if let Some(global) = self.globals.get_mut(slot as usize) {
            *global = value;
        }
    }

    fn render_block(&mut self, block: &Block) -> Result<Flow, RenderError> {
        self.enter()?;
        let mut flow = Flow::Normal;
        for node in &block.nodes {
            flow = self.render_node(node)?;
            if flow != Flow::Normal {
                break;
            }
        }
        self.leave();
        Ok(flow)
    }

    fn render_node(&mut self, node: &Node) -> Result<Flow, RenderError> {
        self.budget.steps(1)?;
        match node {
            Node::Text(text) => self.emit(text)?,
            Node::Reference(reference) => return self.render_reference(reference),
            Node::Set { target, value } => {
                let value = self.eval(value)?;
                self.assign(target, value)?;
            }
            Node::If {
                branches,
                otherwise,
            } => {
                for (condition, body) in branches {
                    if self.eval(condition)?.is_truthy() {
                        return self.render_block(body);
                    }
                }
                if let Some(body) = otherwise {
                    return self.render_block(body);
                }
            }
            Node::Foreach {
                var,
                iterable,
                body,
            } => return self.render_foreach(*var, iterable, body),
            Node::Define { var, index } => {
                let block = DefinedBlock {
                    template_id: self.template.id,
                    index: *index,
                };
                self.set_var(*var, Value::Native(Rc::new(block)));
            }
            Node::MacroCall {
                name,
                args,
                literal,
            } => return self.call_macro(name, args, literal),
            Node::Break => return Ok(Flow::Break),
            Node::Stop => return Ok(Flow::Stop),
        }
        Ok(Flow::Normal)
    }

    fn render_reference(&mut self, reference: &Reference) -> Result<Flow, RenderError> {
        let value = self.eval_reference(reference)?;
        for _ in 0..reference.backslashes / 2 {
            self.emit("\\")?;
        }
        if reference.backslashes % 2 == 1 {
            // An escaped reference prints its source; Velocity 1.7 keeps the backslash when the
            // reference is not defined.
            if value.is_null() {
                self.emit("\\")?;
            }
            self.emit(&reference.literal)?;
            return Ok(Flow::Normal);
        }
        match value {
            Value::Null => {
                if !reference.quiet {
                    self.emit(&reference.literal)?;
                }
            }
            Value::Native(native) => {
                if let Some(block) = self.defined_block(&*native) {
                    return Ok(match self.render_block(block)? {
                        Flow::Stop => Flow::Stop,
                        Flow::Normal | Flow::Break => Flow::Normal,
                    });
                }
                native.write_text(self.heap, &mut self.out);
                self.check_output()?;
            }
            value => {
                let depth = self.print_depth();
                if self.heap.write_text(&value, &mut self.out, depth).is_err() {
                    return Err(self.budget.depth_error());
                }
                self.check_output()?;
            }
        }
        Ok(Flow::Normal)
    }

    fn defined_block(&self, native: &dyn NativeObject) -> Option<&'a Block> {
        let template: &'a Template = self.template;
        let block = native.as_any().downcast_ref::<DefinedBlock>()?;
        if block.template_id != template.id {
            return None;
        }
        template.defines.get(block.index)
    }

    /// Renders `block` into a string of its own (for interpolated strings and `#define`s used as
    /// values).
    fn render_to_string(&mut self, block: &Block) -> Result<String, RenderError> {
        let saved = std::mem::take(&mut self.out);
        let result = self.render_block(block);
        let text = std::mem::replace(&mut self.out, saved);
        result?;
        self.budget.allocate(text.len())?;
        Ok(text)
    }

    /// Java's `String.valueOf(value)`, rendering `#define`d blocks.
    pub(crate) fn text_of(&mut self, value: &Value) -> Result<Arc<str>, RenderError> {
        match value {
            Value::String(s) => Ok(s.clone()),
            Value::Native(native) => {
                if let Some(block) = self.defined_block(&**native) {
                    return Ok(Arc::from(self.render_to_string(block)?));
                }
                let mut text = String::new();
                native.write_text(self.heap, &mut text);
                self.budget.allocate(text.len())?;
                Ok(Arc::from(text))
            }
            value => {
                let mut text = String::new();
                if self
                    .heap
                    .write_text(value, &mut text, self.print_depth())
                    .is_err()
                {
                    return Err(self.budget.depth_error());
                }
                self.budget.allocate(text.len())?;
                Ok(Arc::from(text))
            }
        }
    }

    fn assign(&mut self, target: &Reference, value: Value) -> Result<(), RenderError> {
        // Velocity 1.7 leaves the left side unchanged when the right side is null.
        if value.is_null() {
            return Ok(());
        }
        let Some((last, prefix)) = target.parts.split_last() else {
            self.set_var(target.root, value);
            return Ok(());
        };
        let object = self.eval_parts(self.get_var(target.root), prefix)?;
        match (last, object) {
            (Part::Property(name), Value::Map(id)) => {
                self.budget.allocate(name.len() + SLOT_BYTES)?;
                self.heap.map_insert(id, Arc::from(&**name), value);
            }
            (Part::Index(index), object) => {
                let key = self.eval(index)?;
                match object {
                    Value::Map(id) => {
                        let key = self.text_of(&key)?;
                        self.budget.allocate(key.len() + SLOT_BYTES)?;
                        self.heap.map_insert(id, key, value);
                    }
                    Value::List(id) => {
                        let Value::Int(i) = key else { return Ok(()) };
                        let items = self.heap.list_mut(id).map_or(&mut [][..], |v| &mut v[..]);
                        let len = items.len();
                        match methods::list_index(i, len) {
                            Some(i) => items[i] = value,
                            None => {
                                return Err(methods::index_out_of_bounds("set", i, len));
                            }
                        }
                    }
                    _ => {}
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn render_foreach(
        &mut self,
        var: Slot,
        iterable: &Expr,
        body: &Block,
    ) -> Result<Flow, RenderError> {
        self.enter()?;
        let mut items = match iterable {
            Expr::Range(first, last) => {
                let first = self.eval(first)?;
                let last = self.eval(last)?;
                match (range_bound(&first), range_bound(&last)) {
                    (Some(next), Some(last)) => Items::Range { next, last },
                    _ => Items::None,
                }
            }
            iterable => match self.eval(iterable)? {
                Value::List(id) => Items::List(id),
                // Velocity iterates a map's values.
                Value::Map(id) => Items::Map(id),
                _ => Items::None,
            },
        };
        let special = self.template.special;
        let saved_var = self.get_var(var);
        let saved_scope = special.foreach.map(|slot| self.get_var(slot));
        let saved_count = special.velocity_count.map(|slot| self.get_var(slot));
        let saved_has_next = special.velocity_has_next.map(|slot| self.get_var(slot));
        let scope = Rc::new(ForeachScope {
            index: Cell::new(0),
            has_next: Cell::new(false),
            parent: saved_scope.clone().unwrap_or(Value::Null),
        });
        if let Some(slot) = special.foreach {
            self.set_var(slot, Value::Native(scope.clone()));
        }
        let max = self.budget.limits().max_foreach_iterations;
        let mut index = 0usize;
        let result = loop {
            let Some((item, has_next)) = self.next_item(&mut items, index) else {
                break Ok(Flow::Normal);
            };
            if index >= max {
                break Err(RenderError::LimitExceeded {
                    limit: Limit::ForeachIterations,
                    max: max as u64,
                });
            }
            // Velocity cannot put null into a context: a null item leaves the variable as it was.
            if !item.is_null() {
                self.set_var(var, item);
            }
            scope.index.set(index as i64);
            scope.has_next.set(has_next);
            if let Some(slot) = special.velocity_count {
                self.set_var(slot, Value::Int(index as i64 + 1));
            }
            if let Some(slot) = special.velocity_has_next {
                self.set_var(slot, Value::Bool(has_next));
            }
            index += 1;
            if let Err(err) = self.budget.steps(1) {
                break Err(err);
            }
            match self.render_block(body) {
                Ok(Flow::Normal) => {}
                Ok(Flow::Break) => break Ok(Flow::Normal),
                Ok(Flow::Stop) => break Ok(Flow::Stop),
                Err(err) => break Err(err),
            }
        };
        self.set_var(var, saved_var);
        for (slot, saved) in [
            (special.foreach, saved_scope),
            (special.velocity_count, saved_count),
            (special.velocity_has_next, saved_has_next),
        ] {
            if let (Some(slot), Some(saved)) = (slot, saved) {
                self.set_var(slot, saved);
            }
        }
        self.leave();
        result
    }

    /// The item at `index` and whether another follows. Lists and maps are read live, so a
    /// body that changes them sees the change (where Java would throw
    /// `ConcurrentModificationException`).
    fn next_item(&mut self, items: &mut Items, index: usize) -> Option<(Value, bool)> {
        match items {
            Items::None => None,
            Items::Range { next, last } => {
                let item = *next;
                if item == *last {
                    *items = Items::None;
                    return Some((Value::Int(item), false));
                }
                *next = if item < *last { item + 1 } else { item - 1 };
                Some((Value::Int(item), true))
            }
            Items::List(id) => {
                let list = self.heap.list(*id);
                let item = list.get(index)?.clone();
                Some((item, index + 1 < list.len()))
            }
            Items::Map(id) => {
                let map = self.heap.map_ref(*id)?;
                let (_, item) = map.get_index(index)?;
                Some((item.clone(), index + 1 < map.len()))
            }
        }
    }

    fn call_macro(
        &mut self,
        name: &str,
        args: &[Expr],
        literal: &str,
    ) -> Result<Flow, RenderError> {
        let template = self.template;
        let Some(found) = template.macros.iter().rev().find(|m| &*m.name == name) else {
            self.emit(literal)?;
            return Ok(Flow::Normal);
        };
        self.enter()?;
        let mut values = Vec::with_capacity(found.params.len());
        for arg in args.iter().take(found.params.len()) {
            values.push(self.eval(arg)?);
        }
        values.resize(found.params.len(), Value::Null);
        let frame = self.locals.len();
        self.locals.extend(found.params.iter().copied().zip(values));
        let flow = self.render_block(&found.body);
        self.locals.truncate(frame);
        self.leave();
        Ok(match flow? {
            Flow::Stop => Flow::Stop,
            Flow::Normal | Flow::Break => Flow::Normal,
        })
    }

    pub(crate) fn eval_reference(&mut self, reference: &Reference) -> Result<Value, RenderError> {
        let root = self.get_var(reference.root);
        self.eval_parts(root, &reference.parts)
    }

    fn eval_parts(&mut self, mut value: Value, parts: &[Part]) -> Result<Value, RenderError> {
        for part in parts {
            if value.is_null() {
                return Ok(Value::Null);
            }
            self.budget.steps(1)?;
            value = match part {
                Part::Property(name) => methods::property(self, &value, name)?,
                Part::Method { name, args, regex } => {
                    let mut values: SmallVec<[Value; 4]> = SmallVec::with_capacity(args.len());
                    for arg in args {
                        values.push(self.eval(arg)?);
                    }
                    methods::call(self, &value, name, &values, regex.as_ref())?
                }
                Part::Index(index) => {
                    let key = self.eval(index)?;
                    methods::index(self, &value, &key)?
                }
            };
        }
        Ok(value)
    }

    pub(crate) fn eval(&mut self, expr: &Expr) -> Result<Value, RenderError> {
        self.budget.steps(1)?;
        self.enter()?;
        let value = self.eval_inner(expr);
        self.leave();
        value
    }

    fn eval_inner(&mut self, expr: &Expr) -> Result<Value, RenderError> {
        Ok(match expr {
            Expr::Null => Value::Null,
            Expr::Bool(b) => Value::Bool(*b),
            Expr::Int(i) => Value::Int(*i),
            Expr::Float(f) => Value::Float(*f),
            Expr::Str(s) => Value::String(s.clone()),
            Expr::Interpolated(block) => Value::from(self.render_to_string(block)?),
            Expr::List(items) => {
                let mut values = Vec::with_capacity(items.len());
                for item in items {
                    values.push(self.eval(item)?);
                }
                self.budget.allocate(values.len() * SLOT_BYTES)?;
                self.heap.new_list(values)
            }
            Expr::Map(entries) => {
                let mut values = Vec::with_capacity(entries.len());
                for (key, value) in entries {
                    let key = self.eval(key)?;
                    let key = self.text_of(&key)?;
                    values.push((key, self.eval(value)?));
                }
                self.budget.allocate(values.len() * 2 * SLOT_BYTES)?;
                self.heap.new_map_from(values)
            }
            Expr::Range(first, last) => {
                let first = self.eval(first)?;
                let last = self.eval(last)?;
                let (Some(first), Some(last)) = (range_bound(&first), range_bound(&last)) else {
                    return Ok(Value::Null);
                };
                let len = first.abs_diff(last).saturating_add(1);
                self.budget.allocate(
                    usize::try_from(len)
                        .unwrap_or(usize::MAX)
                        .saturating_mul(SLOT_BYTES),
                )?;
                let items = if first <= last {
                    (first..=last).map(Value::Int).collect()
                } else {
                    (last..=first).rev().map(Value::Int).collect()
                };
                self.heap.new_list(items)
            }
            Expr::Reference(reference) => self.eval_reference(reference)?,
            Expr::Not(operand) => Value::Bool(!self.eval(operand)?.is_truthy()),
            Expr::Negate(operand) => match self.eval(operand)? {
                Value::Int(i) => i
                    .checked_neg()
                    .map_or(Value::Float(-(i as f64)), Value::Int),
                Value::Float(f) => Value::Float(-f),
                _ => Value::Null,
            },
            Expr::Chain(first, rest) => {
                let mut left = self.eval(first)?;
                let mut left_expr: &Expr = first;
                for (op, right_expr) in rest {
                    left = match op {
                        BinOp::Or => {
                            Value::Bool(left.is_truthy() || self.eval(right_expr)?.is_truthy())
                        }
                        BinOp::And => {
                            Value::Bool(left.is_truthy() && self.eval(right_expr)?.is_truthy())
                        }
                        op => {
                            let right = self.eval(right_expr)?;
                            self.binary(*op, left, right, left_expr, right_expr)?
                        }
                    };
                    left_expr = right_expr;
                }
                left
            }
        })
    }

    fn binary(
        &mut self,
        op: BinOp,
        left: Value,
        right: Value,
        left_expr: &Expr,
        right_expr: &Expr,
    ) -> Result<Value, RenderError> {
        Ok(match op {
            BinOp::Eq => Value::Bool(self.heap.velocity_eq(&left, &right)),
            BinOp::Ne => Value::Bool(!self.heap.velocity_eq(&left, &right)),
            BinOp::Lt => Value::Bool(compare_numbers(&left, &right).is_some_and(|o| o < 0)),
            BinOp::Le => Value::Bool(compare_numbers(&left, &right).is_some_and(|o| o <= 0)),
            BinOp::Gt => Value::Bool(compare_numbers(&left, &right).is_some_and(|o| o > 0)),
            BinOp::Ge => Value::Bool(compare_numbers(&left, &right).is_some_and(|o| o >= 0)),
            BinOp::Add if matches!(left, Value::String(_)) || matches!(right, Value::String(_)) => {
                // String concatenation; a null side contributes its source text.
                let left = match left {
                    Value::Null => Arc::from(literal_of(left_expr)),
                    value => self.text_of(&value)?,
                };
                let right = match right {
                    Value::Null => Arc::from(literal_of(right_expr)),
                    value => self.text_of(&value)?,
                };
                self.budget.allocate(left.len() + right.len())?;
                let mut joined = String::with_capacity(left.len() + right.len());
                joined.push_str(&left);
                joined.push_str(&right);
                Value::from(joined)
            }
            op => arithmetic(op, &left, &right),
        })
    }

    /// Compiles a Java regex, reusing the template's precompiled one or a cached one.
    pub(crate) fn regex(
        &mut self,
        method: &str,
        pattern: &str,
        whole: bool,
        precompiled: Option<&Regex>,
    ) -> Result<Regex, RenderError> {
        if let Some(regex) = precompiled {
            return Ok(regex.clone());
        }
        if let Some((_, _, regex)) = self
            .regexes
            .iter()
            .find(|(p, w, _)| &**p == pattern && *w == whole)
        {
            return Ok(regex.clone());
        }
        // Compiling costs far more than a step; charge it so loops of fresh patterns stay bounded.
        self.budget.steps(1000 + 16 * pattern.len() as u64)?;
        let regex = java_regex::compile(pattern, whole)
            .map_err(|message| RenderError::method(method, message))?;
        if self.regexes.len() < REGEX_CACHE_SIZE {
            self.regexes.push((pattern.into(), whole, regex.clone()));
        }
        Ok(regex)
    }
}

/// The source text a null operand of `+` contributes.
fn literal_of(expr: &Expr) -> String {
    match expr {
        Expr::Reference(reference) => reference.literal.to_string(),
        _ => "null".to_owned(),
    }
}

fn range_bound(value: &Value) -> Option<i64> {
    match value {
        Value::Int(i) => Some(*i),
        Value::Float(f) if f.is_finite() => Some(*f as i64),
        _ => None,
    }
}

/// `+ - * / %` on numbers with Velocity's `MathUtils` rules: integer operations stay integers
/// (overflow widens to a double, where Java would use `BigInteger`), division truncates, a zero
/// divisor or a non-number gives null.
fn arithmetic(op: BinOp, left: &Value, right: &Value) -> Value {
    match (left, right) {
        (Value::Int(a), Value::Int(b)) => {
            let (a, b) = (*a, *b);
            let exact = match op {
                BinOp::Add => a.checked_add(b),
                BinOp::Sub => a.checked_sub(b),
                BinOp::Mul => a.checked_mul(b),
                BinOp::Div if b == 0 => return Value::Null,
                BinOp::Mod if b == 0 => return Value::Null,
                BinOp::Div => Some(a.wrapping_div(b)),
                BinOp::Mod => Some(a.wrapping_rem(b)),
                _ => return Value::Null,
            };
            match exact {
                Some(i) => Value::Int(i),
                None => arithmetic(op, &Value::Float(a as f64), &Value::Float(b as f64)),
            }
        }
        (left, right) => {
            let (Some(a), Some(b)) = (left.as_f64(), right.as_f64()) else {
                return Value::Null;
            };
            Value::Float(match op {
                BinOp::Add => a + b,
                BinOp::Sub => a - b,
                BinOp::Mul => a * b,
                BinOp::Div if b == 0.0 => return Value::Null,
                BinOp::Mod if b == 0.0 => return Value::Null,
                BinOp::Div => a / b,
                BinOp::Mod => a % b,
                _ => return Value::Null,
            })
        }
    }
}

// === impl ForeachScope ===

impl NativeObject for ForeachScope {
    fn property(&self, name: &str, _env: &mut Env<'_>) -> Result<Value, RenderError> {
        let index = self.index.get();
        let has_next = self.has_next.get();
        Ok(match name {
            "index" => Value::Int(index),
            "count" => Value::Int(index + 1),
            "hasNext" => Value::Bool(has_next),
            "first" => Value::Bool(index == 0),
            "last" => Value::Bool(!has_next),
            "parent" => self.parent.clone(),
            _ => Value::Null,
        })
    }

    fn call(&self, name: &str, args: &[Value], env: &mut Env<'_>) -> Result<Value, RenderError> {
        if !args.is_empty() {
            return Ok(Value::Null);
        }
        let property = match name {
            "getIndex" => "index",
            "getCount" => "count",
            "hasNext" | "getHasNext" => "hasNext",
            "isFirst" | "getFirst" => "first",
            "isLast" | "getLast" => "last",
            "getParent" => "parent",
            _ => return Ok(Value::Null),
        };
        self.property(property, env)
    }

    fn write_text(&self, _heap: &Heap, out: &mut String) {
        out.push_str("$foreach");
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

// === impl DefinedBlock ===

impl NativeObject for DefinedBlock {
    fn write_text(&self, _heap: &Heap, _out: &mut String) {}

    fn as_any(&self) -> &dyn Any {
        self
    }
}

// === impl MapEntry ===

impl NativeObject for MapEntry {
    fn property(&self, name: &str, env: &mut Env<'_>) -> Result<Value, RenderError> {
        Ok(match name {
            "key" => Value::String(self.key.clone()),
            "value" => env
                .heap
                .map_get(self.map, &self.key)
                .cloned()
                .unwrap_or_default(),
            _ => Value::Null,
        })
    }

    fn call(&self, name: &str, args: &[Value], env: &mut Env<'_>) -> Result<Value, RenderError> {
        match (name, args) {
            ("getKey", []) => self.property("key", env),
            ("getValue", []) => self.property("value", env),
            ("setValue", [value]) => {
                let previous = env
                    .heap
                    .map_insert(self.map, self.key.clone(), value.clone());
                Ok(previous.unwrap_or_default())
            }
            _ => Ok(Value::Null),
        }
    }

    fn write_text(&self, heap: &Heap, out: &mut String) {
        out.push_str(&self.key);
        out.push('=');
        let value = heap
            .map_get(self.map, &self.key)
            .cloned()
            .unwrap_or_default();
        if heap.write_text(&value, out, 32).is_err() {
            out.push_str("...");
        }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
