//! Evaluation: does a statement apply to a request, and what do a set of policies decide.
//!
//! AWS's logic within one account: any applicable `Deny` wins; otherwise any applicable `Allow`
//! allows; otherwise the request is implicitly denied. Combining identity and resource policies
//! (same account vs cross account, API Gateway's "Table A/B") is the caller's job, using the
//! per-policy `Policy::decide`.

use crate::context::RequestContext;
use crate::parse::{Effect, Matcher, Policy, Statement};

/// The outcome of evaluating policies for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// A statement with `Effect: Deny` applies.
    ExplicitDeny,
    /// No Deny applies and an Allow does.
    Allow,
    /// Nothing applies (the policy is "silent").
    ImplicitDeny,
}

/// Evaluates all `policies` together: explicit deny beats allow beats implicit deny.
pub fn evaluate<'p>(
    policies: impl IntoIterator<Item = &'p Policy>,
    ctx: &RequestContext<'_>,
) -> Decision {
    let mut decision = Decision::ImplicitDeny;
    for policy in policies {
        match policy.decide(ctx) {
            Decision::ExplicitDeny => return Decision::ExplicitDeny,
            Decision::Allow => decision = Decision::Allow,
            Decision::ImplicitDeny => {}
        }
    }
    decision
}

// === impl Policy ===

impl Policy {
    /// What this policy alone decides for `ctx`.
    pub fn decide(&self, ctx: &RequestContext<'_>) -> Decision {
        let mut decision = Decision::ImplicitDeny;
        for statement in &self.statements {
            if statement.applies_to(ctx) {
                match statement.effect {
                    Effect::Deny => return Decision::ExplicitDeny,
                    Effect::Allow => decision = Decision::Allow,
                }
            }
        }
        decision
    }
}

// === impl Statement ===

impl Statement {
    /// Whether the statement applies to `ctx`: principal, action and resource match and every
    /// condition holds.
    pub fn applies_to(&self, ctx: &RequestContext<'_>) -> bool {
        self.principal
            .as_ref()
            .is_none_or(|principal| principal.matches(ctx.principal))
            && self.action.matches(ctx.action, ctx)
            && self.resource.matches(ctx.resource, ctx)
            && self.conditions.iter().all(|c| c.evaluate(ctx.keys))
    }
}

// === impl Matcher ===

impl Matcher {
    fn matches(&self, text: &str, ctx: &RequestContext<'_>) -> bool {
        let any = self.patterns.iter().any(|p| p.matches(text, ctx.keys));
        any != self.negated
    }
}
