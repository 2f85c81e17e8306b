//! An in-process cache of anonymous answers about published content. Each
//! entry knows what it depends on (items by id, lists by type), and a change
//! to published content evicts exactly the entries that depend on it — on
//! every instance, as changes also arrive through PostgreSQL's NOTIFY.

use crate::app::Listening;
use crate::domain::content::LiveChange;
use bytes::Bytes;
use std::collections::{HashMap, VecDeque};
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};

pub struct Entry {
    pub body: Bytes,
    pub etag: String,
    /// `T:Type` for lists of a type, `I:id` for items.
    pub deps: Vec<String>,
}

/// Entries by key, and keys in insertion order (the oldest go first).
type Entries = (HashMap<u64, Arc<Entry>>, VecDeque<u64>);

pub struct ResponseCache {
    inner: Mutex<Entries>,
    max: usize,
    /// Counts invalidations: an answer computed across one is not kept, since
    /// it may hold what the change replaced.
    epoch: std::sync::atomic::AtomicU64,
    /// Whether other instances' changes are heard (`Hub::listening`).
    listening: tokio::sync::watch::Receiver<Listening>,
    pub hits: std::sync::atomic::AtomicU64,
    pub misses: std::sync::atomic::AtomicU64,
}

/// When an answer's computation began: the invalidations so far, and how
/// changes were heard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Moment(u64, Listening);

pub fn etag_of(body: &[u8]) -> String {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    body.hash(&mut h);
    format!("\"{:016x}{:08x}\"", h.finish(), body.len())
}

impl ResponseCache {
    pub fn new(max: usize, listening: tokio::sync::watch::Receiver<Listening>) -> Arc<ResponseCache> {
        Arc::new(ResponseCache {
            inner: Mutex::new((HashMap::new(), VecDeque::new())),
            max,
            epoch: Default::default(),
            listening,
            hits: Default::default(),
            misses: Default::default(),
        })
    }

    pub fn key(query: &str, variables: &str, operation: Option<&str>, locale: &str) -> u64 {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        (query, variables, operation, locale).hash(&mut h);
        h.finish()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn get(&self, key: u64) -> Option<Arc<Entry>> {
        let hit = self.lock().0.get(&key).cloned();
        let counter = if hit.is_some() { &self.hits } else { &self.misses };
        counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        hit
    }

    /// The moment to pass to `put` for an answer computed from now on.
    pub fn epoch(&self) -> Moment {
        Moment(self.epoch.load(std::sync::atomic::Ordering::Acquire), *self.listening.borrow())
    }

    /// Keeps an answer, unless content changed since `moment`, or changes
    /// were not heard all along.
    pub fn put(&self, key: u64, entry: Entry, moment: Moment) {
        if self.max == 0 || moment.1 == Listening::Connecting {
            return;
        }
        let mut g = self.lock();
        if self.epoch() != moment {
            return;
        }
        if g.0.insert(key, Arc::new(entry)).is_none() {
            g.1.push_back(key);
        }
        while g.0.len() > self.max {
            match g.1.pop_front() {
                Some(old) => {
                    g.0.remove(&old);
                }
                None => break,
            }
        }
    }

    pub fn len(&self) -> usize {
        self.lock().0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Drops what a change makes stale.
    pub fn invalidate(&self, change: &LiveChange) {
        let mut g = self.lock();
        self.epoch.fetch_add(1, std::sync::atomic::Ordering::AcqRel);
        match change.parts() {
            None => {
                g.0.clear();
                g.1.clear();
            }
            Some((ty, id)) => {
                let (t, i) = (format!("T:{ty}"), format!("I:{id}"));
                g.0.retain(|_, e| !e.deps.iter().any(|d| *d == t || *d == i));
                let (map, order) = &mut *g;
                order.retain(|k| map.contains_key(k));
            }
        }
    }

    /// Follows the change feed; a missed message clears everything.
    pub fn follow(self: &Arc<Self>, mut rx: tokio::sync::broadcast::Receiver<LiveChange>) {
        let me = Arc::downgrade(self);
        tokio::spawn(async move {
            loop {
                let change = match rx.recv().await {
                    Ok(c) => c,
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => LiveChange::all(),
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
                };
                match me.upgrade() {
                    Some(cache) => cache.invalidate(&change),
                    None => return,
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_evicts_exactly_what_depends_on_it() {
        let (hearing, listening) = tokio::sync::watch::channel(Listening::Hearing(1));
        let c = ResponseCache::new(10, listening);
        let e = |deps: &[&str]| Entry {
            body: Bytes::new(),
            etag: String::new(),
            deps: deps.iter().map(|d| d.to_string()).collect(),
        };
        c.put(1, e(&["T:Project"]), c.epoch());
        c.put(2, e(&["I:abc"]), c.epoch());
        let before = c.epoch();
        c.put(3, e(&["T:Event", "I:xyz"]), before);
        c.invalidate(&LiveChange("Project:abc".into()));
        assert!(c.get(1).is_none() && c.get(2).is_none());
        assert!(c.get(3).is_some(), "an event list does not depend on a project");
        c.put(4, e(&["T:Event"]), before);
        assert!(c.get(4).is_none(), "computed before a change: not kept");
        c.invalidate(&LiveChange::all());
        assert!(c.is_empty());
        // Not hearing other instances (reconnecting), or across a reconnection: not kept.
        let during = c.epoch();
        hearing.send_replace(Listening::Connecting);
        c.put(5, e(&["T:Event"]), c.epoch());
        c.put(6, e(&["T:Event"]), during);
        hearing.send_replace(Listening::Hearing(2));
        c.put(7, e(&["T:Event"]), during);
        assert!(c.is_empty());
        c.put(8, e(&["T:Event"]), c.epoch());
        assert!(c.get(8).is_some());
    }
}
