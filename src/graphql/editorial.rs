//! The editor's side in GraphQL: audit log, scheduling, revision diff and
//! restore, preview links, comments, soft locks, review queues and users.

use super::context::{LoginVal, PageInfoVal, hub, item_value, req, scope};
use super::gql_err;
use super::values::{ItemVal, Scope};
use crate::domain::auth::{Session, User};
use crate::domain::content::DraftReach;
use crate::domain::permissions::{Action, Role, allowed};
use crate::domain::workflow::Transition;
use crate::domain::{ids, values as dv};
use crate::error::Error;
use crate::model::item::{Item, Stage, Versioned};
use crate::model::query::{AuditQuery, Filter, ListSpec, Source, Target, Window};
use crate::model::records::{AuditEntry, Comment, Lock, ScheduledChange};
use crate::model::{CONTENT_TYPES, TypeDef, WorkflowState};
use async_graphql::Value;
use async_graphql::dynamic::*;
use std::sync::Arc;

fn ms(v: i64) -> Value {
    Value::from(dv::format_datetime(v))
}
fn parse_time(ctx: &ResolverContext<'_>, o: &ObjectAccessor<'_>, k: &str) -> async_graphql::Result<Option<i64>> {
    let _ = ctx;
    match o.get(k).filter(|v| !v.is_null()) {
        None => Ok(None),
        Some(v) => chrono::DateTime::parse_from_rfc3339(v.string()?)
            .map(|d| Some(d.timestamp_millis()))
            .map_err(|_| gql_err(Error::field(k, "is not an RFC 3339 date-time"))),
    }
}

/// A page of the audit log, and the query that selected it (for totalCount).
struct AuditPage {
    rows: Vec<AuditEntry>,
    info: PageInfoVal,
    query: AuditQuery,
}

/// Whether the caller may read every item's drafts (editorial lists).
fn staff(ctx: &ResolverContext<'_>) -> async_graphql::Result<bool> {
    let hub = hub(ctx)?;
    Ok(req(ctx)?.viewer().is_some_and(|v| hub.content.draft_reach(v) == DraftReach::All))
}

fn user_field(name: &'static str, get: fn(&FieldValue<'_>) -> Option<String>) -> Field {
    super::field(name, TypeRef::named("User"), move |ctx| {
        FieldFuture::new(async move {
            let Some(id) = get(ctx.parent_value) else { return Ok(None) };
            let user = req(&ctx)?.loaders.users.load(id).await.map_err(gql_err)?;
            Ok(user.map(FieldValue::owned_any))
        })
    })
}

pub fn types(b: SchemaBuilder) -> SchemaBuilder {
    fn a<'a>(ctx: &ResolverContext<'a>) -> async_graphql::Result<&'a AuditEntry> {
        ctx.parent_value.try_downcast_ref::<AuditEntry>()
    }
    fn sc<'a>(ctx: &ResolverContext<'a>) -> async_graphql::Result<&'a ScheduledChange> {
        ctx.parent_value.try_downcast_ref::<ScheduledChange>()
    }
    fn cm<'a>(ctx: &ResolverContext<'a>) -> async_graphql::Result<&'a Comment> {
        ctx.parent_value.try_downcast_ref::<Comment>()
    }
    fn lk<'a>(ctx: &ResolverContext<'a>) -> async_graphql::Result<&'a Lock> {
        ctx.parent_value.try_downcast_ref::<Lock>()
    }
    fn ch<'a>(ctx: &ResolverContext<'a>) -> async_graphql::Result<&'a crate::domain::editorial::FieldChange> {
        ctx.parent_value.try_downcast_ref::<crate::domain::editorial::FieldChange>()
    }
    b.register(
        Object::new("AuditEntry")
            .description("One recorded action: who, when, what, from where. Read-only.")
            .field(super::field("id", TypeRef::named_nn(TypeRef::ID), |ctx| {
                FieldFuture::new(async move { Ok(Some(Value::from(a(&ctx)?.id.clone()))) })
            }))
            .field(super::field("at", TypeRef::named_nn("DateTime"), |ctx| {
                FieldFuture::new(async move { Ok(Some(ms(a(&ctx)?.at))) })
            }))
            .field(
                super::field("action", TypeRef::named_nn(TypeRef::STRING), |ctx| {
                    FieldFuture::new(async move { Ok(Some(Value::from(a(&ctx)?.action.clone()))) })
                })
                .description("create, update, delete, publish, login, loginFailed, user.role, …"),
            )
            .field(super::field("actorId", TypeRef::named(TypeRef::ID), |ctx| {
                FieldFuture::new(async move { Ok(a(&ctx)?.actor_id.clone().map(Value::from)) })
            }))
            .field(super::field("actorEmail", TypeRef::named(TypeRef::STRING), |ctx| {
                FieldFuture::new(async move { Ok(a(&ctx)?.actor_email.clone().map(Value::from)) })
            }))
            .field(super::field("itemType", TypeRef::named(TypeRef::STRING), |ctx| {
                FieldFuture::new(async move { Ok(a(&ctx)?.item_type.clone().map(Value::from)) })
            }))
            .field(super::field("itemId", TypeRef::named(TypeRef::ID), |ctx| {
                FieldFuture::new(async move {
                    let r = a(&ctx)?;
                    Ok(match (&r.item_type, &r.item_id) {
                        (Some(t), Some(id)) => Some(Value::from(ids::encode(t, id))),
                        _ => None,
                    })
                })
            }))
            .field(super::field("detail", TypeRef::named("JSON"), |ctx| {
                FieldFuture::new(async move {
                    Ok(match &a(&ctx)?.detail {
                        Some(d) => Some(Value::from_json(serde_json::from_str(d)?)?),
                        None => None,
                    })
                })
            }))
            .field(super::field("ip", TypeRef::named(TypeRef::STRING), |ctx| {
                FieldFuture::new(async move { Ok(a(&ctx)?.ip.clone().map(Value::from)) })
            }))
            .field(super::field("userAgent", TypeRef::named(TypeRef::STRING), |ctx| {
                FieldFuture::new(async move { Ok(a(&ctx)?.user_agent.clone().map(Value::from)) })
            })),
    )
    .register(
        Object::new("AuditEntryEdge")
            .description("An audit entry and its cursor.")
            .field(super::field("cursor", TypeRef::named_nn(TypeRef::STRING), |ctx| {
                FieldFuture::new(async move { Ok(Some(Value::from(a(&ctx)?.id.clone()))) })
            }))
            .field(
                super::field("node", TypeRef::named_nn("AuditEntry"), |ctx| {
                    FieldFuture::new(async move { Ok(Some(FieldValue::owned_any(a(&ctx)?.clone()))) })
                })
                .description("The entry."),
            ),
    )
    .register(
        Object::new("AuditEntryConnection")
            .description("A page of the audit log, newest first (a Relay connection).")
            .field(
                super::field("totalCount", TypeRef::named_nn(TypeRef::INT), |ctx| {
                    FieldFuture::new(async move {
                        let p = ctx.parent_value.try_downcast_ref::<AuditPage>()?;
                        Ok(Some(Value::from(req(&ctx)?.reader.audit_count(&p.query).await.map_err(gql_err)?)))
                    })
                })
                .description("How many entries match the filter, over all pages."),
            )
            .field(super::field("edges", TypeRef::named_nn_list_nn("AuditEntryEdge"), |ctx| {
                FieldFuture::new(async move {
                    let p = ctx.parent_value.try_downcast_ref::<AuditPage>()?;
                    Ok(Some(FieldValue::list(p.rows.iter().cloned().map(FieldValue::owned_any))))
                })
            }))
            .field(super::field("nodes", TypeRef::named_nn_list_nn("AuditEntry"), |ctx| {
                FieldFuture::new(async move {
                    let p = ctx.parent_value.try_downcast_ref::<AuditPage>()?;
                    Ok(Some(FieldValue::list(p.rows.iter().cloned().map(FieldValue::owned_any))))
                })
            }))
            .field(super::field("pageInfo", TypeRef::named_nn("PageInfo"), |ctx| {
                FieldFuture::new(async move {
                    let p = ctx.parent_value.try_downcast_ref::<AuditPage>()?;
                    Ok(Some(FieldValue::owned_any(PageInfoVal {
                        has_next: p.info.has_next,
                        has_prev: p.info.has_prev,
                        start: p.info.start.clone(),
                        end: p.info.end.clone(),
                    })))
                })
            })),
    )
    .register(
        InputObject::new("AuditFilter")
            .description("Which audit entries to list; all given conditions must hold.")
            .field(super::input("actorId", TypeRef::named(TypeRef::ID)))
            .field(super::input("action", TypeRef::named(TypeRef::STRING)))
            .field(super::input("itemId", TypeRef::named(TypeRef::ID)))
            .field(super::input("itemType", TypeRef::named(TypeRef::STRING)))
            .field(super::input("since", TypeRef::named("DateTime")))
            .field(super::input("until", TypeRef::named("DateTime"))),
    )
    .register(
        Object::new("ScheduledChange")
            .description("A publish or unpublish planned for a time.")
            .field(super::field("id", TypeRef::named_nn(TypeRef::ID), |ctx| {
                FieldFuture::new(async move { Ok(Some(Value::from(sc(&ctx)?.id.clone()))) })
            }))
            .field(
                super::field("action", TypeRef::named_nn(TypeRef::STRING), |ctx| {
                    FieldFuture::new(async move { Ok(Some(Value::from(sc(&ctx)?.action.clone()))) })
                })
                .description("publish or unpublish."),
            )
            .field(
                super::field("at", TypeRef::named_nn("DateTime"), |ctx| {
                    FieldFuture::new(async move { Ok(Some(ms(sc(&ctx)?.run_at))) })
                })
                .description("When, in UTC."),
            )
            .field(
                super::field("timeZone", TypeRef::named(TypeRef::STRING), |ctx| {
                    FieldFuture::new(async move { Ok(sc(&ctx)?.time_zone.clone().map(Value::from)) })
                })
                .description("The UTC offset it was given with."),
            )
            .field(
                super::field("status", TypeRef::named_nn(TypeRef::STRING), |ctx| {
                    FieldFuture::new(async move { Ok(Some(Value::from(sc(&ctx)?.status.clone()))) })
                })
                .description("pending, done, failed or cancelled."),
            )
            .field(super::field("itemId", TypeRef::named_nn(TypeRef::ID), |ctx| {
                FieldFuture::new(async move {
                    let s = sc(&ctx)?;
                    Ok(Some(Value::from(ids::encode(&s.item_type, &s.item_id))))
                })
            }))
            .field(super::field("doneAt", TypeRef::named("DateTime"), |ctx| {
                FieldFuture::new(async move { Ok(sc(&ctx)?.done_at.map(ms)) })
            }))
            .field(super::field("error", TypeRef::named(TypeRef::STRING), |ctx| {
                FieldFuture::new(async move { Ok(sc(&ctx)?.error.clone().map(Value::from)) })
            }))
            .field(user_field("createdBy", |p| p.downcast_ref::<ScheduledChange>().and_then(|s| s.created_by.clone()))),
    )
    .register(
        Object::new("FieldChange")
            .description("A field that differs between two revisions (localised fields per locale).")
            .field(
                super::field("field", TypeRef::named_nn(TypeRef::STRING), |ctx| {
                    FieldFuture::new(async move { Ok(Some(Value::from(ch(&ctx)?.field.clone()))) })
                })
                .description("The field's name."),
            )
            .field(super::field("locale", TypeRef::named(TypeRef::STRING), |ctx| {
                FieldFuture::new(async move { Ok(ch(&ctx)?.locale.clone().map(Value::from)) })
            }))
            .field(
                super::field("before", TypeRef::named("JSON"), |ctx| {
                    FieldFuture::new(async move { Ok(Some(Value::from_json(ch(&ctx)?.before.clone())?)) })
                })
                .description("Its value in the older revision (null: empty)."),
            )
            .field(
                super::field("after", TypeRef::named("JSON"), |ctx| {
                    FieldFuture::new(async move { Ok(Some(Value::from_json(ch(&ctx)?.after.clone())?)) })
                })
                .description("Its value in the newer revision (null: empty)."),
            ),
    )
    .register(
        Object::new("Comment")
            .description("A review comment on an item.")
            .field(super::field("id", TypeRef::named_nn(TypeRef::ID), |ctx| {
                FieldFuture::new(async move { Ok(Some(Value::from(cm(&ctx)?.id.clone()))) })
            }))
            .field(super::field("body", TypeRef::named_nn(TypeRef::STRING), |ctx| {
                FieldFuture::new(async move { Ok(Some(Value::from(cm(&ctx)?.body.clone()))) })
            }))
            .field(super::field("createdAt", TypeRef::named_nn("DateTime"), |ctx| {
                FieldFuture::new(async move { Ok(Some(ms(cm(&ctx)?.created_at))) })
            }))
            .field(user_field("author", |p| p.downcast_ref::<Comment>().and_then(|c| c.author_id.clone()))),
    )
    .register(
        Object::new("EditLock")
            .description("Who is editing an item, since when. Advisory: writes are guarded by versions.")
            .field(super::field("since", TypeRef::named_nn("DateTime"), |ctx| {
                FieldFuture::new(async move { Ok(Some(ms(lk(&ctx)?.since))) })
            }))
            .field(super::field("expiresAt", TypeRef::named_nn("DateTime"), |ctx| {
                FieldFuture::new(async move { Ok(Some(ms(lk(&ctx)?.expires_at))) })
            }))
            .field(user_field("user", |p| p.downcast_ref::<Lock>().map(|l| l.user_id.clone()))),
    )
    .register(
        Object::new("PreviewLink")
            .description("A token that shows one draft to a frontend without a login, until it expires or is revoked.")
            .field(super::field("id", TypeRef::named_nn(TypeRef::ID), |ctx| {
                FieldFuture::new(async move {
                    Ok(Some(Value::from(
                        ctx.parent_value
                            .try_downcast_ref::<(crate::model::records::PreviewLink, String)>()?
                            .0
                            .id
                            .clone(),
                    )))
                })
            }))
            .field(
                super::field("token", TypeRef::named_nn(TypeRef::STRING), |ctx| {
                    FieldFuture::new(async move {
                        Ok(Some(Value::from(
                            ctx.parent_value
                                .try_downcast_ref::<(crate::model::records::PreviewLink, String)>()?
                                .1
                                .clone(),
                        )))
                    })
                })
                .description("Pass as `previewToken:` to the item's lookup. Shown once."),
            )
            .field(super::field("expiresAt", TypeRef::named_nn("DateTime"), |ctx| {
                FieldFuture::new(async move {
                    Ok(Some(ms(ctx
                        .parent_value
                        .try_downcast_ref::<(crate::model::records::PreviewLink, String)>()?
                        .0
                        .expires_at)))
                })
            })),
    )
    .register(
        Object::new("Invitation")
            .description("A new account and the token its owner sets a password with.")
            .field(super::field("user", TypeRef::named_nn("User"), |ctx| {
                FieldFuture::new(async move {
                    Ok(Some(FieldValue::owned_any(ctx.parent_value.try_downcast_ref::<(User, String)>()?.0.clone())))
                })
            }))
            .field(
                super::field("token", TypeRef::named_nn(TypeRef::STRING), |ctx| {
                    FieldFuture::new(async move {
                        Ok(Some(Value::from(ctx.parent_value.try_downcast_ref::<(User, String)>()?.1.clone())))
                    })
                })
                .description("Give it to the person; `acceptInvitation` sets their password. Shown once."),
            ),
    )
}

/// Fields every content type gets for editors (empty for anyone else).
pub fn content_fields(obj: Object) -> Object {
    fn item<'a>(ctx: &ResolverContext<'a>) -> async_graphql::Result<&'a ItemVal> {
        ctx.parent_value.try_downcast_ref::<ItemVal>()
    }
    // Whether the caller may read this item's drafts, and so its editorial fields.
    fn editorial(ctx: &ResolverContext<'_>) -> async_graphql::Result<bool> {
        let (hub, i) = (hub(ctx)?, &item(ctx)?.item);
        Ok(req(ctx)?.viewer().is_some_and(|v| hub.content.may_read_draft_of(v, i)))
    }
    obj.field(
        super::field("comments", TypeRef::named_nn_list_nn("Comment"), |ctx| {
            FieldFuture::new(async move {
                if !editorial(&ctx)? {
                    return Ok(Some(FieldValue::list(Vec::<FieldValue>::new())));
                }
                let rows = req(&ctx)?
                    .loaders
                    .comments
                    .load(item(&ctx)?.item.id.clone())
                    .await
                    .map_err(gql_err)?
                    .unwrap_or_default();
                Ok(Some(FieldValue::list(rows.into_iter().map(FieldValue::owned_any))))
            })
        })
        .description("Review comments, oldest first (editorial roles only)."),
    )
    .field(
        super::field("reviewHistory", TypeRef::named_nn_list_nn("AuditEntry"), |ctx| {
            FieldFuture::new(async move {
                if !editorial(&ctx)? {
                    return Ok(Some(FieldValue::list(Vec::<FieldValue>::new())));
                }
                let rows = req(&ctx)?
                    .loaders
                    .review
                    .load(item(&ctx)?.item.id.clone())
                    .await
                    .map_err(gql_err)?
                    .unwrap_or_default();
                Ok(Some(FieldValue::list(rows.into_iter().map(FieldValue::owned_any))))
            })
        })
        .description(
            "Who submitted, sent back, published, unpublished or archived it, and when (editorial roles only).",
        ),
    )
    .field(
        super::field("editLock", TypeRef::named("EditLock"), |ctx| {
            FieldFuture::new(async move {
                if !editorial(&ctx)? {
                    return Ok(None);
                }
                let lock = req(&ctx)?.loaders.locks.load(item(&ctx)?.item.id.clone()).await.map_err(gql_err)?;
                Ok(lock.map(FieldValue::owned_any))
            })
        })
        .description("Who is editing it now, if anyone (editorial roles only)."),
    )
    .field(
        super::field("scheduledChanges", TypeRef::named_nn_list_nn("ScheduledChange"), |ctx| {
            FieldFuture::new(async move {
                if !editorial(&ctx)? {
                    return Ok(Some(FieldValue::list(Vec::<FieldValue>::new())));
                }
                let rows = req(&ctx)?
                    .loaders
                    .schedules
                    .load(item(&ctx)?.item.id.clone())
                    .await
                    .map_err(gql_err)?
                    .unwrap_or_default();
                Ok(Some(FieldValue::list(rows.into_iter().map(FieldValue::owned_any))))
            })
        })
        .description("Pending publishes and unpublishes (editorial roles only)."),
    )
}

pub fn interface_fields(i: Interface) -> Interface {
    i.field(super::iface("comments", TypeRef::named_nn_list_nn("Comment")))
        .field(super::iface("reviewHistory", TypeRef::named_nn_list_nn("AuditEntry")))
        .field(super::iface("editLock", TypeRef::named("EditLock")))
        .field(super::iface("scheduledChanges", TypeRef::named_nn_list_nn("ScheduledChange")))
}

fn items_of_state(
    state: WorkflowState,
    own: bool,
) -> impl for<'a> Fn(ResolverContext<'a>) -> FieldFuture<'a> + Send + Sync + 'static {
    move |ctx| {
        FieldFuture::new(async move {
            let hub = hub(&ctx)?;
            let r = req(&ctx)?;
            let v = r.viewer().ok_or_else(|| gql_err(Error::unauthenticated("Log in first.")))?;
            // An author who reads only their own drafts gets their own items in every list.
            let stage = hub.content.draft_stage(v).map_err(gql_err)?;
            let own = own || stage.owner().is_some();
            let scope = Arc::new(Scope { stage, chain: hub.content.locales.chain(&r.accept_locale) });
            let mut filter = vec![Filter::Cond {
                target: Target::Common(crate::model::query::Common::State),
                op: crate::model::query::Op::Eq,
                value: crate::model::query::Value::Text(state.as_str().into()),
            }];
            if own {
                filter.push(Filter::Cond {
                    target: Target::Common(crate::model::query::Common::CreatedBy),
                    op: crate::model::query::Op::Eq,
                    value: crate::model::query::Value::Text(v.id.clone()),
                });
            }
            let spec = ListSpec {
                filter: Some(Filter::And(filter)),
                order: vec![crate::model::query::OrderBy {
                    target: Target::Common(crate::model::query::Common::UpdatedAt),
                    desc: true,
                }],
                window: Window { first: Some(100), last: None, after: None, before: None },
                locales: scope.chain.clone(),
                want_total: false,
                columns: crate::model::query::Columns::ALL,
            };
            let mut out = Vec::new();
            for ty in CONTENT_TYPES {
                let pages = r.reader.list(Source::Root(ty), stage, &spec).await.map_err(gql_err)?;
                for p in pages.into_values() {
                    out.extend(p.edges.into_iter().map(|e| e.item));
                }
            }
            out.sort_by_key(|i| std::cmp::Reverse(i.updated_at));
            Ok(Some(FieldValue::list(out.into_iter().map(|i| {
                let name = i.ty.name;
                FieldValue::owned_any(ItemVal { item: i, scope: scope.clone() }).with_type(name)
            }))))
        })
    }
}

pub fn queries(q: Object) -> Object {
    q.field(
        super::field("auditLog", TypeRef::named_nn("AuditEntryConnection"), |ctx| {
            FieldFuture::new(async move {
                let r = req(&ctx)?;
                let v = r.viewer().ok_or_else(|| gql_err(Error::unauthenticated("Log in first.")))?;
                if !allowed(v.role, Action::ManageUsers, None) {
                    return Err(gql_err(Error::forbidden("Only admins read the audit log.")));
                }
                let arg = |k: &str| ctx.args.get(k).filter(|v| !v.is_null());
                let count = |k: &str| -> async_graphql::Result<Option<usize>> {
                    match arg(k) {
                        None => Ok(None),
                        Some(v) => match v.i64()? {
                            n @ 0..=500 => Ok(Some(n as usize)),
                            _ => Err(gql_err(Error::field(k, "between 0 and 500"))),
                        },
                    }
                };
                let cursor = |k: &str| arg(k).map(|v| v.string().map(str::to_owned)).transpose();
                let (first, last, after, before) =
                    (count("first")?, count("last")?, cursor("after")?, cursor("before")?);
                if first.is_some() && last.is_some() {
                    return Err(gql_err(Error::field(
                        "last",
                        "give first (with after) or last (with before), not both",
                    )));
                }
                // The list runs newest first: forward (`first`/`after`) goes to
                // older entries; backward (`last`/`before`) reads the entries just
                // newer than the cursor, or the oldest, from the old end up.
                let backward = last.is_some() || (first.is_none() && before.is_some());
                let mut f = AuditQuery {
                    first: if backward { last.unwrap_or(50) } else { first.unwrap_or(50) },
                    from_oldest: backward,
                    older_than: after.clone(),
                    newer_than: before.clone(),
                    ..Default::default()
                };
                if let Some(o) = ctx.args.get("filter").filter(|v| !v.is_null()) {
                    let o = o.object()?;
                    f.actor_id = o.get("actorId").and_then(|v| v.string().ok().map(str::to_owned));
                    f.action = o.get("action").and_then(|v| v.string().ok().map(str::to_owned));
                    f.item_type = o.get("itemType").and_then(|v| v.string().ok().map(str::to_owned));
                    if let Some(gid) = o.get("itemId").and_then(|v| v.string().ok().map(str::to_owned)) {
                        f.item_id = Some(ids::decode(&gid).map_err(gql_err)?.1);
                    }
                    f.since = parse_time(&ctx, &o, "since")?;
                    f.until = parse_time(&ctx, &o, "until")?;
                }
                let (rows, more) = req(&ctx)?.reader.audit(&f).await.map_err(gql_err)?;
                let (has_next, has_prev) = if backward { (before.is_some(), more) } else { (more, after.is_some()) };
                let info = PageInfoVal {
                    has_next,
                    has_prev,
                    start: rows.first().map(|r| r.id.clone()),
                    end: rows.last().map(|r| r.id.clone()),
                };
                let query = AuditQuery { older_than: None, newer_than: None, ..f };
                Ok(Some(FieldValue::owned_any(AuditPage { rows, info, query })))
            })
        })
        .argument(super::input("first", TypeRef::named(TypeRef::INT)).description(
            "Up to this many entries from the newest (or after `after`); at most 500, 50 when no window is given.",
        ))
        .argument(
            super::input("after", TypeRef::named(TypeRef::STRING)).description("A cursor: older entries than it."),
        )
        .argument(
            super::input("last", TypeRef::named(TypeRef::INT))
                .description("Up to this many entries from the oldest (or before `before`)."),
        )
        .argument(
            super::input("before", TypeRef::named(TypeRef::STRING)).description("A cursor: newer entries than it."),
        )
        .argument(super::input("filter", TypeRef::named("AuditFilter")))
        .description("Every write, transition, login and user change, newest first (admins)."),
    )
    .field(
        super::field("scheduledChanges", TypeRef::named_nn_list_nn("ScheduledChange"), |ctx| {
            FieldFuture::new(async move {
                if !staff(&ctx)? {
                    return Err(gql_err(Error::forbidden("Scheduled changes are for editorial roles.")));
                }
                let status = ctx.args.get("status").and_then(|v| v.string().ok().map(str::to_owned));
                let rows = req(&ctx)?.reader.schedules(status.as_deref()).await.map_err(gql_err)?;
                Ok(Some(FieldValue::list(rows.into_iter().map(FieldValue::owned_any))))
            })
        })
        .argument(
            super::input("status", TypeRef::named(TypeRef::STRING))
                .description("pending, done, failed or cancelled; all when absent."),
        )
        .description("Planned publishes and unpublishes, soonest first."),
    )
    .field(
        super::field("revisionDiff", TypeRef::named_nn_list_nn("FieldChange"), |ctx| {
            FieldFuture::new(async move {
                let (ty, id) = ids::decode(ctx.args.try_get("id")?.string()?).map_err(gql_err)?;
                let (from, to) = (ctx.args.try_get("from")?.i64()?, ctx.args.try_get("to")?.i64()?);
                let changes = hub(&ctx)?.content.diff(&req(&ctx)?.actor, ty, &id, from, to).await.map_err(gql_err)?;
                Ok(Some(FieldValue::list(changes.into_iter().map(FieldValue::owned_any))))
            })
        })
        .argument(super::input("id", TypeRef::named_nn(TypeRef::ID)))
        .argument(super::input("from", TypeRef::named_nn(TypeRef::INT)).description("Revision number."))
        .argument(super::input("to", TypeRef::named_nn(TypeRef::INT)).description("Revision number."))
        .description("The fields that differ between two revisions of an item."),
    )
    .field(
        super::field(
            "reviewQueue",
            TypeRef::named_nn_list_nn("Content"),
            items_of_state(WorkflowState::InReview, false),
        )
        .description("Items waiting for review, most recently changed first."),
    )
    .field(
        super::field("myDrafts", TypeRef::named_nn_list_nn("Content"), items_of_state(WorkflowState::Draft, true))
            .description("Your items in DRAFT, most recently changed first."),
    )
    .field(
        super::field("users", TypeRef::named_nn_list_nn("User"), |ctx| {
            FieldFuture::new(async move {
                let rows = hub(&ctx)?.users.list(&req(&ctx)?.actor).await.map_err(gql_err)?;
                Ok(Some(FieldValue::list(rows.into_iter().map(FieldValue::owned_any))))
            })
        })
        .description("Everyone with an account (admins)."),
    )
}

fn content_id(ctx: &ResolverContext<'_>) -> async_graphql::Result<(&'static TypeDef, String)> {
    ids::decode(ctx.args.try_get("id")?.string()?).map_err(gql_err)
}

fn role_arg(ctx: &ResolverContext<'_>) -> async_graphql::Result<Role> {
    let arg = ctx.args.try_get("role")?;
    Role::parse(arg.enum_name()?).ok_or_else(|| gql_err(Error::field("role", "unknown role")))
}

pub fn mutations(m: Object) -> Object {
    let typed = move |item: Item, ctx: &ResolverContext<'_>| -> async_graphql::Result<FieldValue<'static>> {
        let name = item.ty.name;
        Ok(item_value(Arc::new(item), scope(ctx, Stage::Draft)?).with_type(name))
    };
    // The session goes into the cookie when asked (`cookie: true`) or when the
    // caller came with one; the payload then holds no token.
    let login_value = |ctx: &ResolverContext<'_>, session: Session| -> async_graphql::Result<FieldValue<'static>> {
        let cookie = ctx.args.get("cookie").and_then(|v| v.boolean().ok()).unwrap_or(false);
        let token = req(ctx)?.hand_over(session.token, session.expires_at, cookie)?;
        Ok(FieldValue::owned_any(LoginVal { token, expires_at: session.expires_at, user: session.user }))
    };
    m.field(
        super::field("cancelScheduledChange", TypeRef::named_nn("ScheduledChange"), |ctx| {
            FieldFuture::new(async move {
                let id = ctx.args.try_get("id")?.string()?.to_owned();
                let row = hub(&ctx)?.content.cancel_schedule(&req(&ctx)?.actor, &id).await.map_err(gql_err)?;
                Ok(Some(FieldValue::owned_any(row)))
            })
        })
        .argument(super::input("id", TypeRef::named_nn(TypeRef::ID)))
        .description("Cancels a pending publish or unpublish."),
    )
    .field(
        super::field("restoreRevision", TypeRef::named_nn("Content"), move |ctx| {
            FieldFuture::new(async move {
                let (ty, id) = content_id(&ctx)?;
                let version = ctx.args.try_get("version")?.i64()?;
                let number = ctx.args.try_get("revision")?.i64()?;
                let item = hub(&ctx)?.content.restore_revision(&req(&ctx)?.actor, Versioned { ty, id: &id, version }, number).await.map_err(gql_err)?;
                typed(item, &ctx).map(Some)
            })
        })
        .argument(super::input("id", TypeRef::named_nn(TypeRef::ID)))
        .argument(super::input("version", TypeRef::named_nn(TypeRef::INT)))
        .argument(super::input("revision", TypeRef::named_nn(TypeRef::INT)).description("The revision number to bring back."))
        .description("Makes a new working draft from an old revision; history is kept."),
    )
    .field(
        super::field("addComment", TypeRef::named_nn("Comment"), |ctx| {
            FieldFuture::new(async move {
                let (ty, id) = content_id(&ctx)?;
                let body = ctx.args.try_get("body")?.string()?.to_owned();
                let c = hub(&ctx)?.content.add_comment(&req(&ctx)?.actor, ty, &id, &body).await.map_err(gql_err)?;
                Ok(Some(FieldValue::owned_any(c)))
            })
        })
        .argument(super::input("id", TypeRef::named_nn(TypeRef::ID)))
        .argument(super::input("body", TypeRef::named_nn(TypeRef::STRING)))
        .description("A review comment kept with the item."),
    )
    .field(
        super::field("createPreviewLink", TypeRef::named_nn("PreviewLink"), |ctx| {
            FieldFuture::new(async move {
                let (ty, id) = content_id(&ctx)?;
                let ttl = ctx.args.get("expiresIn").and_then(|v| v.i64().ok()).unwrap_or(86_400);
                let p = hub(&ctx)?.content.create_preview(&req(&ctx)?.actor, ty, &id, ttl).await.map_err(gql_err)?;
                Ok(Some(FieldValue::owned_any(p)))
            })
        })
        .argument(super::input("id", TypeRef::named_nn(TypeRef::ID)))
        .argument(super::input("expiresIn", TypeRef::named(TypeRef::INT)).default_value(86_400).description("Seconds, 1 to 30 days (a day by default)."))
        .description("A token that lets a frontend show this draft without a login."),
    )
    .field(
        super::field("revokePreviewLink", TypeRef::named_nn(TypeRef::BOOLEAN), |ctx| {
            FieldFuture::new(async move {
                let id = ctx.args.try_get("id")?.string()?.to_owned();
                Ok(Some(Value::from(hub(&ctx)?.content.revoke_preview(&req(&ctx)?.actor, &id).await.map_err(gql_err)?)))
            })
        })
        .argument(super::input("id", TypeRef::named_nn(TypeRef::ID))),
    )
    .field(
        super::field("lockItem", TypeRef::named_nn("EditLock"), |ctx| {
            FieldFuture::new(async move {
                let (ty, id) = content_id(&ctx)?;
                let l = hub(&ctx)?.content.lock(&req(&ctx)?.actor, ty, &id).await.map_err(gql_err)?;
                Ok(Some(FieldValue::owned_any(l)))
            })
        })
        .argument(super::input("id", TypeRef::named_nn(TypeRef::ID)))
        .description("Says you are editing the item (renew within 5 minutes). Returns the lock that holds: yours, or who else is editing."),
    )
    .field(
        super::field("unlockItem", TypeRef::named_nn(TypeRef::BOOLEAN), |ctx| {
            FieldFuture::new(async move {
                let (ty, id) = content_id(&ctx)?;
                Ok(Some(Value::from(hub(&ctx)?.content.unlock(&req(&ctx)?.actor, ty, &id).await.map_err(gql_err)?)))
            })
        })
        .argument(super::input("id", TypeRef::named_nn(TypeRef::ID))),
    )
    .field(
        super::field("inviteUser", TypeRef::named_nn("Invitation"), |ctx| {
            FieldFuture::new(async move {
                let email = ctx.args.try_get("email")?.string()?.to_owned();
                let (u, t) = hub(&ctx)?.users.invite(&req(&ctx)?.actor, &email, role_arg(&ctx)?).await.map_err(gql_err)?;
                Ok(Some(FieldValue::owned_any((u, t))))
            })
        })
        .argument(super::input("email", TypeRef::named_nn(TypeRef::STRING)))
        .argument(super::input("role", TypeRef::named_nn("Role")))
        .description("Creates an account and an invitation token (admins)."),
    )
    .field(
        super::field("acceptInvitation", TypeRef::named_nn("LoginPayload"), move |ctx| {
            FieldFuture::new(async move {
                let token = ctx.args.try_get("token")?.string()?.to_owned();
                let password = ctx.args.try_get("password")?.string()?.to_owned();
                let out = hub(&ctx)?.users.accept_invite(&req(&ctx)?.actor, &token, &password).await.map_err(gql_err)?;
                Ok(Some(login_value(&ctx, out)?))
            })
        })
        .argument(super::input("token", TypeRef::named_nn(TypeRef::STRING)))
        .argument(super::input("password", TypeRef::named_nn(TypeRef::STRING)))
        .argument(super::cookie_arg())
        .description("Sets your password from an invitation and logs you in."),
    )
    .field(
        super::field("updateUserRole", TypeRef::named_nn("User"), |ctx| {
            FieldFuture::new(async move {
                let id = ctx.args.try_get("userId")?.string()?.to_owned();
                let (users, actor) = (&hub(&ctx)?.users, &req(&ctx)?.actor);
                let u = users.set_role(actor, &id, role_arg(&ctx)?, super::version_value(&ctx)?).await.map_err(gql_err)?;
                Ok(Some(FieldValue::owned_any(u)))
            })
        })
        .argument(super::input("userId", TypeRef::named_nn(TypeRef::ID)))
        .argument(super::input("role", TypeRef::named_nn("Role")))
        .argument(super::version_arg()),
    )
    .field(
        super::field("deactivateUser", TypeRef::named_nn("User"), |ctx| {
            FieldFuture::new(async move {
                let id = ctx.args.try_get("userId")?.string()?.to_owned();
                let (users, actor) = (&hub(&ctx)?.users, &req(&ctx)?.actor);
                let u = users.set_active(actor, &id, false, super::version_value(&ctx)?).await.map_err(gql_err)?;
                Ok(Some(FieldValue::owned_any(u)))
            })
        })
        .argument(super::input("userId", TypeRef::named_nn(TypeRef::ID)))
        .argument(super::version_arg())
        .description("Blocks the account and ends its sessions (admins)."),
    )
    .field(
        super::field("reactivateUser", TypeRef::named_nn("User"), |ctx| {
            FieldFuture::new(async move {
                let id = ctx.args.try_get("userId")?.string()?.to_owned();
                let (users, actor) = (&hub(&ctx)?.users, &req(&ctx)?.actor);
                let u = users.set_active(actor, &id, true, super::version_value(&ctx)?).await.map_err(gql_err)?;
                Ok(Some(FieldValue::owned_any(u)))
            })
        })
        .argument(super::input("userId", TypeRef::named_nn(TypeRef::ID)))
        .argument(super::version_arg()),
    )
    .field(
        super::field("deleteUser", TypeRef::named_nn(TypeRef::BOOLEAN), |ctx| {
            FieldFuture::new(async move {
                let id = ctx.args.try_get("userId")?.string()?.to_owned();
                hub(&ctx)?.users.delete(&req(&ctx)?.actor, &id).await.map_err(gql_err)?;
                Ok(Some(Value::from(true)))
            })
        })
        .argument(super::input("userId", TypeRef::named_nn(TypeRef::ID))),
    )
    .field(
        super::field("changePassword", TypeRef::named_nn(TypeRef::BOOLEAN), |ctx| {
            FieldFuture::new(async move {
                let cur = ctx.args.try_get("currentPassword")?.string()?.to_owned();
                let new = ctx.args.try_get("newPassword")?.string()?.to_owned();
                hub(&ctx)?.users.change_password(&req(&ctx)?.actor, &cur, &new).await.map_err(gql_err)?;
                Ok(Some(Value::from(true)))
            })
        })
        .argument(super::input("currentPassword", TypeRef::named_nn(TypeRef::STRING)))
        .argument(super::input("newPassword", TypeRef::named_nn(TypeRef::STRING)))
        .description("Changes your password (12+ characters); your other sessions end."),
    )
    .field(
        super::field("refreshToken", TypeRef::named_nn("LoginPayload"), move |ctx| {
            FieldFuture::new(async move {
                let out = hub(&ctx)?.users.refresh(&req(&ctx)?.actor).await.map_err(gql_err)?;
                Ok(Some(login_value(&ctx, out)?))
            })
        })
        .description("A new token for a new session; the current one ends. Signed in with the session cookie, the new session goes into the cookie."),
    )
    .field(
        super::field("logout", TypeRef::named_nn(TypeRef::BOOLEAN), |ctx| {
            FieldFuture::new(async move {
                let r = req(&ctx)?;
                hub(&ctx)?.users.logout(&r.actor).await.map_err(gql_err)?;
                if r.via_cookie {
                    r.set_cookie(super::SessionCookie::Clear);
                }
                Ok(Some(Value::from(true)))
            })
        })
        .description("Ends this session: its token stops working (and the session cookie is cleared)."),
    )
    .field(
        super::field("logoutEverywhere", TypeRef::named_nn(TypeRef::INT), |ctx| {
            FieldFuture::new(async move {
                let r = req(&ctx)?;
                let n = hub(&ctx)?.users.logout_everywhere(&r.actor).await.map_err(gql_err)?;
                if r.via_cookie {
                    r.set_cookie(super::SessionCookie::Clear);
                }
                Ok(Some(Value::from(n)))
            })
        })
        .description("Ends every session of yours; returns how many."),
    )
}

/// Schedules instead of acting when a transition mutation has `at:`.
pub async fn scheduled(
    ctx: &ResolverContext<'_>,
    ty: &'static TypeDef,
    id: &str,
    version: i64,
    t: Transition,
    at: &str,
) -> async_graphql::Result<Item> {
    let h = hub(ctx)?;
    h.content.schedule(&req(ctx)?.actor, Versioned { ty, id, version }, t, at).await.map_err(gql_err)?;
    let item = req(ctx)?.reader.items(ty, Stage::Draft, &[id.to_owned()]).await.map_err(gql_err)?.pop();
    item.map(Arc::unwrap_or_clone).ok_or_else(|| gql_err(Error::not_found("item")))
}

/// Checks a preview token for an item and opens its draft.
pub async fn preview_stage(
    ctx: &ResolverContext<'_>,
    ty: &'static TypeDef,
    id: Option<&str>,
) -> async_graphql::Result<Option<String>> {
    let Some(token) = ctx.args.get("previewToken").filter(|v| !v.is_null()) else { return Ok(None) };
    let (t, item) = hub(ctx)?.content.preview_target(token.string()?).await.map_err(gql_err)?;
    if t.name != ty.name || id.is_some_and(|i| i != item) {
        return Err(gql_err(Error::forbidden("This preview token is for another item.")));
    }
    Ok(Some(item))
}
