//! `relais_rank`, the SQLite search ranking: FTS5's BM25 with the document
//! frequencies handed in by the caller (read from `search_terms`).
//!
//! FTS5's own `bm25()` learns how many documents hold each phrase of the
//! query by reading that phrase's whole posting list, once per statement: on
//! the benchmark's 1.2 million documents that is 20–90 ms for each common
//! word and for each `scope` term, before a single match is scored, however
//! few matches there are. `search_terms` keeps those counts, so ranking costs
//! only the matches. The formula is BM25 as FTS5 computes it (k1 = 1.2,
//! b = 0.75, column weights, a phrase's idf floored at 1e-6); phrases past
//! the handed-in counts (the scope terms) weigh nothing.
//!
//!   relais_rank(search_fts, title_weight, body_weight, 'df0 df1 …')
//!
//! `sqlite_init` adds it to every SQLite connection this process opens.

use libsqlite3_sys as ffi;
use std::ffi::{c_int, c_void};

const K1: f64 = 1.2;
const B: f64 = 0.75;

/// Adds `relais_rank` to connection `db` through its FTS5 API.
///
/// # Safety
/// `db` is an open connection, used by no other thread during the call.
pub(super) unsafe fn add_rank(db: *mut ffi::sqlite3) -> c_int {
    // SAFETY: FTS5 hands its API out through a pointer-typed parameter of
    // `SELECT fts5(?1)`, as documented; the statement is finalised here.
    unsafe {
        let mut fts5: *mut ffi::fts5_api = std::ptr::null_mut();
        let mut stmt: *mut ffi::sqlite3_stmt = std::ptr::null_mut();
        let sql = c"SELECT fts5(?1)";
        if ffi::sqlite3_prepare_v2(db, sql.as_ptr(), -1, &mut stmt, std::ptr::null_mut()) != ffi::SQLITE_OK {
            return ffi::SQLITE_OK; // no FTS5 in this build: searches will say so
        }
        ffi::sqlite3_bind_pointer(stmt, 1, (&raw mut fts5).cast::<c_void>(), c"fts5_api_ptr".as_ptr(), None);
        ffi::sqlite3_step(stmt);
        ffi::sqlite3_finalize(stmt);
        if fts5.is_null() || (*fts5).iVersion < 2 {
            return ffi::SQLITE_OK;
        }
        let Some(create) = (*fts5).xCreateFunction else { return ffi::SQLITE_OK };
        create(fts5, c"relais_rank".as_ptr(), std::ptr::null_mut(), Some(rank), None)
    }
}

/// What a statement computes once: the counts and weights are the same for
/// every row (kept as the function's auxiliary data).
struct Prepared {
    weights: [f64; 2],
    idf: Vec<f64>,
    avgdl: f64,
}

unsafe extern "C" fn drop_prepared(p: *mut c_void) {
    // SAFETY: `p` came from `Box::into_raw` in `prepared`.
    drop(unsafe { Box::from_raw(p.cast::<Prepared>()) });
}

/// The statement's `Prepared`, made on the first row.
unsafe fn prepared(
    api: &ffi::Fts5ExtensionApi,
    fts: *mut ffi::Fts5Context,
    args: &[*mut ffi::sqlite3_value],
) -> Result<*const Prepared, c_int> {
    let (Some(get), Some(set), Some(rows), Some(total)) =
        (api.xGetAuxdata, api.xSetAuxdata, api.xRowCount, api.xColumnTotalSize)
    else {
        return Err(ffi::SQLITE_ERROR);
    };
    // SAFETY: the API functions are called with the context FTS5 gave us; the
    // values are the function's arguments, alive for this call.
    unsafe {
        let p = get(fts, 0);
        if !p.is_null() {
            return Ok(p.cast::<Prepared>());
        }
        // (FTS5 passes the arguments after the table's.)
        let [title, body, counts] = args else { return Err(ffi::SQLITE_ERROR) };
        let weights = [ffi::sqlite3_value_double(*title), ffi::sqlite3_value_double(*body)];
        let text = ffi::sqlite3_value_text(*counts);
        let len = ffi::sqlite3_value_bytes(*counts);
        let counts = if text.is_null() {
            ""
        } else {
            std::str::from_utf8(std::slice::from_raw_parts(text, usize::try_from(len).unwrap_or(0))).unwrap_or("")
        };
        let (mut n, mut tokens) = (0i64, 0i64);
        let rc = rows(fts, &mut n);
        if rc != ffi::SQLITE_OK {
            return Err(rc);
        }
        let rc = total(fts, -1, &mut tokens);
        if rc != ffi::SQLITE_OK {
            return Err(rc);
        }
        let n = n as f64;
        let idf = counts
            .split_ascii_whitespace()
            .map(|c| {
                let df = c.parse::<f64>().unwrap_or(0.0).min(n);
                let idf = ((n - df + 0.5) / (df + 0.5)).ln();
                if idf <= 0.0 { 1e-6 } else { idf }
            })
            .collect();
        let avgdl = if n > 0.0 { tokens as f64 / n } else { 1.0 };
        let p = Box::into_raw(Box::new(Prepared { weights, idf, avgdl }));
        let rc = set(fts, p.cast::<c_void>(), Some(drop_prepared));
        if rc != ffi::SQLITE_OK {
            return Err(rc); // FTS5 has already freed it
        }
        Ok(p)
    }
}

unsafe extern "C" fn rank(
    api: *const ffi::Fts5ExtensionApi,
    fts: *mut ffi::Fts5Context,
    ctx: *mut ffi::sqlite3_context,
    n_args: c_int,
    args: *mut *mut ffi::sqlite3_value,
) {
    // SAFETY: FTS5 calls this with its API, the row's context and `n_args`
    // arguments.
    unsafe {
        let args = std::slice::from_raw_parts(args, usize::try_from(n_args).unwrap_or(0));
        match score(&*api, fts, args) {
            Ok(s) => ffi::sqlite3_result_double(ctx, s),
            Err(rc) => ffi::sqlite3_result_error_code(ctx, rc),
        }
    }
}

unsafe fn score(
    api: &ffi::Fts5ExtensionApi,
    fts: *mut ffi::Fts5Context,
    args: &[*mut ffi::sqlite3_value],
) -> Result<f64, c_int> {
    let (Some(inst_count), Some(inst), Some(size)) = (api.xInstCount, api.xInst, api.xColumnSize) else {
        return Err(ffi::SQLITE_ERROR);
    };
    // SAFETY: as in `rank`; `Prepared` lives as long as the statement.
    unsafe {
        let p = &*prepared(api, fts, args)?;
        // How often each phrase occurs in the row, weighted by column.
        let mut freq = [0f64; 256];
        let freq = freq.get_mut(..p.idf.len().min(256)).unwrap_or_default();
        let mut count = 0;
        let rc = inst_count(fts, &mut count);
        if rc != ffi::SQLITE_OK {
            return Err(rc);
        }
        for i in 0..count {
            let (mut phrase, mut col, mut off) = (0, 0, 0);
            let rc = inst(fts, i, &mut phrase, &mut col, &mut off);
            if rc != ffi::SQLITE_OK {
                return Err(rc);
            }
            let w = usize::try_from(col).ok().and_then(|c| p.weights.get(c)).copied().unwrap_or(0.0);
            if let Some(f) = usize::try_from(phrase).ok().and_then(|i| freq.get_mut(i)) {
                *f += w;
            }
        }
        let mut dl = 0;
        let rc = size(fts, -1, &mut dl);
        if rc != ffi::SQLITE_OK {
            return Err(rc);
        }
        let norm = K1 * (1.0 - B + B * f64::from(dl) / p.avgdl);
        Ok(freq.iter().zip(&p.idf).filter(|(f, _)| **f > 0.0).map(|(f, idf)| idf * f * (K1 + 1.0) / (f + norm)).sum())
    }
}
