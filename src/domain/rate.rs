//! Fixed one-minute windows counted in memory, per key (an API key, an
//! address, a login bucket). Per instance: several instances each count their
//! own share.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const WINDOW: Duration = Duration::from_secs(60);

struct Window {
    started: Instant,
    count: i64,
}

/// The outcome of counting a request.
#[derive(Debug, Clone, Copy)]
pub struct RateState {
    pub limit: i64,
    pub remaining: i64,
    /// Seconds until the window restarts.
    pub reset: u64,
    pub allowed: bool,
}

#[derive(Default)]
pub struct RateWindows(Mutex<HashMap<String, Window>>);

impl RateWindows {
    /// Counts one request for `bucket` if it is under `limit` this minute.
    pub fn count(&self, bucket: &str, limit: i64) -> RateState {
        let mut w = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if w.len() > 100_000 {
            w.retain(|_, x| x.started.elapsed() < WINDOW);
        }
        let win = w.entry(bucket.to_owned()).or_insert(Window { started: Instant::now(), count: 0 });
        if win.started.elapsed() >= WINDOW {
            *win = Window { started: Instant::now(), count: 0 };
        }
        let reset = WINDOW.as_secs().saturating_sub(win.started.elapsed().as_secs()).max(1);
        if win.count >= limit {
            return RateState { limit, remaining: 0, reset, allowed: false };
        }
        win.count += 1;
        RateState { limit, remaining: limit - win.count, reset, allowed: true }
    }

    /// Gives back one count (an attempt that turned out well).
    pub fn refund(&self, bucket: &str) {
        let mut w = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(win) = w.get_mut(bucket) {
            win.count = (win.count - 1).max(0);
        }
    }
}
