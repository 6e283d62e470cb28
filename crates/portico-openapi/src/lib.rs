//! OpenAPI import and export for Portico: OpenAPI 3.0 and Swagger 2.0 documents (JSON or
//! YAML) with Amazon API Gateway's `x-amazon-apigateway-*` extensions become a
//! [`portico_model::ApiDefinition`] ([`import`], [`put`]), and definitions become documents
//! again ([`export`]) in the shapes AWS's GetExport produces.
//!
//! The crate is pure: no IO, no clock, no randomness. Callers pass the document bytes, new
//! ids (through an id generator) and the current time in, and get a value or an
//! [`ImportError`] back; an import that fails changes nothing because it has nothing to
//! change. Hostile documents are bounded: size ([`MAX_DOCUMENT_BYTES`]), nesting
//! ([`MAX_DEPTH`]), `$ref` hops and cycles. Callers: the control plane's ImportRestApi,
//! PutRestApi and GetExport operations, and `portico serve --import`.

mod error;
mod export;
mod import;
mod node;
mod parse;
mod refs;
mod yaml;

pub use error::ImportError;
pub use export::{ExportExtensions, ExportFormat, ExportOptions, export};
pub use import::{BasePath, IdKind, ImportOptions, Imported, PutMode, import, put};
pub use parse::{MAX_DEPTH, MAX_DOCUMENT_BYTES, parse};
pub use yaml::to_yaml;
