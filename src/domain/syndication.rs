//! Feeds of published items: what a request and the caller's API key ask
//! for, read through the reader (so the key's restrictions hold), and made
//! into entries as the type's feed declaration (`model::FeedDef`) says.
//! The HTTP layer parses the request and writes the bytes.

use super::content::Content;
use super::locale::{Locale, direction, first_in};
use super::partners::{ApiKey, Restrictions, restriction_filters};
use super::reader::Reader;
use super::{ids, richtext};
use crate::error::{Error, Result};
use crate::feeds::{Entry, Feed, Image};
use crate::media::Transform;
use crate::media::image::OutFormat;
use crate::model::item::{Item, Stage};
use crate::model::query::{Columns, Common, Filter, ListSpec, Op, OrderBy, Source, Target, Value, Window};
use crate::model::{FeedDef, Kind, TypeDef, content_type};
use std::collections::HashMap;
use std::sync::Arc;

/// The most entries a feed gives.
pub const MAX_ITEMS: usize = 100;

/// A feed as asked for: the query parameters, unparsed.
#[derive(Debug)]
pub struct FeedQuery {
    pub locale: Locale,
    pub limit: usize,
    /// Slugs or global ids, comma-separated.
    pub organisation: Option<String>,
    pub partner: Option<String>,
    pub project: Option<String>,
    pub axis: Option<String>,
    /// ISO codes, comma-separated.
    pub country: Option<String>,
    pub kind: Option<String>,
    pub upcoming: bool,
}

/// The value of a localised field in the first locale of `chain` that has one.
fn pick(item: &Item, name: &str, chain: &[String]) -> Option<(String, String)> {
    let map: serde_json::Map<String, serde_json::Value> = serde_json::from_str(item.value(name).as_text()?).ok()?;
    first_in(chain, |l| map.get(l).and_then(|v| v.as_str())).map(|(l, s)| (l.to_owned(), s.to_owned()))
}

/// Internal ids of items of type `ty` named by a parameter: slugs or global
/// ids, comma-separated.
async fn resolve(reader: &Reader, ty: &str, param: &str, raw: &str) -> Result<Vec<String>> {
    let t = content_type(ty).expect("feed parameters name declared types");
    let mut out = Vec::new();
    for v in raw.split(',').map(str::trim).filter(|v| !v.is_empty()) {
        if let Ok(id) = ids::decode_as(v, t, param) {
            out.push(id);
            continue;
        }
        match reader.by_slug(t, Stage::Live, v).await? {
            Some(i) => out.push(i.id.clone()),
            None => return Err(Error::field(param, format!("no published {} has the slug or id {v:?}", t.name))),
        }
    }
    Ok(out)
}

/// Names (titles) of the items linked through relation `name`, per source item.
async fn linked_names(
    reader: &Reader,
    owner: &'static TypeDef,
    name: &str,
    items: &[String],
    chain: &[String],
) -> Result<HashMap<String, Vec<String>>> {
    let f = owner.declared(name);
    let Kind::Refs { target, .. } = f.kind else { return Ok(HashMap::new()) };
    let target = content_type(target).expect("the model declares relation targets");
    let links = reader.link_targets(owner, f, Stage::Live, items).await?;
    let ids: Vec<String> = links.iter().map(|(_, t, _)| t.clone()).collect();
    let found: HashMap<String, Arc<Item>> =
        reader.items(target, Stage::Live, &ids).await?.into_iter().map(|i| (i.id.clone(), i)).collect();
    let mut out: HashMap<String, Vec<String>> = HashMap::new();
    for (src, tgt, _) in links {
        if let Some((_, n)) = found.get(&tgt).and_then(|i| pick(i, i.ty.title_field, chain)) {
            out.entry(src).or_default().push(n);
        }
    }
    Ok(out)
}

/// The filters of the request's own choice (`?kind=`, `?upcoming=`), and the order.
fn choices(t: &'static TypeDef, feed: &FeedDef, q: &FeedQuery, now: i64) -> Result<(Vec<Filter>, Vec<OrderBy>)> {
    let mut all = Vec::new();
    if let Some(kind) = &q.kind {
        let Some(fname) = feed.kind else {
            let with: Vec<&str> = crate::model::CONTENT_TYPES
                .iter()
                .filter_map(|t| t.feed.as_ref().filter(|f| f.kind.is_some()).map(|f| f.path))
                .collect();
            return Err(Error::field(
                "kind",
                format!("the {} feed has no kind; use it with {}", feed.path, with.join(" or ")),
            ));
        };
        let f = t.declared(fname);
        let Kind::Enum(e) = f.kind else { panic!("{}.{fname}, a feed's kind, is an enum", t.name) };
        let values = crate::model::enum_def(e).values;
        let kind = kind.to_ascii_uppercase();
        if !values.contains(&kind.as_str()) {
            return Err(Error::field("kind", format!("must be one of {}", values.join(", "))));
        }
        all.push(Filter::Cond { target: Target::Field(f), op: Op::Eq, value: Value::Text(kind) });
    }
    let order = match feed.upcoming.filter(|_| q.upcoming) {
        Some(at) => {
            let at = Target::Field(t.declared(at));
            all.push(Filter::Cond { target: at, op: Op::Gte, value: Value::Int(now) });
            vec![OrderBy { target: at, desc: false }]
        }
        None => vec![OrderBy { target: Target::Common(Common::PublishedAt), desc: true }],
    };
    Ok((all, order))
}

/// The entries of the feed of `t` (which must have a feed) as `q` asks and
/// `key` allows, newest first (or soonest, for upcoming ones), with the
/// feed's title and the time of its newest change. `public_url` makes the
/// absolute links; `feed_url` is the feed's own address.
pub async fn read(
    content: &Content,
    key: Option<Arc<ApiKey>>,
    t: &'static TypeDef,
    q: &FeedQuery,
    public_url: &str,
    feed_url: String,
) -> Result<Feed> {
    let feed = t.feed.as_ref().ok_or_else(|| Error::not_found(format!("a feed of {}", t.name)))?;
    // The key's restrictions hold on every read below.
    let reader = content.reader(key.clone());
    let chain = content.locales.chain(&q.locale);

    // What the request asks for, then what the key allows: both must hold.
    let mut asked = Restrictions::default();
    let mut partners = Vec::new();
    if let Some(v) = &q.organisation {
        asked.organisations = resolve(&reader, "Organisation", "organisation", v).await?;
    }
    if let Some(v) = &q.partner {
        partners = resolve(&reader, "Organisation", "partner", v).await?;
    }
    if let Some(v) = &q.project {
        asked.projects = resolve(&reader, "Project", "project", v).await?;
    }
    if let Some(v) = &q.axis {
        asked.axes = resolve(&reader, "ThematicAxis", "axis", v).await?;
    }
    if let Some(v) = &q.country {
        asked.countries = v.split(',').map(|c| c.trim().to_ascii_uppercase()).filter(|c| !c.is_empty()).collect();
    }
    let mut all = restriction_filters(t, &asked, &partners);
    let (mine, order) = choices(t, feed, q, content.store.now_ms())?;
    all.extend(mine);
    let spec = ListSpec {
        filter: (!all.is_empty()).then_some(Filter::And(all)),
        order,
        window: Window { first: Some(q.limit.clamp(1, MAX_ITEMS)), last: None, after: None, before: None },
        locales: chain.clone(),
        want_total: false,
        columns: Columns::ALL,
    };
    let mut pages = reader.list(Source::Root(t), Stage::Live, &spec).await?;
    let items: Vec<Arc<Item>> = pages.remove(&None).unwrap_or_default().edges.into_iter().map(|e| e.item).collect();
    let ids: Vec<String> = items.iter().map(|i| i.id.clone()).collect();

    let tags = match feed.tags {
        Some(f) => linked_names(&reader, t, f, &ids, &chain).await?,
        None => HashMap::new(),
    };
    let authors = linked_names(&reader, t, feed.authors, &ids, &chain).await?;
    let images: Vec<String> = items.iter().filter_map(|i| i.value(feed.image).as_text().map(str::to_owned)).collect();
    let media_type = match t.declared(feed.image).kind {
        Kind::Ref(m) => content_type(m).expect("the model declares reference targets"),
        _ => panic!("{}.{}, a feed's image, is a reference", t.name, feed.image),
    };
    let media: HashMap<String, Arc<Item>> =
        reader.items(media_type, Stage::Live, &images).await?.into_iter().map(|i| (i.id.clone(), i)).collect();

    let pattern = key
        .as_ref()
        .and_then(|k| k.settings.page_pattern.clone())
        .unwrap_or_else(|| format!("{public_url}/{{type}}/{{slug}}"));
    let locale = &q.locale;
    let mut entries = Vec::with_capacity(items.len());
    let mut newest = 0;
    for i in &items {
        let (title_locale, title) = pick(i, t.title_field, &chain).unwrap_or((locale.to_string(), i.slug.clone()));
        let mut item_tags = tags.get(&i.id).cloned().unwrap_or_default();
        if feed.kind_tags
            && let Some(k) = feed.kind.and_then(|f| i.value(f).as_text())
        {
            item_tags.push(k.to_lowercase());
        }
        newest = newest.max(i.updated_at).max(i.published_at.unwrap_or(0));
        entries.push(Entry {
            id: format!("urn:relais:{}:{}", t.name, i.id),
            url: pattern
                .replace("{slug}", &i.slug)
                .replace("{id}", &ids::encode(t.name, &i.id))
                .replace("{type}", feed.path)
                .replace("{locale}", locale),
            title,
            summary: pick(i, feed.summary, &chain).map(|(_, s)| s),
            content_html: pick(i, feed.body, &chain).map(|(_, d)| richtext::to_html(&richtext::stored(&d), &|_| None)),
            image: i
                .value(feed.image)
                .as_text()
                .and_then(|id| media.get(id))
                .and_then(|m| image(m, public_url, &chain)),
            published_ms: i.published_at,
            updated_ms: i.updated_at.max(i.published_at.unwrap_or(0)),
            tags: item_tags,
            authors: authors.get(&i.id).cloned().unwrap_or_default(),
            language: (title_locale != locale.as_str()).then_some(title_locale),
            extension: (!feed.extension.is_empty()).then(|| extension(t, feed, i, &chain)),
        });
    }
    let heading = feed.headings.iter().find(|(l, _)| *l == locale.as_str()).unwrap_or(&feed.headings[0]).1;
    Ok(Feed {
        title: format!("{heading} — {}", key.as_ref().map_or("Relais", |k| k.settings.name.as_str())),
        description: None,
        home_url: public_url.to_owned(),
        feed_url,
        language: locale.to_string(),
        rtl: direction(locale) == "RTL",
        updated_ms: newest,
        generator: "Relais".into(),
        items: entries,
    })
}

/// A media asset as an entry's image: a WebP variant at most 1280 wide.
fn image(m: &Item, public_url: &str, chain: &[String]) -> Option<Image> {
    let sha = m.value("checksum").as_text()?;
    let mut tr = Transform::new(OutFormat::WebP);
    tr.width = Some(1280);
    let w = m.value("width").as_int()?;
    let h = m.value("height").as_int()?;
    let shown = w.min(1280);
    Some(Image {
        url: format!("{public_url}/media/{sha}/{}", tr.spec()),
        mime_type: "image/webp".into(),
        width: u32::try_from(shown).ok(),
        height: u32::try_from(h * shown / w.max(1)).ok(),
        alt: pick(m, "altText", chain).map(|(_, a)| a),
    })
}

/// The declared extension fields of an entry, each as its kind reads.
fn extension(t: &'static TypeDef, feed: &FeedDef, i: &Item, chain: &[String]) -> serde_json::Value {
    let mut out = serde_json::Map::new();
    for (key, name) in feed.extension {
        let v = i.value(name);
        let value = match t.declared(name).kind {
            Kind::DateTime => v.as_int().map(super::values::format_datetime).into(),
            Kind::Bool => v.as_int().map(|b| b != 0).into(),
            Kind::LocalText => pick(i, name, chain).map(|(_, s)| s).into(),
            _ => v.as_text().into(),
        };
        out.insert((*key).to_owned(), value);
    }
    serde_json::Value::Object(out)
}
