//! Webhooks in GraphQL (admins only): register, change, delete, read the
//! delivery log, replay a delivery.

use super::{Req, gql_err};
use crate::app::Hub;
use crate::domain::values::format_datetime;
use crate::domain::webhooks::{Webhook, WebhookSettings};
use crate::model::records::{Attempt, Delivery};
use async_graphql::Value;
use async_graphql::dynamic::*;
use std::sync::Arc;

struct DeliveryVal(Delivery, Vec<Attempt>);

fn parts<'a>(ctx: &ResolverContext<'a>) -> async_graphql::Result<(&'a Arc<Hub>, &'a Req)> {
    let r = ctx.data::<Req>()?;
    r.mark_private();
    Ok((ctx.data::<Arc<Hub>>()?, r))
}

fn ms(v: Option<i64>) -> Option<Value> {
    v.map(|m| Value::from(format_datetime(m)))
}

fn strings(v: &[String]) -> Value {
    Value::List(v.iter().map(|s| Value::from(s.clone())).collect())
}

fn wf(name: &'static str, ty: TypeRef, desc: &'static str, get: fn(&Webhook) -> Option<Value>) -> Field {
    super::field(name, ty, move |ctx| {
        FieldFuture::new(async move { Ok(get(ctx.parent_value.try_downcast_ref::<Webhook>()?)) })
    })
    .description(desc)
}

fn df(name: &'static str, ty: TypeRef, desc: &'static str, get: fn(&Delivery) -> Option<Value>) -> Field {
    super::field(name, ty, move |ctx| {
        FieldFuture::new(async move { Ok(get(&ctx.parent_value.try_downcast_ref::<DeliveryVal>()?.0)) })
    })
    .description(desc)
}

fn af(name: &'static str, ty: TypeRef, desc: &'static str, get: fn(&Attempt) -> Option<Value>) -> Field {
    super::field(name, ty, move |ctx| {
        FieldFuture::new(async move { Ok(get(ctx.parent_value.try_downcast_ref::<Attempt>()?)) })
    })
    .description(desc)
}

pub fn types(b: SchemaBuilder) -> SchemaBuilder {
    let s = || TypeRef::named_nn(TypeRef::STRING);
    let hook = Object::new("Webhook")
        .description("An endpoint told about content changes, each delivery signed with its secret.")
        .field(wf("id", TypeRef::named_nn(TypeRef::ID), "The webhook's id.", |w| Some(Value::from(w.id.clone()))))
        .field(wf("url", s(), "Where deliveries are POSTed.", |w| Some(Value::from(w.url.clone()))))
        .field(wf(
            "secret",
            s(),
            "The signing secret, shared with the receiver (see the README for checking `Relais-Signature`).",
            |w| Some(Value::from(w.secret.clone())),
        ))
        .field(wf("events", TypeRef::named_nn_list_nn(TypeRef::STRING), "Events it is told about; empty: all.", |w| {
            Some(strings(&w.events))
        }))
        .field(wf(
            "types",
            TypeRef::named_nn_list_nn(TypeRef::STRING),
            "Content types it is told about; empty: all.",
            |w| Some(strings(&w.types)),
        ))
        .field(wf("description", TypeRef::named(TypeRef::STRING), "What it is for.", |w| {
            w.description.clone().map(Value::from)
        }))
        .field(wf("active", TypeRef::named_nn(TypeRef::BOOLEAN), "Whether changes are delivered to it.", |w| {
            Some(Value::from(w.active))
        }))
        .field(wf("createdAt", TypeRef::named_nn("DateTime"), "When it was registered.", |w| ms(Some(w.created_at))))
        .field(wf(
            "version",
            TypeRef::named_nn(TypeRef::INT),
            "Raised by every change; send it back with a change so that a newer one is not overwritten.",
            |w| Some(Value::from(w.version)),
        ))
        .field(
            super::field("deliveries", TypeRef::named_nn_list_nn("WebhookDelivery"), |ctx| {
                FieldFuture::new(async move {
                    let (hub, r) = parts(&ctx)?;
                    let w = ctx.parent_value.try_downcast_ref::<Webhook>()?;
                    let first =
                        ctx.args.get("first").filter(|v| !v.is_null()).map(|v| v.i64()).transpose()?.unwrap_or(20);
                    let list = hub.webhooks.deliveries(r.viewer(), &w.id, first).await.map_err(gql_err)?;
                    Ok(Some(FieldValue::list(list.into_iter().map(|(d, a)| FieldValue::owned_any(DeliveryVal(d, a))))))
                })
            })
            .argument(
                super::input("first", TypeRef::named(TypeRef::INT))
                    .description("How many, newest first (at most 200; 20 by default)."),
            )
            .description("The delivery log, newest first."),
        );
    let delivery = Object::new("WebhookDelivery")
        .description("One event sent (or being sent) to a webhook, with every attempt.")
        .field(df(
            "id",
            TypeRef::named_nn(TypeRef::ID),
            "The delivery's id (also in the payload and the Relais-Delivery header).",
            |d| Some(Value::from(d.id.clone())),
        ))
        .field(df("event", s(), "The event, e.g. content.published.", |d| Some(Value::from(d.event.clone()))))
        .field(df("payload", TypeRef::named_nn("JSON"), "The JSON body sent.", |d| {
            serde_json::from_str::<serde_json::Value>(&d.payload).ok().and_then(|j| Value::from_json(j).ok())
        }))
        .field(df(
            "status",
            s(),
            "PENDING (will be tried, or retried), DELIVERED, or FAILED (gave up after a day).",
            |d| Some(Value::from(d.status.to_uppercase())),
        ))
        .field(df("attemptCount", TypeRef::named_nn(TypeRef::INT), "Attempts so far.", |d| {
            Some(Value::from(d.attempts))
        }))
        .field(df("nextAttemptAt", TypeRef::named("DateTime"), "When it is tried next, while pending.", |d| {
            (d.status == "pending").then(|| Value::from(format_datetime(d.next_attempt_at)))
        }))
        .field(df("createdAt", TypeRef::named_nn("DateTime"), "When the change happened.", |d| ms(Some(d.created_at))))
        .field(df("deliveredAt", TypeRef::named("DateTime"), "When the receiver accepted it.", |d| ms(d.delivered_at)))
        .field(df("replayOf", TypeRef::named(TypeRef::ID), "The delivery this one replays.", |d| {
            d.replay_of.clone().map(Value::from)
        }))
        .field(
            super::field("attempts", TypeRef::named_nn_list_nn("WebhookAttempt"), |ctx| {
                FieldFuture::new(async move {
                    let d = ctx.parent_value.try_downcast_ref::<DeliveryVal>()?;
                    Ok(Some(FieldValue::list(d.1.iter().cloned().map(FieldValue::owned_any))))
                })
            })
            .description("Every attempt, in order."),
        );
    let attempt = Object::new("WebhookAttempt")
        .description("One try at a delivery.")
        .field(af("number", TypeRef::named_nn(TypeRef::INT), "1 for the first try.", |a| Some(Value::from(a.number))))
        .field(af("at", TypeRef::named_nn("DateTime"), "When it was made.", |a| ms(Some(a.at))))
        .field(af(
            "statusCode",
            TypeRef::named(TypeRef::INT),
            "The receiver's HTTP status; null when none came.",
            |a| a.status_code.map(Value::from),
        ))
        .field(af("latencyMs", TypeRef::named_nn(TypeRef::INT), "How long the receiver took.", |a| {
            Some(Value::from(a.latency_ms))
        }))
        .field(af("error", TypeRef::named(TypeRef::STRING), "Why no answer came (timeout, connection refused).", |a| {
            a.error.clone().map(Value::from)
        }))
        .field(af(
            "responseExcerpt",
            TypeRef::named(TypeRef::STRING),
            "The first 500 characters of the answer.",
            |a| a.response_excerpt.clone().map(Value::from),
        ));
    let input = InputObject::new("WebhookInput")
        .description("Where and what to deliver.")
        .field(super::input("url", TypeRef::named_nn(TypeRef::STRING)).description("An absolute http(s) URL."))
        .field(super::input("events", TypeRef::named_nn_list(TypeRef::STRING)).description("Events to deliver (content.created, content.updated, content.deleted, content.published, content.unpublished, content.archived); all when omitted."))
        .field(super::input("types", TypeRef::named_nn_list(TypeRef::STRING)).description("Content types (Project, Event…); all when omitted."))
        .field(super::input("description", TypeRef::named(TypeRef::STRING)).description("What it is for."))
        .field(super::input("active", TypeRef::named(TypeRef::BOOLEAN)).default_value(true).description("Whether to deliver to it."));
    b.register(hook).register(delivery).register(attempt).register(input)
}

fn settings(ctx: &ResolverContext<'_>) -> async_graphql::Result<WebhookSettings> {
    let o = ctx.args.try_get("input")?.object()?;
    let list = |k: &str| -> async_graphql::Result<Vec<String>> {
        match o.get(k).filter(|v| !v.is_null()) {
            None => Ok(vec![]),
            Some(l) => l.list()?.iter().map(|v| v.string().map(str::to_owned)).collect(),
        }
    };
    Ok(WebhookSettings {
        url: o.try_get("url")?.string()?.to_owned(),
        events: list("events")?,
        types: list("types")?,
        description: o
            .get("description")
            .filter(|v| !v.is_null())
            .map(|v| v.string().map(str::to_owned))
            .transpose()?,
        active: o.get("active").filter(|v| !v.is_null()).map(|v| v.boolean()).transpose()?.unwrap_or(true),
    })
}

pub fn queries(q: Object) -> Object {
    q.field(
        super::field("webhooks", TypeRef::named_nn_list_nn("Webhook"), |ctx| {
            FieldFuture::new(async move {
                let (hub, r) = parts(&ctx)?;
                let list = hub.webhooks.list(r.viewer()).await.map_err(gql_err)?;
                Ok(Some(FieldValue::list(list.into_iter().map(FieldValue::owned_any))))
            })
        })
        .description("Registered webhooks (admins)."),
    )
}

pub fn mutations(m: Object) -> Object {
    let id = || super::input("id", TypeRef::named_nn(TypeRef::ID)).description("The webhook's id.");
    m.field(
        super::field("createWebhook", TypeRef::named_nn("Webhook"), |ctx| {
            FieldFuture::new(async move {
                let (hub, r) = parts(&ctx)?;
                Ok(Some(FieldValue::owned_any(hub.webhooks.create(&r.actor, settings(&ctx)?).await.map_err(gql_err)?)))
            })
        })
        .argument(super::input("input", TypeRef::named_nn("WebhookInput")).description("Where and what."))
        .description("Registers a webhook; its signing secret is in the answer (admins)."),
    )
    .field(
        super::field("updateWebhook", TypeRef::named_nn("Webhook"), |ctx| {
            FieldFuture::new(async move {
                let (hub, r) = parts(&ctx)?;
                let id = ctx.args.try_get("id")?.string()?.to_owned();
                let w = hub
                    .webhooks
                    .update(&r.actor, &id, super::version_value(&ctx)?, settings(&ctx)?)
                    .await
                    .map_err(gql_err)?;
                Ok(Some(FieldValue::owned_any(w)))
            })
        })
        .argument(id())
        .argument(super::input("input", TypeRef::named_nn("WebhookInput")).description("Its new settings."))
        .argument(super::version_arg())
        .description("Changes a webhook (admins)."),
    )
    .field(
        super::field("deleteWebhook", TypeRef::named_nn(TypeRef::BOOLEAN), |ctx| {
            FieldFuture::new(async move {
                let (hub, r) = parts(&ctx)?;
                let id = ctx.args.try_get("id")?.string()?.to_owned();
                Ok(Some(Value::from(
                    hub.webhooks.delete(&r.actor, &id, super::version_value(&ctx)?).await.map_err(gql_err)?,
                )))
            })
        })
        .argument(id())
        .argument(super::version_arg())
        .description("Removes a webhook; pending deliveries to it stop (admins)."),
    )
    .field(
        super::field("replayWebhookDelivery", TypeRef::named_nn("WebhookDelivery"), |ctx| {
            FieldFuture::new(async move {
                let (hub, r) = parts(&ctx)?;
                let id = ctx.args.try_get("id")?.string()?.to_owned();
                let d = hub.webhooks.replay(&r.actor, &id).await.map_err(gql_err)?;
                Ok(Some(FieldValue::owned_any(DeliveryVal(d, vec![]))))
            })
        })
        .argument(super::input("id", TypeRef::named_nn(TypeRef::ID)).description("The delivery to send again."))
        .description("Sends a delivery again with the same payload, as a new delivery (admins)."),
    )
}
