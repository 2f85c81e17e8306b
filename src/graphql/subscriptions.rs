//! Subscriptions: content created, changed, published, unpublished and
//! deleted, filtered by type and id, as the caller may see them (the public
//! hears only about published content). Events come from the store, which
//! on PostgreSQL hears every instance through LISTEN/NOTIFY.

use super::values::{ItemVal, Scope};
use super::{Req, gql_err};
use crate::app::Hub;
use crate::domain::ids;
use crate::error::Error;
use crate::model::item::Stage;
use crate::model::{CONTENT_TYPES, TypeDef, content_type};
use async_graphql::dynamic::*;
use async_graphql::{Name, Value};
use futures_util::StreamExt;
use std::sync::Arc;
use tokio::sync::broadcast::error::RecvError;

const KINDS: &[(&str, &str)] = &[
    ("content.created", "CREATED"),
    ("content.updated", "UPDATED"),
    ("content.deleted", "DELETED"),
    ("content.published", "PUBLISHED"),
    ("content.unpublished", "UNPUBLISHED"),
    ("content.archived", "ARCHIVED"),
];

struct EventVal {
    kind: &'static str,
    ty: &'static TypeDef,
    id: String,
    at: i64,
    scope: Arc<Scope>,
}

fn ev<'a>(ctx: &ResolverContext<'a>) -> async_graphql::Result<&'a EventVal> {
    ctx.parent_value.try_downcast_ref::<EventVal>()
}

pub fn types(b: SchemaBuilder) -> SchemaBuilder {
    let event = Object::new("ContentEvent")
        .description("Something happened to an item.")
        .field(
            super::field("kind", TypeRef::named_nn("ContentEventKind"), |ctx| {
                FieldFuture::new(async move { Ok(Some(Value::Enum(Name::new(ev(&ctx)?.kind)))) })
            })
            .description("What happened."),
        )
        .field(
            super::field("typeName", TypeRef::named_nn(TypeRef::STRING), |ctx| {
                FieldFuture::new(async move { Ok(Some(Value::from(ev(&ctx)?.ty.name))) })
            })
            .description("The item's content type, e.g. Project."),
        )
        .field(
            super::field("itemId", TypeRef::named_nn(TypeRef::ID), |ctx| {
                FieldFuture::new(async move {
                    let e = ev(&ctx)?;
                    Ok(Some(Value::from(ids::encode(e.ty.name, &e.id))))
                })
            })
            .description("The item's global id."),
        )
        .field(
            super::field("at", TypeRef::named_nn("DateTime"), |ctx| {
                FieldFuture::new(async move {
                    Ok(Some(Value::from(crate::domain::values::format_datetime(ev(&ctx)?.at))))
                })
            })
            .description("When it happened."),
        )
        .field(
            super::field("node", TypeRef::named("Content"), |ctx| {
                FieldFuture::new(async move {
                    let e = ev(&ctx)?;
                    // Read afresh: the event is about a change.
                    let reader = &ctx.data::<Req>()?.reader;
                    let item = reader.items(e.ty, e.scope.stage, std::slice::from_ref(&e.id)).await.map_err(gql_err)?;
                    Ok(item.into_iter().next().map(|item| {
                        FieldValue::owned_any(ItemVal { item, scope: e.scope.clone() }).with_type(e.ty.name)
                    }))
                })
            })
            .description("The item as you may see it now (its published version for the public); null once deleted or unpublished."),
        );
    let mut kinds = Enum::new("ContentEventKind").description("What happened to an item.");
    for (_, k) in KINDS {
        kinds = kinds.item(EnumItem::new(*k));
    }
    b.register(event).register(kinds)
}

fn type_of_enum(name: &str) -> Option<&'static TypeDef> {
    CONTENT_TYPES.iter().find(|t| super::search::enum_name(t) == name)
}

pub fn subscription() -> Subscription {
    Subscription::new("Subscription").description("Changes as they happen, over WebSocket (graphql-transport-ws) on /graphql.").field(
        SubscriptionField::new("contentChanged", TypeRef::named_nn("ContentEvent"), |ctx| {
            SubscriptionFieldFuture::new(async move {
                let r = ctx.data::<Req>()?;
                let hub = ctx.data::<Arc<Hub>>()?;
                if r.reader.limited() {
                    return Err(gql_err(Error::forbidden(
                        "Subscriptions are not open to API keys limited to part of the content; use webhooks or poll the feeds.",
                    )));
                }
                // Staff hear about drafts and read working copies; authors who read
                // only their own drafts, about those; everyone else, published content.
                let stage = match r.viewer() {
                    Some(v) => hub.content.draft_stage(v).unwrap_or(Stage::Live),
                    None => Stage::Live,
                };
                let mut types: Vec<&'static TypeDef> = Vec::new();
                if let Some(list) = ctx.args.get("types").filter(|v| !v.is_null()) {
                    for v in list.list()?.iter() {
                        types.extend(type_of_enum(v.enum_name()?));
                    }
                }
                let mut ids_: Vec<String> = Vec::new();
                if let Some(list) = ctx.args.get("ids").filter(|v| !v.is_null()) {
                    for v in list.list()?.iter() {
                        ids_.push(ids::decode(v.string()?).map_err(gql_err)?.1);
                    }
                }
                let mut kinds: Vec<&'static str> = Vec::new();
                if let Some(list) = ctx.args.get("kinds").filter(|v| !v.is_null()) {
                    for v in list.list()?.iter() {
                        let n = v.enum_name()?;
                        kinds.extend(KINDS.iter().filter(|(_, k)| *k == n).map(|(_, k)| *k));
                    }
                }
                let locale = match ctx.args.get("locale").filter(|v| !v.is_null()) {
                    Some(v) => hub.content.locales.locale(v.string()?).map_err(gql_err)?,
                    None => r.accept_locale.clone(),
                };
                let scope = Arc::new(Scope {
                    stage,
                    chain: hub.content.locales.chain(&locale),
                });
                let rx = r.reader.events();
                let reader = r.reader.clone();
                let stream = futures_util::stream::unfold(Some(rx), move |rx| {
                    let (types, ids_, kinds, scope) = (types.clone(), ids_.clone(), kinds.clone(), scope.clone());
                    let reader = reader.clone();
                    async move {
                        let mut rx = rx?;
                        loop {
                            let payload = match rx.recv().await {
                                Ok(p) => p,
                                // A client that cannot keep up is dropped, not waited for.
                                Err(RecvError::Lagged(n)) => {
                                    let e = Error::new(
                                        crate::error::Code::RateLimited,
                                        format!("This subscription fell {n} events behind and was closed; subscribe again and refetch."),
                                    );
                                    return Some((Err(gql_err(e)), None));
                                }
                                Err(RecvError::Closed) => return None,
                            };
                            let Ok(j) = serde_json::from_str::<serde_json::Value>(&payload) else { continue };
                            let Some(ty) = j["type"].as_str().and_then(content_type) else { continue };
                            let Some(kind) = KINDS.iter().find(|(e, _)| Some(*e) == j["event"].as_str()).map(|(_, k)| *k)
                            else {
                                continue;
                            };
                            let id = j["id"].as_str().unwrap_or_default().to_owned();
                            let public = j["public"].as_bool().unwrap_or(false);
                            if (stage == Stage::Live && !public)
                                || (!types.is_empty() && !types.iter().any(|t| t.name == ty.name))
                                || (!ids_.is_empty() && !ids_.contains(&id))
                                || (!kinds.is_empty() && !kinds.contains(&kind))
                            {
                                continue;
                            }
                            // A change to a draft, heard by an author: theirs only.
                            if !public
                                && stage.owner().is_some()
                                && reader.items(ty, stage, std::slice::from_ref(&id)).await.map_or(true, |v| v.is_empty())
                            {
                                continue;
                            }
                            let at = j["at"].as_i64().unwrap_or_default();
                            let val = EventVal { kind, ty, id, at, scope: scope.clone() };
                            return Some((Ok(FieldValue::owned_any(val)), Some(rx)));
                        }
                    }
                });
                // Each event reads afresh: nothing loaded for an earlier one is reused.
                let stream = stream.inspect(move |_| r.loaders.clear());
                Ok(stream)
            })
        })
        .argument(super::input("types", TypeRef::named_nn_list("SearchType")).description("Only these content types; all when omitted."))
        .argument(super::input("ids", TypeRef::named_nn_list(TypeRef::ID)).description("Only these items; all when omitted."))
        .argument(super::input("kinds", TypeRef::named_nn_list("ContentEventKind")).description("Only these kinds of change; all when omitted."))
        .argument(super::input("locale", TypeRef::named(TypeRef::STRING)).description("Locale to read `node` in."))
        .description("Changes to content as they happen. Anonymous callers and API keys hear about published content only (publishes, and unpublishes and deletes of what was published); staff hear about drafts too. Over WebSocket (graphql-transport-ws) on /graphql; authenticate in the connection_init payload."),
    )
}
