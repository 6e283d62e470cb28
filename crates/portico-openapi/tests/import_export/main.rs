//! Import and export through the public API: the fixture documents, round trips, bad
//! documents and PutRestApi. One test binary, so that CI links once.

mod bad_documents;
mod common;
mod examples;
mod fixtures;
mod put;
mod round_trip;
