//! Per-request batching without timers: the first caller of a batch (the
//! leader) yields once, so every sibling resolver polled in the same pass adds
//! its key; then one statement loads them all and the others are woken. The
//! number of statements depends on the query's shape, not on how many items
//! it returns.

use crate::error::Result;
use futures_util::future::BoxFuture;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};
use tokio::sync::watch;

pub trait Load: Send + Sync + 'static {
    type Key: Hash + Eq + Clone + Send + Sync + 'static;
    type Value: Clone + Send + Sync + 'static;
    fn load(&self, keys: Vec<Self::Key>) -> BoxFuture<'_, Result<HashMap<Self::Key, Self::Value>>>;
}

struct State<K, V> {
    cache: HashMap<K, Option<V>>,
    pending: Vec<K>,
    /// The batch being gathered; its sender is held by the leader.
    open: Option<watch::Receiver<bool>>,
}

pub struct Batcher<L: Load> {
    loader: L,
    state: Arc<Mutex<State<L::Key, L::Value>>>,
}

impl<L: Load> Batcher<L> {
    pub fn new(loader: L) -> Self {
        Batcher {
            loader,
            state: Arc::new(Mutex::new(State { cache: HashMap::new(), pending: Vec::new(), open: None })),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State<L::Key, L::Value>> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Forgets loaded values (a long-lived subscription reads afresh per event).
    pub fn clear(&self) {
        self.lock().cache.clear();
    }

    pub async fn load(&self, key: L::Key) -> Result<Option<L::Value>> {
        loop {
            let (leader, mut done) = {
                let mut st = self.lock();
                if let Some(v) = st.cache.get(&key) {
                    return Ok(v.clone());
                }
                if !st.pending.contains(&key) {
                    st.pending.push(key.clone());
                }
                match &st.open {
                    // `has_changed` fails once the leader is gone.
                    Some(rx) if rx.has_changed().is_ok() => (None, rx.clone()),
                    _ => {
                        let (tx, rx) = watch::channel(false);
                        st.open = Some(rx.clone());
                        (Some(tx), rx)
                    }
                }
            };
            match leader {
                Some(tx) => {
                    // Let the other resolvers of this pass register their keys.
                    tokio::task::yield_now().await;
                    let keys = {
                        let mut st = self.lock();
                        st.open = None;
                        std::mem::take(&mut st.pending)
                    };
                    // On error the sender drops unsent and the waiters retry.
                    let mut found = self.loader.load(keys.clone()).await?;
                    let mut st = self.lock();
                    for k in keys {
                        let v = found.remove(&k);
                        st.cache.insert(k, v);
                    }
                    drop(st);
                    let _ = tx.send(true);
                }
                None => {
                    if done.wait_for(|d| *d).await.is_err() {
                        continue;
                    }
                }
            }
            if let Some(v) = self.lock().cache.get(&key) {
                return Ok(v.clone());
            }
        }
    }
}
