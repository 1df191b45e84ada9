//! Opening the history store with care: never a folder, a device or a FIFO; never a file the
//! run also reads or writes; a file that is not SQLite, SQLite that is not posture's, or a
//! schema newer than this build is a one-line input error. New files are created 0600 (the
//! history describes weaknesses), in WAL mode with a busy timeout so concurrent jobs queue.
//! The schema version is `PRAGMA user_version`; [`MIGRATIONS`] take a store forward.

use crate::error::InputError;
use rusqlite::{Connection, OpenFlags, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The schema this build writes (docs/contracts.md §10).
pub const SCHEMA_VERSION: usize = 3;
/// `PRAGMA application_id` of posture stores: "post".
pub const APPLICATION_ID: i64 = 0x706f_7374;
/// How long a writer waits for another job's transaction before giving up.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(120);

/// `MIGRATIONS[v]` takes a store from version `v` to `v + 1`.
pub const MIGRATIONS: &[&str] = &[V1, V2, V3];

const V1: &str = r#"
CREATE TABLE scans (
  id INTEGER PRIMARY KEY,
  scan_id TEXT NOT NULL UNIQUE,
  started_at TEXT NOT NULL,
  finished_at TEXT NOT NULL,
  observed_at INTEGER NOT NULL,
  posture_version TEXT NOT NULL,
  rules_sha256 TEXT NOT NULL,
  params_sha256 TEXT NOT NULL,
  detail TEXT NOT NULL,
  sources TEXT NOT NULL,
  accounts TEXT NOT NULL,
  regions TEXT NOT NULL,
  score REAL,
  evaluated INTEGER NOT NULL,
  not_evaluated INTEGER NOT NULL,
  passed INTEGER NOT NULL,
  failed INTEGER NOT NULL,
  muted INTEGER NOT NULL
);
CREATE INDEX scans_observed ON scans(observed_at);
CREATE TABLE scan_accounts (
  scan INTEGER NOT NULL, account TEXT NOT NULL, score REAL,
  evaluated INTEGER NOT NULL, not_evaluated INTEGER NOT NULL, failed INTEGER NOT NULL,
  PRIMARY KEY (scan, account)
) WITHOUT ROWID;
CREATE TABLE scan_pillars (
  scan INTEGER NOT NULL, pillar TEXT NOT NULL, score REAL,
  evaluated INTEGER NOT NULL, not_evaluated INTEGER NOT NULL, failed INTEGER NOT NULL,
  PRIMARY KEY (scan, pillar)
) WITHOUT ROWID;
CREATE TABLE rules (
  id INTEGER PRIMARY KEY, rule_id TEXT NOT NULL UNIQUE,
  title TEXT NOT NULL, severity TEXT NOT NULL, pillar TEXT NOT NULL
);
CREATE TABLE findings (
  id INTEGER PRIMARY KEY, fingerprint BLOB NOT NULL UNIQUE, rule INTEGER NOT NULL,
  account TEXT NOT NULL, region TEXT NOT NULL, arn TEXT NOT NULL, message TEXT
);
CREATE TABLE observations (
  scan INTEGER NOT NULL, finding INTEGER NOT NULL, status INTEGER NOT NULL,
  PRIMARY KEY (scan, finding)
) WITHOUT ROWID;
CREATE TABLE passes (
  scan INTEGER NOT NULL, rule INTEGER NOT NULL, account TEXT NOT NULL, count INTEGER NOT NULL,
  PRIMARY KEY (scan, rule, account)
) WITHOUT ROWID;
CREATE TABLE episodes (
  finding INTEGER NOT NULL, opened_scan INTEGER NOT NULL, opened_at INTEGER NOT NULL,
  closed_scan INTEGER, closed_at INTEGER,
  PRIMARY KEY (finding, opened_scan)
) WITHOUT ROWID;
CREATE UNIQUE INDEX episodes_open ON episodes(finding) WHERE closed_scan IS NULL;
CREATE INDEX episodes_opened ON episodes(opened_scan);
CREATE INDEX episodes_closed ON episodes(closed_scan) WHERE closed_scan IS NOT NULL;
"#;

/// Version 2: each account's results as the latest run that recorded it evaluated them, with
/// the digest of what decided them, for `--incremental` (src/history/reuse.rs).
const V2: &str = r#"
CREATE TABLE account_results (
  account TEXT PRIMARY KEY,
  scan INTEGER NOT NULL,
  inputs_sha256 BLOB NOT NULL,
  source_sha256 BLOB NOT NULL,
  encoding INTEGER NOT NULL,
  results BLOB NOT NULL
);
CREATE INDEX account_results_scan ON account_results(scan);
"#;

/// Version 3: each account's part of the cross-account first pass, for `--incremental`
/// (src/history/reuse.rs): `as_of` is the collection time it turned on, NULL when none.
const V3: &str = r#"
CREATE TABLE account_cross (
  account TEXT PRIMARY KEY,
  scan INTEGER NOT NULL,
  entry_sha256 BLOB NOT NULL,
  as_of INTEGER,
  encoding INTEGER NOT NULL,
  entry BLOB NOT NULL
);
CREATE INDEX account_cross_scan ON account_cross(scan);
"#;

/// An open history store.
pub struct Store {
    pub(crate) conn: Connection,
    pub path: PathBuf,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Store({})", self.path.display())
    }
}

fn refuse(path: &Path, message: impl std::fmt::Display) -> InputError {
    InputError::Usage(format!("{}: {message}", path.display()))
}

impl Store {
    /// Opens (with `create`, creates) the store and brings its schema up to this build's.
    pub fn open(path: &Path, create: bool) -> Result<Store, InputError> {
        prepare_file(path, create)?;
        let mut conn = connect(path)?;
        // Read before anything is set: another program's database is left as it is.
        identify_in_one_snapshot(&conn, path)?;
        configure(&conn, path).map_err(|e| sqlite_refusal(path, &e))?;
        migrate(&mut conn, path, MIGRATIONS)?;
        Ok(Store {
            conn,
            path: path.to_path_buf(),
        })
    }
}

fn connect(path: &Path) -> Result<Connection, InputError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(|e| sqlite_refusal(path, &e))?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(|e| sqlite_refusal(path, &e))?;
    Ok(conn)
}

fn configure(conn: &Connection, path: &Path) -> rusqlite::Result<()> {
    let mode = switch_to_wal(conn)?;
    if !mode.eq_ignore_ascii_case("wal") {
        tracing::warn!("{}: journal mode is {mode}, not WAL", path.display());
    }
    // Staged findings spill to a temporary file, not to memory.
    // A 64 MiB page cache: the commit walks the findings index of an organisation.
    conn.execute_batch("PRAGMA temp_store = FILE; PRAGMA journal_size_limit = 67108864; PRAGMA cache_size = -65536;")
}

/// `PRAGMA journal_mode = WAL`, waiting as the busy timeout would: SQLite takes the exclusive
/// lock this switch needs without calling the busy handler, so a job that meets another one
/// opening a new store retries here.
fn switch_to_wal(conn: &Connection) -> rusqlite::Result<String> {
    let started = std::time::Instant::now();
    loop {
        match conn.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0)) {
            Err(error)
                if error.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy)
                    && started.elapsed() < BUSY_TIMEOUT =>
            {
                std::thread::sleep(Duration::from_millis(5));
            }
            mode => return mode,
        }
    }
}

/// [`identify`] inside one read transaction: its three reads must not straddle another job's
/// migration commit (half of them would see a fresh file, half a stamped store).
fn identify_in_one_snapshot(conn: &Connection, path: &Path) -> Result<usize, InputError> {
    let tx = conn.unchecked_transaction().map_err(|e| sqlite_refusal(path, &e))?;
    let version = identify(&tx, path, MIGRATIONS.len())?;
    tx.finish().map_err(|e| sqlite_refusal(path, &e))?;
    Ok(version)
}

/// A regular file (or a link to one), or with `create` a new one made 0600; a file that does
/// not start like SQLite is refused before SQLite sees it.
fn prepare_file(path: &Path, create: bool) -> Result<(), InputError> {
    match std::fs::metadata(path) {
        Ok(metadata) if metadata.is_file() => check_header(path, metadata.len()),
        Ok(metadata) if metadata.is_dir() => Err(refuse(path, "is a folder; the history store is a file")),
        Ok(_) => Err(refuse(
            path,
            "is not a regular file (a device, FIFO or socket); the history store is a file",
        )),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            if std::fs::symlink_metadata(path).is_ok() {
                return Err(refuse(path, "is a symbolic link to a file that does not exist"));
            }
            if !create {
                return Err(refuse(
                    path,
                    "no such history store (posture scan --history creates it)",
                ));
            }
            create_store(path)
        }
        Err(error) => Err(refuse(path, format!("cannot inspect: {error}"))),
    }
}

/// A new store is made whole under a temporary name beside `path` and linked into place, so
/// that concurrent jobs only ever find no store or a finished one; where the file system has no
/// hard links, an empty file is created in place and [`Store::open`] initialises it.
fn create_store(path: &Path) -> Result<(), InputError> {
    let draft = draft_path(path);
    // A leftover of a job killed mid-creation has the same name only if the pid came round.
    remove_draft(&draft);
    create_private(&draft, path)?;
    let built = connect(&draft).and_then(|mut conn| {
        configure(&conn, path).map_err(|e| sqlite_refusal(path, &e))?;
        migrate(&mut conn, path, MIGRATIONS)?;
        conn.close().map_err(|(_, e)| sqlite_refusal(path, &e))
    });
    let linked = built.and_then(|()| match std::fs::hard_link(&draft, path) {
        // Another job created it a moment ago: open theirs.
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(_) => create_private(path, path),
        Ok(()) => Ok(()),
    });
    remove_draft(&draft);
    linked
}

/// A name no other job or thread uses: the process id and a per-process count.
fn draft_path(path: &Path) -> PathBuf {
    static DRAFTS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let count = DRAFTS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let mut name = path.as_os_str().to_owned();
    name.push(format!(".new-{}-{count}", std::process::id()));
    PathBuf::from(name)
}

fn remove_draft(draft: &Path) {
    for file in with_side_files(draft) {
        let _ = std::fs::remove_file(file);
    }
}

/// The database file and the side files SQLite may make beside it.
fn with_side_files(path: &Path) -> [PathBuf; 4] {
    ["", "-wal", "-shm", "-journal"].map(|suffix| {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        PathBuf::from(name)
    })
}

/// Creates `file` 0600; an existing one is another job's (errors name the store `path`).
fn create_private(file: &Path, path: &Path) -> Result<(), InputError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(file) {
        Ok(_) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(error) => Err(refuse(path, format!("cannot create: {error}"))),
    }
}

const SQLITE_HEADER: &[u8; 16] = b"SQLite format 3\0";

fn check_header(path: &Path, len: u64) -> Result<(), InputError> {
    use std::io::Read;
    if len == 0 {
        return Ok(());
    }
    let mut head = [0u8; 16];
    let read = std::fs::File::open(path)
        .and_then(|file| file.take(16).read(&mut head))
        .map_err(|error| refuse(path, format!("cannot read: {error}")))?;
    if read < 16 || &head != SQLITE_HEADER {
        return Err(refuse(
            path,
            "at byte 0: not an SQLite database, so not a posture history store",
        ));
    }
    Ok(())
}

fn sqlite_refusal(path: &Path, error: &rusqlite::Error) -> InputError {
    match error.sqlite_error_code() {
        Some(rusqlite::ErrorCode::NotADatabase) => {
            refuse(path, "not an SQLite database, so not a posture history store")
        }
        Some(rusqlite::ErrorCode::DatabaseCorrupt) => refuse(path, format!("the history store is damaged: {error}")),
        _ => refuse(path, format!("cannot open the history store: {error}")),
    }
}

/// The store's schema version; refuses another program's database and a newer schema.
fn identify(conn: &Connection, path: &Path, target: usize) -> Result<usize, InputError> {
    let read = |sql: &str| conn.query_row(sql, [], |row| row.get::<_, i64>(0));
    let version = read("PRAGMA user_version").map_err(|e| sqlite_refusal(path, &e))?;
    let application = read("PRAGMA application_id").map_err(|e| sqlite_refusal(path, &e))?;
    let tables = read("SELECT count(*) FROM sqlite_master").map_err(|e| sqlite_refusal(path, &e))?;
    let fresh = version == 0 && application == 0 && tables == 0;
    if !fresh && application != APPLICATION_ID {
        return Err(refuse(
            path,
            "at PRAGMA application_id: an SQLite database, but not a posture history store",
        ));
    }
    let version = usize::try_from(version).unwrap_or(usize::MAX);
    if version > target {
        return Err(refuse(
            path,
            format!("at PRAGMA user_version: history schema version {version} is newer than this build reads ({target}); upgrade posture"),
        ));
    }
    Ok(version)
}

/// Brings the store to `migrations.len()`, inside one write transaction so that two jobs
/// creating the same new store do it once.
pub fn migrate(conn: &mut Connection, path: &Path, migrations: &[&str]) -> Result<(), InputError> {
    let target = migrations.len();
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(|e| sqlite_refusal(path, &e))?;
    let version = identify(&tx, path, target)?;
    if version == target {
        return Ok(());
    }
    for step in &migrations[version..] {
        tx.execute_batch(step)
            .map_err(|e| refuse(path, format!("migrating the history store: {e}")))?;
    }
    let stamp = format!("PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = {target};");
    tx.execute_batch(&stamp)
        .and_then(|()| tx.commit())
        .map_err(|e| refuse(path, format!("migrating the history store: {e}")))
}

/// Refuses a history path that is also an input or an output of the run, or one of their
/// SQLite side files: one file, one job.
pub fn refuse_overlap(path: &Path, inputs: &[PathBuf], outputs: &[PathBuf]) -> Result<(), InputError> {
    let side_files = with_side_files(path);
    for other in inputs {
        if side_files.iter().any(|side| same_location(side, other)) {
            return Err(refuse(
                path,
                format!("is also an input of this run ({})", other.display()),
            ));
        }
    }
    for other in outputs {
        if side_files.iter().any(|side| same_location(side, other)) {
            return Err(refuse(
                path,
                format!("is also an output of this run ({})", other.display()),
            ));
        }
    }
    Ok(())
}

/// The same file (device and inode) when both exist; else the same folder and name.
fn same_location(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    if let (Ok(ma), Ok(mb)) = (std::fs::metadata(a), std::fs::metadata(b)) {
        use std::os::unix::fs::MetadataExt;
        return ma.dev() == mb.dev() && ma.ino() == mb.ino();
    }
    let resolved = |p: &Path| -> Option<PathBuf> {
        let folder = match p.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        Some(std::fs::canonicalize(folder).ok()?.join(p.file_name()?))
    };
    match (resolved(a), resolved(b)) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_store_is_created_private_and_reopened() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.db");
        drop(Store::open(&path, true).unwrap());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        let store = Store::open(&path, false).unwrap();
        let version: i64 = store.conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(version, SCHEMA_VERSION as i64);
        assert!(Store::open(&dir.path().join("missing.db"), false).is_err());
    }

    /// Four threads open `path` at once; every one of them must succeed.
    fn open_from_four_threads(path: &Path, create: bool) {
        let opens: Vec<_> = (0..4)
            .map(|_| {
                let path = path.to_path_buf();
                std::thread::spawn(move || Store::open(&path, create).map(drop))
            })
            .collect();
        for open in opens {
            assert_eq!(open.join().unwrap().map_err(|e| e.to_string()), Ok(()));
        }
    }

    #[test]
    fn stores_created_by_concurrent_jobs_are_opened_by_all_of_them() {
        // Each job reads the store's identity in one snapshot, not half before another job's
        // migration commits and half after.
        for _ in 0..40 {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("h.db");
            open_from_four_threads(&path, true);
            let left: Vec<_> = std::fs::read_dir(dir.path())
                .unwrap()
                .flatten()
                .map(|e| e.file_name())
                .collect();
            assert!(
                left.iter().all(|name| name.to_string_lossy().starts_with("h.db")),
                "{left:?}"
            );
            assert!(
                !left.iter().any(|name| name.to_string_lossy().contains(".new-")),
                "{left:?}"
            );
        }
    }

    #[test]
    fn an_empty_file_opened_by_concurrent_jobs_becomes_one_store() {
        for _ in 0..40 {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("h.db");
            std::fs::write(&path, b"").unwrap();
            open_from_four_threads(&path, false);
        }
    }

    #[test]
    fn a_version_1_store_gains_the_kept_results_and_entries_and_keeps_its_rows() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.db");
        let mut conn = Connection::open(&path).unwrap();
        migrate(&mut conn, &path, &[V1]).unwrap();
        conn.execute(
            "INSERT INTO rules(rule_id, title, severity, pillar) VALUES ('IAM-001', 't', 'high', 'identity')",
            [],
        )
        .unwrap();
        drop(conn);
        let store = Store::open(&path, false).unwrap();
        let read = |sql: &str| store.conn.query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap();
        assert_eq!(read("PRAGMA user_version"), 3);
        assert_eq!(read("SELECT count(*) FROM rules"), 1);
        assert_eq!(read("SELECT count(*) FROM account_results"), 0);
        assert_eq!(read("SELECT count(*) FROM account_cross"), 0);
    }

    #[test]
    fn migrations_go_forward_and_keep_data_and_newer_stores_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.db");
        let store = Store::open(&path, true).unwrap();
        store
            .conn
            .execute(
                "INSERT INTO rules(rule_id, title, severity, pillar) VALUES ('IAM-001', 't', 'high', 'identity')",
                [],
            )
            .unwrap();
        drop(store);
        let mut conn = Connection::open(&path).unwrap();
        let next = [V1, V2, V3, "ALTER TABLE rules ADD COLUMN note TEXT DEFAULT 'migrated';"];
        migrate(&mut conn, &path, &next).unwrap();
        let (id, note): (String, String) = conn
            .query_row("SELECT rule_id, note FROM rules", [], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap();
        assert_eq!((id.as_str(), note.as_str()), ("IAM-001", "migrated"));
        drop(conn);
        let error = Store::open(&path, false).unwrap_err().to_string();
        assert!(
            error.contains("history schema version 4 is newer than this build reads (3)"),
            "{error}"
        );
    }

    #[test]
    fn what_is_not_a_posture_store_is_refused_in_one_line() {
        let dir = tempfile::tempdir().unwrap();
        let text = dir.path().join("notes.db");
        std::fs::write(&text, "hello, not a database at all").unwrap();
        let error = Store::open(&text, true).unwrap_err().to_string();
        assert!(error.contains("notes.db: at byte 0: not an SQLite database"), "{error}");
        let other = dir.path().join("other.db");
        Connection::open(&other)
            .unwrap()
            .execute_batch("CREATE TABLE t(x);")
            .unwrap();
        let error = Store::open(&other, true).unwrap_err().to_string();
        assert!(error.contains("not a posture history store"), "{error}");
        assert!(Store::open(dir.path(), true)
            .unwrap_err()
            .to_string()
            .contains("is a folder"));
        let error = Store::open(Path::new("/dev/null"), true).unwrap_err().to_string();
        assert!(error.contains("not a regular file"), "{error}");
        assert!(!error.contains('\n'));
    }

    #[test]
    fn inputs_outputs_and_side_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let store = dir.path().join("h.db");
        let input = dir.path().join("s.json");
        std::fs::write(&input, "{}").unwrap();
        assert!(refuse_overlap(&input, std::slice::from_ref(&input), &[]).is_err());
        assert!(refuse_overlap(&store, &[], &[dir.path().join("h.db")]).is_err());
        assert!(refuse_overlap(&store, &[], &[dir.path().join("h.db-wal")]).is_err());
        assert!(refuse_overlap(&store, std::slice::from_ref(&input), &[dir.path().join("r.json")]).is_ok());
    }
}
