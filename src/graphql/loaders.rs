//! The loaders of one request (made per request, so caches never cross users).

use super::batch::{Batcher, Load};
use crate::domain::auth::User;
use crate::domain::reader::Reader;
use crate::error::Result;
use crate::model::item::Stage;
use crate::model::query::{ListSpec, Page, Source};
use crate::model::records::Revision;
use crate::model::{TypeDef, content_type};
use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

/// A list spec with a cheap identity, so equal nested arguments batch together:
/// its text is made once per field of the document (see `Req::relation_spec`)
/// and hashed once.
#[derive(Clone, Debug)]
pub struct SpecKey {
    pub sig: Arc<str>,
    hash: u64,
    pub spec: Arc<ListSpec>,
}

impl SpecKey {
    pub fn new(spec: ListSpec) -> Self {
        let sig: Arc<str> = format!("{spec:?}").into();
        // Fixed keys: equal texts must hash alike in every key made from them.
        let mut h = std::hash::DefaultHasher::new();
        sig.hash(&mut h);
        let hash = h.finish();
        SpecKey { sig, hash, spec: Arc::new(spec) }
    }
}
impl PartialEq for SpecKey {
    fn eq(&self, o: &Self) -> bool {
        Arc::ptr_eq(&self.sig, &o.sig) || self.sig == o.sig
    }
}
impl Eq for SpecKey {}
impl Hash for SpecKey {
    fn hash<H: Hasher>(&self, h: &mut H) {
        self.hash.hash(h)
    }
}

pub struct Items(Arc<Reader>);
impl Load for Items {
    type Key = (&'static str, Stage, String);
    type Value = Arc<crate::model::item::Item>;
    fn load(&self, keys: Vec<Self::Key>) -> BoxFuture<'_, Result<HashMap<Self::Key, Self::Value>>> {
        async move {
            let mut groups: HashMap<(&'static str, Stage), Vec<String>> = HashMap::new();
            for (t, s, id) in &keys {
                groups.entry((t, *s)).or_default().push(id.clone());
            }
            let mut out = HashMap::new();
            for ((t, stage), ids) in groups {
                let ty: &'static TypeDef = content_type(t).expect("known type");
                for item in self.0.items(ty, stage, &ids).await? {
                    out.insert((t, stage, item.id.clone()), item);
                }
            }
            Ok(out)
        }
        .boxed()
    }
}

#[derive(Clone, PartialEq, Eq, Hash)]
pub struct RelKey {
    pub owner: &'static str,
    pub field: &'static str,
    pub stage: Stage,
    pub spec: SpecKey,
    pub parent: String,
}

/// Pages are shared, not copied, between the cache and each parent asking.
pub struct Related(Arc<Reader>);
impl Load for Related {
    type Key = RelKey;
    type Value = Arc<Page>;
    fn load(&self, keys: Vec<RelKey>) -> BoxFuture<'_, Result<HashMap<RelKey, Arc<Page>>>> {
        async move {
            let mut groups: HashMap<(&'static str, &'static str, Stage, SpecKey), Vec<String>> = HashMap::new();
            for k in &keys {
                groups.entry((k.owner, k.field, k.stage, k.spec.clone())).or_default().push(k.parent.clone());
            }
            let mut out = HashMap::new();
            for ((owner, field, stage, spec), parents) in groups {
                let owner_ty = content_type(owner).expect("known type");
                let f = owner_ty.field(field).expect("known field");
                let mut pages = self
                    .0
                    .list(Source::Related { owner: owner_ty, field: f, parents: &parents }, stage, &spec.spec)
                    .await?;
                for p in parents {
                    let mut page = pages.remove(&Some(p.clone())).unwrap_or_default();
                    if spec.spec.want_total && page.total.is_none() {
                        page.total = Some(0);
                    }
                    out.insert(RelKey { owner, field, stage, spec: spec.clone(), parent: p }, Arc::new(page));
                }
            }
            Ok(out)
        }
        .boxed()
    }
}

/// Country codes linked from an item's field, in order.
pub struct CountryLinks(Arc<Reader>);
impl Load for CountryLinks {
    type Key = (&'static str, &'static str, Stage, String);
    type Value = Vec<String>;
    fn load(&self, keys: Vec<Self::Key>) -> BoxFuture<'_, Result<HashMap<Self::Key, Vec<String>>>> {
        async move {
            let mut groups: HashMap<(&'static str, &'static str, Stage), Vec<String>> = HashMap::new();
            for (o, f, s, id) in &keys {
                groups.entry((o, f, *s)).or_default().push(id.clone());
            }
            let mut out: HashMap<Self::Key, Vec<String>> = keys.iter().map(|k| (k.clone(), Vec::new())).collect();
            for ((o, f, s), ids) in groups {
                let ty = content_type(o).expect("known type");
                let field = ty.field(f).expect("known field");
                for (src, code, _) in self.0.link_targets(ty, field, s, &ids).await? {
                    out.entry((o, f, s, src)).or_default().push(code);
                }
            }
            Ok(out)
        }
        .boxed()
    }
}

pub struct Revisions(Arc<Reader>);
impl Load for Revisions {
    type Key = String;
    type Value = Vec<Revision>;
    fn load(&self, keys: Vec<String>) -> BoxFuture<'_, Result<HashMap<String, Vec<Revision>>>> {
        async move {
            let mut out: HashMap<String, Vec<Revision>> = keys.iter().map(|k| (k.clone(), Vec::new())).collect();
            for r in self.0.revisions(&keys).await? {
                out.entry(r.item_id.clone()).or_default().push(r);
            }
            Ok(out)
        }
        .boxed()
    }
}

pub struct Users(Arc<Reader>);
impl Load for Users {
    type Key = String;
    type Value = User;
    fn load(&self, keys: Vec<String>) -> BoxFuture<'_, Result<HashMap<String, User>>> {
        async move { Ok(self.0.users(&keys).await?.into_iter().map(|u| (u.id.clone(), u)).collect()) }.boxed()
    }
}

/// Per-item editorial rows, batched: comments, locks in force, pending changes.
pub struct Comments(Arc<Reader>);
impl Load for Comments {
    type Key = String;
    type Value = Vec<crate::model::records::Comment>;
    fn load(&self, keys: Vec<String>) -> BoxFuture<'_, Result<HashMap<String, Self::Value>>> {
        async move {
            let mut out: HashMap<String, Self::Value> = keys.iter().map(|k| (k.clone(), Vec::new())).collect();
            for c in self.0.comments(&keys).await? {
                out.entry(c.item_id.clone()).or_default().push(c);
            }
            Ok(out)
        }
        .boxed()
    }
}

pub struct Locks(Arc<Reader>);
impl Load for Locks {
    type Key = String;
    type Value = crate::model::records::Lock;
    fn load(&self, keys: Vec<String>) -> BoxFuture<'_, Result<HashMap<String, Self::Value>>> {
        async move {
            let rows = self.0.locks(&keys).await?;
            Ok(rows.into_iter().map(|l| (l.item_id.clone(), l)).collect())
        }
        .boxed()
    }
}

pub struct Schedules(Arc<Reader>);
impl Load for Schedules {
    type Key = String;
    type Value = Vec<crate::model::records::ScheduledChange>;
    fn load(&self, keys: Vec<String>) -> BoxFuture<'_, Result<HashMap<String, Self::Value>>> {
        async move {
            let mut out: HashMap<String, Self::Value> = keys.iter().map(|k| (k.clone(), Vec::new())).collect();
            for s in self.0.pending_schedules(&keys).await? {
                out.entry(s.item_id.clone()).or_default().push(s);
            }
            Ok(out)
        }
        .boxed()
    }
}

pub struct ReviewSteps(Arc<Reader>);
impl Load for ReviewSteps {
    type Key = String;
    type Value = Vec<crate::model::records::AuditEntry>;
    fn load(&self, keys: Vec<String>) -> BoxFuture<'_, Result<HashMap<String, Self::Value>>> {
        async move {
            let mut out: HashMap<String, Self::Value> = keys.iter().map(|k| (k.clone(), Vec::new())).collect();
            for a in self.0.review_steps(&keys).await? {
                if let Some(id) = a.item_id.clone() {
                    out.entry(id).or_default().push(a);
                }
            }
            Ok(out)
        }
        .boxed()
    }
}

/// Translation stamps of working copies, keyed by item and version (a write
/// raises the version, so a later read in the same request is not stale).
pub struct TranslationStamps(Arc<Reader>);
impl Load for TranslationStamps {
    type Key = (String, i64);
    type Value = Vec<crate::model::records::Stamp>;
    fn load(&self, keys: Vec<Self::Key>) -> BoxFuture<'_, Result<HashMap<Self::Key, Self::Value>>> {
        async move {
            let mut ids: Vec<String> = keys.iter().map(|(id, _)| id.clone()).collect();
            ids.sort();
            ids.dedup();
            let mut by_id: HashMap<String, Self::Value> = HashMap::new();
            for s in self.0.translation_stamps(&ids).await? {
                by_id.entry(s.item_id.clone()).or_default().push(s);
            }
            Ok(keys.into_iter().map(|k| (k.clone(), by_id.get(&k.0).cloned().unwrap_or_default())).collect())
        }
        .boxed()
    }
}

pub struct Loaders {
    pub items: Batcher<Items>,
    pub related: Batcher<Related>,
    pub countries: Batcher<CountryLinks>,
    pub revisions: Batcher<Revisions>,
    pub users: Batcher<Users>,
    pub comments: Batcher<Comments>,
    pub locks: Batcher<Locks>,
    pub schedules: Batcher<Schedules>,
    pub review: Batcher<ReviewSteps>,
    pub translations: Batcher<TranslationStamps>,
}

impl Loaders {
    pub fn new(reader: &Arc<Reader>) -> Self {
        Loaders {
            items: Batcher::new(Items(reader.clone())),
            related: Batcher::new(Related(reader.clone())),
            countries: Batcher::new(CountryLinks(reader.clone())),
            revisions: Batcher::new(Revisions(reader.clone())),
            users: Batcher::new(Users(reader.clone())),
            comments: Batcher::new(Comments(reader.clone())),
            locks: Batcher::new(Locks(reader.clone())),
            schedules: Batcher::new(Schedules(reader.clone())),
            review: Batcher::new(ReviewSteps(reader.clone())),
            translations: Batcher::new(TranslationStamps(reader.clone())),
        }
    }

    pub fn clear(&self) {
        self.items.clear();
        self.related.clear();
        self.countries.clear();
        self.revisions.clear();
        self.users.clear();
        self.comments.clear();
        self.locks.clear();
        self.schedules.clear();
        self.review.clear();
        self.translations.clear();
    }
}
