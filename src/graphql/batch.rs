//! Per-request batching without timers: the first caller of a batch yields
//! once, so every sibling resolver polled in the same pass adds its key, then
//! one statement loads them all. The number of statements depends on the
//! query's shape, not on how many items it returns.

use crate::error::{Error, Result};
use futures_util::FutureExt;
use futures_util::future::{BoxFuture, Shared};
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};

pub trait Load: Send + Sync + 'static {
    type Key: Hash + Eq + Clone + Send + Sync + 'static;
    type Value: Clone + Send + Sync + 'static;
    fn load(&self, keys: Vec<Self::Key>) -> BoxFuture<'_, Result<HashMap<Self::Key, Self::Value>>>;
}

type Batch = Shared<BoxFuture<'static, Result<(), Error>>>;

struct State<K, V> {
    cache: HashMap<K, Option<V>>,
    pending: Vec<K>,
    batch: Option<Batch>,
}

pub struct Batcher<L: Load> {
    inner: Arc<(L, Mutex<State<L::Key, L::Value>>)>,
}

impl<L: Load> Batcher<L> {
    pub fn new(loader: L) -> Self {
        Batcher {
            inner: Arc::new((
                loader,
                Mutex::new(State {
                    cache: HashMap::new(),
                    pending: Vec::new(),
                    batch: None,
                }),
            )),
        }
    }

    pub async fn load(&self, key: L::Key) -> Result<Option<L::Value>> {
        let batch = {
            let mut st = self.inner.1.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(v) = st.cache.get(&key) {
                return Ok(v.clone());
            }
            if !st.pending.contains(&key) {
                st.pending.push(key.clone());
            }
            match &st.batch {
                Some(b) => b.clone(),
                None => {
                    let b = run(self.inner.clone()).boxed().shared();
                    st.batch = Some(b.clone());
                    b
                }
            }
        };
        batch.await?;
        let st = self.inner.1.lock().unwrap_or_else(|p| p.into_inner());
        Ok(st.cache.get(&key).cloned().flatten())
    }
}

async fn run<L: Load>(inner: Arc<(L, Mutex<State<L::Key, L::Value>>)>) -> Result<()> {
    // Let the other resolvers of this pass register their keys.
    tokio::task::yield_now().await;
    let keys = {
        let mut st = inner.1.lock().unwrap_or_else(|p| p.into_inner());
        st.batch = None;
        std::mem::take(&mut st.pending)
    };
    let mut found = inner.0.load(keys.clone()).await?;
    let mut st = inner.1.lock().unwrap_or_else(|p| p.into_inner());
    for k in keys {
        let v = found.remove(&k);
        st.cache.insert(k, v);
    }
    Ok(())
}
