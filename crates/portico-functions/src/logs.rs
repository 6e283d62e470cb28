//! Function logs: every worker's stdout and stderr, line by line, appended to
//! `{data_dir}/functions/logs/{name}.log` and framed per invocation as Lambda frames them in
//! CloudWatch (`START`, the function's lines, `END`, `REPORT`).
//!
//! A log is rotated when it reaches its size limit ([`crate::HostConfig::log_max_bytes`]): the
//! full file becomes `{name}.log.1` (replacing the one before) and writing goes on in a new
//! `{name}.log`, so a function's logs never take more than about twice the limit on disk.
//!
//! One pump task per worker owns the read end of the worker's output pipe and writes the
//! framing lines itself, so the framing and the function's lines appear in order: before
//! `END`, the pump reads whatever the pipe holds with a direct system call (the function wrote
//! it before posting its response, so it is there) instead of waiting for readiness.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use arc_swap::ArcSwap;
use base64::Engine as _;
use tokio::net::unix::pipe;
use tokio::sync::{mpsc, oneshot};

/// How much of an invocation's log `LogType: Tail` returns.
pub(crate) const TAIL_BYTES: usize = 4096;
/// A line longer than this is written out in pieces rather than buffered without bound.
const MAX_LINE_BYTES: usize = 256 * 1024;

/// Where the log of function `name` is written (`portico logs NAME --follow` reads it).
pub fn log_path(data_dir: &Path, name: &str) -> PathBuf {
    log_path_in(&crate::layout::Layout::new(data_dir).logs_dir(), name)
}

/// The log of function `name` in the logs directory `logs_dir`.
pub(crate) fn log_path_in(logs_dir: &Path, name: &str) -> PathBuf {
    logs_dir.join(format!("{name}.log"))
}

/// Where a log goes when it is rotated: `{name}.log.1`.
pub fn rotated_log_path(log: &Path) -> PathBuf {
    let mut name = log.as_os_str().to_owned();
    name.push(".1");
    PathBuf::from(name)
}

/// A function's log, shared by all its workers. Every write is one `write(2)` of whole lines
/// to a file opened for appending, so concurrent workers never interleave within a line.
pub(crate) struct LogFile {
    path: PathBuf,
    max_bytes: u64,
    current: ArcSwap<File>,
    /// Bytes in `current`, give or take the writes that raced with a rotation.
    written: AtomicU64,
    rotation: Mutex<()>,
}

// === impl LogFile ===

impl LogFile {
    /// Opens (or creates) the log at `path`, rotated at `max_bytes`.
    pub(crate) fn open(path: PathBuf, max_bytes: u64) -> io::Result<LogFile> {
        let file = open_append(&path)?;
        let written = file.metadata()?.len();
        Ok(LogFile {
            path,
            max_bytes,
            current: ArcSwap::from_pointee(file),
            written: AtomicU64::new(written),
            rotation: Mutex::new(()),
        })
    }

    /// Appends `bytes` (whole lines), then rotates if the log reached its limit.
    pub(crate) fn write(&self, bytes: &[u8]) {
        if let Err(err) = (&**self.current.load()).write_all(bytes) {
            // Still counted: on a full disk, rotating drops `.log.1` and frees its space.
            tracing::warn!(error = %err, "writing a function log failed");
        }
        let len = bytes.len() as u64;
        if self.written.fetch_add(len, Ordering::AcqRel) + len >= self.max_bytes {
            self.rotate();
        }
    }

    fn rotate(&self) {
        let _rotating = self.rotation.lock().unwrap_or_else(PoisonError::into_inner);
        if self.written.load(Ordering::Acquire) < self.max_bytes {
            return; // another writer rotated while this one waited
        }
        // Counted as empty even if the rotation fails, so that a full disk or a read-only
        // directory costs one attempt per `max_bytes` written rather than one per line.
        self.written.store(0, Ordering::Release);
        // Move the file only if the path still names it: another `LogFile` on this path (the
        // function was deleted and created again while an invocation of the old one ran)
        // may have rotated it already, or a rotation may have renamed it and then failed to
        // open the new file. Either way, writing goes on in whatever the path names now.
        let current = self.current.load_full();
        let moved = match is_at(&current, &self.path) {
            Ok(true) => std::fs::rename(&self.path, rotated_log_path(&self.path)),
            Ok(false) => Ok(()),
            Err(err) => Err(err),
        };
        match moved.and_then(|()| open_append(&self.path)) {
            // A writer still holding the old file finishes its line there, in `.log.1`.
            Ok(file) => self.current.store(Arc::new(file)),
            Err(err) => {
                tracing::warn!(error = %err, path = %self.path.display(), "rotating a function log failed")
            }
        }
    }
}

/// Whether `path` names the open `file` (a missing path does not).
fn is_at(file: &File, path: &Path) -> io::Result<bool> {
    use std::os::unix::fs::MetadataExt;
    let open = file.metadata()?;
    match std::fs::metadata(path) {
        Ok(named) => Ok(open.dev() == named.dev() && open.ino() == named.ino()),
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(err) => Err(err),
    }
}

fn open_append(path: &Path) -> io::Result<File> {
    OpenOptions::new().create(true).append(true).open(path)
}

/// Base64 of the last [`TAIL_BYTES`] of `captured`.
pub(crate) fn tail_base64(captured: &[u8]) -> String {
    let start = captured.len().saturating_sub(TAIL_BYTES);
    base64::engine::general_purpose::STANDARD.encode(&captured[start..])
}

/// The handle a worker keeps on its pump.
pub(crate) struct LogPump {
    commands: mpsc::Sender<Command>,
}

enum Command {
    Begin {
        line: String,
        capture: bool,
        done: oneshot::Sender<()>,
    },
    End {
        lines: String,
        captured: oneshot::Sender<Option<Vec<u8>>>,
    },
}

/// The pump task's state.
struct Pump {
    receiver: pipe::Receiver,
    file: Arc<LogFile>,
    /// Bytes after the last newline read so far.
    partial: Vec<u8>,
    /// This invocation's lines, when its caller asked for the tail.
    capture: Option<Vec<u8>>,
    eof: bool,
    buf: Vec<u8>,
}

// === impl LogPump ===

impl LogPump {
    /// Starts pumping `receiver` (the worker's stdout and stderr) into `file`.
    pub(crate) fn start(receiver: pipe::Receiver, file: Arc<LogFile>) -> LogPump {
        let (commands, rx) = mpsc::channel(4);
        let pump = Pump {
            receiver,
            file,
            partial: Vec::new(),
            capture: None,
            eof: false,
            buf: vec![0; 16 * 1024],
        };
        tokio::spawn(pump.run(rx));
        LogPump { commands }
    }

    /// Writes the `START` line after everything the worker printed so far; from here the
    /// lines belong to the invocation (and are captured when `capture`).
    pub(crate) async fn begin(&self, line: String, capture: bool) {
        let (done, wait) = oneshot::channel();
        if self
            .commands
            .send(Command::Begin {
                line,
                capture,
                done,
            })
            .await
            .is_ok()
        {
            let _ = wait.await;
        }
    }

    /// Writes everything the worker printed, then `lines` (`END`, `REPORT`); returns the
    /// invocation's captured lines when it asked for them.
    pub(crate) async fn end(&self, lines: String) -> Option<Vec<u8>> {
        let (captured, wait) = oneshot::channel();
        self.commands
            .send(Command::End { lines, captured })
            .await
            .ok()?;
        wait.await.ok().flatten()
    }
}

// === impl Pump ===

impl Pump {
    async fn run(mut self, mut commands: mpsc::Receiver<Command>) {
        loop {
            tokio::select! {
                biased;
                command = commands.recv() => match command {
                    Some(Command::Begin { line, capture, done }) => {
                        self.drain_now();
                        self.flush_partial();
                        self.capture = capture.then(Vec::new);
                        self.emit_line(&line);
                        let _ = done.send(());
                    }
                    Some(Command::End { lines, captured }) => {
                        self.drain_now();
                        self.flush_partial();
                        self.emit(lines.as_bytes());
                        let _ = captured.send(self.capture.take());
                    }
                    None => break,
                },
                ready = self.receiver.readable(), if !self.eof => match ready {
                    Ok(()) => self.read_ready(),
                    Err(_) => self.eof = true,
                },
            }
        }
        // The worker is gone and its process killed: keep what it printed last, but do not
        // wait on a pipe some stray process might still hold open.
        let _ = tokio::time::timeout(Duration::from_secs(1), async {
            while !self.eof {
                if self.receiver.readable().await.is_err() {
                    break;
                }
                self.read_ready();
            }
        })
        .await;
        self.flush_partial();
    }

    /// Reads what tokio reported readable, through tokio so it tracks readiness.
    fn read_ready(&mut self) {
        loop {
            match self.receiver.try_read(&mut self.buf) {
                Ok(0) => {
                    self.eof = true;
                    return;
                }
                Ok(n) => self.push(n),
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => return,
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => {
                    self.eof = true;
                    return;
                }
            }
        }
    }

    /// Reads what the pipe holds right now with `read(2)` itself: tokio's readiness may lag
    /// behind bytes the worker wrote before it answered.
    fn drain_now(&mut self) {
        while !self.eof {
            match rustix::io::read(&self.receiver, &mut self.buf) {
                Ok(0) => self.eof = true,
                Ok(n) => self.push(n),
                Err(rustix::io::Errno::INTR) => {}
                Err(_) => return,
            }
        }
    }

    /// Takes `self.buf[..n]`: whole lines go out, the rest waits for its newline.
    fn push(&mut self, n: usize) {
        let bytes = &self.buf[..n];
        match bytes.iter().rposition(|b| *b == b'\n') {
            None => {
                self.partial.extend_from_slice(bytes);
                if self.partial.len() > MAX_LINE_BYTES {
                    self.flush_partial();
                }
            }
            Some(last) => {
                let (complete, rest) = bytes.split_at(last + 1);
                if self.partial.is_empty() {
                    write_and_capture(&self.file, self.capture.as_mut(), complete);
                } else {
                    self.partial.extend_from_slice(complete);
                    write_and_capture(&self.file, self.capture.as_mut(), &self.partial);
                    self.partial.clear();
                }
                self.partial.extend_from_slice(rest);
            }
        }
    }

    fn flush_partial(&mut self) {
        if !self.partial.is_empty() {
            self.partial.push(b'\n');
            write_and_capture(&self.file, self.capture.as_mut(), &self.partial);
            self.partial.clear();
        }
    }

    fn emit_line(&mut self, line: &str) {
        let mut text = String::with_capacity(line.len() + 1);
        text.push_str(line);
        text.push('\n');
        self.emit(text.as_bytes());
    }

    fn emit(&mut self, bytes: &[u8]) {
        write_and_capture(&self.file, self.capture.as_mut(), bytes);
    }
}

fn write_and_capture(file: &LogFile, capture: Option<&mut Vec<u8>>, bytes: &[u8]) {
    file.write(bytes);
    if let Some(capture) = capture {
        capture.extend_from_slice(bytes);
        // Keep a little more than the tail so trimming happens rarely.
        if capture.len() > 2 * TAIL_BYTES {
            capture.drain(..capture.len() - TAIL_BYTES);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tail_keeps_the_last_four_kilobytes() {
        let mut captured = vec![b'a'; 10];
        captured.extend(vec![b'b'; TAIL_BYTES]);
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(tail_base64(&captured))
            .unwrap();
        assert_eq!(decoded, vec![b'b'; TAIL_BYTES]);
    }

    #[tokio::test]
    async fn lines_printed_before_end_appear_between_start_and_end() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.log");
        let file = Arc::new(LogFile::open(path.clone(), 1 << 20).unwrap());
        let (reader, writer) = rustix::pipe::pipe().unwrap();
        let pump = LogPump::start(pipe::Receiver::from_owned_fd(reader).unwrap(), file);
        let mut writer = File::from(writer);
        writer.write_all(b"init line\n").unwrap();
        pump.begin("START RequestId: r Version: $LATEST".to_owned(), true)
            .await;
        writer.write_all(b"hello\npartial").unwrap();
        let captured = pump.end("END RequestId: r\n".to_owned()).await.unwrap();
        let log = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            log,
            "init line\nSTART RequestId: r Version: $LATEST\nhello\npartial\nEND RequestId: r\n"
        );
        assert_eq!(
            String::from_utf8(captured).unwrap(),
            "START RequestId: r Version: $LATEST\nhello\npartial\nEND RequestId: r\n"
        );
    }

    #[test]
    fn a_full_log_moves_to_dot_one_and_a_new_one_starts() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.log");
        std::fs::write(&path, "kept from before\n").unwrap();
        let log = LogFile::open(path.clone(), 40).unwrap();
        log.write(b"first line, 20 bytes\n"); // 17 + 21 = 38 bytes: under the limit
        assert!(!rotated_log_path(&path).exists());
        log.write(b"second\n"); // 45 bytes: rotates after the write
        log.write(b"third\n");
        assert_eq!(
            std::fs::read_to_string(rotated_log_path(&path)).unwrap(),
            "kept from before\nfirst line, 20 bytes\nsecond\n"
        );
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "third\n");

        // The next rotation replaces `.log.1`: at most two files, whatever is written.
        for _ in 0..10 {
            log.write(b"0123456789\n");
        }
        let rotated = std::fs::read_to_string(rotated_log_path(&path)).unwrap();
        let current = std::fs::read_to_string(&path).unwrap();
        assert!(rotated.len() < 40 + 11, "{rotated:?}");
        assert!(current.len() < 40, "{current:?}");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
        assert!(
            rotated
                .lines()
                .chain(current.lines())
                .all(|line| line == "0123456789")
        );
    }

    #[test]
    fn a_second_log_on_the_same_path_follows_the_first_ones_rotation() {
        // A function deleted and created again while an invocation of the old one ran: two
        // `LogFile`s on one path. The second must not rotate the first one's new file away.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.log");
        let old = LogFile::open(path.clone(), 30).unwrap();
        let new = LogFile::open(path.clone(), 30).unwrap();
        old.write(b"old 1 ............\n");
        new.write(b"new 1 ............\n");
        old.write(b"old 2 ............\n"); // old counts 38: rotates
        new.write(b"new 2 ............\n"); // still in the rotated file; new counts 38
        new.write(b"new 3 ............\n");
        old.write(b"old 3 ............\n");
        assert_eq!(
            std::fs::read_to_string(rotated_log_path(&path)).unwrap(),
            "old 1 ............\nnew 1 ............\nold 2 ............\nnew 2 ............\n"
        );
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "new 3 ............\nold 3 ............\n"
        );
    }

    #[test]
    fn a_log_removed_by_hand_is_created_again_at_the_next_rotation() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.log");
        let log = LogFile::open(path.clone(), 20).unwrap();
        log.write(b"gone\n");
        std::fs::remove_file(&path).unwrap();
        log.write(b"into the removed file\n"); // rotates: nothing to move, a new file
        log.write(b"kept\n");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "kept\n");
        assert!(!rotated_log_path(&path).exists());
    }

    /// Four threads write 2000 lines of 20 bytes each into `log`; returns each writer's lines
    /// as found in `.log.1` followed by `.log`, after checking that every line is whole.
    fn write_concurrently(log: &Arc<LogFile>, path: &Path) -> Vec<Vec<u32>> {
        let writers: Vec<_> = (0..4)
            .map(|writer| {
                let log = Arc::clone(log);
                std::thread::spawn(move || {
                    for line in 0..2000 {
                        log.write(format!("writer {writer} line {line:05}\n").as_bytes());
                    }
                })
            })
            .collect();
        for writer in writers {
            writer.join().unwrap();
        }
        let current = std::fs::read_to_string(path).unwrap();
        let rotated = std::fs::read_to_string(rotated_log_path(path)).unwrap();
        let lines: Vec<&str> = rotated.lines().chain(current.lines()).collect();
        assert!(
            lines
                .iter()
                .all(|line| line.starts_with("writer ") && line.len() == 19)
        );
        (0..4)
            .map(|writer| {
                let prefix = format!("writer {writer} ");
                lines
                    .iter()
                    .filter(|line| line.starts_with(&prefix))
                    .map(|line| line[14..].parse().unwrap())
                    .collect()
            })
            .collect()
    }

    #[test]
    fn concurrent_writers_lose_no_line_across_a_rotation() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.log");
        // 160,000 bytes in all: one rotation, and both files together hold every line.
        let log = Arc::new(LogFile::open(path.clone(), 100_000).unwrap());
        for numbers in write_concurrently(&log, &path) {
            assert_eq!(numbers, (0..2000).collect::<Vec<_>>());
        }
    }

    #[test]
    fn concurrent_writers_keep_whole_lines_in_order_across_many_rotations() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.log");
        // About ten rotations: older generations are gone, so a writer that finished early
        // may have no line left. What is left of each writer is the end of its sequence.
        let log = Arc::new(LogFile::open(path.clone(), 16 * 1024).unwrap());
        let kept = write_concurrently(&log, &path);
        // `.log.1` was full when it was rotated, but for lines that raced into the file before.
        assert!(kept.iter().map(Vec::len).sum::<usize>() >= 16 * 1024 / 2 / 20);
        for numbers in kept {
            if let Some(first) = numbers.first() {
                assert_eq!(numbers, (*first..2000).collect::<Vec<_>>());
            }
        }
    }
}
