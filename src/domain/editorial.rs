//! The editor's side of content: scheduled publishing, revision diff and
//! restore, preview links, comments, soft locks, and review queues.

use super::audit;
use super::auth::Actor;
use super::content::Content;
use super::permissions::{Action, allowed};
use super::values;
use super::workflow::Transition;
use crate::error::{Error, Result};
use crate::model::item::Versioned;
use crate::model::records::{Comment, Lock, PreviewLink, Revision, ScheduledChange};
use crate::model::{Kind, TypeDef, content_type};
use crate::store::new_id;
use serde_json::{Map, Value as J, json};
use std::collections::BTreeSet;

/// How long a soft lock holds without being renewed.
pub const LOCK_TTL_MS: i64 = 5 * 60 * 1000;

fn viewer(actor: &Actor) -> Result<&super::auth::Viewer> {
    actor.viewer.as_ref().ok_or_else(|| Error::unauthenticated("Log in first."))
}

impl Content {
    /// Plans a publish or unpublish at a time (stored in UTC with the zone it was given in).
    pub async fn schedule(
        &self,
        actor: &Actor,
        item: Versioned<'_>,
        t: Transition,
        at: &str,
    ) -> Result<ScheduledChange> {
        let Versioned { ty, id, version } = item;
        let when = chrono::DateTime::parse_from_rfc3339(at).map_err(|_| {
            Error::field("at", format!("{at:?} is not an RFC 3339 date-time such as 2026-12-01T09:00:00+01:00"))
        })?;
        let run_at = when.timestamp_millis();
        if run_at <= self.store.now_ms() {
            return Err(Error::field("at", "is in the past; leave it out to act now"));
        }
        if !matches!(t, Transition::Publish | Transition::Unpublish) {
            return Err(Error::bad_input("only publish and unpublish can be scheduled"));
        }
        self.guard(actor, Action::Workflow(t), ty, id, Some(version)).await?;
        let row = ScheduledChange {
            id: new_id(),
            item_type: ty.name.to_owned(),
            item_id: id.to_owned(),
            action: t.name().to_owned(),
            run_at,
            time_zone: Some(when.offset().to_string()),
            status: "pending".into(),
            created_by: actor.viewer.as_ref().map(|v| v.id.clone()),
            created_at: self.store.now_ms(),
            done_at: None,
            error: None,
        };
        self.store.insert_schedule(&row).await?;
        let detail = json!({ "schedule": row.id, "action": row.action, "at": at });
        self.store.insert_audit(&audit::entry(actor, "schedule", Some((ty, id)), Some(detail))).await?;
        Ok(row)
    }

    pub async fn cancel_schedule(&self, actor: &Actor, schedule_id: &str) -> Result<ScheduledChange> {
        let row = self.store.schedule_by_id(schedule_id).await?.ok_or_else(|| Error::not_found("scheduled change"))?;
        let ty = content_type(&row.item_type).ok_or_else(|| Error::internal("schedule of an unknown type"))?;
        self.guard(actor, Action::Workflow(Transition::Publish), ty, &row.item_id, None).await?;
        if !self.store.cancel_schedule(schedule_id, self.store.now_ms()).await? {
            return Err(Error::bad_input(format!(
                "This change is {} already; only pending changes can be cancelled.",
                row.status
            )));
        }
        let detail = json!({ "schedule": row.id, "action": row.action });
        self.store.insert_audit(&audit::entry(actor, "cancelSchedule", Some((ty, &row.item_id)), Some(detail))).await?;
        self.store.schedule_by_id(schedule_id).await?.ok_or_else(|| Error::internal("schedule vanished"))
    }

    /// Carries out every change that is due, each in its own transaction with
    /// its claim, so it happens once even with several instances on one
    /// database, and again after a crash in the middle. Returns how many ran.
    pub async fn run_due(&self) -> Result<usize> {
        self.run_due_until(&crate::shutdown::Shutdown::default()).await
    }

    /// The same, taking no further change once `stop` has begun (the one
    /// running is finished). A claim is the transaction's row lock: a change
    /// stopped halfway (the process ends) is rolled back with it and stays due.
    pub async fn run_due_until(&self, stop: &crate::shutdown::Shutdown) -> Result<usize> {
        let mut done = 0;
        while !stop.is_begun() {
            let mut tx = self.store.begin().await?;
            let Some(job) = tx.claim_due(self.store.now_ms()).await? else {
                return Ok(done);
            };
            let outcome = match (content_type(&job.item_type), Transition::parse(&job.action)) {
                (Some(ty), Some(t)) => match tx.draft(ty, &job.item_id).await? {
                    Some(item) => {
                        let mut actor = Actor::system();
                        if let Some(v) = actor.viewer.as_mut() {
                            v.email = format!("scheduler (for {})", job.created_by.as_deref().unwrap_or("?"));
                        }
                        self.transition_in(
                            &mut tx,
                            &actor,
                            Versioned { ty, id: &job.item_id, version: item.version },
                            t,
                            Some("scheduled"),
                        )
                        .await
                        .map(|_| ())
                    }
                    None => Err(Error::not_found("the item (deleted since)")),
                },
                _ => Err(Error::internal("a scheduled change of an unknown kind")),
            };
            let (status, error) = match &outcome {
                Ok(()) => ("done", None),
                Err(e) => ("failed", Some(e.message.clone())),
            };
            tx.finish_schedule(&job.id, status, error.as_deref(), self.store.now_ms()).await?;
            tx.commit().await?;
            if outcome.is_ok() {
                let _ = self.changes.send(super::content::LiveChange(format!("{}:{}", job.item_type, job.item_id)));
            }
            tracing::info!(item = %job.item_id, action = %job.action, status, "scheduled change");
            done += 1;
        }
        Ok(done)
    }

    /// A new working draft from an old revision (history is not rewritten).
    pub async fn restore_revision(
        &self,
        actor: &Actor,
        at: Versioned<'_>,
        number: i64,
    ) -> Result<crate::model::item::Item> {
        let Versioned { ty, id, version } = at;
        self.guard(actor, Action::Update, ty, id, Some(version)).await?;
        let rev = self.revision(id, number).await?;
        let snap: J = serde_json::from_str(&rev.snapshot)?;
        let fields = snap["fields"].as_object().cloned().unwrap_or_default();
        // The snapshot says what each field was; fields it lacks were empty.
        let mut input = Map::new();
        for f in ty.fields {
            let v = fields.get(f.name).cloned().unwrap_or(J::Null);
            let v = match f.kind {
                Kind::Reverse { .. } => continue,
                Kind::LocalText | Kind::RichText => {
                    let mut m = Map::new();
                    for l in &self.locales.codes {
                        m.insert(l.clone(), v.get(l).cloned().unwrap_or(J::Null));
                    }
                    J::Object(m)
                }
                Kind::Refs { .. } | Kind::Countries if v.is_null() => J::Array(vec![]),
                _ => v,
            };
            input.insert(f.name.to_owned(), v);
        }
        if let Some(slug) = snap["slug"].as_str() {
            input.insert("slug".into(), J::from(slug));
        }
        let resolve = |t: &'static TypeDef, raw: &str, path: &str| values::by_global_id(t, raw, path);
        let item = self.update(actor, at, &J::Object(input), &resolve, true).await?;
        let detail = json!({ "revision": number });
        self.store.insert_audit(&audit::entry(actor, "restoreRevision", Some((ty, id)), Some(detail))).await?;
        Ok(item)
    }

    async fn revision(&self, id: &str, number: i64) -> Result<Revision> {
        self.store.revisions(&[id.to_owned()]).await?.into_iter().find(|r| r.number == number).ok_or_else(|| {
            Error::field(
                "revision",
                format!("this item has no revision {number} (kept: the last saves and every publish)"),
            )
        })
    }

    /// What changed between two revisions, field by field (localised fields per locale).
    pub async fn diff(
        &self,
        actor: &Actor,
        ty: &'static TypeDef,
        id: &str,
        from: i64,
        to: i64,
    ) -> Result<Vec<FieldChange>> {
        self.guard(actor, Action::ReadDrafts, ty, id, None).await?;
        let (a, b) = (self.revision(id, from).await?, self.revision(id, to).await?);
        let (a, b): (J, J) = (serde_json::from_str(&a.snapshot)?, serde_json::from_str(&b.snapshot)?);
        let mut out = Vec::new();
        let none = J::Null;
        if a["slug"] != b["slug"] {
            out.push(FieldChange {
                field: "slug".into(),
                locale: None,
                before: a["slug"].clone(),
                after: b["slug"].clone(),
            });
        }
        for f in ty.fields {
            let (x, y) = (a["fields"].get(f.name).unwrap_or(&none), b["fields"].get(f.name).unwrap_or(&none));
            if matches!(f.kind, Kind::LocalText | Kind::RichText) {
                let keys: BTreeSet<&String> = x
                    .as_object()
                    .into_iter()
                    .flatten()
                    .chain(y.as_object().into_iter().flatten())
                    .map(|(k, _)| k)
                    .collect();
                for k in keys {
                    let (p, q) = (x.get(k).unwrap_or(&none), y.get(k).unwrap_or(&none));
                    if p != q {
                        out.push(FieldChange {
                            field: f.name.into(),
                            locale: Some(k.clone()),
                            before: p.clone(),
                            after: q.clone(),
                        });
                    }
                }
            } else if x != y {
                out.push(FieldChange { field: f.name.into(), locale: None, before: x.clone(), after: y.clone() });
            }
        }
        Ok(out)
    }

    /// A signed, expiring link to one draft, for a frontend without a login.
    pub async fn create_preview(
        &self,
        actor: &Actor,
        ty: &'static TypeDef,
        id: &str,
        ttl_secs: i64,
    ) -> Result<(PreviewLink, String)> {
        if !(1..=30 * 24 * 3600).contains(&ttl_secs) {
            return Err(Error::field("expiresIn", "between 1 second and 30 days"));
        }
        self.guard(actor, Action::CreatePreview, ty, id, None).await?;
        let token = {
            use base64::Engine;
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
        };
        let row = PreviewLink {
            id: new_id(),
            item_type: ty.name.into(),
            item_id: id.into(),
            expires_at: self.store.now_ms() + ttl_secs * 1000,
            revoked_at: None,
        };
        let by = viewer(actor)?.id.clone();
        self.store.insert_preview(&row, &super::users::token_hash(&token), &by, self.store.now_ms()).await?;
        self.store
            .insert_audit(&audit::entry(actor, "preview.create", Some((ty, id)), Some(json!({ "preview": row.id }))))
            .await?;
        Ok((row, token))
    }

    /// The item a preview token opens, if it is valid.
    pub async fn preview_target(&self, token: &str) -> Result<(&'static TypeDef, String)> {
        let row = self
            .store
            .preview_by_hash(&super::users::token_hash(token))
            .await?
            .ok_or_else(|| Error::unauthenticated("This preview link is not valid."))?;
        if row.revoked_at.is_some() {
            return Err(Error::unauthenticated("This preview link was revoked."));
        }
        if row.expires_at <= self.store.now_ms() {
            return Err(Error::unauthenticated("This preview link has expired."));
        }
        let ty = content_type(&row.item_type).ok_or_else(|| Error::internal("preview of an unknown type"))?;
        Ok((ty, row.item_id))
    }

    pub async fn revoke_preview(&self, actor: &Actor, preview_id: &str) -> Result<bool> {
        let v = viewer(actor)?;
        if !allowed(v.role, Action::RevokePreview, None) {
            return Err(Error::forbidden(format!("Your role {} may not revoke preview links.", v.role)));
        }
        let ok = self.store.revoke_preview(preview_id, self.store.now_ms()).await?;
        if !ok {
            return Err(Error::not_found("an active preview link with this id"));
        }
        self.store
            .insert_audit(&audit::entry(actor, "preview.revoke", None, Some(json!({ "preview": preview_id }))))
            .await?;
        Ok(true)
    }

    pub async fn add_comment(&self, actor: &Actor, ty: &'static TypeDef, id: &str, body: &str) -> Result<Comment> {
        self.guard(actor, Action::Comment, ty, id, None).await?;
        let body = body.trim();
        if body.is_empty() || body.len() > 10_000 {
            return Err(Error::field("body", "write between 1 and 10,000 bytes"));
        }
        let c = Comment {
            id: new_id(),
            item_id: id.into(),
            author_id: actor.viewer.as_ref().map(|v| v.id.clone()),
            body: body.into(),
            created_at: self.store.now_ms(),
        };
        self.store.insert_comment(&c).await?;
        self.store
            .insert_audit(&audit::entry(actor, "comment", Some((ty, id)), Some(json!({ "comment": c.id }))))
            .await?;
        Ok(c)
    }

    /// Says "I am editing this"; returns the lock that holds (maybe another's).
    /// A lock never blocks a write: the version check does.
    pub async fn lock(&self, actor: &Actor, ty: &'static TypeDef, id: &str) -> Result<Lock> {
        self.guard(actor, Action::Update, ty, id, None).await?;
        self.store.take_lock(id, &viewer(actor)?.id, self.store.now_ms(), LOCK_TTL_MS).await
    }

    pub async fn unlock(&self, actor: &Actor, ty: &'static TypeDef, id: &str) -> Result<bool> {
        self.guard(actor, Action::Update, ty, id, None).await?;
        self.store.release_lock(id, &viewer(actor)?.id).await
    }
}

/// One changed field between two revisions.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldChange {
    pub field: String,
    pub locale: Option<String>,
    pub before: J,
    pub after: J,
}
