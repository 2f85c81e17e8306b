//! Media in GraphQL: image URLs and srcsets on `MediaAsset`, and uploads per
//! the GraphQL multipart request spec.

use super::context::{hub, item_value, scope};
use super::values::{ItemVal, Scope};
use super::{Req, gql_err};
use crate::app::Hub;
use crate::domain::{ids, media as dm, values as dv};
use crate::error::Error;
use crate::media::image::{Fit, OutFormat};
use crate::media::{Transform, WIDTHS};
use crate::model::TypeDef;
use crate::model::item::{Item, Stage, Val};
use crate::model::records::MediaUse;
use async_graphql::Value;
use async_graphql::dynamic::*;
use std::sync::Arc;

pub fn types(b: SchemaBuilder) -> SchemaBuilder {
    b.register(use_type())
        .register(Enum::new("ImageFit").description("COVER fills the box, cropping around the focal point; CONTAIN fits and pads; INSIDE fits without padding.").items(["COVER", "CONTAIN", "INSIDE"]))
        .register(Enum::new("ImageFormat").description("WEBP (lossy), JPEG or PNG.").items(["WEBP", "JPEG", "PNG"]))
        .register(
            InputObject::new("ImageTransformInput")
                .description(format!("An image variant. Widths and heights are one of {WIDTHS:?}; nothing is enlarged beyond the original."))
                .field(super::input("width", TypeRef::named(TypeRef::INT)))
                .field(super::input("height", TypeRef::named(TypeRef::INT)))
                .field(super::input("fit", TypeRef::named("ImageFit")).default_value(Value::Enum(async_graphql::Name::new("INSIDE"))))
                .field(super::input("format", TypeRef::named("ImageFormat")).default_value(Value::Enum(async_graphql::Name::new("WEBP"))))
                .field(super::input("quality", TypeRef::named(TypeRef::INT)).default_value(75))
                .field(super::input("dpr", TypeRef::named(TypeRef::INT)).default_value(1).description("Device pixel ratio, 1 to 3.")),
        )
}

fn format_of(name: &str) -> OutFormat {
    match name {
        "JPEG" => OutFormat::Jpeg,
        "PNG" => OutFormat::Png,
        _ => OutFormat::WebP,
    }
}

fn fit_of(name: &str) -> Fit {
    match name {
        "COVER" => Fit::Cover,
        "CONTAIN" => Fit::Contain,
        _ => Fit::Inside,
    }
}

/// The focal point of an asset, in whole percent (centre when none is set).
fn focal(item: &Item) -> (u8, u8) {
    let fp: Option<serde_json::Value> = item.value("focalPoint").as_text().and_then(|s| serde_json::from_str(s).ok());
    let pct =
        |k: &str| fp.as_ref().and_then(|v| v[k].as_f64()).map_or(50, |x| (x.clamp(0.0, 1.0) * 100.0).round() as u8);
    (pct("x"), pct("y"))
}

fn is_image(item: &Item) -> bool {
    item.value("mimeType").as_text().is_some_and(|m| m.starts_with("image/"))
}

/// The transform an argument object asks for.
fn transform(item: &Item, o: Option<&ObjectAccessor<'_>>) -> Result<Transform, Error> {
    let get_enum = |k: &str, d: &str| -> String {
        o.and_then(|o| o.get(k)).and_then(|v| v.enum_name().ok().map(str::to_owned)).unwrap_or_else(|| d.to_owned())
    };
    let get_int = |k: &str| -> Result<Option<u32>, Error> {
        match o.and_then(|o| o.get(k)).filter(|v| !v.is_null()) {
            None => Ok(None),
            Some(v) => v
                .u64()
                .ok()
                .and_then(|n| u32::try_from(n).ok())
                .map(Some)
                .ok_or_else(|| Error::field(k, "must be a positive whole number")),
        }
    };
    let mut t = Transform::new(format_of(&get_enum("format", "WEBP")));
    t.fit = fit_of(&get_enum("fit", "INSIDE"));
    t.width = get_int("width")?;
    t.height = get_int("height")?;
    if let Some(q) = get_int("quality")? {
        t.quality = u8::try_from(q).map_err(|_| Error::field("quality", "is at most 100"))?;
    }
    if let Some(d) = get_int("dpr")? {
        t.dpr = d;
    }
    if t.fit == Fit::Cover && t.width.is_some() && t.height.is_some() {
        t.focal = Some(focal(item));
    }
    t.validate()?;
    Ok(t)
}

fn media_url(hub: &Hub, sha: &str, spec: &str) -> String {
    format!("{}/media/{sha}/{spec}", hub.public_url)
}

/// The URL of the file itself: the original for documents and films, a
/// full-size re-encoding (no metadata) for images.
fn file_url(hub: &Hub, item: &Item, download: bool) -> Option<String> {
    let sha = item.value("checksum").as_text()?;
    Some(media_url(hub, sha, if download { "download" } else { "original" }))
}

/// An image asset as a rich-text embed: a 960 px WebP with a `srcset`.
pub(crate) fn embed(hub: &Hub, item: &Item, alt: String) -> Option<crate::domain::richtext::MediaEmbed> {
    let (sha, w, h) =
        (item.value("checksum").as_text()?, item.value("width").as_int()?, item.value("height").as_int()?);
    if !is_image(item) {
        return None;
    }
    let variant = |width: u32| {
        let mut t = Transform::new(OutFormat::WebP);
        t.width = Some(width);
        media_url(hub, sha, &t.spec())
    };
    let mut srcset: Vec<String> = Vec::new();
    for width in [320, 640, 960, 1280, 1920] {
        // The first width past the original serves the original size, once.
        srcset.push(format!("{} {}w", variant(width), (width as i64).min(w)));
        if width as i64 >= w {
            break;
        }
    }
    let shown = if w > 960 { 960 } else { w };
    Some(crate::domain::richtext::MediaEmbed {
        src: variant(960),
        alt,
        width: Some(shown),
        height: Some((h * shown + w / 2) / w.max(1)),
        srcset: Some(srcset.join(", ")),
    })
}

/// One place a media asset is used.
struct UseVal {
    field: String,
    item: Arc<Item>,
    scope: Arc<Scope>,
}

fn use_type() -> Object {
    fn u<'a>(ctx: &ResolverContext<'a>) -> async_graphql::Result<&'a UseVal> {
        ctx.parent_value.try_downcast_ref::<UseVal>()
    }
    Object::new("MediaUse")
        .description("An item that uses a media asset, and the field it uses it in.")
        .field(
            super::field("field", TypeRef::named_nn(TypeRef::STRING), |ctx| {
                FieldFuture::new(async move { Ok(Some(Value::from(u(&ctx)?.field.clone()))) })
            })
            .description("The field naming it: a reference (`coverImage`), a gallery, sub-items or a rich-text body."),
        )
        .field(
            super::field("node", TypeRef::named_nn("Content"), |ctx| {
                FieldFuture::new(async move {
                    let u = u(&ctx)?;
                    Ok(Some(super::context::typed_item_value(u.item.clone(), u.scope.clone())))
                })
            })
            .description("The item."),
        )
}

pub fn fields(obj: Object) -> Object {
    fn item<'a>(ctx: &ResolverContext<'a>) -> async_graphql::Result<&'a ItemVal> {
        ctx.parent_value.try_downcast_ref::<ItemVal>()
    }
    obj.field(
        super::field("usedBy", TypeRef::named_nn_list_nn("MediaUse"), |ctx| {
            FieldFuture::new(async move {
                let p = item(&ctx)?;
                let r = ctx.data::<Req>()?;
                // A key limited to part of the content is not shown the rest through its media.
                if r.reader.limited() {
                    return Ok(Some(FieldValue::list(Vec::<FieldValue>::new())));
                }
                for t in crate::model::CONTENT_TYPES {
                    r.depends_on(format!("T:{}", t.name));
                }
                let stage = p.scope.stage;
                let uses = r.reader.media_uses(&p.item.id, stage).await.map_err(gql_err)?;
                // Loaded together: one statement per type, not per use.
                let loads = uses.iter().map(|u| r.loaders.items.load((u.ty.name, stage, u.item_id.clone())));
                let items = futures_util::future::join_all(loads).await;
                let mut out = Vec::with_capacity(uses.len());
                for (MediaUse { field, .. }, item) in uses.into_iter().zip(items) {
                    if let Some(item) = item.map_err(gql_err)? {
                        out.push(FieldValue::owned_any(UseVal { field, item, scope: p.scope.clone() }));
                    }
                }
                Ok(Some(FieldValue::list(out)))
            })
        })
        .description("Where it is used: the items whose references, galleries, sub-items or rich-text bodies name it, in the copy read (published, or working copies with preview)."),
    )
    .field(
        super::field("url", TypeRef::named(TypeRef::STRING), |ctx| {
            FieldFuture::new(async move {
                let p = item(&ctx)?;
                let hub = hub(&ctx)?;
                let i = &p.item;
                if let Some(ext) = i.value("externalUrl").as_text()
                    && i.value("checksum") == &Val::Null
                {
                    return Ok(Some(Value::from(ext.to_owned())));
                }
                let Some(sha) = i.value("checksum").as_text() else { return Ok(None) };
                let arg = ctx.args.get("transform").filter(|v| !v.is_null());
                if !is_image(i) {
                    return Ok(file_url(hub, i, false).map(Value::from));
                }
                let obj = arg.as_ref().map(|a| a.object()).transpose()?;
                let t = transform(i, obj.as_ref()).map_err(gql_err)?;
                Ok(Some(Value::from(media_url(hub, sha, &t.spec()))))
            })
        })
        .argument(super::input("transform", TypeRef::named("ImageTransformInput")))
        .description("Where to fetch it. Images: a variant (WebP, the original size, by default); documents and films: the file; external films: their link."),
    )
    .field(
        super::field("srcSet", TypeRef::named(TypeRef::STRING), |ctx| {
            FieldFuture::new(async move {
                let p = item(&ctx)?;
                let hub = hub(&ctx)?;
                let i = &p.item;
                let (Some(sha), Some(orig_w)) = (i.value("checksum").as_text(), i.value("width").as_int()) else { return Ok(None) };
                if !is_image(i) {
                    return Ok(None);
                }
                let widths: Vec<u32> = match ctx.args.get("widths").filter(|v| !v.is_null()) {
                    Some(list) => list.list()?.iter().map(|w| w.u64().map(|n| n as u32)).collect::<Result<_, _>>()?,
                    None => vec![320, 640, 960, 1280, 1920],
                };
                let format = ctx.args.get("format").and_then(|f| f.enum_name().ok().map(str::to_owned)).unwrap_or_else(|| "WEBP".into());
                let mut parts = Vec::new();
                for w in widths {
                    if !WIDTHS.contains(&w) {
                        return Err(gql_err(Error::field("widths", format!("{w} is not an allowed width; use some of {WIDTHS:?}"))));
                    }
                    // A width the original does not reach would only repeat it.
                    if w as i64 > orig_w && !parts.is_empty() {
                        continue;
                    }
                    let mut t = Transform::new(format_of(&format));
                    t.width = Some(w);
                    let real = (w as i64).min(orig_w);
                    parts.push(format!("{} {real}w", media_url(hub, sha, &t.spec())));
                }
                Ok(Some(Value::from(parts.join(", "))))
            })
        })
        .argument(super::input("widths", TypeRef::named_nn_list(TypeRef::INT)).description("Widths to offer; 320, 640, 960, 1280 and 1920 by default."))
        .argument(super::input("format", TypeRef::named("ImageFormat")).default_value(Value::Enum(async_graphql::Name::new("WEBP"))))
        .description("A `srcset` attribute for `<img>`: one variant per width the original reaches."),
    )
    .field(
        super::field("downloadUrl", TypeRef::named(TypeRef::STRING), |ctx| {
            FieldFuture::new(async move { Ok(file_url(hub(&ctx)?, &item(&ctx)?.item, true).map(Value::from)) })
        })
        .description("The file as an attachment (with its name; range requests work)."),
    )
}

fn upload_of(ctx: &ResolverContext<'_>) -> async_graphql::Result<dm::UploadedFile> {
    let up = ctx
        .args
        .try_get("file")?
        .upload()?
        .value(ctx.ctx)
        .map_err(|e| gql_err(Error::bad_input(format!("the upload could not be read: {e}"))))?;
    Ok(dm::UploadedFile { name: up.filename, bytes: up.content })
}

pub fn mutations(m: Object, ty: &'static TypeDef) -> Object {
    m.field(
        super::field("uploadMedia", TypeRef::named_nn(ty.name), move |ctx| {
            FieldFuture::new(async move {
                let file = upload_of(&ctx)?;
                let input = ctx
                    .args
                    .get("input")
                    .filter(|v| !v.is_null())
                    .map(|v| v.as_value().clone().into_json())
                    .transpose()?;
                let hub = hub(&ctx)?;
                let resolve = |t: &'static TypeDef, raw: &str, path: &str| dv::by_global_id(t, raw, path);
                let item =
                    dm::upload(&hub.content, &hub.media, &ctx.data::<Req>()?.actor, file, input.as_ref(), &resolve)
                        .await
                        .map_err(gql_err)?;
                Ok(Some(item_value(Arc::new(item), scope(&ctx, Stage::Draft)?)))
            })
        })
        .argument(
            super::input("file", TypeRef::named_nn(TypeRef::UPLOAD))
                .description("The file, per the GraphQL multipart request spec."),
        )
        .argument(
            super::input("input", TypeRef::named(format!("{}Input", ty.name)))
                .description("Title, alt text and caption per locale, credit, licence, focal point."),
        )
        .description("Uploads a file as a new media asset (a DRAFT). Its type is read from its content."),
    )
    .field(
        super::field("replaceMediaFile", TypeRef::named_nn(ty.name), move |ctx| {
            FieldFuture::new(async move {
                let file = upload_of(&ctx)?;
                let id = ids::decode_as(ctx.args.try_get("id")?.string()?, ty, "id").map_err(gql_err)?;
                let version = ctx.args.try_get("version")?.i64()?;
                let hub = hub(&ctx)?;
                let resolve = |t: &'static TypeDef, raw: &str, path: &str| dv::by_global_id(t, raw, path);
                let item =
                    dm::replace(&hub.content, &hub.media, &ctx.data::<Req>()?.actor, &id, version, file, &resolve)
                        .await
                        .map_err(gql_err)?;
                Ok(Some(item_value(Arc::new(item), scope(&ctx, Stage::Draft)?)))
            })
        })
        .argument(super::input("id", TypeRef::named_nn(TypeRef::ID)))
        .argument(super::input("version", TypeRef::named_nn(TypeRef::INT)))
        .argument(super::input("file", TypeRef::named_nn(TypeRef::UPLOAD)))
        .description("Replaces an asset's file; its id and every reference to it stay."),
    )
}
