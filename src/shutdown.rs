//! One shutdown shared by the server, its background tasks and its open
//! subscriptions. `begin` stops everything from taking new work: the listener
//! stops accepting, background loops stop at their next tick (finishing the
//! unit they are in), and subscription sockets are closed with
//! [`GOING_AWAY`]. Everything waits for one deadline: the moment the
//! shutdown began plus the grace.

use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// The close code a subscription socket gets when the server shuts down
/// (RFC 6455 "going away"); graphql-ws clients retry on it.
pub const GOING_AWAY: u16 = 1001;

#[derive(Clone, Default)]
pub struct Shutdown {
    token: CancellationToken,
    began: Arc<OnceLock<Instant>>,
    /// Subscription sockets still open.
    sockets: Arc<tokio::sync::watch::Sender<usize>>,
}

impl std::fmt::Debug for Shutdown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shutdown").field("begun", &self.is_begun()).finish()
    }
}

impl Shutdown {
    /// Starts the shutdown (again: nothing more).
    pub fn begin(&self) {
        self.began.get_or_init(Instant::now);
        self.token.cancel();
    }

    pub fn is_begun(&self) -> bool {
        self.token.is_cancelled()
    }

    /// Resolves once the shutdown has begun.
    pub async fn begun(&self) {
        self.token.cancelled().await
    }

    /// The same, owning what it needs (for streams that outlive a borrow).
    pub fn begun_owned(&self) -> tokio_util::sync::WaitForCancellationFutureOwned {
        self.token.clone().cancelled_owned()
    }

    /// When everything must be over: the start of the shutdown plus `grace`
    /// (from now if it has not begun).
    pub fn deadline(&self, grace: Duration) -> Instant {
        *self.began.get().unwrap_or(&Instant::now()) + grace
    }

    /// Counts an open subscription socket until the guard is dropped.
    pub fn hold_socket(&self) -> SocketGuard {
        self.sockets.send_modify(|n| *n += 1);
        SocketGuard(self.sockets.clone())
    }

    /// Resolves once no subscription socket is open.
    pub async fn sockets_closed(&self) {
        let _ = self.sockets.subscribe().wait_for(|n| *n == 0).await;
    }
}

pub struct SocketGuard(Arc<tokio::sync::watch::Sender<usize>>);

impl Drop for SocketGuard {
    fn drop(&mut self) {
        self.0.send_modify(|n| *n = n.saturating_sub(1));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn sockets_are_counted_and_the_deadline_starts_at_the_beginning() {
        let s = Shutdown::default();
        assert!(!s.is_begun());
        let g = s.hold_socket();
        let waiting = tokio::spawn({
            let s = s.clone();
            async move { s.sockets_closed().await }
        });
        tokio::task::yield_now().await;
        assert!(!waiting.is_finished());
        drop(g);
        waiting.await.unwrap();
        s.begin();
        let d = s.deadline(Duration::from_secs(5));
        s.begin();
        assert_eq!(s.deadline(Duration::from_secs(5)), d, "a second begin changes nothing");
        assert!(s.is_begun());
        s.begun().await;
    }
}
