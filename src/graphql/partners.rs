//! Partner API keys in GraphQL (admins only): create, list, change, rotate, revoke.

use super::{Req, gql_err};
use crate::app::Hub;
use crate::domain::ids;
use crate::domain::partners::{ApiKey, KeyScope, KeySettings, Restrictions};
use crate::domain::values::format_datetime;
use crate::error::Error;
use crate::model::content_type;
use async_graphql::dynamic::*;
use async_graphql::{Name, Value};
use std::sync::Arc;

struct SecretVal {
    key: ApiKey,
    secret: String,
}

fn key<'a>(ctx: &ResolverContext<'a>) -> async_graphql::Result<&'a ApiKey> {
    ctx.parent_value.try_downcast_ref::<ApiKey>()
}

fn scope_name(s: KeyScope) -> &'static str {
    match s {
        KeyScope::Content => "CONTENT",
        KeyScope::Feeds => "FEEDS",
    }
}

fn ms(v: Option<i64>) -> Option<Value> {
    v.map(|m| Value::from(format_datetime(m)))
}

/// A key field read with `get`.
fn kf(name: &'static str, ty: TypeRef, desc: &'static str, get: fn(&ApiKey) -> Option<Value>) -> Field {
    super::field(name, ty, move |ctx| FieldFuture::new(async move { Ok(get(key(&ctx)?)) })).description(desc)
}

fn global_ids(type_name: &'static str, ids_: &[String]) -> Value {
    Value::List(ids_.iter().map(|i| Value::from(ids::encode(type_name, i))).collect())
}

pub fn types(b: SchemaBuilder) -> SchemaBuilder {
    let nn_list = |t: &str| TypeRef::named_nn_list_nn(t);
    let key_type = Object::new("ApiKey")
        .description("A partner's API key. Its secret is shown once, when created or rotated; only a hash is kept.")
        .field(kf("id", TypeRef::named_nn(TypeRef::ID), "The key's id (not its secret).", |k| {
            Some(Value::from(k.id.clone()))
        }))
        .field(kf("name", TypeRef::named_nn(TypeRef::STRING), "Who it is for.", |k| Some(Value::from(k.settings.name.clone()))))
        .field(kf(
            "prefix",
            TypeRef::named_nn(TypeRef::STRING),
            "The first characters of the secret, to tell keys apart.",
            |k| Some(Value::from(k.prefix.clone())),
        ))
        .field(kf("scopes", nn_list("ApiKeyScope"), "What it may read.", |k| {
            Some(Value::List(k.settings.scopes.iter().map(|s| Value::Enum(Name::new(scope_name(*s)))).collect()))
        }))
        .field(kf(
            "organisations",
            nn_list(TypeRef::ID),
            "It sees only the projects, events and news these organisations fund, partner, organise or are named in (none: no limit).",
            |k| Some(global_ids("Organisation", &k.settings.restrictions.organisations)),
        ))
        .field(kf(
            "projects",
            nn_list(TypeRef::ID),
            "It sees only these projects, their events and news (none: no limit).",
            |k| Some(global_ids("Project", &k.settings.restrictions.projects)),
        ))
        .field(kf("thematicAxes", nn_list(TypeRef::ID), "It sees only projects, events and news on these axes (none: no limit).", |k| {
            Some(global_ids("ThematicAxis", &k.settings.restrictions.axes))
        }))
        .field(kf(
            "countries",
            nn_list(TypeRef::STRING),
            "It sees only projects, events and news about these countries (none: no limit).",
            |k| Some(Value::List(k.settings.restrictions.countries.iter().map(|c| Value::from(c.clone())).collect())),
        ))
        .field(kf(
            "origins",
            nn_list(TypeRef::STRING),
            "Origins whose pages may call with it (CORS); `*` for any.",
            |k| Some(Value::List(k.settings.origins.iter().map(|c| Value::from(c.clone())).collect())),
        ))
        .field(kf(
            "rateLimitPerMinute",
            TypeRef::named_nn(TypeRef::INT),
            "Requests a minute; more get 429 with Retry-After.",
            |k| Some(Value::from(k.settings.rate_per_minute)),
        ))
        .field(kf(
            "pagePattern",
            TypeRef::named(TypeRef::STRING),
            "Where the partner shows an item, for feed links: {slug}, {id}, {type}, {locale} are filled in.",
            |k| k.settings.page_pattern.clone().map(Value::from),
        ))
        .field(kf("expiresAt", TypeRef::named("DateTime"), "When it stops working; null: never.", |k| ms(k.settings.expires_at)))
        .field(kf("revokedAt", TypeRef::named("DateTime"), "When it was revoked.", |k| ms(k.revoked_at)))
        .field(kf("createdAt", TypeRef::named_nn("DateTime"), "When it was created.", |k| ms(Some(k.created_at))))
        .field(kf("lastUsedAt", TypeRef::named("DateTime"), "When it was last used.", |k| ms(k.last_used_at)))
        .field(kf("useCount", TypeRef::named_nn(TypeRef::INT), "Requests made with it.", |k| {
            Some(Value::from(k.use_count))
        }))
        .field(kf(
            "version",
            TypeRef::named_nn(TypeRef::INT),
            "Raised by every change; send it back with a change so that a newer one is not overwritten.",
            |k| Some(Value::from(k.version)),
        ));
    let secret = Object::new("ApiKeySecret")
        .description("A key and its secret, shown this once: give it to the partner now.")
        .field(
            super::field("key", TypeRef::named_nn("ApiKey"), |ctx| {
                FieldFuture::new(async move {
                    Ok(Some(FieldValue::owned_any(ctx.parent_value.try_downcast_ref::<SecretVal>()?.key.clone())))
                })
            })
            .description("The key."),
        )
        .field(
            super::field("secret", TypeRef::named_nn(TypeRef::STRING), |ctx| {
                FieldFuture::new(async move {
                    Ok(Some(Value::from(ctx.parent_value.try_downcast_ref::<SecretVal>()?.secret.clone())))
                })
            })
            .description("Send it as `X-Api-Key` or `?key=`. It cannot be shown again; rotate the key if it is lost."),
        );
    let input = InputObject::new("ApiKeyInput")
        .description("What a key may do.")
        .field(super::input("name", TypeRef::named_nn(TypeRef::STRING)).description("Who it is for."))
        .field(
            super::input("scopes", nn_list("ApiKeyScope"))
                .description("CONTENT (GraphQL reads of published content) and/or FEEDS."),
        )
        .field(
            super::input("organisations", TypeRef::named_nn_list(TypeRef::ID))
                .description("Limit it to these organisations' projects, events and news."),
        )
        .field(
            super::input("projects", TypeRef::named_nn_list(TypeRef::ID))
                .description("Limit it to these projects, their events and news."),
        )
        .field(super::input("thematicAxes", TypeRef::named_nn_list(TypeRef::ID)).description("Limit it to these axes."))
        .field(
            super::input("countries", TypeRef::named_nn_list(TypeRef::STRING))
                .description("Limit it to these countries (ISO codes)."),
        )
        .field(
            super::input("origins", TypeRef::named_nn_list(TypeRef::STRING))
                .description("Origins whose pages may use it, e.g. https://partner.example."),
        )
        .field(
            super::input("rateLimitPerMinute", TypeRef::named(TypeRef::INT))
                .default_value(60)
                .description("Requests a minute; 0 for none (a site's own server-side renderer)."),
        )
        .field(
            super::input("pagePattern", TypeRef::named(TypeRef::STRING))
                .description("e.g. https://partner.example/projets/{slug}"),
        )
        .field(super::input("expiresAt", TypeRef::named("DateTime")).description("When it stops working."));
    b.register(
        Enum::new("ApiKeyScope")
            .description("What an API key may read.")
            .item(EnumItem::new("CONTENT").description("Published content through GraphQL."))
            .item(EnumItem::new("FEEDS").description("The JSON Feed, Atom and RSS feeds and the widget.")),
    )
    .register(key_type)
    .register(secret)
    .register(input)
}

fn settings(ctx: &ResolverContext<'_>) -> async_graphql::Result<KeySettings> {
    let o = ctx.args.try_get("input")?.object()?;
    let strings = |k: &str| -> async_graphql::Result<Vec<String>> {
        match o.get(k).filter(|v| !v.is_null()) {
            None => Ok(vec![]),
            Some(l) => l.list()?.iter().map(|v| v.string().map(str::to_owned)).collect(),
        }
    };
    let refs = |k: &str, t: &str| -> async_graphql::Result<Vec<String>> {
        let ty = content_type(t).expect("model declares it");
        strings(k)?.iter().map(|g| ids::decode_as(g, ty, k).map_err(gql_err)).collect()
    };
    let scopes = o
        .try_get("scopes")?
        .list()?
        .iter()
        .map(|v| {
            Ok(match v.enum_name()? {
                "CONTENT" => KeyScope::Content,
                _ => KeyScope::Feeds,
            })
        })
        .collect::<async_graphql::Result<Vec<_>>>()?;
    let expires_at = match o.get("expiresAt").filter(|v| !v.is_null()) {
        None => None,
        Some(v) => Some(
            chrono::DateTime::parse_from_rfc3339(v.string()?)
                .map_err(|_| gql_err(Error::field("expiresAt", "is not an RFC 3339 date-time")))?
                .timestamp_millis(),
        ),
    };
    Ok(KeySettings {
        name: o.try_get("name")?.string()?.to_owned(),
        scopes,
        restrictions: Restrictions {
            organisations: refs("organisations", "Organisation")?,
            projects: refs("projects", "Project")?,
            axes: refs("thematicAxes", "ThematicAxis")?,
            countries: strings("countries")?.into_iter().map(|c| c.to_ascii_uppercase()).collect(),
        },
        origins: strings("origins")?.into_iter().map(|o| o.trim_end_matches('/').to_owned()).collect(),
        rate_per_minute: o
            .get("rateLimitPerMinute")
            .filter(|v| !v.is_null())
            .map(|v| v.i64())
            .transpose()?
            .unwrap_or(60),
        page_pattern: o
            .get("pagePattern")
            .filter(|v| !v.is_null())
            .map(|v| v.string().map(str::to_owned))
            .transpose()?,
        expires_at,
    })
}

fn parts<'a>(ctx: &ResolverContext<'a>) -> async_graphql::Result<(&'a Arc<Hub>, &'a Req)> {
    Ok((ctx.data::<Arc<Hub>>()?, ctx.data::<Req>()?))
}

pub fn queries(q: Object) -> Object {
    q.field(
        super::field("apiKeys", TypeRef::named_nn_list_nn("ApiKey"), |ctx| {
            FieldFuture::new(async move {
                let (hub, r) = parts(&ctx)?;
                r.mark_private();
                let keys = hub.partners.list(r.viewer()).await.map_err(gql_err)?;
                Ok(Some(FieldValue::list(keys.into_iter().map(FieldValue::owned_any))))
            })
        })
        .description("Partner API keys, oldest first, with their usage (admins)."),
    )
}

pub fn mutations(m: Object) -> Object {
    let id_arg = || super::input("id", TypeRef::named_nn(TypeRef::ID)).description("The key's id.");
    m.field(
        super::field("createApiKey", TypeRef::named_nn("ApiKeySecret"), |ctx| {
            FieldFuture::new(async move {
                let (hub, r) = parts(&ctx)?;
                let (key, secret) = hub.partners.create(&r.actor, settings(&ctx)?).await.map_err(gql_err)?;
                Ok(Some(FieldValue::owned_any(SecretVal { key, secret })))
            })
        })
        .argument(super::input("input", TypeRef::named_nn("ApiKeyInput")).description("What the key may do."))
        .description("Creates a partner API key and shows its secret once (admins)."),
    )
    .field(
        super::field("updateApiKey", TypeRef::named_nn("ApiKey"), |ctx| {
            FieldFuture::new(async move {
                let (hub, r) = parts(&ctx)?;
                let id = ctx.args.try_get("id")?.string()?.to_owned();
                let key = hub
                    .partners
                    .update(&r.actor, &id, super::version_value(&ctx)?, settings(&ctx)?)
                    .await
                    .map_err(gql_err)?;
                Ok(Some(FieldValue::owned_any(key)))
            })
        })
        .argument(id_arg())
        .argument(super::input("input", TypeRef::named_nn("ApiKeyInput")).description("Its new settings."))
        .argument(super::version_arg())
        .description("Changes what a key may do; its secret stays (admins)."),
    )
    .field(
        super::field("rotateApiKey", TypeRef::named_nn("ApiKeySecret"), |ctx| {
            FieldFuture::new(async move {
                let (hub, r) = parts(&ctx)?;
                let id = ctx.args.try_get("id")?.string()?.to_owned();
                let (key, secret) =
                    hub.partners.rotate(&r.actor, &id, super::version_value(&ctx)?).await.map_err(gql_err)?;
                Ok(Some(FieldValue::owned_any(SecretVal { key, secret })))
            })
        })
        .argument(id_arg())
        .argument(super::version_arg())
        .description("Gives a key a new secret, shown once; the old secret stops working (admins)."),
    )
    .field(
        super::field("revokeApiKey", TypeRef::named_nn("ApiKey"), |ctx| {
            FieldFuture::new(async move {
                let (hub, r) = parts(&ctx)?;
                let id = ctx.args.try_get("id")?.string()?.to_owned();
                Ok(Some(FieldValue::owned_any(
                    hub.partners.revoke(&r.actor, &id, super::version_value(&ctx)?).await.map_err(gql_err)?,
                )))
            })
        })
        .argument(id_arg())
        .argument(super::version_arg())
        .description("Stops a key for good (admins)."),
    )
}
