//! The content service: every write and workflow transition goes through here,
//! with permission checks, validation, version checks and revisions.

use super::auth::{Actor, Viewer};
use super::locale::Locales;
use super::permissions::{Action, Subject, allowed};
use super::values::{self, Change, Parser, Resolver};
use super::workflow::Transition;
use crate::error::{Code, Error, Result};
use crate::model::item::{Item, Owner, Stage, Val, Versioned};
use crate::model::records::Revision;
use crate::model::{Kind, TypeDef, WorkflowState};

use crate::store::{NewItem, StateChange, Store, Tx, new_id};
use WorkflowState::{Draft, Published};
use serde_json::Value as J;
use std::collections::{BTreeMap, HashMap, HashSet};

/// Country reference data, held in memory (it changes only with a migration).
#[derive(Debug, Default)]
pub struct Countries {
    pub codes: HashSet<String>,
    pub names: HashMap<String, BTreeMap<String, String>>,
}

impl Countries {
    pub async fn load(store: &Store) -> Result<Countries> {
        let mut c = Countries::default();
        for (code, name) in store.countries(None).await? {
            c.names.insert(code.clone(), serde_json::from_str(&name)?);
            c.codes.insert(code);
        }
        Ok(c)
    }
}

/// What an import or upload adds to a create.
#[derive(Debug, Default)]
pub struct CreateOpts<'a> {
    /// A pre-assigned id (imports keep exported ids).
    pub id: Option<String>,
    /// Ids an import is about to create, valid as references.
    pub known: Option<&'a HashSet<String>>,
    /// Whether read-only fields may be set.
    pub trusted: bool,
}

pub struct Content {
    pub store: Store,
    pub locales: Locales,
    pub countries: Countries,
    /// Saves kept per item (every publish is kept too).
    pub revisions_keep: i64,
    /// Authors read every working copy, not only their own items'.
    pub authors_read_all_drafts: bool,
    /// The deepest search result reached (pages stop there). On SQLite a
    /// published search matching more documents ranks only the newest this
    /// many and reports the count as a lower bound: counting and scoring
    /// every match of two common words costs about a second at a million
    /// documents.
    pub search_window: i64,
    /// Changes to published content, for caches (fed by this instance and,
    /// on PostgreSQL, by the others through LISTEN/NOTIFY).
    pub changes: tokio::sync::broadcast::Sender<LiveChange>,
}

/// Published content changed: one item (`Type:id`), or everything (`*`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveChange(pub String);

impl LiveChange {
    pub fn item(ty: &TypeDef, id: &str) -> LiveChange {
        LiveChange(format!("{}:{id}", ty.name))
    }
    pub fn all() -> LiveChange {
        LiveChange("*".into())
    }
    /// The type and id, or `None` for everything.
    pub fn parts(&self) -> Option<(&str, &str)> {
        self.0.split_once(':')
    }
}

fn need_viewer(viewer: Option<&Viewer>) -> Result<&Viewer> {
    viewer.ok_or_else(|| {
        Error::unauthenticated("Log in first: send Authorization: Bearer <token> from the login mutation.")
    })
}

pub(crate) fn check_action(viewer: &Viewer, action: Action, item: Option<&Item>) -> Result<()> {
    let subject = item.map(|i| Subject {
        own: i.created_by.as_deref() == Some(viewer.id.as_str()),
        draft: i.state == Draft,
        live_state: i.state == Published,
        published: i.published_at.is_some(),
    });
    if allowed(viewer.role, action, subject) {
        Ok(())
    } else {
        let reach = if item.is_some() && viewer.role == super::permissions::Role::Author {
            " (authors may change only their own items, and not while they are in review or archived)"
        } else {
            ""
        };
        Err(Error::forbidden(format!("Your role {} may not {}{reach}.", viewer.role, action.describe())))
    }
}

fn stale(item: &Item, version: i64) -> Error {
    Error::conflict(format!(
        "This item was changed by someone else: you sent version {version}, the current version is {}. Reload it and apply your change again.",
        item.version
    ))
}

/// Whose working copies someone may read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DraftReach {
    All,
    /// Only those of the items they created.
    Own,
    None,
}

impl Content {
    /// Whose working copies `v` may read: the matrix's `ReadDrafts` grant,
    /// with an author's own-items reach widened by the setting.
    pub fn draft_reach(&self, v: &Viewer) -> DraftReach {
        let own = Subject { own: true, draft: true, live_state: false, published: false };
        if allowed(v.role, Action::ReadDrafts, None) {
            DraftReach::All
        } else if allowed(v.role, Action::ReadDrafts, Some(own)) {
            if self.authors_read_all_drafts { DraftReach::All } else { DraftReach::Own }
        } else {
            DraftReach::None
        }
    }

    /// Whether `v` may read this item's working copy and its editorial
    /// history (comments, revisions, review).
    pub fn may_read_draft_of(&self, v: &Viewer, item: &Item) -> bool {
        match self.draft_reach(v) {
            DraftReach::All => true,
            DraftReach::Own => item.created_by.as_deref() == Some(v.id.as_str()),
            DraftReach::None => false,
        }
    }

    /// The working copies `v` reads with `preview: true`.
    pub fn draft_stage(&self, v: &Viewer) -> Result<Stage> {
        match self.draft_reach(v) {
            DraftReach::All => Ok(Stage::Draft),
            DraftReach::Own => Ok(Stage::DraftOf(Owner::of(&v.id))),
            DraftReach::None => {
                Err(Error::forbidden(format!("Your role {} may not {}.", v.role, Action::ReadDrafts.describe())))
            }
        }
    }

    /// Which copy a read sees: the live one, or with `preview` the working one
    /// (for roles that may read drafts; an author's own items only, unless
    /// the setting widens it).
    pub fn read_stage(&self, viewer: Option<&Viewer>, preview: bool) -> Result<Stage> {
        if !preview {
            return Ok(Stage::Live);
        }
        let v = viewer.ok_or_else(|| {
            Error::unauthenticated("preview: true shows drafts; log in with a role that may read them.")
        })?;
        self.draft_stage(v)
    }

    pub fn parser<'a>(&'a self, resolve: Resolver<'a>, trusted: bool) -> Parser<'a> {
        Parser { locales: &self.locales, countries: &self.countries.codes, resolve, trusted }
    }

    /// Refuses a caller who may not create content.
    pub fn may_create<'v>(&self, actor: &'v Actor) -> Result<&'v Viewer> {
        let v = need_viewer(actor.viewer.as_ref())?;
        check_action(v, Action::Create, None)?;
        Ok(v)
    }

    /// Refuses a caller who may not update this item at this version.
    pub async fn may_update(&self, actor: &Actor, ty: &'static TypeDef, id: &str, version: i64) -> Result<()> {
        self.guard(actor, Action::Update, ty, id, Some(version)).await.map(|_| ())
    }

    /// The working copy of an item, if the caller may take `action` on it
    /// (and it is still at `version`, when given).
    pub(crate) async fn guard(
        &self,
        actor: &Actor,
        action: Action,
        ty: &'static TypeDef,
        id: &str,
        version: Option<i64>,
    ) -> Result<Item> {
        let v = need_viewer(actor.viewer.as_ref())?;
        let item = self
            .store
            .by_ids(ty, Stage::Draft, &[id.to_owned()])
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| Error::not_found(format!("{} {}", ty.name, super::ids::encode(ty.name, id))))?;
        if action == Action::ReadDrafts {
            if !self.may_read_draft_of(v, &item) {
                return Err(Error::forbidden(format!(
                    "Your role {} may not {} of this item (authors read their own items' drafts).",
                    v.role,
                    Action::ReadDrafts.describe()
                )));
            }
        } else {
            check_action(v, action, Some(&item))?;
        }
        if let Some(version) = version
            && item.version != version
        {
            return Err(stale(&item, version));
        }
        Ok(item)
    }

    async fn load_draft(tx: &mut Tx<'_>, ty: &'static TypeDef, id: &str) -> Result<Item> {
        tx.draft(ty, id)
            .await?
            .ok_or_else(|| Error::not_found(format!("{} {}", ty.name, super::ids::encode(ty.name, id))))
    }

    /// Refuses references to items that do not exist (beyond `known`, items
    /// an import is about to create).
    pub(crate) async fn check_refs(
        tx: &mut Tx<'_>,
        refs: &[(&'static TypeDef, String)],
        known: &HashSet<String>,
    ) -> Result<()> {
        let mut by_type: HashMap<&str, (&'static TypeDef, Vec<String>)> = HashMap::new();
        for (ty, id) in refs {
            if !known.contains(id) {
                by_type.entry(ty.name).or_insert((ty, Vec::new())).1.push(id.clone());
            }
        }
        for (ty, ids) in by_type.into_values() {
            let found: HashSet<String> = tx.existing_ids(ty, &ids).await?.into_iter().collect();
            if let Some(missing) = ids.iter().find(|i| !found.contains(*i)) {
                return Err(Error::field(
                    "input",
                    format!("refers to {} {}, which does not exist", ty.name, super::ids::encode(ty.name, missing)),
                ));
            }
        }
        Ok(())
    }

    pub async fn create(&self, actor: &Actor, ty: &'static TypeDef, input: &J, resolve: Resolver<'_>) -> Result<Item> {
        let mut tx = self.store.begin().await?;
        let item = self.create_in(&mut tx, actor, ty, input, resolve, &CreateOpts::default()).await?;
        tx.commit().await?;
        Ok(item)
    }

    /// Creates inside `tx` (an import runs many in one transaction).
    pub async fn create_in(
        &self,
        tx: &mut Tx<'_>,
        actor: &Actor,
        ty: &'static TypeDef,
        input: &J,
        resolve: Resolver<'_>,
        opts: &CreateOpts<'_>,
    ) -> Result<Item> {
        let viewer = need_viewer(actor.viewer.as_ref())?;
        check_action(viewer, Action::Create, None)?;
        let changes = self.parser(resolve, opts.trusted).parse(ty, input)?;
        Self::check_refs(tx, &changes.refs, opts.known.unwrap_or(&HashSet::new())).await?;
        let (values, links) = new_values(ty, changes.fields)?;
        let slug = self.pick_slug(tx, ty, changes.slug, &values, None).await?;
        let item = NewItem {
            id: opts.id.clone().unwrap_or_else(new_id),
            slug,
            state: Draft,
            values,
            by: Some(viewer.id.clone()),
            at: self.store.now_ms(),
        };
        tx.insert_item(ty, &item).await?;
        self.stamp_translations(tx, ty, &item.id, None, &item.values, item.at).await?;
        for (f, l) in &links {
            tx.replace_links(ty, f, &item.id, l).await?;
        }
        super::audit::record(tx, actor, "create", Some((ty, item.id.as_str())), None).await?;
        let saved = record(tx, ty, &item.id, "save", Some(&viewer.id), None, self.revisions_keep).await?;
        self.index_draft(tx, &saved).await?;
        announce(tx, "content.created", &saved, false).await?;
        Ok(saved)
    }

    /// Saves changes to a working copy; `trusted` lets them set read-only
    /// fields (a replaced file's facts), which clients cannot.
    pub async fn update(
        &self,
        actor: &Actor,
        at: Versioned<'_>,
        input: &J,
        resolve: Resolver<'_>,
        trusted: bool,
    ) -> Result<Item> {
        let Versioned { ty, id, version } = at;
        let viewer = need_viewer(actor.viewer.as_ref())?;
        let mut tx = self.store.begin().await?;
        let current = Self::load_draft(&mut tx, ty, id).await?;
        check_action(viewer, Action::Update, Some(&current))?;
        if current.version != version {
            return Err(stale(&current, version));
        }
        let changes = self.parser(resolve, trusted).parse(ty, input)?;
        Self::check_refs(&mut tx, &changes.refs, &HashSet::new()).await?;
        let mut values = current.values.clone();
        let mut links = Vec::new();
        for (idx, change) in changes.fields {
            let f = &ty.fields[idx];
            let v = match change {
                Change::Set(v) => v,
                Change::Local(p) => values::merge_local(&values[idx], &p),
                Change::Links(l) => {
                    links.push((f, l));
                    continue;
                }
            };
            if f.required && v == Val::Null {
                return Err(Error::field(f.name, "is required and cannot be emptied"));
            }
            values[idx] = v;
        }
        let slug = match changes.slug {
            Some(s) => self.pick_slug(&mut tx, ty, Some(s), &values, Some(id)).await?,
            None => current.slug.clone(),
        };
        // Editing a published item opens a working draft; the live copy stays.
        let state = if current.state == Published { Draft } else { current.state };
        let item =
            NewItem { id: id.to_owned(), slug, state, values, by: Some(viewer.id.clone()), at: self.store.now_ms() };
        if !tx.update_item(ty, &item, version).await? {
            return Err(stale(&current, version));
        }
        self.stamp_translations(&mut tx, ty, id, Some(&current), &item.values, item.at).await?;
        for (f, l) in &links {
            tx.replace_links(ty, f, id, l).await?;
        }
        let fields: Vec<&str> = input.as_object().map(|o| o.keys().map(String::as_str).collect()).unwrap_or_default();
        super::audit::record(&mut tx, actor, "update", Some((ty, id)), Some(serde_json::json!({ "fields": fields })))
            .await?;
        let saved = record(&mut tx, ty, id, "save", Some(&viewer.id), None, self.revisions_keep).await?;
        self.index_draft(&mut tx, &saved).await?;
        announce(&mut tx, "content.updated", &saved, false).await?;
        tx.commit().await?;
        Ok(saved)
    }

    pub async fn delete(&self, actor: &Actor, ty: &'static TypeDef, id: &str, version: i64) -> Result<()> {
        let viewer = need_viewer(actor.viewer.as_ref())?;
        let mut tx = self.store.begin().await?;
        let current = Self::load_draft(&mut tx, ty, id).await?;
        check_action(viewer, Action::Delete, Some(&current))?;
        if current.version != version || !tx.delete_item(ty, id, version).await? {
            return Err(stale(&current, version));
        }
        super::audit::record(
            &mut tx,
            actor,
            "delete",
            Some((ty, id)),
            Some(serde_json::json!({ "slug": current.slug })),
        )
        .await?;
        announce(&mut tx, "content.deleted", &current, current.published_at.is_some()).await?;
        let live = current.published_at.is_some();
        if live {
            Store::notify_change(&mut tx, &LiveChange::item(ty, id).0).await?;
        }
        tx.commit().await?;
        if live {
            let _ = self.changes.send(LiveChange::item(ty, id));
        }
        Ok(())
    }

    pub async fn transition(
        &self,
        actor: &Actor,
        at: Versioned<'_>,
        t: Transition,
        comment: Option<&str>,
    ) -> Result<Item> {
        let mut tx = self.store.begin().await?;
        let item = self.transition_in(&mut tx, actor, at, t, comment).await?;
        tx.commit().await?;
        if t.changes_live() {
            let _ = self.changes.send(LiveChange::item(at.ty, at.id));
        }
        Ok(item)
    }

    pub async fn transition_in(
        &self,
        tx: &mut Tx<'_>,
        actor: &Actor,
        at: Versioned<'_>,
        t: Transition,
        comment: Option<&str>,
    ) -> Result<Item> {
        let Versioned { ty, id, version } = at;
        let viewer = need_viewer(actor.viewer.as_ref())?;
        let current = Self::load_draft(tx, ty, id).await?;
        check_action(viewer, Action::Workflow(t), Some(&current))?;
        if current.version != version {
            return Err(stale(&current, version));
        }
        let to = t.target(current.state, current.published_at.is_some())?;
        let now = self.store.now_ms();
        let published_at = match t {
            Transition::Publish => Some(Some(now)),
            Transition::Unpublish | Transition::Archive => Some(None),
            _ => None,
        };
        let change = StateChange { state: to, published_at, by: Some(&viewer.id), at: now };
        if !tx.set_state(ty, id, version, &change).await? {
            return Err(stale(&current, version));
        }
        let detail = serde_json::json!({ "from": current.state, "to": to, "comment": comment });
        super::audit::record(tx, actor, t.name(), Some((ty, id)), Some(detail)).await?;
        if t.changes_live() {
            Store::notify_change(tx, &LiveChange::item(ty, id).0).await?;
        }
        let event = match t {
            Transition::Publish => Some("content.published"),
            Transition::Unpublish => Some("content.unpublished"),
            Transition::Archive => Some("content.archived"),
            _ => None,
        };
        if let Some(event) = event {
            let moved = Self::load_draft(tx, ty, id).await?;
            // The public hears of a publish, and of an unpublish of what it could see.
            let public = t == Transition::Publish || current.published_at.is_some();
            announce(tx, event, &moved, public).await?;
        }
        match t {
            Transition::Publish => {
                tx.copy_to_live(ty, id).await?;
                return record(tx, ty, id, "publish", Some(&viewer.id), comment, self.revisions_keep).await;
            }
            Transition::Unpublish | Transition::Archive => tx.drop_live(ty, id).await?,
            Transition::RequestChanges => {
                return record(tx, ty, id, "changes_requested", Some(&viewer.id), comment, self.revisions_keep).await;
            }
            _ => {}
        }
        Self::load_draft(tx, ty, id).await
    }

    /// A slug made from the title in the default locale (or any locale).
    pub(crate) fn title_slug(&self, ty: &'static TypeDef, values: &[Val]) -> String {
        let idx = ty.fields.iter().position(|f| f.name == ty.title_field).expect("model checked");
        let title = values[idx]
            .as_text()
            .and_then(|s| serde_json::from_str::<BTreeMap<String, String>>(s).ok())
            .and_then(|m| m.get(self.locales.default_locale()).cloned().or_else(|| m.into_values().next()))
            .unwrap_or_default();
        values::slugify(&title)
    }

    /// The given slug if free, else one made from the title, made unique.
    async fn pick_slug(
        &self,
        tx: &mut Tx<'_>,
        ty: &'static TypeDef,
        given: Option<String>,
        values: &[Val],
        except: Option<&str>,
    ) -> Result<String> {
        if let Some(s) = given {
            if tx.slug_taken(ty, &s, except).await? {
                return Err(Error {
                    code: Code::Conflict,
                    message: format!("slug: another {} already uses {s:?}", ty.name),
                    field: Some("slug".into()),
                });
            }
            return Ok(s);
        }
        let base = self.title_slug(ty, values);
        for n in 1..1000 {
            let candidate = if n == 1 { base.clone() } else { format!("{base}-{n}") };
            if !tx.slug_taken(ty, &candidate, except).await? {
                return Ok(candidate);
            }
        }
        Ok(format!("{base}-{}", &new_id()[..8]))
    }
}

/// A new item's values and links from its parsed input; required fields checked.
#[allow(clippy::type_complexity)]
pub(crate) fn new_values(
    ty: &'static TypeDef,
    fields: Vec<(usize, Change)>,
) -> Result<(Vec<Val>, Vec<(&'static crate::model::FieldDef, Vec<crate::store::LinkIn>)>)> {
    let mut values = vec![Val::Null; ty.fields.len()];
    let mut links = Vec::new();
    for (idx, change) in fields {
        match change {
            Change::Set(v) => values[idx] = v,
            Change::Local(p) => values[idx] = values::merge_local(&Val::Null, &p),
            Change::Links(l) => links.push((&ty.fields[idx], l)),
        }
    }
    for (f, v) in ty.fields.iter().zip(&values) {
        let has_links = links.iter().any(|(lf, l)| lf.name == f.name && !l.is_empty());
        if f.required && *v == Val::Null && !has_links {
            return Err(Error::field(f.name, "is required"));
        }
    }
    Ok((values, links))
}

/// Tells webhooks and subscribers about a change, in its transaction (so
/// they hear of it once it commits, and only then).
async fn announce(tx: &mut Tx<'_>, event: &str, item: &Item, public: bool) -> Result<()> {
    super::webhooks::enqueue(tx, event, item).await?;
    let payload = serde_json::json!({
        "event": event, "type": item.ty.name, "id": item.id, "public": public, "at": tx.now_ms(),
    });
    Store::publish_event(tx, &payload.to_string()).await
}

/// Records a revision holding the working copy as it now stands, and returns
/// it; older saves beyond `keep` go (publishes stay).
#[allow(clippy::too_many_arguments)]
async fn record(
    tx: &mut Tx<'_>,
    ty: &'static TypeDef,
    id: &str,
    kind: &str,
    by: Option<&str>,
    message: Option<&str>,
    keep: i64,
) -> Result<Item> {
    let item = tx.draft(ty, id).await?.ok_or_else(|| Error::internal("item vanished inside its transaction"))?;
    let links = if ty.fields.iter().any(|f| matches!(f.kind, Kind::Refs { .. } | Kind::Countries)) {
        tx.draft_links(id).await?
    } else {
        Vec::new()
    };
    let snapshot = values::export(&item, &links)?;
    tx.insert_revision(&Revision {
        id: new_id(),
        item_id: id.to_owned(),
        item_type: ty.name.to_owned(),
        number: 0,
        kind: kind.to_owned(),
        version: item.version,
        state: item.state,
        snapshot: snapshot.to_string(),
        author_id: by.map(str::to_owned),
        message: message.map(str::to_owned),
        created_at: tx.now_ms(),
    })
    .await?;
    if kind == "save" {
        tx.prune_revisions(id, keep).await?;
    }
    Ok(item)
}
