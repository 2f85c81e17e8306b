//! `search`: ranked full-text matches across content types, as a connection.

use super::context::{PageInfoVal, read_scope, typed_item_value};
use super::values::Scope;
use super::{Req, gql_err};
use crate::app::Hub;
use crate::domain::search::Hit;
use crate::error::Error;
use crate::model::item::Item;
use crate::model::{CONTENT_TYPES, TypeDef};
use async_graphql::Value;
use async_graphql::dynamic::*;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use std::sync::Arc;

/// `NewsArticle` → `NEWS_ARTICLE`.
pub(super) fn enum_name(ty: &TypeDef) -> String {
    let mut out = String::new();
    for (i, c) in ty.name.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_uppercase());
    }
    out
}

struct HitVal {
    hit: Hit,
    item: Arc<Item>,
    position: i64,
    scope: Arc<Scope>,
}

struct ResultsVal {
    hits: Vec<Arc<HitVal>>,
    total: i64,
    exact: bool,
    offset: i64,
    /// Where pages stop (`SearchPage::end`).
    end: i64,
}

fn cursor(position: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("search:{position}"))
}

fn offset_after(cursor: &str) -> Option<i64> {
    let raw = URL_SAFE_NO_PAD.decode(cursor).ok()?;
    let n: i64 = std::str::from_utf8(&raw).ok()?.strip_prefix("search:")?.parse().ok()?;
    (n >= 0).then_some(n + 1)
}

pub fn types(b: SchemaBuilder) -> SchemaBuilder {
    fn hit<'a>(ctx: &ResolverContext<'a>) -> async_graphql::Result<&'a Arc<HitVal>> {
        ctx.parent_value.try_downcast_ref::<Arc<HitVal>>()
    }
    fn results<'a>(ctx: &ResolverContext<'a>) -> async_graphql::Result<&'a ResultsVal> {
        ctx.parent_value.try_downcast_ref::<ResultsVal>()
    }
    let edge = Object::new("SearchEdge")
        .description("One match, best first, with what made it match.")
        .field(super::field("cursor", TypeRef::named_nn(TypeRef::STRING), |ctx| {
            FieldFuture::new(async move { Ok(Some(Value::from(cursor(hit(&ctx)?.position)))) })
        }))
        .field(super::field("node", TypeRef::named_nn("Content"), |ctx| {
            FieldFuture::new(async move {
                let h = hit(&ctx)?;
                Ok(Some(typed_item_value(h.item.clone(), h.scope.clone())))
            })
        }))
        .field(
            super::field("type", TypeRef::named_nn("SearchType"), |ctx| {
                FieldFuture::new(async move {
                    Ok(Some(Value::Enum(async_graphql::Name::new(enum_name(hit(&ctx)?.hit.ty)))))
                })
            })
            .description("The content type of the match."),
        )
        .field(
            super::field("score", TypeRef::named_nn(TypeRef::FLOAT), |ctx| {
                FieldFuture::new(async move { Ok(Some(Value::from(hit(&ctx)?.hit.score))) })
            })
            .description("Relevance: higher is better; comparable within one answer only."),
        )
        .field(
            super::field("title", TypeRef::named_nn(TypeRef::STRING), |ctx| {
                FieldFuture::new(async move { Ok(Some(Value::from(hit(&ctx)?.hit.title.clone()))) })
            })
            .description(
                "The title in the requested locale (after fallback) as HTML: escaped, matching words in `<mark>`.",
            ),
        )
        .field(
            super::field("snippet", TypeRef::named_nn(TypeRef::STRING), |ctx| {
                FieldFuture::new(async move { Ok(Some(Value::from(hit(&ctx)?.hit.snippet.clone()))) })
            })
            .description(
                "A passage around the matching words as HTML: escaped, matches in `<mark>`, `…` where it was cut.",
            ),
        );
    let conn = Object::new("SearchConnection")
        .description("Search results, a page at a time.")
        .field(
            super::field("totalCount", TypeRef::named_nn(TypeRef::INT), |ctx| {
                FieldFuture::new(async move { Ok(Some(Value::from(results(&ctx)?.total))) })
            })
            .description("How many items match, over all pages; at least how many when `totalCountIsExact` is false."),
        )
        .field(
            super::field("totalCountIsExact", TypeRef::named_nn(TypeRef::BOOLEAN), |ctx| {
                FieldFuture::new(async move { Ok(Some(Value::from(results(&ctx)?.exact))) })
            })
            .description(
                "False when more items match than the server counts (the search window, 10,000 unless configured, on SQLite): `totalCount` is then a lower bound and the matches are the best of the newest ones.",
            ),
        )
        .field(super::field("pageInfo", TypeRef::named_nn("PageInfo"), |ctx| {
            FieldFuture::new(async move {
                let r = results(&ctx)?;
                Ok(Some(FieldValue::owned_any(PageInfoVal {
                    has_next: r.offset + (r.hits.len() as i64) < r.end,
                    has_prev: r.offset > 0,
                    start: r.hits.first().map(|h| cursor(h.position)),
                    end: r.hits.last().map(|h| cursor(h.position)),
                })))
            })
        }))
        .field(super::field("edges", TypeRef::named_nn_list_nn("SearchEdge"), |ctx| {
            FieldFuture::new(async move {
                Ok(Some(FieldValue::list(results(&ctx)?.hits.iter().map(|h| FieldValue::owned_any(h.clone())))))
            })
        }))
        .field(super::field("nodes", TypeRef::named_nn_list_nn("Content"), |ctx| {
            FieldFuture::new(async move {
                Ok(Some(FieldValue::list(
                    results(&ctx)?.hits.iter().map(|h| typed_item_value(h.item.clone(), h.scope.clone())),
                )))
            })
        }));
    b.register(
        Enum::new("SearchType")
            .description("A content type to search.")
            .items(CONTENT_TYPES.iter().map(|t| EnumItem::new(enum_name(t)).description(t.description))),
    )
    .register(edge)
    .register(conn)
}

pub fn query(q: Object) -> Object {
    q.field(
        super::field("search", TypeRef::named_nn("SearchConnection"), |ctx| {
            FieldFuture::new(async move {
                let scope = read_scope(&ctx)?;
                let r = ctx.data::<Req>()?;
                let hub = ctx.data::<Arc<Hub>>()?;
                if r.reader.limited() {
                    return Err(gql_err(Error::forbidden(
                        "Search is not open to API keys limited to part of the content; list with filters, or use the feeds.",
                    )));
                }
                let text = ctx.args.try_get("query")?.string()?;
                let mut types: Vec<&'static TypeDef> = Vec::new();
                if let Some(list) = ctx.args.get("types").filter(|v| !v.is_null()) {
                    for v in list.list()?.iter() {
                        let name = v.enum_name()?;
                        if let Some(t) = CONTENT_TYPES.iter().find(|t| enum_name(t) == name) {
                            types.push(t);
                        }
                    }
                }
                for t in if types.is_empty() { CONTENT_TYPES.iter().collect() } else { types.clone() } {
                    r.depends_on(format!("T:{}", t.name));
                }
                let count = |k: &str| -> async_graphql::Result<Option<i64>> {
                    match ctx.args.get(k).filter(|v| !v.is_null()) {
                        None => Ok(None),
                        Some(v) => match v.i64()? {
                            n @ 0..=100 => Ok(Some(n)),
                            _ => Err(gql_err(Error::field(k, "must be between 0 and 100"))),
                        },
                    }
                };
                let position = |k: &str| -> async_graphql::Result<Option<i64>> {
                    match ctx.args.get(k).filter(|v| !v.is_null()) {
                        None => Ok(None),
                        Some(v) => Ok(Some(offset_after(v.string()?).ok_or_else(|| {
                            gql_err(Error::field(k, "is not a cursor from search; use a cursor it returned"))
                        })? - 1)),
                    }
                };
                let (first, last, after, before) = (count("first")?, count("last")?, position("after")?, position("before")?);
                if first.is_some() && last.is_some() {
                    return Err(gql_err(Error::field("last", "give first (with after) or last (with before), not both")));
                }
                let (offset, first) = if last.is_some() || (first.is_none() && before.is_some()) {
                    // Backward: the `last` matches just before the cursor, or at the end.
                    let n = last.unwrap_or(10);
                    let end = match before {
                        Some(p) => p,
                        None => {
                            let probe = hub.content.search(text, &types, scope.locale(), scope.stage, 1, 0).await;
                            probe.map_err(gql_err)?.end
                        }
                    };
                    let start = (end - n).max(0);
                    (start, end - start)
                } else {
                    (after.map_or(0, |p| p + 1), first.unwrap_or(10))
                };
                let page = hub
                    .content
                    .search(text, &types, scope.locale(), scope.stage, first, offset)
                    .await
                    .map_err(gql_err)?;
                // Items load together (one statement per type), then keep the ranking.
                let loads = page.hits.iter().map(|h| r.loaders.items.load((h.ty.name, scope.stage, h.id.clone())));
                let items = futures_util::future::join_all(loads).await;
                let mut hits = Vec::with_capacity(page.hits.len());
                for (i, (hit, item)) in page.hits.into_iter().zip(items).enumerate() {
                    // An item deleted since the index was read is left out.
                    if let Some(item) = item.map_err(gql_err)? {
                        hits.push(Arc::new(HitVal { hit, item, position: offset + i as i64, scope: scope.clone() }));
                    }
                }
                let (total, exact, end) = (page.total, page.exact, page.end);
                Ok(Some(FieldValue::owned_any(ResultsVal { hits, total, exact, offset, end })))
            })
        })
        .argument(
            super::input("query", TypeRef::named_nn(TypeRef::STRING))
                .description("Words to find, as typed: case, accents and Arabic spelling variants do not matter, other forms of a word match (`formations` finds `formation`), the last word also matches as a prefix. Every word must match."),
        )
        .argument(
            super::input("types", TypeRef::named_nn_list("SearchType"))
                .description("Only these content types; all when omitted."),
        )
        .argument(
            super::input("first", TypeRef::named(TypeRef::INT)).description("Up to this many matches (at most 100); 10 when omitted."),
        )
        .argument(super::input("after", TypeRef::named(TypeRef::STRING)).description("A cursor: matches after it."))
        .argument(
            super::input("last", TypeRef::named(TypeRef::INT))
                .description("Up to this many matches from the end (or before `before`); at most 100."),
        )
        .argument(super::input("before", TypeRef::named(TypeRef::STRING)).description("A cursor: matches before it."))
        .argument(super::input("locale", TypeRef::named(TypeRef::STRING)).description("Locale to search and read in; defaults from Accept-Language, then the server's default. Items without text in it are found by their fallback text."))
        .argument(super::input("preview", TypeRef::named(TypeRef::BOOLEAN)).description("Search working drafts instead of published content (needs a role that may read drafts)."))
        .description("Full-text search over every content type, best matches first, with highlighted titles and snippets."),
    )
}
