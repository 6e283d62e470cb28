//! The embedded store: a [`portico_store::Store`] in one SQLite file in the data directory.
//!
//! WAL journal with `synchronous=FULL`, so a commit that returned is on disk and survives
//! `kill -9` or power loss. Each commit runs as one `BEGIN IMMEDIATE` transaction, which
//! serialises writers and makes the expectation checks and writes atomic. SQLite calls block,
//! so they run on tokio's blocking pool, never on a runtime worker. Called by the binary, which
//! hands it to the control plane; the data plane never sees it.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use portico_store::{BoxError, Key, Kind, Range, Record, Store, StoreError, Write};

/// File name of the database inside the data directory.
pub const DATABASE_FILE: &str = "portico.sqlite3";

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS records (
    kind    TEXT    NOT NULL,
    scope   TEXT    NOT NULL,
    id      TEXT    NOT NULL,
    version INTEGER NOT NULL,
    body    BLOB    NOT NULL,
    PRIMARY KEY (kind, scope, id)
) WITHOUT ROWID;
";

/// The embedded SQLite store.
#[derive(Clone)]
pub struct SqliteStore {
    connection: Arc<Mutex<Connection>>,
    path: PathBuf,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .finish()
    }
}

// === impl SqliteStore ===

impl SqliteStore {
    /// Opens (or creates) the store in `data_dir`.
    pub fn open(data_dir: &Path) -> Result<SqliteStore, StoreError> {
        std::fs::create_dir_all(data_dir).map_err(unavailable)?;
        let path = data_dir.join(DATABASE_FILE);
        let connection = Connection::open(&path).map_err(unavailable)?;
        connection
            .busy_timeout(std::time::Duration::from_secs(5))
            .map_err(unavailable)?;
        let mode: String = connection
            .query_row("PRAGMA journal_mode=WAL", [], |row| row.get(0))
            .map_err(unavailable)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Unavailable(
                format!("cannot switch {} to WAL mode (got {mode})", path.display()).into(),
            ));
        }
        connection
            .execute_batch("PRAGMA synchronous=FULL;")
            .map_err(unavailable)?;
        connection.execute_batch(SCHEMA).map_err(unavailable)?;
        Ok(SqliteStore {
            connection: Arc::new(Mutex::new(connection)),
            path,
        })
    }

    /// Path of the database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs blocking SQLite work on the blocking pool.
    async fn run<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let connection = Arc::clone(&self.connection);
        tokio::task::spawn_blocking(move || {
            let mut guard = lock(&connection)?;
            work(&mut guard)
        })
        .await
        .map_err(unavailable)?
    }
}

fn lock(connection: &Mutex<Connection>) -> Result<MutexGuard<'_, Connection>, StoreError> {
    connection
        .lock()
        .map_err(|_| StoreError::Unavailable("sqlite connection mutex poisoned".into()))
}

fn unavailable(err: impl Into<BoxError>) -> StoreError {
    StoreError::Unavailable(err.into())
}

fn record_from_row(kind: Kind, row: &rusqlite::Row<'_>) -> rusqlite::Result<Record> {
    let version: i64 = row.get(2)?;
    Ok(Record {
        key: Key::new(kind, row.get::<_, String>(0)?, row.get::<_, String>(1)?),
        version: u64::try_from(version).unwrap_or_default(),
        body: row.get(3)?,
    })
}

fn version_of(
    transaction: &rusqlite::Transaction<'_>,
    key: &Key,
) -> Result<Option<u64>, StoreError> {
    transaction
        .query_row(
            "SELECT version FROM records WHERE kind = ?1 AND scope = ?2 AND id = ?3",
            params![key.kind.as_str(), key.scope, key.id],
            |row| row.get::<_, i64>(0),
        )
        .optional()
        .map(|version| version.and_then(|v| u64::try_from(v).ok()))
        .map_err(unavailable)
}

#[async_trait]
impl Store for SqliteStore {
    async fn get(&self, key: &Key) -> Result<Option<Record>, StoreError> {
        let key = key.clone();
        self.run(move |connection| {
            connection
                .query_row(
                    "SELECT scope, id, version, body FROM records WHERE kind = ?1 AND scope = ?2 AND id = ?3",
                    params![key.kind.as_str(), key.scope, key.id],
                    |row| record_from_row(key.kind, row),
                )
                .optional()
                .map_err(unavailable)
        })
        .await
    }

    async fn list(&self, kind: Kind, scope: &str, range: Range) -> Result<Vec<Record>, StoreError> {
        let scope = scope.to_owned();
        self.run(move |connection| {
            let limit = range
                .limit
                .map_or(-1, |l| i64::try_from(l).unwrap_or(i64::MAX));
            let after = range.after.unwrap_or_default();
            let mut statement = connection
                .prepare_cached(
                    "SELECT scope, id, version, body FROM records \
                     WHERE kind = ?1 AND scope = ?2 AND id > ?3 ORDER BY id LIMIT ?4",
                )
                .map_err(unavailable)?;
            let rows = statement
                .query_map(params![kind.as_str(), scope, after, limit], |row| {
                    record_from_row(kind, row)
                })
                .map_err(unavailable)?;
            rows.collect::<Result<Vec<_>, _>>().map_err(unavailable)
        })
        .await
    }

    async fn list_all(&self, kind: Kind) -> Result<Vec<Record>, StoreError> {
        self.run(move |connection| {
            let mut statement = connection
                .prepare_cached(
                    "SELECT scope, id, version, body FROM records WHERE kind = ?1 ORDER BY scope, id",
                )
                .map_err(unavailable)?;
            let rows = statement
                .query_map(params![kind.as_str()], |row| record_from_row(kind, row))
                .map_err(unavailable)?;
            rows.collect::<Result<Vec<_>, _>>().map_err(unavailable)
        })
        .await
    }

    async fn commit(&self, writes: Vec<Write>) -> Result<(), StoreError> {
        self.run(move |connection| {
            let transaction = connection
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(unavailable)?;
            for write in &writes {
                if let Some((key, expect)) = write.checked_key()
                    && !expect.holds(version_of(&transaction, key)?) {
                        return Err(StoreError::Conflict(key.clone()));
                    }
            }
            for write in writes {
                match write {
                    Write::Put { key, body, .. } => {
                        transaction
                            .execute(
                                "INSERT INTO records (kind, scope, id, version, body) VALUES (?1, ?2, ?3, 1, ?4) \
                                 ON CONFLICT (kind, scope, id) DO UPDATE SET version = version + 1, body = excluded.body",
                                params![key.kind.as_str(), key.scope, key.id, body],
                            )
                            .map_err(unavailable)?;
                    }
                    Write::Delete { key, .. } => {
                        transaction
                            .execute(
                                "DELETE FROM records WHERE kind = ?1 AND scope = ?2 AND id = ?3",
                                params![key.kind.as_str(), key.scope, key.id],
                            )
                            .map_err(unavailable)?;
                    }
                    Write::DeleteScope { kind, scope } => {
                        transaction
                            .execute(
                                "DELETE FROM records WHERE kind = ?1 AND scope = ?2",
                                params![kind.as_str(), scope],
                            )
                            .map_err(unavailable)?;
                    }
                    Write::Touch { key, .. } => {
                        transaction
                            .execute(
                                "UPDATE records SET version = version + 1 WHERE kind = ?1 AND scope = ?2 AND id = ?3",
                                params![key.kind.as_str(), key.scope, key.id],
                            )
                            .map_err(unavailable)?;
                    }
                    Write::Check { .. } => {}
                }
            }
            transaction.commit().map_err(unavailable)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use portico_store::{Expect, Key, Kind, Store, Write};

    use super::*;

    #[tokio::test]
    async fn sqlite_store_conforms() {
        let dirs = std::sync::Mutex::new(Vec::new());
        portico_store::testkit::run_all(|| {
            let dir = tempfile::tempdir().unwrap();
            let store = SqliteStore::open(dir.path()).unwrap();
            dirs.lock().unwrap().push(dir);
            async move { store }
        })
        .await;
    }

    #[tokio::test]
    async fn records_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let key = Key::new(Kind::RestApi, "", "abc");
        {
            let store = SqliteStore::open(dir.path()).unwrap();
            store
                .commit(vec![Write::Put {
                    key: key.clone(),
                    body: b"{}".to_vec(),
                    expect: Expect::Absent,
                }])
                .await
                .unwrap();
        }
        let store = SqliteStore::open(dir.path()).unwrap();
        assert_eq!(store.get(&key).await.unwrap().unwrap().body, b"{}");
    }

    #[tokio::test]
    async fn database_uses_wal_and_full_sync() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path()).unwrap();
        let (mode, sync) = store
            .run(|c| {
                let mode: String = c
                    .query_row("PRAGMA journal_mode", [], |r| r.get(0))
                    .map_err(unavailable)?;
                let sync: i64 = c
                    .query_row("PRAGMA synchronous", [], |r| r.get(0))
                    .map_err(unavailable)?;
                Ok((mode, sync))
            })
            .await
            .unwrap();
        assert_eq!(mode, "wal");
        assert_eq!(sync, 2, "synchronous=FULL");
    }
}
