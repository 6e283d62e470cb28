//! The `portico` binary: command line, wiring of store, control plane and data plane,
//! signals and shutdown. It is the only crate that sees every other one.

mod access;
mod credentials;
mod logs;
mod region;
mod serve;
mod test_invoke;

use clap::{Parser, Subcommand};

// mimalloc's per-thread free lists make the many small per-request allocations cheap.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Portico: Amazon API Gateway's REST APIs on your own machines.
#[derive(Debug, Parser)]
#[command(name = "portico", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Runs the gateway: data plane, control plane and embedded store.
    Serve(Box<serve::ServeArgs>),
    /// Prints a function's log (START/END/REPORT lines and what the function wrote).
    Logs(logs::LogsArgs),
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(args) => serve::run(*args),
        Command::Logs(args) => logs::run(&args),
    }
}
