//! Content reads on SQLite, on connections of our own rather than sqlx's.
//!
//! sqlx runs each SQLite connection on a thread of its own and sends every
//! statement to it and every row back over a channel, copying each value
//! into its row and again into `AnyRow`; for a page of twenty projects with
//! their relations that was a third of the request's CPU (the README's API
//! benchmark). Here a statement (prepared once per connection) steps on the
//! calling thread, or on a blocking thread when it runs long, and each row
//! is decoded straight into what the caller keeps.
//!
//! Only reads come here (the connections are `query_only`); writes,
//! transactions and the rest stay on the sqlx pool. Every statement is its
//! own read transaction, as on the pool, so a read sees every commit made
//! before it started.

use super::sql::{Arg, Row, Sql};
use crate::error::{Code, Error, Result};
use libsqlite3_sys as ffi;
use std::collections::HashMap;
use std::ffi::{CStr, CString, c_char, c_int, c_void};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// Reads at once: as many as the machine has cores to run them, and a few
/// more to keep them busy while others wait.
const READERS: usize = 4;
/// Prepared statements kept per connection (the documents a site sends are
/// few; a flood of new ones empties the cache rather than growing it).
const STATEMENTS: usize = 256;
/// SQLite calls the progress handler every this many virtual-machine steps.
const PROGRESS_STEPS: c_int = 1000;
/// Progress calls a read may take on an async worker (100,000 steps, well
/// under a millisecond) before it moves to a blocking thread.
const INLINE_STEPS: u32 = 100;

/// The read connections of one SQLite file.
pub(crate) struct Readers {
    path: CString,
    idle: Mutex<Vec<Conn>>,
    permits: Arc<tokio::sync::Semaphore>,
}

impl Readers {
    pub(crate) fn new(path: &str) -> Result<Arc<Readers>> {
        let path = CString::new(path).map_err(|_| Error::bad_input("the SQLite path holds a NUL byte"))?;
        let readers =
            Readers { path, idle: Mutex::new(Vec::new()), permits: Arc::new(tokio::sync::Semaphore::new(READERS)) };
        // Opening one now reports a file that cannot be read at start.
        let conn = Conn::open(&readers.path)?;
        readers.put(conn);
        Ok(Arc::new(readers))
    }

    /// Runs `sql` and decodes each of its rows. A short read runs on the
    /// calling thread: handing each statement to another thread and back
    /// cost a fifth of a home query's CPU in switches. One that runs past
    /// `INLINE_STEPS` is stopped and run again on a blocking thread, so no
    /// read holds an async worker for long; there, a caller that goes away
    /// (a request past its time budget) interrupts the statement.
    pub(crate) async fn read<T: Send + 'static>(
        self: &Arc<Self>,
        sql: Sql,
        decode: impl Fn(&dyn Row) -> Result<T> + Send + 'static,
    ) -> Result<Vec<T>> {
        if let Ok(permit) = self.permits.clone().try_acquire_owned() {
            let mut conn = self.take()?;
            let out = conn.run(&sql, &Progress::inline(), &decode);
            self.put(conn);
            drop(permit);
            if let Some(rows) = out? {
                return Ok(rows);
            }
        }
        let permit = self.permits.clone().acquire_owned().await.map_err(Error::failed)?;
        let stop = Arc::new(AtomicBool::new(false));
        let _stop_on_drop = StopOnDrop(stop.clone());
        let me = self.clone();
        let run = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let mut conn = me.take()?;
            let out = conn.run(&sql, &Progress::until(&stop), &decode);
            me.put(conn);
            out?.ok_or_else(|| Error::internal("a read without a step budget ran out of steps"))
        });
        run.await.map_err(Error::failed)?
    }

    fn take(&self) -> Result<Conn> {
        match self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop() {
            Some(c) => Ok(c),
            None => Conn::open(&self.path),
        }
    }

    fn put(&self, conn: Conn) {
        self.idle.lock().unwrap_or_else(|p| p.into_inner()).push(conn);
    }
}

struct StopOnDrop(Arc<AtomicBool>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// One connection and its prepared statements.
struct Conn {
    db: *mut ffi::sqlite3,
    statements: HashMap<String, *mut ffi::sqlite3_stmt>,
}

// SAFETY: the connection is opened in SQLite's multi-thread mode (NOMUTEX),
// which allows a connection to move between threads as long as one thread
// uses it at a time; `Conn` is owned, so it is used by its owner only.
unsafe impl Send for Conn {}

impl Drop for Conn {
    fn drop(&mut self) {
        // SAFETY: the statements belong to this connection and are finalised
        // once, before it closes.
        unsafe {
            for (_, s) in self.statements.drain() {
                ffi::sqlite3_finalize(s);
            }
            ffi::sqlite3_close(self.db);
        }
    }
}

impl Conn {
    fn open(path: &CStr) -> Result<Conn> {
        let mut db = std::ptr::null_mut();
        let flags = ffi::SQLITE_OPEN_READWRITE | ffi::SQLITE_OPEN_NOMUTEX;
        // SAFETY: `path` is a C string; SQLite writes the handle to `db`,
        // which is closed on failure as its documentation asks.
        let rc = unsafe { ffi::sqlite3_open_v2(path.as_ptr(), &mut db, flags, std::ptr::null()) };
        if rc != ffi::SQLITE_OK {
            let e = sqlite_error(db, rc);
            // SAFETY: closing a handle that failed to open (or a null one).
            unsafe { ffi::sqlite3_close(db) };
            return Err(e);
        }
        let conn = Conn { db, statements: HashMap::new() };
        conn.exec(c"PRAGMA query_only = ON; PRAGMA busy_timeout = 5000")?;
        Ok(conn)
    }

    fn exec(&self, sql: &CStr) -> Result<()> {
        // SAFETY: an open handle and a C string; no callback.
        let rc = unsafe { ffi::sqlite3_exec(self.db, sql.as_ptr(), None, std::ptr::null_mut(), std::ptr::null_mut()) };
        if rc != ffi::SQLITE_OK {
            return Err(sqlite_error(self.db, rc));
        }
        Ok(())
    }

    fn prepare(&mut self, text: &str) -> Result<*mut ffi::sqlite3_stmt> {
        if let Some(s) = self.statements.get(text) {
            return Ok(*s);
        }
        if self.statements.len() >= STATEMENTS {
            for (_, s) in self.statements.drain() {
                // SAFETY: a statement of this connection, not in use.
                unsafe { ffi::sqlite3_finalize(s) };
            }
        }
        let len = c_int::try_from(text.len()).map_err(|_| Error::internal("a statement over 2 GB"))?;
        let mut stmt = std::ptr::null_mut();
        // SAFETY: `text` is valid for `len` bytes; SQLite copies what it keeps.
        let rc = unsafe {
            ffi::sqlite3_prepare_v3(
                self.db,
                text.as_ptr() as *const c_char,
                len,
                ffi::SQLITE_PREPARE_PERSISTENT,
                &mut stmt,
                std::ptr::null_mut(),
            )
        };
        if rc != ffi::SQLITE_OK {
            return Err(sqlite_error(self.db, rc));
        }
        if stmt.is_null() {
            return Err(Error::internal("an empty read statement"));
        }
        self.statements.insert(text.to_owned(), stmt);
        Ok(stmt)
    }

    /// The rows, or `None` when the read ran past its step budget.
    fn run<T>(
        &mut self,
        sql: &Sql,
        progress: &Progress,
        decode: &dyn Fn(&dyn Row) -> Result<T>,
    ) -> Result<Option<Vec<T>>> {
        let stmt = self.prepare(&sql.text)?;
        // SAFETY: `progress` outlives the statement's run: the handler is
        // removed before this function returns.
        unsafe {
            ffi::sqlite3_progress_handler(
                self.db,
                PROGRESS_STEPS,
                Some(progress_made),
                progress as *const Progress as *mut c_void,
            )
        };
        let out = self.step_all(stmt, &sql.args, decode);
        // SAFETY: ending the statement's read transaction, dropping the
        // bindings (they point into `sql`) and the handler's pointer.
        unsafe {
            ffi::sqlite3_reset(stmt);
            ffi::sqlite3_clear_bindings(stmt);
            ffi::sqlite3_progress_handler(self.db, 0, None, std::ptr::null_mut());
        }
        match out {
            Err(_) if progress.over.get() => Ok(None),
            out => out.map(Some),
        }
    }

    fn step_all<T>(
        &self,
        stmt: *mut ffi::sqlite3_stmt,
        args: &[Arg],
        decode: &dyn Fn(&dyn Row) -> Result<T>,
    ) -> Result<Vec<T>> {
        // SAFETY: `stmt` is a prepared statement of this connection; text is
        // bound without a copy (SQLITE_STATIC) and the bindings are cleared
        // before `args` can go (see `run`).
        unsafe {
            // `$n` placeholders appear in order, once each, and `?` ones are
            // numbered as they appear: either way the n-th argument is the n-th
            // parameter.
            if ffi::sqlite3_bind_parameter_count(stmt) as usize != args.len() {
                return Err(Error::internal("a read statement's placeholders do not match its arguments"));
            }
            for (i, a) in args.iter().enumerate() {
                let n = (i + 1) as c_int;
                let rc = match a {
                    Arg::Text(s) => ffi::sqlite3_bind_text(
                        stmt,
                        n,
                        s.as_ptr() as *const c_char,
                        c_int::try_from(s.len()).map_err(|_| Error::bad_input("a value over 2 GB"))?,
                        ffi::SQLITE_STATIC(),
                    ),
                    Arg::Int(v) => ffi::sqlite3_bind_int64(stmt, n, *v),
                    Arg::Float(v) => ffi::sqlite3_bind_double(stmt, n, *v),
                    Arg::Null | Arg::NullInt | Arg::NullFloat => ffi::sqlite3_bind_null(stmt, n),
                };
                if rc != ffi::SQLITE_OK {
                    return Err(sqlite_error(self.db, rc));
                }
            }
            let mut out = Vec::new();
            loop {
                match ffi::sqlite3_step(stmt) {
                    ffi::SQLITE_ROW => out.push(decode(&StmtRow(stmt))?),
                    ffi::SQLITE_DONE => return Ok(out),
                    rc => return Err(sqlite_error(self.db, rc)),
                }
            }
        }
    }
}

/// What a read may still do, asked by SQLite every `PROGRESS_STEPS` steps.
struct Progress<'a> {
    /// Set when the caller has gone.
    stop: Option<&'a AtomicBool>,
    /// Progress calls left (`None`: no limit).
    left: std::cell::Cell<Option<u32>>,
    /// Set when the budget ran out (the read is to be run elsewhere).
    over: std::cell::Cell<bool>,
}

impl<'a> Progress<'a> {
    fn inline() -> Progress<'a> {
        Progress { stop: None, left: Some(INLINE_STEPS).into(), over: false.into() }
    }
    fn until(stop: &'a AtomicBool) -> Progress<'a> {
        Progress { stop: Some(stop), left: None.into(), over: false.into() }
    }
}

/// SQLite's progress handler: a non-zero answer interrupts the statement.
unsafe extern "C" fn progress_made(p: *mut c_void) -> c_int {
    // SAFETY: `run` passes a `Progress` that outlives the run, used on this
    // thread only.
    let p = unsafe { &*(p as *const Progress) };
    if p.stop.is_some_and(|s| s.load(Ordering::Relaxed)) {
        return 1;
    }
    match p.left.get() {
        Some(0) => {
            p.over.set(true);
            1
        }
        Some(n) => {
            p.left.set(Some(n - 1));
            0
        }
        None => 0,
    }
}

/// The current row of a statement that has just stepped to it.
struct StmtRow(*mut ffi::sqlite3_stmt);

impl StmtRow {
    fn kind(&self, i: usize) -> c_int {
        // SAFETY: the statement is on a row; a column out of range reads NULL.
        unsafe { ffi::sqlite3_column_type(self.0, i as c_int) }
    }
}

fn mismatch(i: usize, want: &str, got: c_int) -> Error {
    Error::internal(format!("column {i} holds SQLite type {got} where {want} was expected"))
}

impl Row for StmtRow {
    fn int(&self, i: usize) -> Result<Option<i64>> {
        match self.kind(i) {
            ffi::SQLITE_NULL => Ok(None),
            // SAFETY: an integer column of the current row.
            ffi::SQLITE_INTEGER => Ok(Some(unsafe { ffi::sqlite3_column_int64(self.0, i as c_int) })),
            k => Err(mismatch(i, "an integer", k)),
        }
    }
    fn float(&self, i: usize) -> Result<Option<f64>> {
        match self.kind(i) {
            ffi::SQLITE_NULL => Ok(None),
            // SAFETY: a numeric column of the current row.
            ffi::SQLITE_FLOAT | ffi::SQLITE_INTEGER => {
                Ok(Some(unsafe { ffi::sqlite3_column_double(self.0, i as c_int) }))
            }
            k => Err(mismatch(i, "a number", k)),
        }
    }
    fn text(&self, i: usize) -> Result<Option<String>> {
        match self.kind(i) {
            ffi::SQLITE_NULL => Ok(None),
            // SAFETY: a text column of the current row: the pointer is valid for
            // `len` bytes until the next step (the text is copied before).
            ffi::SQLITE_TEXT => unsafe {
                let p = ffi::sqlite3_column_text(self.0, i as c_int);
                let len = ffi::sqlite3_column_bytes(self.0, i as c_int) as usize;
                if p.is_null() {
                    return Ok(Some(String::new()));
                }
                let bytes = std::slice::from_raw_parts(p, len);
                std::str::from_utf8(bytes)
                    .map(|s| Some(s.to_owned()))
                    .map_err(|_| Error::internal(format!("column {i} holds text that is not UTF-8")))
            },
            k => Err(mismatch(i, "text", k)),
        }
    }
}

/// An SQLite failure as the pool's would be: busy or locked is the database
/// not answering now; the rest is internal.
fn sqlite_error(db: *mut ffi::sqlite3, rc: c_int) -> Error {
    let msg = if db.is_null() {
        String::new()
    } else {
        // SAFETY: an open handle's last message, copied at once.
        unsafe { CStr::from_ptr(ffi::sqlite3_errmsg(db)).to_string_lossy().into_owned() }
    };
    match rc & 0xff {
        ffi::SQLITE_BUSY | ffi::SQLITE_LOCKED => {
            tracing::warn!(cause = %msg, "database busy");
            Error::new(Code::DbUnavailable, "The database is not answering right now. Try again in a moment.")
        }
        // Only ever asked for by a caller that has gone (`Readers::read`).
        ffi::SQLITE_INTERRUPT => Error::new(Code::Timeout, "The read was stopped: its request ended."),
        _ => Error::internal(format!("SQLite read failed ({rc}): {msg}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file with a table of `n` numbered rows, made through a plain
    /// connection (the readers only read).
    fn numbers(dir: &std::path::Path, n: i64) -> String {
        let path = dir.join("numbers.db").to_str().unwrap().to_owned();
        let c = CString::new(path.clone()).unwrap();
        // SAFETY: a private connection, closed before the end.
        unsafe {
            let mut db = std::ptr::null_mut();
            assert_eq!(ffi::sqlite3_open(c.as_ptr(), &mut db), ffi::SQLITE_OK);
            let sql = CString::new(format!(
                "PRAGMA journal_mode=WAL; CREATE TABLE t (n INTEGER, s TEXT);
                 WITH RECURSIVE k(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM k WHERE n < {n})
                 INSERT INTO t SELECT n, 'row ' || n FROM k;"
            ))
            .unwrap();
            let rc = ffi::sqlite3_exec(db, sql.as_ptr(), None, std::ptr::null_mut(), std::ptr::null_mut());
            assert_eq!(rc, ffi::SQLITE_OK);
            ffi::sqlite3_close(db);
        }
        path
    }

    fn count_of(text: &str) -> Sql {
        let mut q = Sql::new("SELECT COUNT(*), MAX(s) FROM t WHERE s LIKE ");
        q.arg(text);
        q
    }

    /// A read too long for an async worker is stopped there and run again on
    /// a blocking thread, with the same answer as a short one.
    #[tokio::test]
    async fn a_long_read_moves_off_the_worker_and_answers_whole() {
        let dir = tempfile::tempdir().unwrap();
        let readers = Readers::new(&numbers(dir.path(), 200_000)).unwrap();
        let decode = |r: &dyn Row| Ok((r.int(0)?.unwrap(), r.text(1)?));
        // Past the inline budget on its own.
        let mut conn = readers.take().unwrap();
        assert!(conn.run(&count_of("%9%"), &Progress::inline(), &decode).unwrap().is_none());
        readers.put(conn);
        let rows = readers.read(count_of("%9%"), decode).await.unwrap();
        let want = (1..=200_000).filter(|n: &i64| n.to_string().contains('9')).count() as i64;
        assert_eq!(rows, vec![(want, Some("row 99999".to_owned()))]);
        // A short one, on the worker.
        let mut q = Sql::new("SELECT n, s FROM t WHERE n = ");
        q.arg(7i64);
        let rows = readers.read(q, decode).await.unwrap();
        assert_eq!(rows, vec![(7, Some("row 7".to_owned()))]);
    }

    /// A caller that goes away stops its statement: the connection is free
    /// again at once, not when an endless read would have ended.
    #[tokio::test]
    async fn a_read_whose_caller_goes_away_stops() {
        let dir = tempfile::tempdir().unwrap();
        let readers = Readers::new(&numbers(dir.path(), 10)).unwrap();
        let endless = Sql::new(
            "WITH RECURSIVE k(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM k WHERE n < 9000000000000) SELECT COUNT(*) FROM k",
        );
        let read = readers.read(endless, |r: &dyn Row| r.int(0));
        assert!(tokio::time::timeout(std::time::Duration::from_millis(200), read).await.is_err());
        let t = std::time::Instant::now();
        while readers.permits.available_permits() < READERS {
            assert!(t.elapsed() < std::time::Duration::from_secs(5), "the statement still runs");
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    }

    /// Values come back typed as stored; asking for another type is an
    /// error, not a conversion.
    #[tokio::test]
    async fn values_come_back_as_stored() {
        let dir = tempfile::tempdir().unwrap();
        let readers = Readers::new(&numbers(dir.path(), 3)).unwrap();
        let q = || Sql::new("SELECT n, s, NULL, 1.5 FROM t ORDER BY n LIMIT 1");
        let rows = readers
            .read(q(), |r: &dyn Row| Ok((r.int(0)?, r.text(1)?, r.text(2)?, r.int(2)?, r.float(3)?, r.float(0)?)))
            .await
            .unwrap();
        assert_eq!(rows, vec![(Some(1), Some("row 1".into()), None, None, Some(1.5), Some(1.0))]);
        assert!(readers.read(q(), |r: &dyn Row| r.int(1)).await.is_err());
        assert!(readers.read(q(), |r: &dyn Row| r.text(0)).await.is_err());
        // A placeholder without its argument is refused before it runs.
        assert!(readers.read(Sql::new("SELECT n FROM t WHERE n = $1"), |r: &dyn Row| r.int(0)).await.is_err());
    }
}
