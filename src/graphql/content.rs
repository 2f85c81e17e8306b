//! The content types, built from the model at start-up: one loop makes the
//! object, connection, input, filter and order types and the root fields of
//! every content type, with the resolvers they share.

use super::args::{self, COMMON_ORDER, filter_type};
use super::context::*;
use super::gql_err;
use super::loaders::RelKey;
use super::values::*;
use crate::domain::auth::User;
use crate::domain::workflow::Transition;
use crate::domain::{ids, values as dv};
use crate::error::Error;
use crate::model::item::{Stage, Val, Versioned};
use crate::model::{
    CONTENT_TYPES, EMBEDDED_TYPES, ENUMS, FieldDef, Kind, TypeDef, WorkflowState, content_type, order_name,
};
use async_graphql::dynamic::*;
use async_graphql::{Name, Value};
use std::sync::Arc;
fn named(kind: Kind) -> TypeRef {
    match kind {
        Kind::Text | Kind::Url => TypeRef::named(TypeRef::STRING),
        Kind::LocalText => TypeRef::named(TypeRef::STRING),
        Kind::LocalTextList => TypeRef::named_nn_list_nn(TypeRef::STRING),
        Kind::RichText => TypeRef::named("RichText"),
        Kind::Int => TypeRef::named(TypeRef::INT),
        Kind::Float => TypeRef::named(TypeRef::FLOAT),
        Kind::Bool => TypeRef::named(TypeRef::BOOLEAN),
        Kind::Date => TypeRef::named("Date"),
        Kind::DateTime => TypeRef::named("DateTime"),
        Kind::Enum(e) => TypeRef::named(e),
        Kind::Money => TypeRef::named("Money"),
        Kind::Country => TypeRef::named("Country"),
        Kind::Countries => TypeRef::named_nn_list_nn("Country"),
        Kind::Ref(t) => TypeRef::named(t),
        Kind::Refs { target, .. } | Kind::Reverse { target, .. } => TypeRef::named_nn(format!("{target}Connection")),
        Kind::Embedded(e) => TypeRef::named_nn_list_nn(e),
        Kind::Object(e) => TypeRef::named(e),
    }
}

fn input_type(kind: Kind) -> Option<TypeRef> {
    Some(match kind {
        Kind::Text | Kind::Url => TypeRef::named(TypeRef::STRING),
        Kind::LocalText => TypeRef::named_nn_list("LocalizedStringInput"),
        Kind::LocalTextList => TypeRef::List(Box::new(TypeRef::named_nn_list_nn("LocalizedStringInput"))),
        Kind::RichText => TypeRef::named_nn_list("LocalizedRichTextInput"),
        Kind::Int => TypeRef::named(TypeRef::INT),
        Kind::Float => TypeRef::named(TypeRef::FLOAT),
        Kind::Bool => TypeRef::named(TypeRef::BOOLEAN),
        Kind::Date => TypeRef::named("Date"),
        Kind::DateTime => TypeRef::named("DateTime"),
        Kind::Enum(e) => TypeRef::named(e),
        Kind::Money => TypeRef::named("MoneyInput"),
        Kind::Country => TypeRef::named(TypeRef::STRING),
        Kind::Countries => TypeRef::named_nn_list(TypeRef::STRING),
        Kind::Ref(_) => TypeRef::named(TypeRef::ID),
        Kind::Refs { role: true, .. } => TypeRef::named_nn_list("LinkInput"),
        Kind::Refs { role: false, .. } => TypeRef::named_nn_list(TypeRef::ID),
        Kind::Embedded(e) => TypeRef::named_nn_list(format!("{e}Input")),
        Kind::Object(e) => TypeRef::named(format!("{e}Input")),
        Kind::Reverse { .. } => return None,
    })
}

fn connection_args(f: Field, target: &TypeDef) -> Field {
    f.argument(super::input("first", TypeRef::named(TypeRef::INT)).description(
        "Up to this many items from the start (or after `after`); at most 100, 20 when no window is given.",
    ))
    .argument(super::input("after", TypeRef::named(TypeRef::STRING)).description("A cursor: items after it."))
    .argument(
        super::input("last", TypeRef::named(TypeRef::INT))
            .description("Up to this many items from the end (or before `before`)."),
    )
    .argument(super::input("before", TypeRef::named(TypeRef::STRING)).description("A cursor: items before it."))
    .argument(super::input("filter", TypeRef::named(format!("{}Filter", target.name))))
    .argument(
        super::input("orderBy", TypeRef::named_nn_list(format!("{}Order", target.name)))
            .description("Sort keys in order; `id` breaks ties."),
    )
}

fn read_args(f: Field) -> Field {
    f.argument(super::input("locale", TypeRef::named(TypeRef::STRING)).description("Locale to read in; defaults from Accept-Language, then the server's default. Missing values fall back along the configured chain."))
        .argument(super::input("preview", TypeRef::named(TypeRef::BOOLEAN)).description("Read working drafts instead of published content (needs a role that may read drafts)."))
}

fn desc(f: Field, d: &str) -> Field {
    if d.is_empty() { f } else { f.description(d) }
}

/// An object field of a content type or embedded sub-item.
fn value_field(owner: Option<&'static TypeDef>, f: &'static FieldDef, embedded: bool) -> Vec<Field> {
    let mut out = Vec::new();
    let name = f.name;
    let kind = f.kind;
    let mut field = Field::new(name, named(kind), move |ctx| {
        FieldFuture::new(async move {
            if embedded {
                let p = ctx.parent_value.try_downcast_ref::<EmbVal>()?;
                resolve_embedded(&ctx, p, f).await
            } else {
                let p = ctx.parent_value.try_downcast_ref::<ItemVal>()?;
                resolve_item_field(&ctx, p, owner.expect("items have an owner"), f).await
            }
        })
    });
    field = desc(field, f.description);
    if let Kind::Refs { target, .. } | Kind::Reverse { target, .. } = kind {
        field = connection_args(field, content_type(target).expect("model checked"));
    }
    let localised = matches!(kind, Kind::LocalText | Kind::LocalTextList | Kind::RichText);
    if localised {
        field = field.argument(locale_arg());
    }
    out.push(field);
    if kind == Kind::LocalText {
        let companion = Field::new(format!("{name}Localized"), TypeRef::named("LocalizedString"), move |ctx| {
            FieldFuture::new(async move {
                let (map, scope) = if embedded {
                    let p = ctx.parent_value.try_downcast_ref::<EmbVal>()?;
                    (local_from_json(p.json.get(name)).map_err(gql_err)?, field_scope(&ctx, &p.scope)?)
                } else {
                    let p = ctx.parent_value.try_downcast_ref::<ItemVal>()?;
                    (parse_local(p.item.value(name).as_text()).map_err(gql_err)?, field_scope(&ctx, &p.scope)?)
                };
                Ok((!map.is_empty()).then(|| FieldValue::owned_any(LocalVal { map, scope })))
            })
        })
        .argument(locale_arg())
        .description(format!("`{name}` with the locale it came from, its direction and every translation."));
        out.push(companion);
    }
    if kind == Kind::LocalTextList {
        let companion =
            Field::new(format!("{name}Localized"), TypeRef::named_nn_list_nn("LocalizedString"), move |ctx| {
                FieldFuture::new(async move {
                    let (list, scope) = if embedded {
                        let p = ctx.parent_value.try_downcast_ref::<EmbVal>()?;
                        (
                            p.json.get(name).and_then(|v| v.as_array().cloned()).unwrap_or_default(),
                            field_scope(&ctx, &p.scope)?,
                        )
                    } else {
                        let p = ctx.parent_value.try_downcast_ref::<ItemVal>()?;
                        let list = stored_list(p.item.value(name).as_text())?;
                        (list, field_scope(&ctx, &p.scope)?)
                    };
                    let maps = list.iter().map(|entry| local_from_json(Some(entry))).collect::<Result<Vec<_>, _>>();
                    Ok(Some(FieldValue::list(
                        maps.map_err(gql_err)?
                            .into_iter()
                            .map(|map| FieldValue::owned_any(LocalVal { map, scope: scope.clone() })),
                    )))
                })
            })
            .argument(locale_arg())
            .description(format!(
                "`{name}` entry by entry, each with the locale it came from, its direction and every translation."
            ));
        out.push(companion);
    }
    out
}

/// The `locale` argument of a localised field: this field in that locale,
/// whatever the root field's; a normalised cache then keeps one entry per
/// locale instead of overwriting one with the other.
fn locale_arg() -> InputValue {
    super::input("locale", TypeRef::named(TypeRef::STRING)).description(
        "Read this field in this locale (then its fallbacks) instead of the root field's; each locale is its own cache entry in normalised clients.",
    )
}

async fn load_ref(
    ctx: &ResolverContext<'_>,
    target: &'static str,
    id: &str,
    scope: &Arc<Scope>,
) -> async_graphql::Result<Option<FieldValue<'static>>> {
    req(ctx)?.depends_on(format!("I:{id}"));
    let item = req(ctx)?.loaders.items.load((target, scope.stage, id.to_owned())).await.map_err(gql_err)?;
    Ok(item.map(|i| item_value(i, scope.clone())))
}

async fn resolve_item_field(
    ctx: &ResolverContext<'_>,
    p: &ItemVal,
    owner: &'static TypeDef,
    f: &'static FieldDef,
) -> async_graphql::Result<Option<FieldValue<'static>>> {
    let v = p.item.value(f.name);
    let scope = &field_scope(ctx, &p.scope)?;
    Ok(match f.kind {
        Kind::LocalText => {
            let map = parse_local(v.as_text()).map_err(gql_err)?;
            scope.pick(&map).map(|(_, s)| FieldValue::value(s.to_owned()))
        }
        Kind::LocalTextList => Some(local_list(&stored_list(v.as_text())?, scope)?),
        Kind::RichText => super::richtext::value(v, scope)?,
        Kind::Money => match v {
            Val::Money(minor, currency) => {
                Some(FieldValue::owned_any(MoneyVal { minor: *minor, currency: currency.clone() }))
            }
            _ => None,
        },
        Kind::Country => {
            v.as_text().map(|c| FieldValue::owned_any(CountryVal { code: c.to_owned(), scope: scope.clone() }))
        }
        Kind::Countries => {
            let codes = req(ctx)?
                .loaders
                .countries
                .load((owner.name, f.name, scope.stage, p.item.id.clone()))
                .await
                .map_err(gql_err)?
                .unwrap_or_default();
            Some(FieldValue::list(
                codes.into_iter().map(|code| FieldValue::owned_any(CountryVal { code, scope: scope.clone() })),
            ))
        }
        Kind::Ref(target) => match v.as_text() {
            Some(id) => load_ref(ctx, target, id, scope).await?,
            None => None,
        },
        Kind::Refs { target, .. } | Kind::Reverse { target, .. } => {
            let ty = content_type(target).expect("model checked");
            // The same for every parent here: this field's arguments and selection.
            let node: *const _ = ctx.ctx.item;
            let spec = req(ctx)?.relation_spec(node as usize, scope, || {
                let spec = args::list_spec(ctx, ty, &scope.chain, scope.stage, hub(ctx)?.limits.page_size)?;
                req(ctx)?.depends_on(format!("T:{target}"));
                Ok(spec)
            })?;
            let key = RelKey { owner: owner.name, field: f.name, stage: scope.stage, spec, parent: p.item.id.clone() };
            let page = req(ctx)?.loaders.related.load(key).await.map_err(gql_err)?.unwrap_or_default();
            Some(conn_value(page, scope.clone()))
        }
        Kind::Embedded(_) => {
            let list = stored_list(v.as_text())?;
            Some(FieldValue::list(
                list.into_iter().map(|json| FieldValue::owned_any(EmbVal { json, scope: scope.clone() })),
            ))
        }
        Kind::Object(_) => v
            .as_text()
            .map(|s| crate::domain::stored_json("embedded values", s))
            .transpose()
            .map_err(gql_err)?
            .map(|json| FieldValue::owned_any(EmbVal { json, scope: scope.clone() })),
        Kind::DateTime => v.as_int().map(|ms| FieldValue::value(dv::format_datetime(ms))),
        Kind::Bool => v.as_int().map(|b| FieldValue::value(b != 0)),
        Kind::Enum(_) => v.as_text().map(|s| FieldValue::value(Value::Enum(Name::new(s)))),
        Kind::Int => v.as_int().map(FieldValue::value),
        Kind::Float => match v {
            Val::Float(x) => Some(FieldValue::value(*x)),
            _ => None,
        },
        Kind::Text | Kind::Url | Kind::Date => v.as_text().map(|s| FieldValue::value(s.to_owned())),
    })
}

/// A stored JSON list (a NULL column is empty).
fn stored_list(text: Option<&str>) -> async_graphql::Result<Vec<serde_json::Value>> {
    crate::domain::stored_json_or_empty("list values", text).map_err(gql_err)
}

fn local_list(list: &[serde_json::Value], scope: &Arc<Scope>) -> async_graphql::Result<FieldValue<'static>> {
    let mut strings = Vec::with_capacity(list.len());
    for j in list {
        let map = local_from_json(Some(j)).map_err(gql_err)?;
        if let Some((_, s)) = scope.pick(&map) {
            strings.push(FieldValue::value(s.to_owned()));
        }
    }
    Ok(FieldValue::list(strings))
}

async fn resolve_embedded(
    ctx: &ResolverContext<'_>,
    p: &EmbVal,
    f: &'static FieldDef,
) -> async_graphql::Result<Option<FieldValue<'static>>> {
    let v = p.json.get(f.name);
    let scope = &field_scope(ctx, &p.scope)?;
    let Some(v) = v else {
        return Ok(match f.kind {
            Kind::Embedded(_) | Kind::LocalTextList => Some(FieldValue::list(Vec::<FieldValue>::new())),
            _ => None,
        });
    };
    Ok(match f.kind {
        Kind::LocalText => {
            let map = local_from_json(Some(v)).map_err(gql_err)?;
            scope.pick(&map).map(|(_, s)| FieldValue::value(s.to_owned()))
        }
        Kind::LocalTextList => Some(local_list(v.as_array().map(Vec::as_slice).unwrap_or(&[]), scope)?),
        Kind::Ref(target) => match v.as_str() {
            Some(id) => load_ref(ctx, target, id, scope).await?,
            None => None,
        },
        Kind::Embedded(_) => {
            let items = v.as_array().cloned().unwrap_or_default();
            Some(FieldValue::list(
                items.into_iter().map(|json| FieldValue::owned_any(EmbVal { json, scope: scope.clone() })),
            ))
        }
        Kind::Object(_) => Some(FieldValue::owned_any(EmbVal { json: v.clone(), scope: scope.clone() })),
        Kind::DateTime => v.as_i64().map(|ms| FieldValue::value(dv::format_datetime(ms))),
        Kind::Enum(_) => v.as_str().map(|s| FieldValue::value(Value::Enum(Name::new(s)))),
        Kind::Country => {
            v.as_str().map(|c| FieldValue::owned_any(CountryVal { code: c.to_owned(), scope: scope.clone() }))
        }
        _ => Some(FieldValue::value(Value::from_json(v.clone())?)),
    })
}

fn common_fields(obj: Object, ty: &'static TypeDef) -> Object {
    fn item<'a>(ctx: &ResolverContext<'a>) -> async_graphql::Result<&'a ItemVal> {
        ctx.parent_value.try_downcast_ref::<ItemVal>()
    }
    obj.field(
        super::field("id", TypeRef::named_nn(TypeRef::ID), move |ctx| {
            FieldFuture::new(async move { Ok(Some(Value::from(ids::encode(ty.name, &item(&ctx)?.item.id)))) })
        })
        .description("Global id, usable with `node(id:)`."),
    )
    .field(
        super::field("slug", TypeRef::named_nn(TypeRef::STRING), |ctx| {
            FieldFuture::new(async move { Ok(Some(Value::from(item(&ctx)?.item.slug.clone()))) })
        })
        .description("URL-safe unique name."),
    )
    .field(
        super::field("workflowState", TypeRef::named_nn("WorkflowState"), |ctx| {
            FieldFuture::new(async move { Ok(Some(Value::Enum(Name::new(item(&ctx)?.item.state.as_str())))) })
        })
        .description("Editorial state of this copy."),
    )
    .field(
        super::field("version", TypeRef::named_nn(TypeRef::INT), |ctx| {
            FieldFuture::new(async move { Ok(Some(Value::from(item(&ctx)?.item.version))) })
        })
        .description("Send it back with every write: a write based on an older version is refused with CONFLICT."),
    )
    .field(super::field("createdAt", TypeRef::named_nn("DateTime"), |ctx| {
        FieldFuture::new(async move { Ok(Some(Value::from(dv::format_datetime(item(&ctx)?.item.created_at)))) })
    }))
    .field(super::field("updatedAt", TypeRef::named_nn("DateTime"), |ctx| {
        FieldFuture::new(async move { Ok(Some(Value::from(dv::format_datetime(item(&ctx)?.item.updated_at)))) })
    }))
    .field(
        super::field("publishedAt", TypeRef::named("DateTime"), |ctx| {
            FieldFuture::new(
                async move { Ok(item(&ctx)?.item.published_at.map(|ms| Value::from(dv::format_datetime(ms)))) },
            )
        })
        .description("When the live version was published; null while it has none."),
    )
    .field(
        super::field("availableLocales", TypeRef::named_nn_list_nn(TypeRef::STRING), |ctx| {
            FieldFuture::new(async move {
                // Locales with any text of their own in this item, in configured order.
                let i = &item(&ctx)?.item;
                let mut present = std::collections::BTreeSet::new();
                for (f, v) in i.ty.fields.iter().zip(&i.values) {
                    if matches!(f.kind, Kind::LocalText | Kind::RichText) {
                        present.extend(parse_local(v.as_text()).map_err(gql_err)?.into_keys());
                    }
                }
                let codes = &hub(&ctx)?.content.locales.codes;
                let list = codes.iter().filter(|c| present.contains(*c)).map(|c| Value::from(c.clone())).collect();
                Ok(Some(Value::List(list)))
            })
        })
        .description("Locales in which this item has text of its own (others fall back)."),
    )
    .field(
        super::field("hasUnpublishedChanges", TypeRef::named_nn(TypeRef::BOOLEAN), |ctx| {
            FieldFuture::new(async move {
                let i = &item(&ctx)?.item;
                Ok(Some(Value::from(
                    i.stage == Stage::Draft && i.published_at.is_some() && i.state != WorkflowState::Published,
                )))
            })
        })
        .description("A working draft differs from the live version (preview reads only)."),
    )
    .field(
        super::field("revisions", TypeRef::named_nn_list_nn("Revision"), |ctx| {
            FieldFuture::new(async move {
                let p = item(&ctx)?;
                // History is editorial: only roles that may read drafts see it.
                let r = req(&ctx)?;
                if !r.viewer().is_some_and(|v| hub(&ctx).is_ok_and(|h| h.content.may_read_draft_of(v, &p.item))) {
                    return Ok(Some(FieldValue::list(Vec::<FieldValue>::new())));
                }
                let first = ctx.args.get("first").and_then(|v| v.i64().ok()).unwrap_or(20).clamp(0, 100) as usize;
                let revs = r.loaders.revisions.load(p.item.id.clone()).await.map_err(gql_err)?.unwrap_or_default();
                Ok(Some(FieldValue::list(revs.into_iter().take(first).map(FieldValue::owned_any))))
            })
        })
        .argument(super::input("first", TypeRef::named(TypeRef::INT)).default_value(20))
        .description("Saves and publishes, newest first (empty unless you may read drafts)."),
    )
}

fn connection_types(ty: &'static TypeDef) -> (Object, Object) {
    let name = ty.name;
    let edge = Object::new(format!("{name}Edge"))
        .description(format!("A {name} in a list, with its cursor."))
        .field(super::field("cursor", TypeRef::named_nn(TypeRef::STRING), |ctx| {
            FieldFuture::new(async move {
                Ok(Some(Value::from(args::encode_cursor(&ctx.parent_value.try_downcast_ref::<EdgeVal>()?.edge.key))))
            })
        }))
        .field(super::field("node", TypeRef::named_nn(name), |ctx| {
            FieldFuture::new(async move {
                let e = ctx.parent_value.try_downcast_ref::<EdgeVal>()?;
                Ok(Some(item_value(e.edge.item.clone(), e.scope.clone())))
            })
        }))
        .field(
            super::field("role", TypeRef::named(TypeRef::STRING), |ctx| {
                FieldFuture::new(async move {
                    let e = ctx.parent_value.try_downcast_ref::<EdgeVal>()?;
                    let map = parse_local(e.edge.role.as_deref()).map_err(gql_err)?;
                    Ok(field_scope(&ctx, &e.scope)?.pick(&map).map(|(_, s)| Value::from(s.to_owned())))
                })
            })
            .argument(locale_arg())
            .description("The role held in this relation (funder, partner, trainer), where the relation has one."),
        )
        .field(
            super::field("roleLocalized", TypeRef::named("LocalizedString"), |ctx| {
                FieldFuture::new(async move {
                    let e = ctx.parent_value.try_downcast_ref::<EdgeVal>()?;
                    let map = parse_local(e.edge.role.as_deref()).map_err(gql_err)?;
                    let scope = field_scope(&ctx, &e.scope)?;
                    Ok((!map.is_empty()).then(|| FieldValue::owned_any(LocalVal { map, scope })))
                })
            })
            .argument(locale_arg())
            .description("`role` with the locale it came from, its direction and every translation."),
        );
    let conn = Object::new(format!("{name}Connection"))
        .description(format!("A page of {name} items."))
        .field(
            super::field("totalCount", TypeRef::named_nn(TypeRef::INT), |ctx| {
                FieldFuture::new(async move {
                    Ok(Some(Value::from(ctx.parent_value.try_downcast_ref::<ConnVal>()?.page.total.unwrap_or(0))))
                })
            })
            .description("How many items match the filter, over all pages."),
        )
        .field(super::field("pageInfo", TypeRef::named_nn("PageInfo"), |ctx| {
            FieldFuture::new(async move {
                let c = ctx.parent_value.try_downcast_ref::<ConnVal>()?;
                Ok(Some(FieldValue::owned_any(PageInfoVal::of(&c.page))))
            })
        }))
        .field(super::field("edges", TypeRef::named_nn_list_nn(format!("{name}Edge")), |ctx| {
            FieldFuture::new(async move {
                let c = ctx.parent_value.try_downcast_ref::<ConnVal>()?;
                Ok(Some(FieldValue::list(
                    c.page
                        .edges
                        .iter()
                        .map(|e| FieldValue::owned_any(EdgeVal { edge: e.clone(), scope: c.scope.clone() })),
                )))
            })
        }))
        .field(super::field("nodes", TypeRef::named_nn_list_nn(name), |ctx| {
            FieldFuture::new(async move {
                let c = ctx.parent_value.try_downcast_ref::<ConnVal>()?;
                Ok(Some(FieldValue::list(c.page.edges.iter().map(|e| item_value(e.item.clone(), c.scope.clone())))))
            })
        }));
    (edge, conn)
}

fn page_info() -> Object {
    fn p<'a>(ctx: &ResolverContext<'a>) -> async_graphql::Result<&'a PageInfoVal> {
        ctx.parent_value.try_downcast_ref::<PageInfoVal>()
    }
    Object::new("PageInfo")
        .description("Where a page sits in its list.")
        .field(super::field("hasNextPage", TypeRef::named_nn(TypeRef::BOOLEAN), |ctx| {
            FieldFuture::new(async move { Ok(Some(Value::from(p(&ctx)?.has_next))) })
        }))
        .field(super::field("hasPreviousPage", TypeRef::named_nn(TypeRef::BOOLEAN), |ctx| {
            FieldFuture::new(async move { Ok(Some(Value::from(p(&ctx)?.has_prev))) })
        }))
        .field(super::field("startCursor", TypeRef::named(TypeRef::STRING), |ctx| {
            FieldFuture::new(async move { Ok(p(&ctx)?.start.clone().map(Value::from)) })
        }))
        .field(super::field("endCursor", TypeRef::named(TypeRef::STRING), |ctx| {
            FieldFuture::new(async move { Ok(p(&ctx)?.end.clone().map(Value::from)) })
        }))
}

/// A filter operator, with what it means.
fn op_value(name: &str, ty: TypeRef) -> InputValue {
    let d = match name {
        "eq" => "Equal to this value.",
        "ne" => "Not equal to this value (items without a value do not match).",
        "in" => "Equal to one of these values.",
        "notIn" => "Equal to none of these values.",
        "isNull" => "true: only items without a value; false: only items with one.",
        "isEmpty" => "true: only items with none linked; false: only items with at least one.",
        "lt" => "Less than (before, for dates).",
        "lte" => "Less than or equal to.",
        "gt" => "Greater than (after, for dates).",
        "gte" => "Greater than or equal to.",
        _ => "",
    };
    InputValue::new(name, ty).description(d)
}

pub(crate) fn shared_types(mut b: SchemaBuilder) -> SchemaBuilder {
    b = b
        .register(Scalar::new("DateTime").description("An instant as RFC 3339 text, e.g. 2018-04-10T09:00:00Z."))
        .register(Scalar::new("Date").description("An ISO 8601 calendar date, full (2018-04-10) or reduced to a month (2016-05) or a year (2024)."))
        .register(Scalar::new("JSON").description("A JSON document."))
        .register(Enum::new("WorkflowState").description("DRAFT → IN_REVIEW → PUBLISHED → ARCHIVED; IN_REVIEW → DRAFT when changes are requested; ARCHIVED → DRAFT.").items(WorkflowState::ALL.map(WorkflowState::as_str)))
        .register(Enum::new("OrderDirection").description("ASC: smallest, earliest or A first. DESC: the reverse.").items(["ASC", "DESC"]))
        .register(Enum::new("Role").description("ADMIN: everything. EDITOR: review, publish, archive. AUTHOR: own drafts, submit. VIEWER: read drafts.").items(["ADMIN", "EDITOR", "AUTHOR", "VIEWER"]))
        .register(Enum::new("TextDirection").description("Writing direction: LTR (French, English) or RTL (Arabic).").items(["LTR", "RTL"]))
        .register(page_info());
    // Filter types only where a field filters with them: the schema file then
    // holds what introspection shows, nothing unreachable.
    let used: std::collections::HashSet<String> = CONTENT_TYPES
        .iter()
        .flat_map(|t| t.fields.iter().filter_map(|f| filter_type(f.kind)))
        .chain(["IDFilter", "StringFilter", "DateTimeFilter"].map(String::from))
        .collect();
    for e in ENUMS {
        b = b.register(Enum::new(e.name).description(e.description).items(e.values.iter().copied()));
        if !used.contains(&format!("{}Filter", e.name)) {
            continue;
        }
        b = b.register(
            InputObject::new(format!("{}Filter", e.name))
                .description(format!("Conditions on a {} field; all given conditions must hold.", e.name))
                .field(op_value("eq", TypeRef::named(e.name)))
                .field(op_value("ne", TypeRef::named(e.name)))
                .field(op_value("in", TypeRef::named_nn_list(e.name)))
                .field(op_value("notIn", TypeRef::named_nn_list(e.name)))
                .field(op_value("isNull", TypeRef::named(TypeRef::BOOLEAN))),
        );
    }
    b = b.register(
        InputObject::new("WorkflowStateFilter")
            .description("Conditions on the editorial state; all given conditions must hold.")
            .field(op_value("eq", TypeRef::named("WorkflowState")))
            .field(op_value("ne", TypeRef::named("WorkflowState")))
            .field(op_value("in", TypeRef::named_nn_list("WorkflowState")))
            .field(op_value("notIn", TypeRef::named_nn_list("WorkflowState"))),
    );
    // Scalar filters: the same operators over different value types.
    for (name, ty, ordered, text) in [
        ("StringFilter", TypeRef::STRING, true, true),
        ("DateFilter", "Date", true, false),
        ("IntFilter", TypeRef::INT, true, false),
        ("FloatFilter", TypeRef::FLOAT, true, false),
        ("DateTimeFilter", "DateTime", true, false),
        ("IDFilter", TypeRef::ID, false, false),
        ("BooleanFilter", TypeRef::BOOLEAN, false, false),
    ] {
        if !used.contains(name) {
            continue;
        }
        let mut o = InputObject::new(name)
            .description("Conditions on one field; all given conditions must hold. Localised text is compared in the requested locale after fallback.")
            .field(op_value("eq", TypeRef::named(ty)))
            .field(op_value("isNull", TypeRef::named(TypeRef::BOOLEAN)));
        if name != "BooleanFilter" {
            o = o
                .field(op_value("ne", TypeRef::named(ty)))
                .field(op_value("in", TypeRef::named_nn_list(ty)))
                .field(op_value("notIn", TypeRef::named_nn_list(ty)));
        }
        if ordered {
            for op in ["lt", "lte", "gt", "gte"] {
                o = o.field(op_value(op, TypeRef::named(ty)));
            }
        }
        if text {
            o = o
                .field(
                    super::input("contains", TypeRef::named(TypeRef::STRING))
                        .description("Case-insensitive substring."),
                )
                .field(
                    super::input("startsWith", TypeRef::named(TypeRef::STRING)).description("Case-insensitive prefix."),
                );
        }
        b = b.register(o);
    }
    for (name, ty, what) in
        [("RelationFilter", TypeRef::ID, "items"), ("CountriesFilter", TypeRef::STRING, "countries")]
    {
        b = b.register(
            InputObject::new(name)
                .description(format!("Conditions on a list of {what}."))
                .field(
                    super::input("anyOf", TypeRef::named_nn_list(ty))
                        .description(format!("At least one of these {what} is linked.")),
                )
                .field(
                    super::input("noneOf", TypeRef::named_nn_list(ty))
                        .description(format!("None of these {what} is linked.")),
                )
                .field(op_value("isEmpty", TypeRef::named(TypeRef::BOOLEAN))),
        );
    }
    b = b
        .register(
            InputObject::new("LocalizedStringInput")
                .description("One locale's value of a localised field; a null or empty value removes that locale.")
                .field(
                    super::input("locale", TypeRef::named_nn(TypeRef::STRING))
                        .description("A configured locale, e.g. fr."),
                )
                .field(
                    super::input("value", TypeRef::named(TypeRef::STRING))
                        .description("The text in that locale; null or empty removes it."),
                ),
        )
        .register(
            InputObject::new("MoneyInput")
                .description("An exact amount of money.")
                .field(
                    super::input("amount", TypeRef::named_nn(TypeRef::STRING))
                        .description("Decimal amount, e.g. \"250000.00\"."),
                )
                .field(
                    super::input("currency", TypeRef::named_nn(TypeRef::STRING))
                        .description("ISO 4217 code, e.g. USD."),
                ),
        )
        .register(
            InputObject::new("LinkInput")
                .description("A related item with the role it holds.")
                .field(super::input("id", TypeRef::named_nn(TypeRef::ID)).description("The related item's id."))
                .field(
                    super::input("role", TypeRef::named_nn_list("LocalizedStringInput"))
                        .description("Its role, per locale (funder, partner, trainer)."),
                ),
        );
    b.register(
        Object::new("Money")
            .description("An amount of money, exact.")
            .field(
                super::field("amount", TypeRef::named_nn(TypeRef::STRING), |ctx| {
                    FieldFuture::new(async move {
                        let m = ctx.parent_value.try_downcast_ref::<MoneyVal>()?;
                        Ok(Some(Value::from(dv::format_money(m.minor, &m.currency))))
                    })
                })
                .description("Decimal amount in the currency's units, e.g. \"250000.00\"."),
            )
            .field(
                super::field("currency", TypeRef::named_nn(TypeRef::STRING), |ctx| {
                    FieldFuture::new(async move {
                        Ok(Some(Value::from(ctx.parent_value.try_downcast_ref::<MoneyVal>()?.currency.clone())))
                    })
                })
                .description("ISO 4217 currency code."),
            ),
    )
    .register(
        Object::new("LocalizedString")
            .description("A localised value as served, with where it came from.")
            .field(super::field("value", TypeRef::named(TypeRef::STRING), |ctx| {
                FieldFuture::new(async move {
                    let l = ctx.parent_value.try_downcast_ref::<LocalVal>()?;
                    Ok(l.scope.pick(&l.map).map(|(_, v)| Value::from(v.to_owned())))
                })
            }))
            .field(
                super::field("locale", TypeRef::named(TypeRef::STRING), |ctx| {
                    FieldFuture::new(async move {
                        let l = ctx.parent_value.try_downcast_ref::<LocalVal>()?;
                        Ok(l.scope.pick(&l.map).map(|(k, _)| Value::from(k.to_owned())))
                    })
                })
                .description("The locale the value came from (the requested one, or a fallback)."),
            )
            .field(super::field("direction", TypeRef::named("TextDirection"), |ctx| {
                FieldFuture::new(async move {
                    let l = ctx.parent_value.try_downcast_ref::<LocalVal>()?;
                    Ok(l.scope.pick(&l.map).map(|(k, _)| Value::Enum(Name::new(dir(k)))))
                })
            }))
            .field(super::field("isFallback", TypeRef::named_nn(TypeRef::BOOLEAN), |ctx| {
                FieldFuture::new(async move {
                    let l = ctx.parent_value.try_downcast_ref::<LocalVal>()?;
                    Ok(Some(Value::from(l.scope.pick(&l.map).is_some_and(|(k, _)| k != l.scope.locale()))))
                })
            }))
            .field(
                super::field("translations", TypeRef::named_nn_list_nn("Translation"), |ctx| {
                    FieldFuture::new(async move {
                        let l = ctx.parent_value.try_downcast_ref::<LocalVal>()?;
                        Ok(Some(FieldValue::list(
                            l.map.iter().map(|(k, v)| FieldValue::owned_any((k.clone(), v.clone()))),
                        )))
                    })
                })
                .description("Every locale that has a value."),
            ),
    )
    .register(
        Object::new("Translation")
            .description("A value in one locale.")
            .field(super::field("locale", TypeRef::named_nn(TypeRef::STRING), |ctx| {
                FieldFuture::new(async move {
                    Ok(Some(Value::from(ctx.parent_value.try_downcast_ref::<(String, String)>()?.0.clone())))
                })
            }))
            .field(super::field("value", TypeRef::named_nn(TypeRef::STRING), |ctx| {
                FieldFuture::new(async move {
                    Ok(Some(Value::from(ctx.parent_value.try_downcast_ref::<(String, String)>()?.1.clone())))
                })
            }))
            .field(super::field("direction", TypeRef::named_nn("TextDirection"), |ctx| {
                FieldFuture::new(async move {
                    Ok(Some(Value::Enum(Name::new(dir(&ctx.parent_value.try_downcast_ref::<(String, String)>()?.0)))))
                })
            })),
    )
    .register(
        Object::new("Country")
            .description("A country (ISO 3166-1 alpha-2).")
            .field(super::field("code", TypeRef::named_nn(TypeRef::STRING), |ctx| {
                FieldFuture::new(async move {
                    Ok(Some(Value::from(ctx.parent_value.try_downcast_ref::<CountryVal>()?.code.clone())))
                })
            }))
            .field(
                super::field("name", TypeRef::named(TypeRef::STRING), |ctx| {
                    FieldFuture::new(async move {
                        let c = ctx.parent_value.try_downcast_ref::<CountryVal>()?;
                        let names = hub(&ctx)?.content.countries.names.get(&c.code);
                        Ok(names.and_then(|m| c.scope.pick(m)).map(|(_, v)| Value::from(v.to_owned())))
                    })
                })
                .description("Name in the requested locale."),
            )
            .field(super::field("nameLocalized", TypeRef::named("LocalizedString"), |ctx| {
                FieldFuture::new(async move {
                    let c = ctx.parent_value.try_downcast_ref::<CountryVal>()?;
                    let names = hub(&ctx)?.content.countries.names.get(&c.code).cloned().unwrap_or_default();
                    Ok(Some(FieldValue::owned_any(LocalVal { map: names, scope: c.scope.clone() })))
                })
            })),
    )
    .register(
        Object::new("Locale")
            .description("A locale this server serves.")
            .field(super::field("code", TypeRef::named_nn(TypeRef::STRING), |ctx| {
                FieldFuture::new(async move {
                    Ok(Some(Value::from(ctx.parent_value.try_downcast_ref::<LocaleInfo>()?.code.clone())))
                })
            }))
            .field(super::field("direction", TypeRef::named_nn("TextDirection"), |ctx| {
                FieldFuture::new(async move {
                    Ok(Some(Value::Enum(Name::new(dir(&ctx.parent_value.try_downcast_ref::<LocaleInfo>()?.code)))))
                })
            }))
            .field(super::field("isDefault", TypeRef::named_nn(TypeRef::BOOLEAN), |ctx| {
                FieldFuture::new(async move {
                    Ok(Some(Value::from(ctx.parent_value.try_downcast_ref::<LocaleInfo>()?.default)))
                })
            }))
            .field(
                super::field("fallbacks", TypeRef::named_nn_list_nn(TypeRef::STRING), |ctx| {
                    FieldFuture::new(async move {
                        let l = ctx.parent_value.try_downcast_ref::<LocaleInfo>()?;
                        Ok(Some(Value::List(l.chain.iter().skip(1).map(|c| Value::from(c.clone())).collect())))
                    })
                })
                .description("Where missing values come from, in order."),
            ),
    )
    .register(user_type())
    .register(revision_type())
    .register(
        Object::new("LoginPayload")
            .description("A session: its token, when it ends, and who it is for.")
            .field(
                super::field("token", TypeRef::named(TypeRef::STRING), |ctx| {
                    FieldFuture::new(async move {
                        Ok(ctx.parent_value.try_downcast_ref::<LoginVal>()?.token.clone().map(Value::from))
                    })
                })
                .description(
                    "Send as `Authorization: Bearer <token>`. Null when the session went into the HttpOnly cookie instead (`cookie: true`, or signed in with the cookie).",
                ),
            )
            .field(super::field("expiresAt", TypeRef::named_nn("DateTime"), |ctx| {
                FieldFuture::new(async move {
                    Ok(Some(Value::from(dv::format_datetime(
                        ctx.parent_value.try_downcast_ref::<LoginVal>()?.expires_at,
                    ))))
                })
            }))
            .field(super::field("user", TypeRef::named_nn("User"), |ctx| {
                FieldFuture::new(async move {
                    Ok(Some(FieldValue::owned_any(ctx.parent_value.try_downcast_ref::<LoginVal>()?.user.clone())))
                })
            })),
    )
    .register(
        Object::new("DeletePayload").description("What a delete removed.").field(
            super::field("id", TypeRef::named_nn(TypeRef::ID), |ctx| {
                FieldFuture::new(async move {
                    Ok(Some(Value::from(ctx.parent_value.try_downcast_ref::<String>()?.clone())))
                })
            })
            .description("Id of the deleted item."),
        ),
    )
}

pub struct LocaleInfo {
    pub code: String,
    pub default: bool,
    pub chain: Vec<String>,
}

fn user_type() -> Object {
    fn u<'a>(ctx: &ResolverContext<'a>) -> async_graphql::Result<&'a User> {
        ctx.parent_value.try_downcast_ref::<User>()
    }
    Object::new("User")
        .description("Someone who works on the content.")
        .field(super::field("id", TypeRef::named_nn(TypeRef::ID), |ctx| {
            FieldFuture::new(async move { Ok(Some(Value::from(u(&ctx)?.id.clone()))) })
        }))
        .field(super::field("email", TypeRef::named_nn(TypeRef::STRING), |ctx| {
            FieldFuture::new(async move { Ok(Some(Value::from(u(&ctx)?.email.clone()))) })
        }))
        .field(super::field("displayName", TypeRef::named(TypeRef::STRING), |ctx| {
            FieldFuture::new(async move { Ok(u(&ctx)?.display_name.clone().map(Value::from)) })
        }))
        .field(super::field("role", TypeRef::named_nn("Role"), |ctx| {
            FieldFuture::new(async move { Ok(Some(Value::Enum(Name::new(u(&ctx)?.role.as_str())))) })
        }))
        .field(
            super::field("active", TypeRef::named_nn(TypeRef::BOOLEAN), |ctx| {
                FieldFuture::new(async move { Ok(Some(Value::from(u(&ctx)?.active))) })
            })
            .description("False once deactivated: the account cannot sign in."),
        )
        .field(
            super::field("version", TypeRef::named_nn(TypeRef::INT), |ctx| {
                FieldFuture::new(async move { Ok(Some(Value::from(u(&ctx)?.version))) })
            })
            .description("Raised by every change to the account; send it back with a change so that a newer one is not overwritten."),
        )
}

fn revision_type() -> Object {
    fn r<'a>(ctx: &ResolverContext<'a>) -> async_graphql::Result<&'a crate::model::records::Revision> {
        ctx.parent_value.try_downcast_ref::<crate::model::records::Revision>()
    }
    Object::new("Revision")
        .description("A recorded state of an item: every save and every publish.")
        .field(
            super::field("number", TypeRef::named_nn(TypeRef::INT), |ctx| {
                FieldFuture::new(async move { Ok(Some(Value::from(r(&ctx)?.number))) })
            })
            .description("1 for the first save, counting up."),
        )
        .field(
            super::field("kind", TypeRef::named_nn(TypeRef::STRING), |ctx| {
                FieldFuture::new(async move { Ok(Some(Value::from(r(&ctx)?.kind.clone()))) })
            })
            .description("save, publish or changes_requested."),
        )
        .field(super::field("version", TypeRef::named_nn(TypeRef::INT), |ctx| {
            FieldFuture::new(async move { Ok(Some(Value::from(r(&ctx)?.version))) })
        }))
        .field(super::field("workflowState", TypeRef::named_nn("WorkflowState"), |ctx| {
            FieldFuture::new(async move { Ok(Some(Value::Enum(Name::new(r(&ctx)?.state.as_str())))) })
        }))
        .field(super::field("createdAt", TypeRef::named_nn("DateTime"), |ctx| {
            FieldFuture::new(async move { Ok(Some(Value::from(dv::format_datetime(r(&ctx)?.created_at)))) })
        }))
        .field(
            super::field("message", TypeRef::named(TypeRef::STRING), |ctx| {
                FieldFuture::new(async move { Ok(r(&ctx)?.message.clone().map(Value::from)) })
            })
            .description("The comment given with it, if any."),
        )
        .field(
            super::field("snapshot", TypeRef::named_nn("JSON"), |ctx| {
                FieldFuture::new(async move { Ok(Some(Value::from_json(serde_json::from_str(&r(&ctx)?.snapshot)?)?)) })
            })
            .description("The item as it stood, in the import format."),
        )
        .field(super::field("author", TypeRef::named("User"), |ctx| {
            FieldFuture::new(async move {
                let Some(id) = r(&ctx)?.author_id.clone() else {
                    return Ok(None);
                };
                let user = req(&ctx)?.loaders.users.load(id).await.map_err(gql_err)?;
                Ok(user.map(FieldValue::owned_any))
            })
        }))
}

pub(crate) fn embedded_types(mut b: SchemaBuilder) -> SchemaBuilder {
    for e in EMBEDDED_TYPES {
        let mut obj = Object::new(e.name).description(e.description);
        let mut input = InputObject::new(format!("{}Input", e.name)).description(e.description);
        for f in e.fields {
            for field in value_field(None, f, true) {
                obj = obj.field(field);
            }
            let mut ty = input_type(f.kind).expect("embedded fields are writable");
            if f.required {
                ty = TypeRef::NonNull(Box::new(ty));
            }
            input = input.field(InputValue::new(f.name, ty).description(f.description));
        }
        b = b.register(obj).register(input);
    }
    b
}
/// Every content type's object, connection, input, filter and order types,
/// its root fields and mutations, and the lookups that span types.
pub(crate) fn content_types(
    mut b: SchemaBuilder,
    mut query: Object,
    mut mutation: Object,
    limits: &crate::app::Limits,
) -> (SchemaBuilder, Object, Object) {
    let limits = limits.clone();
    for ty in CONTENT_TYPES {
        let ty: &'static TypeDef = ty;
        let mut obj = Object::new(ty.name).description(ty.description).implement("Node").implement("Content");
        obj = common_fields(obj, ty);
        obj = super::editorial::content_fields(obj);
        obj = super::translation::content_field(obj, ty);
        let mut input = InputObject::new(format!("{}Input", ty.name))
            .description(format!(
                "Fields of a {}; on update, only the fields given change (localised fields per locale).",
                ty.name
            ))
            .field(
                super::input("slug", TypeRef::named(TypeRef::STRING))
                    .description("Made from the title when not given."),
            );
        let mut filter =
            InputObject::new(format!("{}Filter", ty.name))
                .description(format!("Conditions on {} items; all given conditions must hold.", ty.name))
                .field(super::input("and", TypeRef::named_nn_list(format!("{}Filter", ty.name))))
                .field(super::input("or", TypeRef::named_nn_list(format!("{}Filter", ty.name))))
                .field(super::input("not", TypeRef::named(format!("{}Filter", ty.name))))
                .field(super::input("id", TypeRef::named("IDFilter")))
                .field(super::input("slug", TypeRef::named("StringFilter")))
                .field(super::input("workflowState", TypeRef::named("WorkflowStateFilter")))
                .field(super::input("createdAt", TypeRef::named("DateTimeFilter")))
                .field(super::input("updatedAt", TypeRef::named("DateTimeFilter")))
                .field(super::input("publishedAt", TypeRef::named("DateTimeFilter")))
                .field(super::input("translation", TypeRef::named("TranslationFilter")).description(
                    "Where the working copy's translation into a locale stands (with `preview: true` only).",
                ));
        let mut order_fields: Vec<String> = COMMON_ORDER.iter().map(|(n, _)| n.to_string()).collect();
        for f in ty.fields {
            for field in value_field(Some(ty), f, false) {
                obj = obj.field(field);
            }
            if let Some(t) = input_type(f.kind).filter(|_| !f.read_only) {
                input = input.field(InputValue::new(f.name, t).description(if f.required {
                    format!("{} Required.", f.description)
                } else {
                    f.description.to_owned()
                }));
            }
            if let Some(ft) = filter_type(f.kind) {
                filter = filter.field(InputValue::new(f.name, TypeRef::named(ft)).description(format!(
                    "Conditions on `{}`{}.",
                    f.name,
                    if matches!(f.kind, Kind::Refs { .. } | Kind::Countries) { " (the linked items)" } else { "" }
                )));
            }
            if f.kind.sortable() {
                order_fields.push(order_name(f.name));
            }
        }
        if ty.name == "MediaAsset" {
            obj = super::media::fields(obj);
            mutation = super::media::mutations(mutation, ty);
        }
        let (edge, conn) = connection_types(ty);
        b = b
            .register(obj)
            .register(edge)
            .register(conn)
            .register(input)
            .register(filter)
            .register(
                Enum::new(format!("{}OrderField", ty.name))
                    .description(format!("Fields a list of {} can be sorted by.", ty.name))
                    .items(order_fields),
            )
            .register(
                InputObject::new(format!("{}Order", ty.name))
                    .description("One sort key; localised text sorts in the requested locale after fallback.")
                    .field(
                        super::input("field", TypeRef::named_nn(format!("{}OrderField", ty.name)))
                            .description("What to sort by."),
                    )
                    .field(
                        super::input("direction", TypeRef::named("OrderDirection"))
                            .default_value(Value::Enum(Name::new("ASC")))
                            .description("Ascending unless DESC."),
                    ),
            );

        // Root list and lookup.
        let page_size = limits.page_size;
        query = query.field(read_args(connection_args(
            Field::new(ty.plural, TypeRef::named_nn(format!("{}Connection", ty.name)), move |ctx| {
                FieldFuture::new(async move {
                    let scope = read_scope(&ctx)?;
                    req(&ctx)?.depends_on(format!("T:{}", ty.name));
                    let spec = args::list_spec(&ctx, ty, &scope.chain, scope.stage, page_size)?;
                    let mut pages = req(&ctx)?
                        .reader
                        .list(crate::model::query::Source::Root(ty), scope.stage, &spec)
                        .await
                        .map_err(gql_err)?;
                    Ok(Some(conn_value(Arc::new(pages.remove(&None).unwrap_or_default()), scope)))
                })
            })
            .description(format!("{} items, a page at a time.", ty.name)),
            ty,
        )));
        query = query.field(read_args(
            Field::new(ty.single, TypeRef::named(ty.name), move |ctx| {
                FieldFuture::new(async move {
                    // A preview token opens one draft to a caller without a login.
                    let preview = super::editorial::preview_stage(&ctx, ty, None).await?;
                    let scope = match &preview {
                        Some(_) => scope(&ctx, Stage::Draft)?,
                        None => read_scope(&ctx)?,
                    };
                    let id = ctx
                        .args
                        .get("id")
                        .filter(|v| !v.is_null())
                        .map(|v| v.string().map(str::to_owned))
                        .transpose()?;
                    let slug = ctx
                        .args
                        .get("slug")
                        .filter(|v| !v.is_null())
                        .map(|v| v.string().map(str::to_owned))
                        .transpose()?;
                    let item = match (id, slug) {
                        (Some(id), None) => {
                            let id = ids::decode_as(&id, ty, "id").map_err(gql_err)?;
                            req(&ctx)?.depends_on(format!("I:{id}"));
                            req(&ctx)?.loaders.items.load((ty.name, scope.stage, id)).await.map_err(gql_err)?
                        }
                        (None, Some(slug)) => {
                            // Which item has a slug can change with any publish of the type.
                            req(&ctx)?.depends_on(format!("T:{}", ty.name));
                            req(&ctx)?.reader.by_slug(ty, scope.stage, &slug).await.map_err(gql_err)?
                        }
                        _ => {
                            return Err(gql_err(Error::bad_input(format!(
                                "give {}(id:) or {}(slug:), one of the two",
                                ty.single, ty.single
                            ))));
                        }
                    };
                    if let (Some(allowed_id), Some(i)) = (&preview, &item)
                        && &i.id != allowed_id
                    {
                        return Err(gql_err(Error::forbidden("This preview token is for another item.")));
                    }
                    Ok(item.map(|i| item_value(i, scope)))
                })
            })
            .argument(super::input("id", TypeRef::named(TypeRef::ID)))
            .argument(super::input("slug", TypeRef::named(TypeRef::STRING)))
            .argument(
                super::input("previewToken", TypeRef::named(TypeRef::STRING))
                    .description("A token from `createPreviewLink`: shows this item's draft without a login."),
            )
            .description(format!("One {} by id or by slug; null when there is none you may see.", ty.name)),
        ));

        // Create, update, delete.
        mutation = mutation
            .field(
                Field::new(format!("create{}", ty.name), TypeRef::named_nn(ty.name), move |ctx| {
                    FieldFuture::new(async move {
                        let input = ctx.args.try_get("input")?.as_value().clone().into_json()?;
                        let r = req(&ctx)?;
                        let resolve = |t: &'static TypeDef, raw: &str, path: &str| dv::by_global_id(t, raw, path);
                        let item = hub(&ctx)?.content.create(&r.actor, ty, &input, &resolve).await.map_err(gql_err)?;
                        Ok(Some(item_value(Arc::new(item), write_scope(&ctx)?)))
                    })
                })
                .argument(super::input("input", TypeRef::named_nn(format!("{}Input", ty.name))))
                .description(format!("Creates a {} as a DRAFT.", ty.name)),
            )
            .field(
                Field::new(format!("update{}", ty.name), TypeRef::named_nn(ty.name), move |ctx| {
                    FieldFuture::new(async move {
                        let (id, version) = id_version(&ctx, ty)?;
                        let input = ctx.args.try_get("input")?.as_value().clone().into_json()?;
                        let r = req(&ctx)?;
                        let resolve = |t: &'static TypeDef, raw: &str, path: &str| dv::by_global_id(t, raw, path);
                        let item = hub(&ctx)?
                            .content
                            .update(&r.actor, Versioned { ty, id: &id, version }, &input, &resolve, false)
                            .await
                            .map_err(gql_err)?;
                        Ok(Some(item_value(Arc::new(item), write_scope(&ctx)?)))
                    })
                })
                .argument(super::input("id", TypeRef::named_nn(TypeRef::ID)))
                .argument(super::input("version", TypeRef::named_nn(TypeRef::INT)))
                .argument(super::input("input", TypeRef::named_nn(format!("{}Input", ty.name))))
                .description(format!(
                    "Changes a {}'s working draft; a published version stays live until the draft is published.",
                    ty.name
                )),
            )
            .field(
                Field::new(format!("delete{}", ty.name), TypeRef::named_nn("DeletePayload"), move |ctx| {
                    FieldFuture::new(async move {
                        let (id, version) = id_version(&ctx, ty)?;
                        hub(&ctx)?.content.delete(&req(&ctx)?.actor, ty, &id, version).await.map_err(gql_err)?;
                        Ok(Some(FieldValue::owned_any(ids::encode(ty.name, &id))))
                    })
                })
                .argument(super::input("id", TypeRef::named_nn(TypeRef::ID)))
                .argument(super::input("version", TypeRef::named_nn(TypeRef::INT)))
                .description(format!(
                    "Deletes a {} with its published version; references to it become empty.",
                    ty.name
                )),
            );
    }

    // Lookups that span types.
    // `node` takes the id alone, as Relay's Global Object Identification asks;
    // the locale and preview come from the request (Accept-Language,
    // Relais-Preview), or are given to `nodeIn`.
    fn node_field(ctx: ResolverContext<'_>) -> FieldFuture<'_> {
        FieldFuture::new(async move {
            let scope = read_scope(&ctx)?;
            let (ty, id) = ids::decode(ctx.args.try_get("id")?.string()?).map_err(gql_err)?;
            req(&ctx)?.depends_on(format!("I:{id}"));
            let item = req(&ctx)?.loaders.items.load((ty.name, scope.stage, id)).await.map_err(gql_err)?;
            Ok(item.map(|i| typed_item_value(i, scope)))
        })
    }
    query = query
        .field(
            super::field("node", TypeRef::named("Node"), node_field)
                .argument(super::input("id", TypeRef::named_nn(TypeRef::ID)))
                .description("Any item by its global id, in the request's locale (Accept-Language); send `Relais-Preview: true` to read drafts."),
        )
        .field(read_args(
            super::field("nodeIn", TypeRef::named("Node"), node_field)
                .argument(super::input("id", TypeRef::named_nn(TypeRef::ID)))
                .description("Any item by its global id, in the locale and stage given here."),
        ))
        .field(
            super::field("countries", TypeRef::named_nn_list_nn("Country"), |ctx| {
                FieldFuture::new(async move {
                    let scope = scope(&ctx, Stage::Live)?;
                    let hub = hub(&ctx)?;
                    let mut codes: Vec<String> = match ctx.args.get("codes").filter(|v| !v.is_null()) {
                        Some(list) => list
                            .list()?
                            .iter()
                            .map(|c| c.string().map(str::to_ascii_uppercase))
                            .collect::<Result<_, _>>()?,
                        None => hub.content.countries.codes.iter().cloned().collect(),
                    };
                    codes.retain(|c| hub.content.countries.codes.contains(c));
                    codes.sort();
                    codes.dedup();
                    Ok(Some(FieldValue::list(
                        codes.into_iter().map(|code| FieldValue::owned_any(CountryVal { code, scope: scope.clone() })),
                    )))
                })
            })
            .argument(
                super::input("codes", TypeRef::named_nn_list(TypeRef::STRING)).description("Only these ISO codes."),
            )
            .argument(super::input("locale", TypeRef::named(TypeRef::STRING)))
            .description("Countries (ISO 3166-1), by code, with names in each locale."),
        )
        .field(
            super::field("locales", TypeRef::named_nn_list_nn("Locale"), |ctx| {
                FieldFuture::new(async move {
                    let l = &hub(&ctx)?.content.locales;
                    Ok(Some(FieldValue::list(l.served().map(|c| {
                        FieldValue::owned_any(LocaleInfo {
                            code: c.to_string(),
                            default: c.as_str() == l.default_locale(),
                            chain: l.chain(&c),
                        })
                    }))))
                })
            })
            .description("The locales this server serves, their direction and fallbacks."),
        )
        .field(
            super::field("viewer", TypeRef::named("User"), |ctx| {
                FieldFuture::new(async move {
                    let Some(v) = req(&ctx)?.viewer() else {
                        return Ok(None);
                    };
                    let user = req(&ctx)?.loaders.users.load(v.id.clone()).await.map_err(gql_err)?;
                    Ok(user.map(FieldValue::owned_any))
                })
            })
            .description("Who you are logged in as; null when anonymous."),
        );

    mutation = mutation.field(
        super::field("login", TypeRef::named_nn("LoginPayload"), |ctx| {
            FieldFuture::new(async move {
                let email = ctx.args.try_get("email")?.string()?;
                let password = ctx.args.try_get("password")?.string()?;
                let hub = hub(&ctx)?;
                let cookie = ctx.args.get("cookie").and_then(|v| v.boolean().ok()).unwrap_or(false);
                let r = req(&ctx)?;
                if cookie && !r.same_site {
                    // Refused before the password is checked: no session for another site's page.
                    r.hand_over(String::new(), 0, true)?;
                }
                let session = hub.auth.login(&r.actor, email, password).await.map_err(gql_err)?;
                let token = r.hand_over(session.token, session.expires_at, cookie)?;
                Ok(Some(FieldValue::owned_any(LoginVal { token, expires_at: session.expires_at, user: session.user })))
            })
        })
        .argument(super::input("email", TypeRef::named_nn(TypeRef::STRING)))
        .argument(super::input("password", TypeRef::named_nn(TypeRef::STRING)))
        .argument(super::cookie_arg())
        .description(
            "Exchanges credentials for a session: a bearer token, or with `cookie: true` an HttpOnly session cookie.",
        ),
    );
    for t in Transition::ALL {
        let text = match t {
            Transition::SubmitForReview => "DRAFT → IN_REVIEW.",
            Transition::RequestChanges => "IN_REVIEW → DRAFT, with a comment for the author.",
            Transition::Publish => "Makes the working draft the live version (from DRAFT or IN_REVIEW).",
            Transition::Unpublish => "Takes the live version down; the draft stays.",
            Transition::Archive => "Takes the item down and files it away.",
            Transition::Unarchive => "ARCHIVED → DRAFT.",
        };
        let mut f = Field::new(t.name(), TypeRef::named_nn("Content"), move |ctx| {
            FieldFuture::new(async move {
                let gid = ctx.args.try_get("id")?.string()?;
                let (ty, id) = ids::decode(gid).map_err(gql_err)?;
                let version = ctx.args.try_get("version")?.i64()?;
                let comment = ctx.args.get("comment").and_then(|c| c.string().ok().map(str::to_owned));
                let at =
                    ctx.args.get("at").filter(|v| !v.is_null()).map(|v| v.string().map(str::to_owned)).transpose()?;
                let item = match at {
                    Some(at) => super::editorial::scheduled(&ctx, ty, &id, version, t, &at).await?,
                    None => hub(&ctx)?
                        .content
                        .transition(&req(&ctx)?.actor, Versioned { ty, id: &id, version }, t, comment.as_deref())
                        .await
                        .map_err(gql_err)?,
                };
                Ok(Some(typed_item_value(Arc::new(item), write_scope(&ctx)?)))
            })
        })
        .argument(super::input("id", TypeRef::named_nn(TypeRef::ID)))
        .argument(super::input("version", TypeRef::named_nn(TypeRef::INT)))
        .description(text);
        f = match t {
            Transition::RequestChanges => f.argument(super::input("comment", TypeRef::named_nn(TypeRef::STRING))),
            Transition::SubmitForReview => f.argument(super::input("comment", TypeRef::named(TypeRef::STRING))),
            Transition::Publish => f.argument(super::input("comment", TypeRef::named(TypeRef::STRING))).argument(
                super::input("at", TypeRef::named("DateTime"))
                    .description("Schedule it: the change happens at this time (see `scheduledChanges`)."),
            ),
            Transition::Unpublish => f.argument(
                super::input("at", TypeRef::named("DateTime"))
                    .description("Schedule it: the change happens at this time (see `scheduledChanges`)."),
            ),
            _ => f,
        };
        mutation = mutation.field(f);
    }

    (b, query, mutation)
}

fn id_version(ctx: &ResolverContext<'_>, ty: &'static TypeDef) -> async_graphql::Result<(String, i64)> {
    let id = ids::decode_as(ctx.args.try_get("id")?.string()?, ty, "id").map_err(gql_err)?;
    Ok((id, ctx.args.try_get("version")?.i64()?))
}
