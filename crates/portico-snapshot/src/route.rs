//! The route trie: resource paths and methods of one deployment, matched with AWS's rules.
//!
//! At each level a literal child wins over `{param}`, which wins over `{proxy+}`, and the
//! match never backtracks into a sibling: as AWS documents, `/{proxy+}` does not serve
//! paths under a literal sibling `/parent`. `{proxy+}` needs at least one segment, so it
//! never matches `/`. An explicit verb wins over `ANY`; no method means no route (AWS answers
//! 403 Missing Authentication Token, never 404/405).

use std::ops::Range;
use std::sync::Arc;

use percent_encoding::percent_decode_str;
use portico_model::HttpMethod;
use smallvec::SmallVec;

use crate::integration::CompiledIntegration;

/// Methods in a fixed order, so a node's methods are an array lookup.
const VERBS: [HttpMethod; 8] = [
    HttpMethod::Get,
    HttpMethod::Post,
    HttpMethod::Put,
    HttpMethod::Delete,
    HttpMethod::Patch,
    HttpMethod::Head,
    HttpMethod::Options,
    HttpMethod::Any,
];

/// The compiled trie.
#[derive(Debug, Default)]
pub struct RouteTable {
    nodes: Vec<Node>,
}

#[derive(Debug, Default)]
struct Node {
    /// Child index by literal segment; looked up once per path segment of every request.
    literals: foldhash::HashMap<Box<str>, usize>,
    param: Option<(Box<str>, usize)>,
    greedy: Option<(Box<str>, usize)>,
    methods: [Option<Arc<MethodRoute>>; 8],
}

/// One method of one resource, with everything the pipeline needs to serve it.
#[derive(Debug)]
pub struct MethodRoute {
    pub resource_id: Box<str>,
    /// The resource path template, e.g. `/items/{id}`.
    pub resource_path: Box<str>,
    /// The method as defined (`ANY` for catch-all methods).
    pub http_method: HttpMethod,
    pub authorization_type: Box<str>,
    /// The Lambda or Cognito authorizer of a `CUSTOM` / `COGNITO_USER_POOLS` method.
    pub authorizer: Option<Arc<crate::authorizer::CompiledAuthorizer>>,
    /// `authorizationScopes` (Cognito access tokens must carry one of them).
    pub authorization_scopes: Box<[String]>,
    pub api_key_required: bool,
    pub operation_name: Option<Box<str>>,
    /// What the method's request validator checks, if it has one.
    pub validation: Option<crate::validation::RequestValidation>,
    pub integration: CompiledIntegration,
    /// `/{resourcePath}/{METHOD}`: the key of usage-plan per-method throttles.
    pub throttle_key: Box<str>,
    /// Stage throttling and caching of the method.
    pub limits: crate::limits::MethodLimits,
}

/// Path parameters of a match: names and byte ranges into the request path (still encoded).
#[derive(Debug, Default, Clone)]
pub struct PathParams<'t> {
    entries: SmallVec<[(&'t str, Range<usize>); 4]>,
}

/// A successful route lookup.
#[derive(Debug)]
pub struct RouteMatch<'t> {
    pub route: &'t Arc<MethodRoute>,
    pub params: PathParams<'t>,
}

// === impl RouteTable ===

impl RouteTable {
    /// An empty table with only the root node.
    pub fn new() -> Self {
        Self {
            nodes: vec![Node::default()],
        }
    }

    /// Adds a resource path (from the root), returning its node.
    pub(crate) fn insert_path(&mut self, parts: &[portico_model::resource::PathPart<'_>]) -> usize {
        use portico_model::resource::PathPart;
        let mut node = 0;
        for part in parts {
            let existing = match part {
                PathPart::Literal(text) => self.nodes[node].literals.get(*text).copied(),
                PathPart::Param(_) => self.nodes[node].param.as_ref().map(|(_, child)| *child),
                PathPart::Greedy(_) => self.nodes[node].greedy.as_ref().map(|(_, child)| *child),
            };
            node = match existing {
                Some(child) => child,
                None => {
                    let child = self.nodes.len();
                    self.nodes.push(Node::default());
                    let parent = &mut self.nodes[node];
                    match part {
                        PathPart::Literal(text) => {
                            parent.literals.insert((*text).into(), child);
                        }
                        PathPart::Param(name) => parent.param = Some(((*name).into(), child)),
                        PathPart::Greedy(name) => parent.greedy = Some(((*name).into(), child)),
                    }
                    child
                }
            };
        }
        node
    }

    /// Attaches a method to a node.
    pub(crate) fn set_method(&mut self, node: usize, route: MethodRoute) {
        let slot = verb_index(route.http_method);
        self.nodes[node].methods[slot] = Some(Arc::new(route));
    }

    /// Finds the method serving `verb` on `path` (the part after the stage, starting with `/`,
    /// still percent-encoded).
    pub fn lookup<'t>(&'t self, verb: &http::Method, path: &str) -> Option<RouteMatch<'t>> {
        let mut params = PathParams::default();
        let node = self.find_node(path, &mut params)?;
        let methods = &self.nodes[node].methods;
        let route = verb_slot(verb)
            .and_then(|slot| methods[slot].as_ref())
            .or(methods[verb_index(HttpMethod::Any)].as_ref())?;
        Some(RouteMatch { route, params })
    }

    fn find_node<'t>(&'t self, path: &str, params: &mut PathParams<'t>) -> Option<usize> {
        let mut node = 0;
        let mut offset = usize::from(path.starts_with('/'));
        // A trailing slash does not change the resource ("/items/" is "/items"); greedy
        // values keep it, since backends may care.
        let trimmed_end = if path.len() > 1 && path.ends_with('/') {
            path.len() - 1
        } else {
            path.len()
        };
        while offset < trimmed_end {
            let end = path[offset..trimmed_end]
                .find('/')
                .map_or(trimmed_end, |i| offset + i);
            let segment = &path[offset..end];
            let current = &self.nodes[node];
            if let Some(child) = literal_child(current, segment) {
                node = child;
            } else if let Some((name, child)) =
                current.param.as_ref().filter(|_| !segment.is_empty())
            {
                params.entries.push((name, offset..end));
                node = *child;
            } else if let Some((name, child)) = &current.greedy {
                if segment.is_empty() {
                    return None;
                }
                params.entries.push((name, offset..path.len()));
                return Some(*child);
            } else {
                return None;
            }
            offset = end + 1;
        }
        Some(node)
    }

    /// Every route in the table (for listings and tests).
    pub fn routes(&self) -> impl Iterator<Item = &Arc<MethodRoute>> {
        self.nodes
            .iter()
            .flat_map(|node| node.methods.iter().flatten())
    }
}

fn literal_child(node: &Node, segment: &str) -> Option<usize> {
    if node.literals.is_empty() {
        return None;
    }
    if let Some(child) = node.literals.get(segment) {
        return Some(*child);
    }
    // Percent-encoded spellings of a literal ("it%65ms") name the same resource.
    if segment.contains('%') {
        let decoded = percent_decode_str(segment).decode_utf8().ok()?;
        return node.literals.get(decoded.as_ref()).copied();
    }
    None
}

fn verb_index(method: HttpMethod) -> usize {
    VERBS
        .iter()
        .position(|verb| *verb == method)
        .unwrap_or(VERBS.len() - 1)
}

fn verb_slot(method: &http::Method) -> Option<usize> {
    Some(match *method {
        http::Method::GET => 0,
        http::Method::POST => 1,
        http::Method::PUT => 2,
        http::Method::DELETE => 3,
        http::Method::PATCH => 4,
        http::Method::HEAD => 5,
        http::Method::OPTIONS => 6,
        _ => return None,
    })
}

// === impl PathParams ===

impl<'t> PathParams<'t> {
    /// Number of bound parameters.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True if nothing is bound.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The raw (still percent-encoded) value of parameter `name` within `path`.
    pub fn raw<'p>(&self, path: &'p str, name: &str) -> Option<&'p str> {
        self.entries
            .iter()
            .find(|(param, _)| *param == name)
            .and_then(|(_, range)| path.get(range.clone()))
    }

    /// Names and raw values, in path order.
    pub fn iter<'p>(&'p self, path: &'p str) -> impl Iterator<Item = (&'t str, &'p str)> + 'p {
        self.entries
            .iter()
            .filter_map(move |(name, range)| Some((*name, path.get(range.clone())?)))
    }
}

#[cfg(test)]
mod tests;
