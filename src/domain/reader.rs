//! Content reads for one caller. Every read of content above the domain
//! (GraphQL resolvers and loaders, feeds, the widget, subscriptions) goes
//! through a `Reader`, as every write goes through `Content`: it applies
//! what the caller's API key lets it see to each list and lookup, so no
//! reader above can forget a restriction.
//!
//! The stage read (published or working copies) is the caller's, chosen by
//! its role when the request's scope is made (`auth`); the locale chain is
//! `Locales::chain`'s and travels in the list spec.

use crate::domain::auth::User;
use crate::domain::partners::{ApiKey, restriction_filters};
use crate::error::Result;
use crate::model::item::{Item, Stage};
use crate::model::query::{AuditQuery, Columns, Common, Filter, ListSpec, Op, Pages, Source, Target, Value, Window};
use crate::model::records::{AuditEntry, Comment, Lock, Revision, ScheduledChange};
use crate::model::records::{MediaUse, Stamp};
use crate::model::{FieldDef, TypeDef};
use crate::store::Store;
use std::borrow::Cow;
use std::sync::Arc;

pub struct Reader {
    store: Store,
    key: Option<Arc<ApiKey>>,
}

impl Reader {
    pub fn new(store: Store, key: Option<Arc<ApiKey>>) -> Self {
        Reader { store, key }
    }

    /// The partner API key the caller came with.
    pub fn key(&self) -> Option<&Arc<ApiKey>> {
        self.key.as_ref()
    }

    /// Whether the caller's key limits it to part of the content. Reads that
    /// cannot apply the limits (search, subscriptions, media uses) refuse it.
    pub fn limited(&self) -> bool {
        self.key.as_ref().is_some_and(|k| k.limited())
    }

    /// What the key adds to a read of `ty`, if anything.
    fn restriction(&self, ty: &'static TypeDef) -> Option<Filter> {
        let k = self.key.as_ref().filter(|k| k.restricts(ty))?;
        Some(Filter::And(restriction_filters(ty, &k.settings.restrictions, &[])))
    }

    /// A page of `ty` (one page, keyed `None`) or of a relation's items per
    /// parent (keyed by parent), among the items the caller may see.
    pub async fn list(&self, source: Source<'_>, stage: Stage, spec: &ListSpec) -> Result<Pages> {
        let spec = self.within(source.target(), spec);
        self.store.list(source, stage, &spec).await
    }

    /// Several lists at once (the relations of one level of a query), as
    /// `list` reads each: the store may read them in one statement.
    pub async fn list_many(&self, stage: Stage, reads: &[(Source<'_>, &ListSpec)]) -> Result<Vec<Pages>> {
        let specs: Vec<Cow<ListSpec>> = reads.iter().map(|(source, spec)| self.within(source.target(), spec)).collect();
        let reads: Vec<(Source<'_>, &ListSpec)> =
            reads.iter().zip(&specs).map(|((source, _), spec)| (*source, spec.as_ref())).collect();
        self.store.list_many(stage, &reads).await
    }

    /// `spec` with what the key adds to a read of `ty`.
    fn within<'s>(&self, ty: &'static TypeDef, spec: &'s ListSpec) -> Cow<'s, ListSpec> {
        let Some(limit) = self.restriction(ty) else { return Cow::Borrowed(spec) };
        let mut spec = spec.clone();
        spec.filter = Some(match spec.filter.take() {
            Some(f) => Filter::And(vec![f, limit]),
            None => limit,
        });
        Cow::Owned(spec)
    }

    /// The items of `ids` the caller may see, in no particular order.
    pub async fn items(&self, ty: &'static TypeDef, stage: Stage, ids: &[String]) -> Result<Vec<Arc<Item>>> {
        match self.restriction(ty) {
            None => Ok(self.store.by_ids(ty, stage, ids).await?.into_iter().map(Arc::new).collect()),
            Some(limit) => self.items_within(ty, stage, ids, limit).await,
        }
    }

    /// The item of `ty` with this slug, if the caller may see it.
    pub async fn by_slug(&self, ty: &'static TypeDef, stage: Stage, slug: &str) -> Result<Option<Arc<Item>>> {
        let Some(item) = self.store.by_slug(ty, stage, slug).await? else { return Ok(None) };
        match self.restriction(ty) {
            None => Ok(Some(Arc::new(item))),
            Some(limit) => Ok(self.items_within(ty, stage, &[item.id], limit).await?.pop()),
        }
    }

    /// The items of `ids` that also pass `limit`.
    async fn items_within(
        &self,
        ty: &'static TypeDef,
        stage: Stage,
        ids: &[String],
        limit: Filter,
    ) -> Result<Vec<Arc<Item>>> {
        let first = Some(ids.len());
        let ids = Filter::Cond {
            target: Target::Common(Common::Id),
            op: Op::In,
            value: Value::List(ids.iter().cloned().map(Value::Text).collect()),
        };
        let spec = ListSpec {
            filter: Some(Filter::And(vec![ids, limit])),
            order: vec![],
            window: Window { first, last: None, after: None, before: None },
            locales: vec![],
            want_total: false,
            columns: Columns::ALL,
        };
        let mut pages = self.store.list(Source::Root(ty), stage, &spec).await?;
        Ok(pages.remove(&None).map(|p| p.edges.into_iter().map(|e| e.item).collect()).unwrap_or_default())
    }

    /// The targets of `field` of `owner` for each of `items`, in order:
    /// (item, target, role).
    pub async fn link_targets(
        &self,
        owner: &'static TypeDef,
        field: &'static FieldDef,
        stage: Stage,
        items: &[String],
    ) -> Result<Vec<(String, String, Option<String>)>> {
        self.store.link_targets(owner, field, stage, items).await
    }

    /// Content events as they happen (JSON: event, type, id, public, at).
    pub fn events(&self) -> tokio::sync::broadcast::Receiver<String> {
        self.store.events()
    }

    /// Where a media asset is used: the items that name it, by id or by
    /// its global id (as clients write it in bodies).
    pub async fn media_uses(&self, media_id: &str, stage: Stage) -> Result<Vec<MediaUse>> {
        let spellings = [media_id.to_owned(), crate::domain::ids::encode("MediaAsset", media_id)];
        self.store.media_uses(media_id, &spellings, stage).await
    }

    // Editorial reads: the GraphQL layer shows them to editors only.

    pub async fn schedules(&self, status: Option<&str>) -> Result<Vec<ScheduledChange>> {
        self.store.schedules(status, None).await
    }
    pub async fn audit(&self, f: &AuditQuery) -> Result<(Vec<AuditEntry>, bool)> {
        self.store.audit(f).await
    }
    pub async fn audit_count(&self, f: &AuditQuery) -> Result<i64> {
        self.store.audit_count(f).await
    }

    pub async fn revisions(&self, items: &[String]) -> Result<Vec<Revision>> {
        self.store.revisions(items).await
    }
    pub async fn users(&self, ids: &[String]) -> Result<Vec<User>> {
        self.store.users_by_ids(ids).await?.into_iter().map(User::of).collect::<Result<_>>()
    }
    pub async fn comments(&self, items: &[String]) -> Result<Vec<Comment>> {
        self.store.comments(items).await
    }
    pub async fn locks(&self, items: &[String]) -> Result<Vec<Lock>> {
        self.store.locks(items, self.store.now_ms()).await
    }
    pub async fn pending_schedules(&self, items: &[String]) -> Result<Vec<ScheduledChange>> {
        self.store.schedules(Some("pending"), Some(items)).await
    }
    pub async fn review_steps(&self, items: &[String]) -> Result<Vec<AuditEntry>> {
        self.store.review_steps(items).await
    }
    pub async fn translation_stamps(&self, items: &[String]) -> Result<Vec<Stamp>> {
        self.store.translation_stamps(items).await
    }
}

impl super::content::Content {
    /// A reader for a caller who came with `key` (or none).
    pub fn reader(&self, key: Option<Arc<ApiKey>>) -> Arc<Reader> {
        Arc::new(Reader::new(self.store.clone(), key))
    }
}
