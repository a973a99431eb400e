//! When and how `neardup stream` saves its index.
//!
//! A save is atomic and durable: the index is written to `FILE.tmp` in the same directory,
//! `fsync`ed, renamed over FILE, and the directory is `fsync`ed, so after a crash or power loss
//! FILE is either the previous checkpoint or the new one, never a mix. A checkpoint is taken
//! after every `--checkpoint-every` changed answers, when input has been idle for
//! [`IDLE`] with unsaved answers, when the oldest unsaved answer is [`MAX_AGE`] old, and on
//! every stop (end of input, a bad line, SIGINT/SIGTERM/SIGHUP).

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use neardup::Index;

use crate::cli::error::CliError;

/// Input silence after which unsaved answers are saved: a paused `tail -f` feed is safe
/// about a second into the pause.
pub const IDLE: Duration = Duration::from_secs(1);

/// The oldest an unsaved answer gets before a save when lines keep coming (no idle second,
/// fewer than `--checkpoint-every` of them), unless saves are slow: then
/// [`AGE_PER_SAVE_TIME`] times the last save's duration, so saving takes at most about a
/// tenth of the time on a busy feed, however large the index.
pub const MAX_AGE: Duration = Duration::from_secs(10);

/// See [`MAX_AGE`].
const AGE_PER_SAVE_TIME: u32 = 10;

/// Default of `--checkpoint-every`. A save rewrites the whole index: 0.4 to 0.65 s for the
/// 19,043 Reuters articles with the near-duplicate preset (36 MB, about 55 ms of it `fsync`),
/// 0.2 to 0.33 s with the rewrite preset (11 MB), against 0.1 to 0.5 ms to answer an article.
/// Every 10,000 answers adds one save to a Reuters-sized bulk load (every 1,000 would triple
/// its time); a live feed is saved on its pauses and every [`MAX_AGE`] anyway.
pub const DEFAULT_EVERY: u64 = 10_000;

/// Tracks unsaved answers and saves the index when the policy says so.
pub struct Checkpoint {
    path: PathBuf,
    every: u64,
    /// Answers that changed the index since the last save.
    unsaved: u64,
    /// When the oldest of them was answered.
    since: Option<Instant>,
    /// How long the last save took.
    last_save: Duration,
    /// Report every save on stderr (`--explain`).
    explain: bool,
    /// Set once a save failed: the stream stops, and the final save is not retried.
    failed: bool,
    /// An exclusive lock on `FILE.lock`, held for the life of the stream: two streams saving
    /// to one index would share `FILE.tmp` and could replace the last good checkpoint.
    _lock: File,
}

impl Checkpoint {
    /// A policy saving to `path` after every `every` changed answers; `explain` reports each
    /// save on stderr.
    ///
    /// Takes the index's lock (`path.lock`) and checks that `path.tmp` can be created, so an
    /// index in use by another stream, or an unwritable place, is an error before anything is
    /// answered rather than at the first checkpoint.
    pub fn new(path: &str, every: u64, explain: bool) -> Result<Checkpoint, CliError> {
        let path = PathBuf::from(path);
        let lock_path = with_suffix(&path, ".lock");
        let lock = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| unusable(&lock_path, format!("cannot create the lock file: {e}")))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(CliError::File {
                    file: path.display().to_string(),
                    message: format!(
                        "the index is in use by another neardup stream ({} is locked)",
                        lock_path.display()
                    ),
                })
            }
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(unusable(&lock_path, format!("cannot lock: {e}")))
            }
        }
        let tmp = with_suffix(&path, ".tmp");
        File::create(&tmp).map_err(|e| unusable(&tmp, format!("cannot create: {e}")))?;
        let _ = std::fs::remove_file(&tmp);
        Ok(Checkpoint {
            path,
            every: every.max(1),
            unsaved: 0,
            since: None,
            last_save: Duration::ZERO,
            explain,
            failed: false,
            _lock: lock,
        })
    }

    /// Counts one answered line that changed the index; saves when due.
    pub fn answered(&mut self, index: &Index) -> Result<(), CliError> {
        self.unsaved += 1;
        let since = *self.since.get_or_insert_with(Instant::now);
        let max_age = MAX_AGE.max(self.last_save * AGE_PER_SAVE_TIME);
        if self.unsaved >= self.every || since.elapsed() >= max_age {
            self.save(index)?;
        }
        Ok(())
    }

    /// Input was idle for [`IDLE`]: saves if anything is unsaved.
    pub fn idle(&mut self, index: &Index) -> Result<(), CliError> {
        self.flush(index)
    }

    /// Saves if anything is unsaved and no save has failed (a stop).
    pub fn flush(&mut self, index: &Index) -> Result<(), CliError> {
        if self.unsaved > 0 && !self.failed {
            self.save(index)?;
        }
        Ok(())
    }

    /// The index file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn save(&mut self, index: &Index) -> Result<(), CliError> {
        let start = Instant::now();
        match save_atomic(index, &self.path) {
            Ok(()) => {
                self.last_save = start.elapsed();
                if self.explain {
                    eprintln!(
                        "neardup: checkpoint: {} articles saved in {} ({} ms)",
                        index.len(),
                        self.path.display(),
                        self.last_save.as_millis()
                    );
                }
                self.unsaved = 0;
                self.since = None;
                Ok(())
            }
            Err(e) => {
                self.failed = true;
                Err(e)
            }
        }
    }
}

/// Writes `index` to `path` so that a crash at any moment leaves either the old file or the
/// new one: write `path.tmp`, `fsync` it, rename it over `path`, `fsync` the directory.
pub fn save_atomic(index: &Index, path: &Path) -> Result<(), CliError> {
    let tmp = with_suffix(path, ".tmp");
    let result = write_synced(index, &tmp).and_then(|()| {
        std::fs::rename(&tmp, path).map_err(|e| {
            failed(
                path,
                format!("cannot rename {} into place: {e}", tmp.display()),
            )
        })?;
        sync_dir(path)
    });
    if result.is_err() {
        // Best effort: a stale temp file is harmless (the next save truncates it) but untidy.
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// `path` with `suffix` appended to its file name (`stories.idx` → `stories.idx.tmp`).
fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// The index cannot be used at all (checked at the start, before anything is answered).
fn unusable(file: &Path, message: String) -> CliError {
    CliError::File {
        file: file.display().to_string(),
        message: format!("cannot use this place for the index: {message}"),
    }
}

fn failed(file: &Path, message: String) -> CliError {
    CliError::File {
        file: file.display().to_string(),
        message: format!("cannot save the index: {message}"),
    }
}

/// Writes the index to `tmp` and flushes it to the disk.
fn write_synced(index: &Index, tmp: &Path) -> Result<(), CliError> {
    let file = File::create(tmp).map_err(|e| failed(tmp, format!("cannot create: {e}")))?;
    let mut writer = BufWriter::with_capacity(1 << 20, file);
    index
        .save(&mut writer)
        .map_err(|e| failed(tmp, e.to_string()))?;
    let file = writer
        .into_inner()
        .map_err(|e| failed(tmp, format!("cannot write: {}", e.error())))?;
    file.sync_all()
        .map_err(|e| failed(tmp, format!("cannot sync to disk: {e}")))
}

/// Makes a rename durable: on Unix the new directory entry is on disk only once the directory
/// itself is synced.
#[cfg(unix)]
fn sync_dir(path: &Path) -> Result<(), CliError> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    match File::open(dir).and_then(|d| d.sync_all()) {
        // Some file systems (FUSE, network, 9p mounts) cannot sync a directory (EINVAL or
        // unsupported): the rename is done and atomic, so the save stands.
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::InvalidInput | std::io::ErrorKind::Unsupported
            ) =>
        {
            Ok(())
        }
        result => {
            result.map_err(|e| failed(dir, format!("cannot sync the directory to disk: {e}")))
        }
    }
}

/// Other systems have no portable way to sync a directory; the rename is still atomic.
#[cfg(not(unix))]
fn sync_dir(_path: &Path) -> Result<(), CliError> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn save_replaces_the_file_and_leaves_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("stories.idx");
        std::fs::write(&path, b"old").unwrap();
        let index = Index::new(neardup::Preset::NearDuplicate);
        index.insert("a", "one two three four five six", 0).unwrap();
        save_atomic(&index, &path).unwrap();
        let loaded = Index::load(std::fs::read(&path).unwrap().as_slice()).unwrap();
        assert_eq!(loaded.len(), 1);
        assert!(!dir.path().join("stories.idx.tmp").exists());
    }

    #[test]
    fn a_failed_save_names_the_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing").join("stories.idx");
        let index = Index::new(neardup::Preset::NearDuplicate);
        let err = save_atomic(&index, &path).unwrap_err().to_string();
        assert!(
            err.contains("stories.idx.tmp") && err.contains("cannot save"),
            "{err}"
        );
    }

    #[test]
    fn saves_every_n_changes_and_on_flush() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.idx");
        let index = Index::new(neardup::Preset::NearDuplicate);
        let mut ck = Checkpoint::new(path.to_str().unwrap(), 2, false).unwrap();
        index.insert("a", "one two three four five six", 0).unwrap();
        ck.answered(&index).unwrap();
        assert!(!path.exists(), "one change of two: not yet");
        index.insert("b", "seven eight nine ten eleven", 0).unwrap();
        ck.answered(&index).unwrap();
        let saved = |p: &Path| Index::load(std::fs::read(p).unwrap().as_slice()).unwrap();
        assert_eq!(saved(&path).len(), 2);
        index
            .insert("c", "twelve thirteen fourteen fifteen", 0)
            .unwrap();
        ck.answered(&index).unwrap();
        assert_eq!(saved(&path).len(), 2);
        ck.idle(&index).unwrap();
        assert_eq!(saved(&path).len(), 3);
    }
}
