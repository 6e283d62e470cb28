//! `portico logs FUNCTION [--follow]`: prints a function's log file, like
//! `aws logs tail /aws/lambda/FUNCTION [--follow]`. The gateway rotates a full log to
//! `{name}.log.1`; this prints that part first, and `--follow` carries on across rotations.

use std::fs::File;
use std::io::{Read, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
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
    let rotated_path = portico_functions::rotated_log_path(&path);
    let mut out = std::io::stdout().lock();
    // The current file first, then the rotated one: if the gateway rotates in between, the
    // rotated one is the file just opened, and nothing is skipped.
    let mut reading = open_if_present(&path)?;
    let rotated = open_if_present(&rotated_path)?;
    let had_rotated = rotated.is_some();
    if let Some(mut rotated) = rotated {
        if let Some(current) = &reading
            && same_file(current, &rotated)?
        {
            reading = None; // it moved: open what the path names now
        }
        copy_new(&mut rotated, &mut out, &rotated_path)?;
    }
    // A file rotated away is read once more at the next look: a worker holding it may still
    // have finished a line there.
    let mut draining: Option<File> = None;
    loop {
        if let Some(mut previous) = draining.take() {
            copy_new(&mut previous, &mut out, &path)?;
        }
        match open_if_present(&path)? {
            Some(at_path) => {
                let same = match &reading {
                    Some(file) => same_file(file, &at_path)?,
                    None => false,
                };
                if !same {
                    // Rotated: finish the file being read; if it rotated twice since the
                    // last look, print the generation in between (now `.log.1`); then the
                    // new file from its start.
                    if let Some(mut previous) = reading.take() {
                        copy_new(&mut previous, &mut out, &path)?;
                        if let Some(mut between) = open_if_present(&rotated_path)?
                            && !same_file(&previous, &between)?
                            && !same_file(&at_path, &between)?
                        {
                            copy_new(&mut between, &mut out, &rotated_path)?;
                        }
                        draining = Some(previous);
                    }
                    reading = Some(at_path);
                }
            }
            None if args.follow => {}
            None if reading.is_none() && !had_rotated => anyhow::bail!(
                "no log for function {} in {} (it has not run yet)",
                args.function,
                args.data_dir.display()
            ),
            None => {}
        }
        if let Some(file) = &mut reading {
            copy_new(file, &mut out, &path)?;
        }
        if !args.follow {
            return Ok(());
        }
        std::thread::sleep(POLL_INTERVAL);
    }
}

fn open_if_present(path: &Path) -> anyhow::Result<Option<File>> {
    match File::open(path) {
        Ok(file) => Ok(Some(file)),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(err) => Err(err).with_context(|| format!("reading {}", path.display())),
    }
}

/// Copies what `file` holds past its read position; the position stays at the end.
fn copy_new(file: &mut File, out: &mut impl Write, path: &Path) -> anyhow::Result<()> {
    let mut chunk = Vec::new();
    file.read_to_end(&mut chunk)
        .with_context(|| format!("reading {}", path.display()))?;
    out.write_all(&chunk)?;
    out.flush()?;
    Ok(())
}

fn same_file(a: &File, b: &File) -> anyhow::Result<bool> {
    let (a, b) = (a.metadata()?, b.metadata()?);
    Ok(a.dev() == b.dev() && a.ino() == b.ino())
}
