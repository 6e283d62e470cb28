//! The function host with real worker processes: one test binary (one link step).

mod code;
mod events;
mod provided;
mod python;
mod support;
