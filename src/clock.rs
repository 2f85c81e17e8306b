//! Time as the service sees it: the system's, which a test moves forward
//! instead of sleeping for the scheduler, retries or expiry.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

/// Shared by every part of one service (the store hands it out).
#[derive(Clone, Default)]
pub struct Clock(Arc<Inner>);

#[derive(Default)]
struct Inner {
    /// How far ahead of the system's time this clock was moved.
    ahead_ms: AtomicI64,
    moved: tokio::sync::Notify,
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Clock(+{} ms)", self.0.ahead_ms.load(Ordering::Relaxed))
    }
}

impl Clock {
    /// Unix milliseconds.
    pub fn now_ms(&self) -> i64 {
        chrono::Utc::now().timestamp_millis() + self.0.ahead_ms.load(Ordering::Relaxed)
    }

    /// Moves the clock forward; the background loops waiting for their next
    /// turn take it at once.
    pub fn advance(&self, by: std::time::Duration) {
        self.0.ahead_ms.fetch_add(by.as_millis() as i64, Ordering::Relaxed);
        self.0.moved.notify_waiters();
    }

    /// Resolves the next time the clock is moved.
    pub async fn moved(&self) {
        self.0.moved.notified().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_moved_clock_stays_ahead_of_the_system() {
        let c = Clock::default();
        let before = c.now_ms();
        c.advance(std::time::Duration::from_secs(3600));
        let after = c.now_ms();
        assert!(after - before >= 3_600_000 && after - before < 3_660_000, "{}", after - before);
        assert!(c.clone().now_ms() >= after, "clones share the clock");
    }
}
