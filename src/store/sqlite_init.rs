//! What every SQLite connection this process opens gets, before sqlx
//! uses it: registered once as an auto-extension, the only per-connection
//! hook that sees the raw handle (sqlx's `after_connect` gets an
//! `AnyConnection`).
//!
//! - The query planner stability guarantee (`SQLITE_DBCONFIG_ENABLE_QPSG`).
//!   Without it SQLite looks at a bound `LIMIT` (and at any value STAT4
//!   could use) while planning, and then prepares the statement again
//!   whenever that value is bound anew: a cached read statement was parsed
//!   and planned afresh on every request. Plans that do not depend on values
//!   are what every query here wants.
//! - `relais_rank`, the search ranking (`fts`).

use super::fts;
use libsqlite3_sys as ffi;
use std::ffi::{c_char, c_int};

/// Sets up every SQLite connection opened from now on.
pub(crate) fn register() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: `init` has the signature SQLite expects of an entry point.
        let rc = unsafe { ffi::sqlite3_auto_extension(Some(init)) };
        if rc != ffi::SQLITE_OK {
            tracing::error!(rc, "could not register the SQLite connection set-up");
        }
    });
}

/// The auto-extension's entry point, called by SQLite on the opening thread.
unsafe extern "C" fn init(
    db: *mut ffi::sqlite3,
    _err: *mut *mut c_char,
    _api: *const ffi::sqlite3_api_routines,
) -> c_int {
    // SAFETY: `db` is the connection being opened, not yet shared.
    unsafe {
        ffi::sqlite3_db_config(db, ffi::SQLITE_DBCONFIG_ENABLE_QPSG, 1 as c_int, std::ptr::null_mut::<c_int>());
        fts::add_rank(db)
    }
}

#[cfg(test)]
mod tests {
    use super::ffi;
    use std::ffi::c_int;

    /// A statement whose `LIMIT` is bound anew runs as prepared: SQLite
    /// prepares it again on every new value unless the connection has the
    /// planner stability guarantee, which the auto-extension turns on.
    #[test]
    fn a_rebound_limit_does_not_prepare_the_statement_again() {
        super::register();
        // SAFETY: a private in-memory connection and statement, finalised and
        // closed before the end; every pointer comes from SQLite.
        unsafe {
            let mut db: *mut ffi::sqlite3 = std::ptr::null_mut();
            assert_eq!(ffi::sqlite3_open(c":memory:".as_ptr(), &mut db), ffi::SQLITE_OK);
            let mut on: c_int = -1;
            ffi::sqlite3_db_config(db, ffi::SQLITE_DBCONFIG_ENABLE_QPSG, -1 as c_int, &mut on as *mut c_int);
            assert_eq!(on, 1, "the connection has the planner stability guarantee");
            let mut stmt: *mut ffi::sqlite3_stmt = std::ptr::null_mut();
            let sql = c"SELECT value FROM json_each('[1,2,3,4,5]') ORDER BY value LIMIT ?1";
            assert_eq!(ffi::sqlite3_prepare_v2(db, sql.as_ptr(), -1, &mut stmt, std::ptr::null_mut()), ffi::SQLITE_OK);
            for limit in [1, 3, 2, 5] {
                ffi::sqlite3_reset(stmt);
                ffi::sqlite3_bind_int(stmt, 1, limit);
                let mut rows = 0;
                while ffi::sqlite3_step(stmt) == ffi::SQLITE_ROW {
                    rows += 1;
                }
                assert_eq!(rows, limit);
            }
            assert_eq!(ffi::sqlite3_stmt_status(stmt, ffi::SQLITE_STMTSTATUS_REPREPARE, 0), 0);
            ffi::sqlite3_finalize(stmt);
            ffi::sqlite3_close(db);
        }
    }
}
