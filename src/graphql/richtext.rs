//! Rich-text fields in GraphQL: the document, sanitised HTML and plain text of
//! the requested locale (after fallback), with its direction.

use super::values::{Scope, dir, parse_local};
use super::{Req, gql_err};
use crate::app::Hub;
use crate::domain::ids;
use crate::domain::richtext::{self, Document, MediaEmbed};
use crate::model::content_type;
use crate::model::item::Val;
use async_graphql::dynamic::*;
use async_graphql::{Name, Value};
use std::collections::HashMap;
use std::sync::Arc;

struct RichVal {
    locale: String,
    doc: Document,
    scope: Arc<Scope>,
}

/// The value of a rich-text field as stored (locale → document JSON text).
pub fn value(stored: &Val, scope: &Arc<Scope>) -> async_graphql::Result<Option<FieldValue<'static>>> {
    let map = parse_local(stored.as_text()).map_err(gql_err)?;
    let Some((locale, text)) = scope.pick(&map) else { return Ok(None) };
    Ok(Some(FieldValue::owned_any(RichVal {
        locale: locale.to_owned(),
        doc: richtext::stored(text),
        scope: scope.clone(),
    })))
}

fn rich<'a>(ctx: &ResolverContext<'a>) -> async_graphql::Result<&'a RichVal> {
    ctx.parent_value.try_downcast_ref::<RichVal>()
}

/// Media the document embeds, as images the reader may see (others are left out).
async fn embeds(ctx: &ResolverContext<'_>, r: &RichVal) -> async_graphql::Result<HashMap<String, MediaEmbed>> {
    let req = ctx.data::<Req>()?;
    let hub = ctx.data::<Arc<Hub>>()?;
    let media = content_type("MediaAsset").expect("model declares MediaAsset");
    let mut out = HashMap::new();
    let wanted: Vec<(String, String)> = richtext::media_ids(&r.doc)
        .into_iter()
        .filter_map(|raw| ids::decode_as(&raw, media, "id").ok().map(|id| (raw, id)))
        .collect();
    let loads = wanted.iter().map(|(_, id)| {
        req.depends_on(format!("I:{id}"));
        req.loaders.items.load((media.name, r.scope.stage, id.clone()))
    });
    let items = futures_util::future::join_all(loads).await;
    for ((raw, _), item) in wanted.into_iter().zip(items) {
        if let Some(item) = item.map_err(gql_err)? {
            let alt = parse_local(item.value("altText").as_text()).map_err(gql_err)?;
            let alt = r.scope.pick(&alt).map(|(_, a)| a.to_owned()).unwrap_or_default();
            if let Some(e) = super::media::embed(hub, &item, alt) {
                out.insert(raw, e);
            }
        }
    }
    Ok(out)
}

pub fn types(b: SchemaBuilder) -> SchemaBuilder {
    b.register(
        Object::new("RichText")
            .description("A rich-text body in the requested locale (or the fallback that had one).")
            .field(
                super::field("document", TypeRef::named_nn("JSON"), |ctx| {
                    FieldFuture::new(async move { Ok(Some(Value::from_json(rich(&ctx)?.doc.to_json())?)) })
                })
                .description("The structured document: `{type: \"doc\", blocks: [...]}` with paragraph, heading, list, quote, code, media, table and rule blocks (see the README)."),
            )
            .field(
                super::field("html", TypeRef::named_nn(TypeRef::STRING), |ctx| {
                    FieldFuture::new(async move {
                        let r = rich(&ctx)?;
                        let media = embeds(&ctx, r).await?;
                        let inner = richtext::to_html(&r.doc, &|id| media.get(id).cloned());
                        let mut out = String::with_capacity(inner.len() + 40);
                        out.push_str("<div lang=\"");
                        crate::html::escape_into(&mut out, &r.locale);
                        out.push_str("\" dir=\"");
                        out.push_str(&dir(&r.locale).to_ascii_lowercase());
                        out.push_str("\">");
                        out.push_str(&inner);
                        out.push_str("</div>");
                        Ok(Some(Value::from(out)))
                    })
                })
                .description("Sanitised HTML, safe to insert as is, in a `<div>` carrying `lang` and `dir` (`rtl` for Arabic). Embedded images come with `srcset`, `alt` and their size; media the reader may not see are left out."),
            )
            .field(
                super::field("text", TypeRef::named_nn(TypeRef::STRING), |ctx| {
                    FieldFuture::new(async move { Ok(Some(Value::from(richtext::to_text(&rich(&ctx)?.doc)))) })
                })
                .description("Plain text, for previews, meta descriptions and feeds."),
            )
            .field(
                super::field("locale", TypeRef::named_nn(TypeRef::STRING), |ctx| {
                    FieldFuture::new(async move { Ok(Some(Value::from(rich(&ctx)?.locale.clone()))) })
                })
                .description("The locale the document came from (the requested one, or a fallback)."),
            )
            .field(super::field("direction", TypeRef::named_nn("TextDirection"), |ctx| {
                FieldFuture::new(async move { Ok(Some(Value::Enum(Name::new(dir(&rich(&ctx)?.locale))))) })
            }))
            .field(super::field("isFallback", TypeRef::named_nn(TypeRef::BOOLEAN), |ctx| {
                FieldFuture::new(async move {
                    let r = rich(&ctx)?;
                    Ok(Some(Value::from(r.locale != r.scope.locale())))
                })
            })),
    )
    .register(
        InputObject::new("LocalizedRichTextInput")
            .description("One locale's rich text: Markdown or a document. Both null removes the locale.")
            .field(super::input("locale", TypeRef::named_nn(TypeRef::STRING)))
            .field(
                super::input("markdown", TypeRef::named(TypeRef::STRING))
                    .description("CommonMark with tables and strikethrough. Raw HTML is reduced to its text; `![caption](media:<MediaAsset id>)` embeds a media asset."),
            )
            .field(
                super::input("document", TypeRef::named("JSON"))
                    .description("A document as `RichText.document` serves it. Links other than http(s), mailto, tel and relative ones are removed, keeping their text."),
            ),
    )
}
