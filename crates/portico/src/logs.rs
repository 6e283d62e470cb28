//! `portico logs FUNCTION [--follow]`: prints a function's log file, like
//! `aws logs tail /aws/lambda/FUNCTION [--follow]`.

use std::io::{Read, Seek, SeekFrom, Write};
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;

/// Options of `portico logs`.
#[derive(Debug, clap::Args)]
pub struct LogsArgs {
    /// The function's name.
    function: String,
    /// Keep printing what the function writes from now on.
    #[arg(long, short = 'f')]
    follow: bool,
    /// Data directory of the gateway.
    #[arg(long, default_value = "./portico-data")]
    data_dir: PathBuf,
}

/// How often `--follow` looks for new lines.
const POLL_INTERVAL: Duration = Duration::from_millis(200);

/// Prints the log, then (with `--follow`) what is appended to it until interrupted.
pub fn run(args: &LogsArgs) -> anyhow::Result<()> {
    let path = portico_functions::log_path(&args.data_dir, &args.function);
    let mut out = std::io::stdout().lock();
    let mut position = 0u64;
    loop {
        match std::fs::File::open(&path) {
            Ok(mut file) => {
                let length = file.metadata().map(|m| m.len()).unwrap_or(0);
                // The file was replaced (function deleted and created again): start over.
                if length < position {
                    position = 0;
                }
                file.seek(SeekFrom::Start(position))
                    .with_context(|| format!("reading {}", path.display()))?;
                let mut chunk = Vec::new();
                file.read_to_end(&mut chunk)
                    .with_context(|| format!("reading {}", path.display()))?;
                position += chunk.len() as u64;
                out.write_all(&chunk)?;
                out.flush()?;
            }
            Err(err) if err.kind() == std::io::ErrorKind::NotFound && args.follow => {}
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                anyhow::bail!(
                    "no log for function {} in {} (it has not run yet)",
                    args.function,
                    args.data_dir.display()
                );
            }
            Err(err) => return Err(err).with_context(|| format!("reading {}", path.display())),
        }
        if !args.follow {
            return Ok(());
        }
        std::thread::sleep(POLL_INTERVAL);
    }
}
