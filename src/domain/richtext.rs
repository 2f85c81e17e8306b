//! Rich-text bodies: one JSON document format, stored as given (after
//! sanitising) and rendered to HTML and plain text here. Pure: no database,
//! no GraphQL.
//!
//! # Input
//!
//! [`parse_input`] accepts exactly one of:
//!
//! - a JSON string: Markdown (CommonMark with tables and `~~strikethrough~~`);
//! - `{"markdown": "…"}`: the same, spelled out;
//! - `{"document": {"type": "doc", …}}`: a document in the format below;
//! - `{"type": "doc", …}`: a document given directly.
//!
//! In Markdown, an image whose source is `media:<id>` (`![Caption](media:abc)`)
//! becomes a media block; other images become a link to the image (foreign
//! images are never embedded). Raw HTML is not kept: tags are dropped, their
//! text is kept as plain text, and the content of `<script>` and `<style>` is
//! dropped.
//!
//! # Document format (stable: it is part of the API)
//!
//! ```text
//! {"type": "doc", "blocks": [Block, …]}
//!
//! Block:
//!   {"type": "paragraph", "content": [Inline, …]}
//!   {"type": "heading", "level": 1..6, "content": [Inline, …]}
//!   {"type": "list", "ordered": bool, "items": [[Block, …], …]}   each item is a list of blocks
//!   {"type": "quote", "blocks": [Block, …]}
//!   {"type": "code", "text": "…"}                                  a code block
//!   {"type": "media", "id": "<media id>", "caption": "…"}          caption optional
//!   {"type": "table", "header": [[Inline, …], …], "rows": [[[Inline, …], …], …]}
//!                                                                   header: one inline list per cell, may be []
//!   {"type": "rule"}
//!
//!   Any block may also carry "dir": "ltr" | "rtl" | "auto", its text direction
//!   (an Arabic paragraph in a French body); without it the block follows the
//!   body's direction. Markdown gives no dir.
//!
//! Inline:
//!   {"type": "text", "text": "…", "marks": ["bold" | "italic" | "code" | "strike", …]}
//!                                                                   marks omitted when empty
//!   {"type": "link", "href": "…", "content": [text nodes only]}
//!   {"type": "break"}
//! ```
//!
//! Unknown types, fields, marks and directions are errors. Documents are
//! stored and returned in canonical form, so `serialize(parse(x))` is stable:
//! marks are sorted (bold, italic, code, strike) and omitted when empty; an
//! absent or empty caption is omitted; `dir` is omitted when absent; `header`
//! and `rows` are always present; adjacent text nodes with the same marks are
//! merged.
//!
//! # Sanitising (every incoming document, Markdown or JSON)
//!
//! - Links are kept only for `http:`, `https:`, `mailto:` and `tel:` (any case)
//!   and relative references (`/path`, `#frag`, `?q`, `path` without a `:` before
//!   the first `/`); any other link (`javascript:`, `data:`, `//host`, …) is
//!   unwrapped: its text stays, the link goes.
//! - Control characters are removed, except tab everywhere and newline in code
//!   blocks; in inline text a newline becomes a space.
//! - Empty text nodes, paragraphs, headings, lists, quotes, code blocks and
//!   tables are dropped; whitespace at the edges of paragraphs, headings and
//!   table cells is trimmed; code blocks lose trailing newlines.
//!
//! # Limits (errors name the JSON path, e.g. `body.fr.blocks[3].level`)
//!
//! Heading level 1 to 6; lists and quotes nested at most 8 deep; at most
//! 10 000 blocks and 200 000 characters of text in all; media ids 1 to 200
//! characters; at most 64 cells in a table row.

use crate::error::{Error, Result};
use pulldown_cmark::{Event, LinkType, Options, Parser, Tag, TagEnd};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::HashSet;
use std::fmt::Write as _;

/// Deepest nesting of lists and quotes.
pub const MAX_DEPTH: usize = 8;
/// Most blocks in one document, nested ones included.
pub const MAX_BLOCKS: usize = 10_000;
/// Most characters of text (text nodes, code, captions) in one document.
pub const MAX_CHARS: usize = 200_000;
/// Longest media id.
pub const MAX_MEDIA_ID: usize = 200;
/// Most cells in one table row.
pub const MAX_CELLS: usize = 64;
/// Longest Markdown source accepted, in bytes.
const MAX_MARKDOWN_BYTES: usize = 1_000_000;

/// A rich-text document: `{"type":"doc","blocks":[…]}`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(from = "DocRepr", into = "DocRepr")]
pub struct Document {
    pub blocks: Vec<Block>,
}

/// The tagged wire form of [`Document`].
#[derive(Clone, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase", deny_unknown_fields)]
enum DocRepr {
    Doc { blocks: Vec<Block> },
}

impl From<DocRepr> for Document {
    fn from(r: DocRepr) -> Self {
        let DocRepr::Doc { blocks } = r;
        Document { blocks }
    }
}

impl From<Document> for DocRepr {
    fn from(d: Document) -> Self {
        DocRepr::Doc { blocks: d.blocks }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase", deny_unknown_fields)]
pub enum Block {
    Paragraph {
        content: Vec<Inline>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        dir: Option<Dir>,
    },
    Heading {
        level: u8,
        content: Vec<Inline>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        dir: Option<Dir>,
    },
    List {
        ordered: bool,
        /// Each item is a list of blocks.
        items: Vec<Vec<Block>>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        dir: Option<Dir>,
    },
    Quote {
        blocks: Vec<Block>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        dir: Option<Dir>,
    },
    Code {
        text: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        dir: Option<Dir>,
    },
    Media {
        id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        caption: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        dir: Option<Dir>,
    },
    Table {
        /// One inline list per cell; empty when the table has no header row.
        #[serde(default)]
        header: Vec<Vec<Inline>>,
        /// Rows of cells, each cell an inline list.
        #[serde(default)]
        rows: Vec<Vec<Vec<Inline>>>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        dir: Option<Dir>,
    },
    Rule {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        dir: Option<Dir>,
    },
}

/// A block's own text direction, for bodies that mix scripts; a block
/// without one follows the body's (the `dir` of the HTML's `<div>`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Dir {
    Ltr,
    Rtl,
    Auto,
}

impl Dir {
    fn parse(s: &str) -> Option<Dir> {
        Some(match s {
            "ltr" => Dir::Ltr,
            "rtl" => Dir::Rtl,
            "auto" => Dir::Auto,
            _ => return None,
        })
    }

    /// The JSON value, also the HTML attribute value.
    fn as_str(self) -> &'static str {
        match self {
            Dir::Ltr => "ltr",
            Dir::Rtl => "rtl",
            Dir::Auto => "auto",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase", deny_unknown_fields)]
pub enum Inline {
    Text {
        text: String,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        marks: Vec<Mark>,
    },
    Link {
        href: String,
        /// Text nodes only.
        content: Vec<Inline>,
    },
    Break,
}

/// Text styles; the declaration order is the canonical order of `marks`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mark {
    Bold,
    Italic,
    Code,
    Strike,
}

impl Mark {
    fn parse(s: &str) -> Option<Mark> {
        Some(match s {
            "bold" => Mark::Bold,
            "italic" => Mark::Italic,
            "code" => Mark::Code,
            "strike" => Mark::Strike,
            _ => return None,
        })
    }
}

/// How to embed one media item in HTML; `None` from the resolver given to
/// [`to_html`] omits the block (the item may be unpublished or deleted).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MediaEmbed {
    pub src: String,
    pub alt: String,
    pub width: Option<i64>,
    pub height: Option<i64>,
    pub srcset: Option<String>,
}

impl Document {
    /// The canonical JSON form.
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).expect("a rich-text document always serialises to JSON")
    }
}

// ---------------------------------------------------------------------------
// Input
// ---------------------------------------------------------------------------

const FORMS: &str = "must be Markdown text (a string), {\"markdown\": \"…\"}, {\"document\": {\"type\": \"doc\", \
                     \"blocks\": […]}} or a document {\"type\": \"doc\", \"blocks\": […]}";

/// Parses a rich-text field as a client gives it (see the module docs for the
/// forms accepted), then validates and sanitises it. `path` names the field
/// in errors (`body.fr`). A JSON null is not accepted: callers that allow an
/// empty body handle null first.
pub fn parse_input(v: &Value, path: &str) -> Result<Document> {
    match v {
        Value::String(md) => markdown_input(md, path),
        Value::Object(m) if m.contains_key("type") => json_input(v, path),
        Value::Object(m) if m.len() == 1 && m.contains_key("markdown") => {
            let p = format!("{path}.markdown");
            let md = m["markdown"].as_str().ok_or_else(|| Error::field(&p, "must be a string of Markdown"))?;
            markdown_input(md, &p)
        }
        Value::Object(m) if m.len() == 1 && m.contains_key("document") => {
            json_input(&m["document"], &format!("{path}.document"))
        }
        _ => Err(Error::field(path, FORMS)),
    }
}

fn markdown_input(md: &str, path: &str) -> Result<Document> {
    if md.len() > MAX_MARKDOWN_BYTES {
        return Err(Error::field(path, "is too long: at most 1 MB of Markdown; split the text"));
    }
    let doc = from_markdown(md);
    // The blocks come from Markdown, so errors name the field, not a block path.
    Check { root: path, flat: true, blocks: 0, chars: 0 }.doc(&doc)?;
    Ok(doc)
}

fn json_input(v: &Value, path: &str) -> Result<Document> {
    let doc = doc_from_json(v, path)?;
    // Checked before sanitising, so that block indexes match the input.
    Check { root: path, flat: false, blocks: 0, chars: 0 }.doc(&doc)?;
    Ok(sanitise(doc))
}

fn object<'a>(v: &'a Value, path: &str, what: &str, fields: &[&str]) -> Result<&'a Map<String, Value>> {
    let m = v.as_object().ok_or_else(|| Error::field(path, format!("must be an object ({what})")))?;
    if let Some(k) = m.keys().find(|k| !fields.contains(&k.as_str())) {
        return Err(Error::field(
            format!("{path}.{k}"),
            format!("is not a field of a {what}; its fields are {}", fields.join(", ")),
        ));
    }
    Ok(m)
}

fn required<'a>(m: &'a Map<String, Value>, path: &str, key: &str) -> Result<&'a Value> {
    m.get(key).ok_or_else(|| Error::field(format!("{path}.{key}"), "is required"))
}

fn array<'a>(v: &'a Value, path: &str) -> Result<&'a Vec<Value>> {
    v.as_array().ok_or_else(|| Error::field(path, "must be a list"))
}

fn string(v: &Value, path: &str) -> Result<String> {
    v.as_str().map(str::to_owned).ok_or_else(|| Error::field(path, "must be a string"))
}

fn type_of<'a>(v: &'a Value, path: &str, what: &str, types: &str) -> Result<&'a str> {
    let m = v.as_object().ok_or_else(|| Error::field(path, format!("must be an object: a {what} with a type")))?;
    match m.get("type") {
        Some(Value::String(t)) => Ok(t),
        Some(_) => Err(Error::field(format!("{path}.type"), format!("must be a string, one of {types}"))),
        None => Err(Error::field(format!("{path}.type"), format!("is required: one of {types}"))),
    }
}

/// A block's optional `dir`; null counts as absent, like other optional fields.
fn dir_from_json(m: &Map<String, Value>, path: &str) -> Result<Option<Dir>> {
    match m.get("dir") {
        None | Some(Value::Null) => Ok(None),
        Some(d) => d.as_str().and_then(Dir::parse).map(Some).ok_or_else(|| {
            Error::field(
                format!("{path}.dir"),
                "is not a text direction; use \"ltr\", \"rtl\" or \"auto\" (lowercase), or leave it out to follow the \
                 body's direction",
            )
        }),
    }
}

const BLOCK_TYPES: &str = "paragraph, heading, list, quote, code, media, table, rule";
const INLINE_TYPES: &str = "text, link, break";

fn depth_error(path: &str) -> Error {
    Error::field(path, format!("nests lists and quotes more than {MAX_DEPTH} deep; flatten the structure"))
}

/// A document from its JSON form, with errors naming the JSON path.
fn doc_from_json(v: &Value, path: &str) -> Result<Document> {
    let m = object(v, path, "document", &["type", "blocks"])?;
    if m.get("type").and_then(Value::as_str) != Some("doc") {
        return Err(Error::field(format!("{path}.type"), "must be \"doc\""));
    }
    let p = format!("{path}.blocks");
    Ok(Document { blocks: blocks_from_json(required(m, path, "blocks")?, &p, 0)? })
}

fn blocks_from_json(v: &Value, path: &str, depth: usize) -> Result<Vec<Block>> {
    array(v, path)?.iter().enumerate().map(|(i, b)| block_from_json(b, &format!("{path}[{i}]"), depth)).collect()
}

fn block_from_json(v: &Value, path: &str, depth: usize) -> Result<Block> {
    let ty = type_of(v, path, "block", BLOCK_TYPES)?;
    let field = |k: &str| format!("{path}.{k}");
    Ok(match ty {
        "paragraph" => {
            let m = object(v, path, "paragraph block", &["type", "content", "dir"])?;
            let content = inlines_from_json(required(m, path, "content")?, &field("content"), false)?;
            Block::Paragraph { content, dir: dir_from_json(m, path)? }
        }
        "heading" => {
            let m = object(v, path, "heading block", &["type", "level", "content", "dir"])?;
            let level = required(m, path, "level")?
                .as_u64()
                .and_then(|l| u8::try_from(l).ok())
                .ok_or_else(|| Error::field(field("level"), "must be a whole number from 1 to 6"))?;
            let content = inlines_from_json(required(m, path, "content")?, &field("content"), false)?;
            Block::Heading { level, content, dir: dir_from_json(m, path)? }
        }
        "list" => {
            let m = object(v, path, "list block", &["type", "ordered", "items", "dir"])?;
            if depth >= MAX_DEPTH {
                return Err(depth_error(path));
            }
            let ordered = required(m, path, "ordered")?
                .as_bool()
                .ok_or_else(|| Error::field(field("ordered"), "must be true or false"))?;
            let items_path = field("items");
            let items = array(required(m, path, "items")?, &items_path)?
                .iter()
                .enumerate()
                .map(|(i, item)| blocks_from_json(item, &format!("{items_path}[{i}]"), depth + 1))
                .collect::<Result<_>>()?;
            Block::List { ordered, items, dir: dir_from_json(m, path)? }
        }
        "quote" => {
            let m = object(v, path, "quote block", &["type", "blocks", "dir"])?;
            if depth >= MAX_DEPTH {
                return Err(depth_error(path));
            }
            let blocks = blocks_from_json(required(m, path, "blocks")?, &field("blocks"), depth + 1)?;
            Block::Quote { blocks, dir: dir_from_json(m, path)? }
        }
        "code" => {
            let m = object(v, path, "code block", &["type", "text", "dir"])?;
            Block::Code { text: string(required(m, path, "text")?, &field("text"))?, dir: dir_from_json(m, path)? }
        }
        "media" => {
            let m = object(v, path, "media block", &["type", "id", "caption", "dir"])?;
            let id = string(required(m, path, "id")?, &field("id"))?;
            let caption = match m.get("caption") {
                None | Some(Value::Null) => None,
                Some(c) => Some(string(c, &field("caption"))?),
            };
            Block::Media { id, caption, dir: dir_from_json(m, path)? }
        }
        "table" => {
            let m = object(v, path, "table block", &["type", "header", "rows", "dir"])?;
            let header = match m.get("header") {
                None | Some(Value::Null) => Vec::new(),
                Some(h) => cells_from_json(h, &field("header"))?,
            };
            let rows_path = field("rows");
            let rows = match m.get("rows") {
                None | Some(Value::Null) => Vec::new(),
                Some(r) => array(r, &rows_path)?
                    .iter()
                    .enumerate()
                    .map(|(i, row)| cells_from_json(row, &format!("{rows_path}[{i}]")))
                    .collect::<Result<_>>()?,
            };
            Block::Table { header, rows, dir: dir_from_json(m, path)? }
        }
        "rule" => {
            let m = object(v, path, "rule block", &["type", "dir"])?;
            Block::Rule { dir: dir_from_json(m, path)? }
        }
        other => {
            return Err(Error::field(
                field("type"),
                format!("`{other}` is not a block type; use one of {BLOCK_TYPES}"),
            ));
        }
    })
}

fn cells_from_json(v: &Value, path: &str) -> Result<Vec<Vec<Inline>>> {
    array(v, path)?.iter().enumerate().map(|(i, c)| inlines_from_json(c, &format!("{path}[{i}]"), false)).collect()
}

fn inlines_from_json(v: &Value, path: &str, in_link: bool) -> Result<Vec<Inline>> {
    array(v, path)?.iter().enumerate().map(|(i, n)| inline_from_json(n, &format!("{path}[{i}]"), in_link)).collect()
}

fn inline_from_json(v: &Value, path: &str, in_link: bool) -> Result<Inline> {
    let ty = type_of(v, path, "inline node", INLINE_TYPES)?;
    if in_link && ty != "text" {
        return Err(Error::field(path, "is inside a link, and a link may contain only text nodes"));
    }
    Ok(match ty {
        "text" => {
            let m = object(v, path, "text node", &["type", "text", "marks"])?;
            let text = string(required(m, path, "text")?, &format!("{path}.text"))?;
            let marks_path = format!("{path}.marks");
            let marks = match m.get("marks") {
                None | Some(Value::Null) => Vec::new(),
                Some(ms) => array(ms, &marks_path)?
                    .iter()
                    .enumerate()
                    .map(|(i, mk)| {
                        mk.as_str().and_then(Mark::parse).ok_or_else(|| {
                            Error::field(
                                format!("{marks_path}[{i}]"),
                                "is not a mark; use bold, italic, code or strike",
                            )
                        })
                    })
                    .collect::<Result<_>>()?,
            };
            Inline::Text { text, marks }
        }
        "link" => {
            let m = object(v, path, "link", &["type", "href", "content"])?;
            let href = string(required(m, path, "href")?, &format!("{path}.href"))?;
            let content = inlines_from_json(required(m, path, "content")?, &format!("{path}.content"), true)?;
            Inline::Link { href, content }
        }
        "break" => {
            object(v, path, "break", &["type"])?;
            Inline::Break
        }
        other => {
            return Err(Error::field(
                format!("{path}.type"),
                format!("`{other}` is not an inline type; use one of {INLINE_TYPES}"),
            ));
        }
    })
}

// ---------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------

struct Check<'a> {
    root: &'a str,
    /// Report every error at `root` (the document came from Markdown).
    flat: bool,
    blocks: usize,
    chars: usize,
}

impl Check<'_> {
    fn at(&self, path: &str) -> String {
        if self.flat { self.root.to_owned() } else { path.to_owned() }
    }

    fn doc(&mut self, doc: &Document) -> Result<()> {
        let p = format!("{}.blocks", self.root);
        self.blocks(&doc.blocks, &p, 0)
    }

    fn text(&mut self, s: &str) -> Result<()> {
        self.chars += s.chars().count();
        if self.chars > MAX_CHARS {
            return Err(Error::field(
                self.root,
                format!("has more than {MAX_CHARS} characters of text; split it into several items"),
            ));
        }
        Ok(())
    }

    fn blocks(&mut self, blocks: &[Block], path: &str, depth: usize) -> Result<()> {
        for (i, b) in blocks.iter().enumerate() {
            let p = format!("{path}[{i}]");
            self.blocks += 1;
            if self.blocks > MAX_BLOCKS {
                return Err(Error::field(
                    self.root,
                    format!("has more than {MAX_BLOCKS} blocks; split it into several items"),
                ));
            }
            match b {
                Block::Paragraph { content, .. } => self.inlines(content)?,
                Block::Heading { level, content, .. } => {
                    if !(1..=6).contains(level) {
                        return Err(Error::field(
                            self.at(&format!("{p}.level")),
                            format!("heading level {level} is not allowed; use 1 to 6"),
                        ));
                    }
                    self.inlines(content)?;
                }
                Block::List { items, .. } => {
                    if depth >= MAX_DEPTH {
                        return Err(depth_error(&self.at(&p)));
                    }
                    for (j, item) in items.iter().enumerate() {
                        self.blocks(item, &format!("{p}.items[{j}]"), depth + 1)?;
                    }
                }
                Block::Quote { blocks, .. } => {
                    if depth >= MAX_DEPTH {
                        return Err(depth_error(&self.at(&p)));
                    }
                    self.blocks(blocks, &format!("{p}.blocks"), depth + 1)?;
                }
                Block::Code { text, .. } => self.text(text)?,
                Block::Media { id, caption, .. } => {
                    let n = id.trim().chars().count();
                    if n == 0 || id.chars().count() > MAX_MEDIA_ID {
                        return Err(Error::field(
                            self.at(&format!("{p}.id")),
                            format!("must be the id of a media item (1 to {MAX_MEDIA_ID} characters)"),
                        ));
                    }
                    if let Some(c) = caption {
                        self.text(c)?;
                    }
                }
                Block::Table { header, rows, .. } => {
                    let header_path = format!("{p}.header");
                    self.row(header, &header_path)?;
                    for (j, row) in rows.iter().enumerate() {
                        self.row(row, &format!("{p}.rows[{j}]"))?;
                    }
                }
                Block::Rule { .. } => {}
            }
        }
        Ok(())
    }

    fn row(&mut self, cells: &[Vec<Inline>], path: &str) -> Result<()> {
        if cells.len() > MAX_CELLS {
            return Err(Error::field(
                self.at(path),
                format!("has {} cells; a table row may have at most {MAX_CELLS}", cells.len()),
            ));
        }
        cells.iter().try_for_each(|c| self.inlines(c))
    }

    fn inlines(&mut self, content: &[Inline]) -> Result<()> {
        for i in content {
            match i {
                Inline::Text { text, .. } => self.text(text)?,
                Inline::Link { content, .. } => self.inlines(content)?,
                Inline::Break => {}
            }
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// Sanitising
// ---------------------------------------------------------------------------

/// Puts a document in canonical, safe form (see the module docs). Applied by
/// [`parse_input`] and [`from_markdown`]; idempotent.
pub fn sanitise(doc: Document) -> Document {
    Document { blocks: clean_blocks(doc.blocks) }
}

fn clean_blocks(blocks: Vec<Block>) -> Vec<Block> {
    blocks.into_iter().filter_map(clean_block).collect()
}

fn clean_block(b: Block) -> Option<Block> {
    match b {
        Block::Paragraph { content, dir } => {
            let content = clean_inlines(content);
            (!content.is_empty()).then_some(Block::Paragraph { content, dir })
        }
        Block::Heading { level, content, dir } => {
            let content = clean_inlines(content);
            (!content.is_empty()).then_some(Block::Heading { level, content, dir })
        }
        Block::List { ordered, items, dir } => {
            let items: Vec<_> = items.into_iter().map(clean_blocks).filter(|i| !i.is_empty()).collect();
            (!items.is_empty()).then_some(Block::List { ordered, items, dir })
        }
        Block::Quote { blocks, dir } => {
            let blocks = clean_blocks(blocks);
            (!blocks.is_empty()).then_some(Block::Quote { blocks, dir })
        }
        Block::Code { text, dir } => {
            let text = clean_code(&text);
            (!text.trim().is_empty()).then_some(Block::Code { text, dir })
        }
        Block::Media { id, caption, dir } => {
            let caption = caption.map(|c| clean_line(&c).trim().to_owned()).filter(|c| !c.is_empty());
            Some(Block::Media { id, caption, dir })
        }
        Block::Table { header, rows, dir } => {
            let header: Vec<_> = header.into_iter().map(clean_inlines).collect();
            let rows: Vec<Vec<_>> = rows
                .into_iter()
                .filter(|r| !r.is_empty())
                .map(|r| r.into_iter().map(clean_inlines).collect())
                .collect();
            (!header.is_empty() || !rows.is_empty()).then_some(Block::Table { header, rows, dir })
        }
        Block::Rule { dir } => Some(Block::Rule { dir }),
    }
}

/// Inline text: control characters removed, line breaks turned into spaces.
fn clean_line(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' | '\r' => out.push(' '),
            '\t' => out.push(c),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Code-block text: line ends normalised to `\n`, other control characters
/// (except tab) removed, trailing newlines removed.
fn clean_code(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' if chars.peek() == Some(&'\n') => {}
            '\r' | '\n' => out.push('\n'),
            '\t' => out.push(c),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    let keep = out.trim_end_matches('\n').len();
    out.truncate(keep);
    out
}

/// The href as it will be written out, or `None` when the link must go.
fn safe_href(raw: &str) -> Option<String> {
    let s: String = raw.chars().filter(|c| !c.is_ascii_control()).collect();
    let s = s.trim();
    if s.is_empty() || s.starts_with("//") || s.starts_with('\\') || s.starts_with("/\\") {
        return None;
    }
    match s.find([':', '/', '?', '#']) {
        Some(i) if s[i..].starts_with(':') => {
            let scheme = s[..i].to_ascii_lowercase();
            matches!(scheme.as_str(), "http" | "https" | "mailto" | "tel").then(|| s.to_owned())
        }
        _ => Some(s.to_owned()),
    }
}

fn clean_inlines(content: Vec<Inline>) -> Vec<Inline> {
    let mut out = Vec::new();
    for i in content {
        push_inline(&mut out, i, false);
    }
    trim_edges(&mut out);
    out
}

fn push_text(out: &mut Vec<Inline>, text: &str, mut marks: Vec<Mark>) {
    let text = clean_line(text);
    if text.is_empty() {
        return;
    }
    marks.sort();
    marks.dedup();
    if let Some(Inline::Text { text: last, marks: last_marks }) = out.last_mut()
        && *last_marks == marks
    {
        last.push_str(&text);
        return;
    }
    out.push(Inline::Text { text, marks });
}

fn push_inline(out: &mut Vec<Inline>, i: Inline, in_link: bool) {
    match i {
        Inline::Text { text, marks } => push_text(out, &text, marks),
        Inline::Break if in_link => push_text(out, " ", Vec::new()),
        Inline::Break => out.push(Inline::Break),
        Inline::Link { content, .. } if in_link => {
            for c in content {
                push_inline(out, c, true);
            }
        }
        Inline::Link { href, content } => match safe_href(&href) {
            Some(href) => {
                let mut inner = Vec::new();
                for c in content {
                    push_inline(&mut inner, c, true);
                }
                if !inner.is_empty() {
                    out.push(Inline::Link { href, content: inner });
                }
            }
            None => {
                for c in content {
                    push_inline(out, c, false);
                }
            }
        },
    }
}

/// Removes whitespace and line breaks at both ends of an inline list.
fn trim_edges(out: &mut Vec<Inline>) {
    loop {
        match out.first_mut() {
            Some(Inline::Break) => {
                out.remove(0);
            }
            Some(Inline::Text { text, .. }) => {
                let t = text.trim_start();
                if t.is_empty() {
                    out.remove(0);
                } else {
                    *text = t.to_owned();
                    break;
                }
            }
            _ => break,
        }
    }
    loop {
        match out.last_mut() {
            Some(Inline::Break) => {
                out.pop();
            }
            Some(Inline::Text { text, .. }) => {
                let keep = text.trim_end().len();
                if keep == 0 {
                    out.pop();
                } else {
                    text.truncate(keep);
                    break;
                }
            }
            _ => break,
        }
    }
}

// ---------------------------------------------------------------------------
// Markdown
// ---------------------------------------------------------------------------

/// Converts Markdown (CommonMark, tables, strikethrough) into a sanitised
/// document. Never fails; [`parse_input`] applies the limits.
pub fn from_markdown(md: &str) -> Document {
    let mut c = Md { frames: vec![Frame::Root(Vec::new())], ..Md::default() };
    for ev in Parser::new_ext(md, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH) {
        c.event(ev);
    }
    sanitise(c.finish())
}

/// Lists and quotes deeper than this are flattened while converting, which
/// keeps later recursion bounded; it is still deep enough to fail validation.
const MD_DEPTH_CAP: usize = MAX_DEPTH + 1;

enum Frame {
    Root(Vec<Block>),
    Quote(Vec<Block>),
    List {
        ordered: bool,
        items: Vec<Vec<Block>>,
    },
    Item(Vec<Block>),
    Table {
        header: Vec<Vec<Inline>>,
        rows: Vec<Vec<Vec<Inline>>>,
        row: Vec<Vec<Inline>>,
    },
    /// A list, item or quote beyond [`MD_DEPTH_CAP`]: its blocks go to the parent.
    Pass,
}

#[derive(Clone, Copy, PartialEq)]
enum Ctx {
    Paragraph,
    /// Text of a tight list item, which has no paragraph of its own.
    Implicit,
    Heading(u8),
    Cell,
    Html,
    Code,
}

struct Inl {
    kind: Ctx,
    out: Vec<Inline>,
    /// Open links: href and content so far.
    links: Vec<(String, Vec<Inline>)>,
    /// Open image: source, alt text so far, links and images nested in it.
    image: Option<(String, String, usize)>,
    code: String,
}

impl Inl {
    fn new(kind: Ctx) -> Self {
        Inl { kind, out: Vec::new(), links: Vec::new(), image: None, code: String::new() }
    }
    fn sink(&mut self) -> &mut Vec<Inline> {
        match self.links.last_mut() {
            Some((_, content)) => content,
            None => &mut self.out,
        }
    }
}

#[derive(Default)]
struct Md {
    frames: Vec<Frame>,
    inl: Option<Inl>,
    bold: usize,
    italic: usize,
    strike: usize,
    html: HtmlStrip,
    /// Media blocks met where no block can go (headings, cells, links), placed after.
    pending: Vec<Block>,
}

impl Md {
    fn event(&mut self, ev: Event<'_>) {
        match ev {
            Event::Start(tag) => self.start(tag),
            Event::End(end) => self.end(end),
            Event::Text(t) | Event::InlineMath(t) | Event::DisplayMath(t) => self.text(&t),
            Event::Code(t) => {
                if !self.html.skipping() {
                    let mut marks = self.marks();
                    marks.push(Mark::Code);
                    self.inline_text(t.to_string(), marks);
                }
            }
            Event::Html(h) | Event::InlineHtml(h) => {
                let mut s = String::new();
                self.html.feed(&h, &mut s);
                if !s.is_empty() {
                    let marks = self.marks();
                    self.inline_text(decode_entities(&s), marks);
                }
            }
            Event::SoftBreak => self.text(" "),
            Event::HardBreak => {
                let inl = self.ensure_inline();
                if let Some(img) = &mut inl.image {
                    img.1.push(' ');
                } else {
                    inl.sink().push(Inline::Break);
                }
            }
            Event::Rule => {
                self.close_implicit();
                self.push_block(Block::Rule { dir: None });
            }
            Event::FootnoteReference(_) | Event::TaskListMarker(_) => {}
        }
    }

    fn marks(&self) -> Vec<Mark> {
        let mut m = Vec::new();
        if self.bold > 0 {
            m.push(Mark::Bold);
        }
        if self.italic > 0 {
            m.push(Mark::Italic);
        }
        if self.strike > 0 {
            m.push(Mark::Strike);
        }
        m
    }

    /// Lists and quotes open. Real frames (root, up to the cap of lists and
    /// quotes, and their items) all come before the first `Pass`, so only the
    /// first few frames need counting, however deep the Markdown.
    fn depth(&self) -> usize {
        self.frames
            .iter()
            .take(2 * MD_DEPTH_CAP + 2)
            .filter(|f| matches!(f, Frame::Quote(_) | Frame::List { .. }))
            .count()
    }

    fn ensure_inline(&mut self) -> &mut Inl {
        self.inl.get_or_insert_with(|| Inl::new(Ctx::Implicit))
    }

    fn open(&mut self, kind: Ctx) {
        self.close_inline();
        self.inl = Some(Inl::new(kind));
    }

    fn text(&mut self, t: &str) {
        if self.html.skipping() {
            return;
        }
        if let Some(inl) = &mut self.inl
            && inl.kind == Ctx::Code
        {
            inl.code.push_str(t);
            return;
        }
        let marks = self.marks();
        self.inline_text(t.to_owned(), marks);
    }

    fn inline_text(&mut self, text: String, marks: Vec<Mark>) {
        let inl = self.ensure_inline();
        if inl.kind == Ctx::Code {
            inl.code.push_str(&text);
        } else if let Some(img) = &mut inl.image {
            img.1.push_str(&text);
        } else {
            inl.sink().push(Inline::Text { text, marks });
        }
    }

    fn start(&mut self, tag: Tag<'_>) {
        match tag {
            Tag::Paragraph => self.open(Ctx::Paragraph),
            Tag::Heading { level, .. } => self.open(Ctx::Heading(level as u8)),
            Tag::CodeBlock(_) => self.open(Ctx::Code),
            Tag::HtmlBlock => self.open(Ctx::Html),
            Tag::BlockQuote(_) => {
                self.close_inline();
                let f = if self.depth() >= MD_DEPTH_CAP { Frame::Pass } else { Frame::Quote(Vec::new()) };
                self.frames.push(f);
            }
            Tag::List(start) => {
                self.close_inline();
                let f = if self.depth() >= MD_DEPTH_CAP {
                    Frame::Pass
                } else {
                    Frame::List { ordered: start.is_some(), items: Vec::new() }
                };
                self.frames.push(f);
            }
            Tag::Item => {
                self.close_inline();
                let f = if matches!(self.frames.last(), Some(Frame::List { .. })) {
                    Frame::Item(Vec::new())
                } else {
                    Frame::Pass
                };
                self.frames.push(f);
            }
            Tag::Table(_) => {
                self.close_inline();
                self.frames.push(Frame::Table { header: Vec::new(), rows: Vec::new(), row: Vec::new() });
            }
            Tag::TableHead | Tag::TableRow => {
                if let Some(Frame::Table { row, .. }) = self.frames.last_mut() {
                    row.clear();
                }
            }
            Tag::TableCell => self.open(Ctx::Cell),
            Tag::Emphasis => self.italic += 1,
            Tag::Strong => self.bold += 1,
            Tag::Strikethrough => self.strike += 1,
            Tag::Link { link_type, dest_url, .. } => {
                let href =
                    if link_type == LinkType::Email { format!("mailto:{dest_url}") } else { dest_url.to_string() };
                let inl = self.ensure_inline();
                match &mut inl.image {
                    Some(img) => img.2 += 1,
                    None => inl.links.push((href, Vec::new())),
                }
            }
            Tag::Image { dest_url, .. } => {
                let inl = self.ensure_inline();
                match &mut inl.image {
                    Some(img) => img.2 += 1,
                    None => inl.image = Some((dest_url.to_string(), String::new(), 0)),
                }
            }
            _ => {}
        }
    }

    fn end(&mut self, end: TagEnd) {
        match end {
            TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::CodeBlock | TagEnd::HtmlBlock | TagEnd::TableCell => {
                self.close_inline();
            }
            TagEnd::BlockQuote(_) => {
                self.close_inline();
                if let Some(Frame::Quote(blocks)) = self.frames.pop() {
                    self.push_block(Block::Quote { blocks, dir: None });
                }
            }
            TagEnd::List(_) => {
                self.close_inline();
                if let Some(Frame::List { ordered, items }) = self.frames.pop() {
                    self.push_block(Block::List { ordered, items, dir: None });
                }
            }
            TagEnd::Item => {
                self.close_inline();
                if let Some(Frame::Item(blocks)) = self.frames.pop()
                    && let Some(Frame::List { items, .. }) = self.frames.last_mut()
                {
                    items.push(blocks);
                }
            }
            TagEnd::TableHead => {
                if let Some(Frame::Table { header, row, .. }) = self.frames.last_mut() {
                    *header = std::mem::take(row);
                }
            }
            TagEnd::TableRow => {
                if let Some(Frame::Table { rows, row, .. }) = self.frames.last_mut() {
                    rows.push(std::mem::take(row));
                }
            }
            TagEnd::Table => {
                self.close_inline();
                if let Some(Frame::Table { header, rows, .. }) = self.frames.pop() {
                    self.push_block(Block::Table { header, rows, dir: None });
                }
                self.flush_pending();
            }
            TagEnd::Emphasis => self.italic = self.italic.saturating_sub(1),
            TagEnd::Strong => self.bold = self.bold.saturating_sub(1),
            TagEnd::Strikethrough => self.strike = self.strike.saturating_sub(1),
            TagEnd::Link => {
                let Some(inl) = &mut self.inl else { return };
                if let Some(img) = &mut inl.image {
                    img.2 = img.2.saturating_sub(1);
                } else if let Some((href, content)) = inl.links.pop() {
                    match inl.links.last_mut() {
                        // A link in a link: keep the text only.
                        Some((_, outer)) => outer.extend(content),
                        None => inl.out.push(Inline::Link { href, content }),
                    }
                }
            }
            TagEnd::Image => self.end_image(),
            _ => {}
        }
    }

    fn end_image(&mut self) {
        let marks = self.marks();
        let Some(inl) = &mut self.inl else { return };
        let Some((src, alt, nested)) = inl.image.take() else { return };
        if nested > 0 {
            inl.image = Some((src, alt, nested - 1));
            return;
        }
        let Some(id) = src.strip_prefix("media:") else {
            // Foreign images are linked to, never embedded.
            let text = if alt.trim().is_empty() { src.clone() } else { alt };
            let node = if inl.links.is_empty() {
                Inline::Link { href: src, content: vec![Inline::Text { text, marks }] }
            } else {
                Inline::Text { text, marks }
            };
            inl.sink().push(node);
            return;
        };
        let caption = Some(alt.trim().to_owned()).filter(|c| !c.is_empty());
        let media = Block::Media { id: id.to_owned(), caption, dir: None };
        if matches!(inl.kind, Ctx::Paragraph | Ctx::Implicit) && inl.links.is_empty() {
            // Split the paragraph around the media block.
            let before = std::mem::take(&mut inl.out);
            self.push_block(Block::Paragraph { content: before, dir: None });
            self.push_block(media);
        } else {
            self.pending.push(media);
        }
    }

    fn close_implicit(&mut self) {
        if self.inl.as_ref().is_some_and(|i| i.kind == Ctx::Implicit) {
            self.close_inline();
        }
    }

    fn close_inline(&mut self) {
        let Some(mut inl) = self.inl.take() else { return };
        self.html = HtmlStrip::default();
        while let Some((href, content)) = inl.links.pop() {
            inl.sink().push(Inline::Link { href, content });
        }
        match inl.kind {
            Ctx::Paragraph | Ctx::Implicit => self.push_block(Block::Paragraph { content: inl.out, dir: None }),
            Ctx::Heading(level) => self.push_block(Block::Heading { level, content: inl.out, dir: None }),
            Ctx::Html => {
                let mut text = String::new();
                for i in &inl.out {
                    if let Inline::Text { text: t, .. } = i {
                        text.push_str(t);
                    }
                }
                let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
                self.push_block(Block::Paragraph {
                    content: vec![Inline::Text { text, marks: Vec::new() }],
                    dir: None,
                });
            }
            Ctx::Code => {
                let mut text = inl.code;
                if text.ends_with('\n') {
                    text.pop();
                }
                self.push_block(Block::Code { text, dir: None });
            }
            Ctx::Cell => {
                if let Some(Frame::Table { row, .. }) = self.frames.last_mut() {
                    row.push(inl.out);
                }
            }
        }
        self.flush_pending();
    }

    /// The block list new blocks go to, if the innermost frame takes blocks.
    fn blocks_mut(&mut self) -> Option<&mut Vec<Block>> {
        for f in self.frames.iter_mut().rev() {
            match f {
                Frame::Root(b) | Frame::Quote(b) | Frame::Item(b) => return Some(b),
                Frame::Pass => {}
                Frame::List { .. } | Frame::Table { .. } => return None,
            }
        }
        None
    }

    fn push_block(&mut self, b: Block) {
        match self.blocks_mut() {
            Some(v) => v.push(b),
            None => self.pending.push(b),
        }
    }

    fn flush_pending(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let pending = std::mem::take(&mut self.pending);
        match self.blocks_mut() {
            Some(v) => v.extend(pending),
            None => self.pending = pending,
        }
    }

    fn finish(mut self) -> Document {
        self.close_inline();
        while self.frames.len() > 1 {
            match self.frames.pop() {
                Some(Frame::Quote(blocks)) => self.push_block(Block::Quote { blocks, dir: None }),
                Some(Frame::List { ordered, items }) => self.push_block(Block::List { ordered, items, dir: None }),
                Some(Frame::Item(blocks)) => {
                    if let Some(Frame::List { items, .. }) = self.frames.last_mut() {
                        items.push(blocks);
                    }
                }
                Some(Frame::Table { header, rows, .. }) => self.push_block(Block::Table { header, rows, dir: None }),
                _ => {}
            }
        }
        let mut blocks = match self.frames.pop() {
            Some(Frame::Root(b)) => b,
            _ => Vec::new(),
        };
        blocks.append(&mut self.pending);
        Document { blocks }
    }
}

/// Strips HTML tags from raw HTML in Markdown, keeping the text, dropping the
/// content of `<script>` and `<style>` and comments. Keeps its state across
/// the pieces of one paragraph or HTML block.
#[derive(Default)]
struct HtmlStrip {
    state: HtmlState,
    tag: String,
    quote: Option<char>,
    skip: Option<&'static str>,
}

#[derive(Default, Clone, Copy, PartialEq)]
enum HtmlState {
    #[default]
    Text,
    Tag,
    Comment,
}

/// Tags that do not separate words.
const INLINE_TAGS: &[&str] = &[
    "a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "del", "dfn", "em", "font", "i", "ins", "kbd", "mark", "q",
    "s", "samp", "small", "span", "strike", "strong", "sub", "sup", "time", "u", "var",
];

impl HtmlStrip {
    fn skipping(&self) -> bool {
        self.skip.is_some()
    }

    fn feed(&mut self, s: &str, out: &mut String) {
        let mut chars = s.chars().peekable();
        while let Some(c) = chars.next() {
            match self.state {
                HtmlState::Text => {
                    let tag_start = c == '<'
                        && chars.peek().is_some_and(|n| n.is_ascii_alphabetic() || matches!(n, '/' | '!' | '?'));
                    if tag_start {
                        self.state = HtmlState::Tag;
                        self.tag.clear();
                        self.quote = None;
                    } else if self.skip.is_none() {
                        out.push(c);
                    }
                }
                HtmlState::Tag => match (self.quote, c) {
                    (Some(q), c) if c == q => {
                        self.quote = None;
                        self.tag.push(c);
                    }
                    (None, '"' | '\'') => {
                        self.quote = Some(c);
                        self.tag.push(c);
                    }
                    (None, '>') => {
                        self.state = HtmlState::Text;
                        self.end_tag(out);
                    }
                    _ => {
                        self.tag.push(c);
                        if self.tag == "!--" {
                            self.state = HtmlState::Comment;
                            self.tag.clear();
                        }
                    }
                },
                HtmlState::Comment => {
                    self.tag.push(c);
                    if self.tag.ends_with("-->") {
                        self.state = HtmlState::Text;
                        self.tag.clear();
                    } else if self.tag.len() > 3 {
                        // Keep the last three bytes, for a `-->` still to come; a
                        // multi-byte character there cannot be part of one (the
                        // end of the string is always a boundary: a comment
                        // ending in "l\u{96354}" once found none before it).
                        let drop = self.tag.len() - 3;
                        let drop =
                            (drop..=self.tag.len()).find(|&i| self.tag.is_char_boundary(i)).unwrap_or(self.tag.len());
                        self.tag.drain(..drop);
                    }
                }
            }
        }
    }

    fn end_tag(&mut self, out: &mut String) {
        let t = self.tag.trim();
        let closing = t.starts_with('/');
        let name: String =
            t.trim_start_matches('/').chars().take_while(|c| c.is_ascii_alphanumeric()).collect::<String>();
        let name = name.to_ascii_lowercase();
        if let Some(skip) = self.skip {
            if closing && name == skip {
                self.skip = None;
            }
            return;
        }
        if !closing && !t.ends_with('/') {
            self.skip = match name.as_str() {
                "script" => Some("script"),
                "style" => Some("style"),
                _ => None,
            };
        }
        if !INLINE_TAGS.contains(&name.as_str()) {
            out.push(' ');
        }
    }
}

/// Decodes the few entities common in raw HTML; the result is text.
fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let end = rest.find(';').filter(|&e| e <= 10);
        let decoded = end.and_then(|e| {
            let name = &rest[1..e];
            let c = match name {
                "amp" => '&',
                "lt" => '<',
                "gt" => '>',
                "quot" => '"',
                "apos" => '\'',
                "nbsp" => '\u{a0}',
                _ => {
                    let n = name.strip_prefix('#')?;
                    let code = match n.strip_prefix(['x', 'X']) {
                        Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                        None => n.parse().ok()?,
                    };
                    char::from_u32(code)?
                }
            };
            Some((c, e))
        });
        match decoded {
            Some((c, e)) => {
                out.push(c);
                rest = &rest[e + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

// ---------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------

/// Renders HTML. Safe by construction: all text and attributes are escaped and
/// links are re-checked. `media` resolves media ids; `None` omits the block.
/// A block's `dir` becomes a `dir` attribute on its element (on the `<li>` for
/// a list item that is one paragraph, which is written without a `<p>`).
pub fn to_html(doc: &Document, media: &dyn Fn(&str) -> Option<MediaEmbed>) -> String {
    let mut h = Html { out: String::new(), ids: HashSet::new(), media };
    h.blocks(&doc.blocks);
    h.out
}

struct Html<'a> {
    out: String,
    ids: HashSet<String>,
    media: &'a dyn Fn(&str) -> Option<MediaEmbed>,
}

impl Html<'_> {
    fn esc(&mut self, s: &str) {
        crate::html::escape_into(&mut self.out, s);
    }

    fn blocks(&mut self, blocks: &[Block]) {
        for b in blocks {
            self.block(b);
        }
    }

    /// `<tag` and the block's `dir` attribute, leaving the tag open.
    fn open(&mut self, tag: &str, dir: Option<Dir>) {
        self.out.push('<');
        self.out.push_str(tag);
        if let Some(d) = dir {
            let _ = write!(self.out, " dir=\"{}\"", d.as_str());
        }
    }

    fn block(&mut self, b: &Block) {
        match b {
            Block::Paragraph { content, dir } => {
                self.open("p", *dir);
                self.out.push('>');
                self.inlines(content, false);
                self.out.push_str("</p>\n");
            }
            Block::Heading { level, content, dir } => {
                let level = (*level).clamp(1, 6);
                let id = self.heading_id(&inline_text(content));
                self.open(&format!("h{level}"), *dir);
                self.out.push_str(" id=\"");
                self.esc(&id);
                self.out.push_str("\">");
                self.inlines(content, false);
                let _ = writeln!(self.out, "</h{level}>");
            }
            Block::List { ordered, items, dir } => {
                let tag = if *ordered { "ol" } else { "ul" };
                self.open(tag, *dir);
                self.out.push_str(">\n");
                for item in items {
                    match item.as_slice() {
                        [Block::Paragraph { content, dir }] => {
                            self.open("li", *dir);
                            self.out.push('>');
                            self.inlines(content, false);
                        }
                        blocks => {
                            self.out.push_str("<li>\n");
                            self.blocks(blocks);
                        }
                    }
                    self.out.push_str("</li>\n");
                }
                let _ = writeln!(self.out, "</{tag}>");
            }
            Block::Quote { blocks, dir } => {
                self.open("blockquote", *dir);
                self.out.push_str(">\n");
                self.blocks(blocks);
                self.out.push_str("</blockquote>\n");
            }
            Block::Code { text, dir } => {
                self.open("pre", *dir);
                self.out.push_str("><code>");
                self.esc(text);
                self.out.push_str("</code></pre>\n");
            }
            Block::Media { id, caption, dir } => {
                let Some(m) = (self.media)(id) else { return };
                self.open("figure", *dir);
                self.out.push_str("><img src=\"");
                self.esc(&m.src);
                self.out.push_str("\" alt=\"");
                self.esc(&m.alt);
                self.out.push('"');
                if let Some(w) = m.width.filter(|w| *w > 0) {
                    let _ = write!(self.out, " width=\"{w}\"");
                }
                if let Some(h) = m.height.filter(|h| *h > 0) {
                    let _ = write!(self.out, " height=\"{h}\"");
                }
                if let Some(srcset) = m.srcset.as_deref().filter(|s| !s.is_empty()) {
                    self.out.push_str(" srcset=\"");
                    self.esc(srcset);
                    self.out.push('"');
                }
                self.out.push_str(" loading=\"lazy\" decoding=\"async\">");
                if let Some(c) = caption.as_deref().filter(|c| !c.is_empty()) {
                    self.out.push_str("<figcaption>");
                    self.esc(c);
                    self.out.push_str("</figcaption>");
                }
                self.out.push_str("</figure>\n");
            }
            Block::Table { header, rows, dir } => {
                self.open("table", *dir);
                self.out.push_str(">\n");
                if !header.is_empty() {
                    self.out.push_str("<thead>\n");
                    self.row(header, "th");
                    self.out.push_str("</thead>\n");
                }
                if !rows.is_empty() {
                    self.out.push_str("<tbody>\n");
                    for r in rows {
                        self.row(r, "td");
                    }
                    self.out.push_str("</tbody>\n");
                }
                self.out.push_str("</table>\n");
            }
            Block::Rule { dir } => {
                self.open("hr", *dir);
                self.out.push_str(">\n");
            }
        }
    }

    fn row(&mut self, cells: &[Vec<Inline>], tag: &str) {
        self.out.push_str("<tr>");
        for c in cells {
            let _ = write!(self.out, "<{tag}>");
            self.inlines(c, false);
            let _ = write!(self.out, "</{tag}>");
        }
        self.out.push_str("</tr>\n");
    }

    fn inlines(&mut self, content: &[Inline], in_link: bool) {
        const ORDER: [(Mark, &str); 4] =
            [(Mark::Bold, "strong"), (Mark::Italic, "em"), (Mark::Strike, "s"), (Mark::Code, "code")];
        for i in content {
            match i {
                Inline::Text { text, marks } => {
                    for (m, tag) in ORDER {
                        if marks.contains(&m) {
                            let _ = write!(self.out, "<{tag}>");
                        }
                    }
                    self.esc(text);
                    for (m, tag) in ORDER.iter().rev() {
                        if marks.contains(m) {
                            let _ = write!(self.out, "</{tag}>");
                        }
                    }
                }
                Inline::Break if in_link => self.out.push(' '),
                Inline::Break => self.out.push_str("<br>"),
                Inline::Link { href, content } => match safe_href(href).filter(|_| !in_link) {
                    Some(href) => {
                        self.out.push_str("<a href=\"");
                        self.esc(&href);
                        self.out.push('"');
                        let lower = href.to_ascii_lowercase();
                        if lower.starts_with("http:") || lower.starts_with("https:") {
                            self.out.push_str(" rel=\"noopener noreferrer\"");
                        }
                        self.out.push('>');
                        self.inlines(content, true);
                        self.out.push_str("</a>");
                    }
                    None => self.inlines(content, in_link),
                },
            }
        }
    }

    /// A unique anchor id from heading text: ASCII, lowercase, `-` between words.
    fn heading_id(&mut self, text: &str) -> String {
        let mut base = String::new();
        for c in deunicode::deunicode(text).chars() {
            if c.is_ascii_alphanumeric() {
                base.push(c.to_ascii_lowercase());
            } else if !base.is_empty() && !base.ends_with('-') {
                base.push('-');
            }
        }
        base.truncate(80);
        while base.ends_with('-') {
            base.pop();
        }
        if base.is_empty() {
            base.push_str("section");
        }
        let mut id = base.clone();
        let mut n = 2;
        while !self.ids.insert(id.clone()) {
            id = format!("{base}-{n}");
            n += 1;
        }
        id
    }
}

fn inline_text(content: &[Inline]) -> String {
    let mut s = String::new();
    push_inline_text(&mut s, content);
    s
}

fn push_inline_text(s: &mut String, content: &[Inline]) {
    for i in content {
        match i {
            Inline::Text { text, .. } => s.push_str(text),
            Inline::Break => s.push('\n'),
            Inline::Link { content, .. } => push_inline_text(s, content),
        }
    }
}

/// Plain text for search, feeds and previews: blocks separated by a blank
/// line, list items prefixed with `- ` or `1. `, table cells separated by
/// ` | `, media blocks give their caption, links their text.
pub fn to_text(doc: &Document) -> String {
    blocks_text(&doc.blocks, "\n\n")
}

fn blocks_text(blocks: &[Block], sep: &str) -> String {
    blocks.iter().map(block_text).filter(|s| !s.is_empty()).collect::<Vec<_>>().join(sep)
}

fn block_text(b: &Block) -> String {
    match b {
        Block::Paragraph { content, .. } | Block::Heading { content, .. } => inline_text(content),
        Block::List { ordered, items, .. } => {
            let mut lines = Vec::new();
            for (n, item) in items.iter().enumerate() {
                let prefix = if *ordered { format!("{}. ", n + 1) } else { "- ".to_owned() };
                let indent = " ".repeat(prefix.chars().count());
                let body = blocks_text(item, "\n");
                let mut text = prefix;
                for (k, line) in body.lines().enumerate() {
                    if k > 0 {
                        text.push('\n');
                        if !line.is_empty() {
                            text.push_str(&indent);
                        }
                    }
                    text.push_str(line);
                }
                lines.push(text);
            }
            lines.join("\n")
        }
        Block::Quote { blocks, .. } => blocks_text(blocks, "\n\n"),
        Block::Code { text, .. } => text.clone(),
        Block::Media { caption, .. } => caption.clone().unwrap_or_default(),
        Block::Table { header, rows, .. } => std::iter::once(header)
            .filter(|h| !h.is_empty())
            .chain(rows)
            .map(|r| r.iter().map(|c| inline_text(c)).collect::<Vec<_>>().join(" | "))
            .collect::<Vec<_>>()
            .join("\n"),
        Block::Rule { .. } => String::new(),
    }
}

/// The media ids a document embeds, in order of appearance, each once.
pub fn media_ids(doc: &Document) -> Vec<String> {
    fn walk(blocks: &[Block], seen: &mut HashSet<String>, out: &mut Vec<String>) {
        for b in blocks {
            match b {
                Block::Media { id, .. } if seen.insert(id.clone()) => out.push(id.clone()),
                Block::List { items, .. } => {
                    for item in items {
                        walk(item, seen, out);
                    }
                }
                Block::Quote { blocks, .. } => walk(blocks, seen, out),
                _ => {}
            }
        }
    }
    let mut out = Vec::new();
    walk(&doc.blocks, &mut HashSet::new(), &mut out);
    out
}

/// A stored locale's document: canonical JSON, or (from before rich text)
/// plain text, read as Markdown.
pub fn stored(s: &str) -> Document {
    serde_json::from_str::<Document>(s).unwrap_or_else(|_| from_markdown(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_html_comment_ending_in_a_wide_character_is_dropped_without_a_panic() {
        // Found by fuzzing: the comment scanner cut the string inside a character.
        let md = include_str!("../../fuzz/regressions/richtext/html-comment-multibyte-tail.md");
        let doc = from_markdown(md);
        assert_eq!(sanitise(doc.clone()), doc);
        assert!(!to_html(&doc, &|_| None).contains("<!--"));
    }
    use serde_json::json;

    fn t(s: &str) -> Inline {
        Inline::Text { text: s.into(), marks: vec![] }
    }
    fn tm(s: &str, marks: &[Mark]) -> Inline {
        Inline::Text { text: s.into(), marks: marks.to_vec() }
    }
    fn p(content: Vec<Inline>) -> Block {
        Block::Paragraph { content, dir: None }
    }
    fn no_media(_: &str) -> Option<MediaEmbed> {
        None
    }
    fn html(doc: &Document) -> String {
        to_html(doc, &no_media)
    }

    #[test]
    fn markdown_gives_the_expected_document_and_html() {
        let md = "# Title\n\nSome *em*, **strong**, ~~gone~~ and `code`.\n\n- one\n- two\n\n1. first\n\n> quoted\n\n\
                  | a | b |\n|---|---|\n| 1 | 2 |\n\n[site](https://example.org) and [rel](/about)\n\n---\n\n\
                  ```\nfn x() {}\n```\n";
        let doc = from_markdown(md);
        let expected = vec![
            Block::Heading { level: 1, content: vec![t("Title")], dir: None },
            p(vec![
                t("Some "),
                tm("em", &[Mark::Italic]),
                t(", "),
                tm("strong", &[Mark::Bold]),
                t(", "),
                tm("gone", &[Mark::Strike]),
                t(" and "),
                tm("code", &[Mark::Code]),
                t("."),
            ]),
            Block::List { ordered: false, items: vec![vec![p(vec![t("one")])], vec![p(vec![t("two")])]], dir: None },
            Block::List { ordered: true, items: vec![vec![p(vec![t("first")])]], dir: None },
            Block::Quote { blocks: vec![p(vec![t("quoted")])], dir: None },
            Block::Table {
                header: vec![vec![t("a")], vec![t("b")]],
                rows: vec![vec![vec![t("1")], vec![t("2")]]],
                dir: None,
            },
            p(vec![
                Inline::Link { href: "https://example.org".into(), content: vec![t("site")] },
                t(" and "),
                Inline::Link { href: "/about".into(), content: vec![t("rel")] },
            ]),
            Block::Rule { dir: None },
            Block::Code { text: "fn x() {}".into(), dir: None },
        ];
        assert_eq!(doc.blocks, expected);
        assert_eq!(
            html(&doc),
            "<h1 id=\"title\">Title</h1>\n\
             <p>Some <em>em</em>, <strong>strong</strong>, <s>gone</s> and <code>code</code>.</p>\n\
             <ul>\n<li>one</li>\n<li>two</li>\n</ul>\n\
             <ol>\n<li>first</li>\n</ol>\n\
             <blockquote>\n<p>quoted</p>\n</blockquote>\n\
             <table>\n<thead>\n<tr><th>a</th><th>b</th></tr>\n</thead>\n<tbody>\n<tr><td>1</td><td>2</td></tr>\n</tbody>\n</table>\n\
             <p><a href=\"https://example.org\" rel=\"noopener noreferrer\">site</a> and <a href=\"/about\">rel</a></p>\n\
             <hr>\n\
             <pre><code>fn x() {}</code></pre>\n"
        );
    }

    #[test]
    fn nested_lists_and_loose_items() {
        let doc = from_markdown("- a\n  - b\n  - c\n- d\n\n  more\n");
        assert_eq!(
            doc.blocks,
            vec![Block::List {
                ordered: false,
                items: vec![
                    vec![
                        p(vec![t("a")]),
                        Block::List {
                            ordered: false,
                            items: vec![vec![p(vec![t("b")])], vec![p(vec![t("c")])]],
                            dir: None
                        },
                    ],
                    vec![p(vec![t("d")]), p(vec![t("more")])],
                ],
                dir: None,
            }]
        );
        assert_eq!(to_text(&doc), "- a\n  - b\n  - c\n- d\n  more");
    }

    #[test]
    fn breaks_and_bold_italic() {
        let doc = from_markdown("one\ntwo  \nthree ***both***");
        assert_eq!(
            doc.blocks,
            vec![p(vec![t("one two"), Inline::Break, t("three "), tm("both", &[Mark::Bold, Mark::Italic])])]
        );
        assert_eq!(html(&doc), "<p>one two<br>three <strong><em>both</em></strong></p>\n");
    }

    #[test]
    fn javascript_links_and_scripts_never_reach_html() {
        for md in [
            "[x](javascript:alert(1))",
            "[x](JavaScript:alert(1))",
            "[x]( javascript:alert(1))",
            "[x](java&#x09;script:alert(1))",
            "[x](javascript&colon;alert(1))",
            "[x](data:text/html,<script>alert(1)</script>)",
            "[x](vbscript:msgbox)",
            "[x](file:///etc/passwd)",
            "[x](//evil.example)",
            "<b>x</b><script>alert(1)</script>",
            "<script>\nalert(1)\n</script>\n\nx",
            "<div onclick=\"alert(1)\">x</div>",
            "x <img src=y onerror=alert(1)>",
            "![x](javascript:alert(1))",
            "<style>body{}</style>x",
            "x<!-- <script>alert(1)</script> -->",
        ] {
            let out = html(&parse_input(&json!(md), "body").unwrap());
            for bad in [
                "javascript",
                "alert",
                "script",
                "<b>",
                "<div",
                "onclick",
                "onerror",
                "data:",
                "vbscript",
                "file:",
                "//evil",
                "<img",
                "body{",
            ] {
                assert!(!out.contains(bad), "{md:?} gave {out:?}");
            }
        }
        // An autolink with a bad scheme stays as harmless text.
        assert_eq!(html(&from_markdown("<javascript:alert(1)>")), "<p>javascript:alert(1)</p>\n");
        let doc = from_markdown("[x](javascript:alert(1)) y");
        assert_eq!(doc.blocks, vec![p(vec![t("x y")])]);
        let doc = from_markdown("<b>x</b><script>alert(1)</script>");
        assert_eq!(doc.blocks, vec![p(vec![t("x")])]);
        let doc = from_markdown("<div class=\"a>b\">\n  <p>Hello &amp; <em>welcome</em></p>\n</div>\n");
        assert_eq!(doc.blocks, vec![p(vec![t("Hello & welcome")])]);
    }

    #[test]
    fn safe_hrefs() {
        for ok in [
            "http://a.org",
            "HTTPS://a.org/x?y#z",
            "mailto:a@b.org",
            "tel:+33 1 23",
            "/path",
            "#frag",
            "?q=1",
            "page.html",
            "a/b:c",
            " https://a.org ",
        ] {
            assert!(safe_href(ok).is_some(), "{ok}");
        }
        for bad in [
            "javascript:x",
            " JAVASCRIPT:x",
            "java\nscript:x",
            "\u{1}javascript:x",
            "data:x",
            "vbscript:x",
            "file:///x",
            "//host",
            "/\\host",
            "\\\\host",
            "ftp://x",
            "a:b/c",
            "",
        ] {
            assert_eq!(safe_href(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn json_document_with_a_data_link_is_unwrapped() {
        let v = json!({"type": "doc", "blocks": [{"type": "paragraph", "content": [
            {"type": "text", "text": "see "},
            {"type": "link", "href": "data:text/html;base64,PHNjcmlwdD4=", "content": [{"type": "text", "text": "this"}]},
            {"type": "text", "text": " and "},
            {"type": "link", "href": "https://ok.example", "content": [{"type": "text", "text": "that"}]}
        ]}]});
        let doc = parse_input(&v, "body").unwrap();
        assert_eq!(
            doc.blocks,
            vec![p(vec![
                t("see this and "),
                Inline::Link { href: "https://ok.example".into(), content: vec![t("that")] }
            ])]
        );
        assert!(!html(&doc).contains("data:"));
    }

    #[test]
    fn quotes_and_markup_are_escaped_in_text_and_attributes() {
        let v = json!({"document": {"type": "doc", "blocks": [
            {"type": "heading", "level": 2, "content": [{"type": "text", "text": "Tom & \"Jerry\""}]},
            {"type": "paragraph", "content": [
                {"type": "text", "text": "He said \"hi\" <b>&</b> 'x'"},
                {"type": "link", "href": "/a\"onmouseover=\"alert(1)", "content": [{"type": "text", "text": "<i>"}]}
            ]}
        ]}});
        let out = html(&parse_input(&v, "body").unwrap());
        assert_eq!(
            out,
            "<h2 id=\"tom-jerry\">Tom &amp; &quot;Jerry&quot;</h2>\n\
             <p>He said &quot;hi&quot; &lt;b&gt;&amp;&lt;/b&gt; &#39;x&#39;\
             <a href=\"/a&quot;onmouseover=&quot;alert(1)\">&lt;i&gt;</a></p>\n"
        );
    }

    #[test]
    fn heading_level_7_is_an_error_naming_the_path() {
        let v = json!({"type": "doc", "blocks": [
            {"type": "paragraph", "content": [{"type": "text", "text": "a"}]},
            {"type": "heading", "level": 7, "content": [{"type": "text", "text": "b"}]}
        ]});
        let e = parse_input(&v, "body.fr").unwrap_err();
        assert_eq!(e.code.as_str(), "BAD_USER_INPUT");
        assert_eq!(e.field.as_deref(), Some("body.fr.blocks[1].level"));
        assert!(e.message.starts_with("body.fr.blocks[1].level: "), "{}", e.message);
        assert!(e.message.contains("1 to 6"), "{}", e.message);
        let v = json!({"type": "doc", "blocks": [{"type": "heading", "level": 0, "content": []}]});
        assert_eq!(parse_input(&v, "b").unwrap_err().field.as_deref(), Some("b.blocks[0].level"));
        let v = json!({"type": "doc", "blocks": [{"type": "heading", "level": "2", "content": []}]});
        assert_eq!(parse_input(&v, "b").unwrap_err().field.as_deref(), Some("b.blocks[0].level"));
    }

    fn nested_quotes(depth: usize) -> Value {
        let mut b = json!({"type": "paragraph", "content": [{"type": "text", "text": "deep"}]});
        for _ in 0..depth {
            b = json!({"type": "quote", "blocks": [b]});
        }
        json!({"type": "doc", "blocks": [b]})
    }

    #[test]
    fn nesting_deeper_than_8_is_an_error() {
        assert!(parse_input(&nested_quotes(8), "body").is_ok());
        let e = parse_input(&nested_quotes(9), "body").unwrap_err();
        assert_eq!(
            e.field.as_deref(),
            Some("body.blocks[0].blocks[0].blocks[0].blocks[0].blocks[0].blocks[0].blocks[0].blocks[0].blocks[0]")
        );
        assert!(e.message.contains("more than 8 deep"), "{}", e.message);
        // Lists count too, and so does Markdown.
        let list = json!({"type": "doc", "blocks": [{"type": "list", "ordered": false, "items": [[
            {"type": "quote", "blocks": [{"type": "list", "ordered": true, "items": [[nested_quotes(6)["blocks"][0]]]}]}
        ]]}]});
        assert!(parse_input(&list, "body").is_err());
        assert!(parse_input(&json!(format!("{} deep", ">".repeat(8))), "body").is_ok());
        let e = parse_input(&json!(format!("{} deep", ">".repeat(9))), "body").unwrap_err();
        assert_eq!(e.field.as_deref(), Some("body"));
        // Very deep Markdown neither overflows nor passes.
        assert!(parse_input(&json!(format!("{} deep", "> ".repeat(50_000))), "body").is_err());
        let doc = from_markdown(&"- ".repeat(10_000));
        let _ = (html(&doc), to_text(&doc));
    }

    #[test]
    fn french_and_arabic_survive_the_round_trip() {
        let md = "# Atelier régional sur la migration\n\nالهجرة والتنمية\n\n« Égalité » — ça marche ✓";
        let doc = parse_input(&json!(md), "body.ar").unwrap();
        assert_eq!(
            doc.blocks,
            vec![
                Block::Heading { level: 1, content: vec![t("Atelier régional sur la migration")], dir: None },
                p(vec![t("الهجرة والتنمية")]),
                p(vec![t("« Égalité » — ça marche ✓")]),
            ]
        );
        let json = doc.to_json();
        let again = parse_input(&json, "body.ar").unwrap();
        assert_eq!(again, doc);
        assert_eq!(again.to_json(), json);
        let out = html(&doc);
        assert!(out.contains("<h1 id=\"atelier-regional-sur-la-migration\">Atelier régional sur la migration</h1>"));
        assert!(out.contains("<p>الهجرة والتنمية</p>"));
        assert_eq!(to_text(&doc), "Atelier régional sur la migration\n\nالهجرة والتنمية\n\n« Égalité » — ça marche ✓");
    }

    #[test]
    fn heading_ids_are_unique() {
        let doc = from_markdown("# Intro\n\n## Intro\n\n### intro!\n\n# ???\n\n# Intro 2");
        let out = html(&doc);
        for id in ["intro", "intro-2", "intro-3", "section"] {
            assert!(out.contains(&format!("id=\"{id}\"")), "{id} in {out}");
        }
        // "Intro 2" slugs to intro-2, which is taken.
        assert!(out.contains("id=\"intro-2-2\""), "{out}");
    }

    #[test]
    fn plain_text() {
        let md = "# News\n\nRead [the report](https://x.org) **now**.\n\n1. one\n2. two\n\n- a\n\n| h1 | h2 |\n|--|--|\n| c1 | c2 |\n\n\
                  ![A map](media:m1)\n\n![](media:m2)\n\n---\n\n> quoted\n\n```\nlet x = 1;\nlet y = 2;\n```";
        assert_eq!(
            to_text(&from_markdown(md)),
            "News\n\nRead the report now.\n\n1. one\n2. two\n\n- a\n\nh1 | h2\nc1 | c2\n\nA map\n\nquoted\n\nlet x = 1;\nlet y = 2;"
        );
    }

    #[test]
    fn media_from_markdown_and_rendering() {
        let doc = from_markdown(
            "Intro ![A \"map\"](media:m1) outro\n\n![logo](https://cdn.example/logo.png)\n\n![](media:m2)\n\n![again](media:m1)",
        );
        assert_eq!(
            doc.blocks,
            vec![
                p(vec![t("Intro")]),
                Block::Media { id: "m1".into(), caption: Some("A \"map\"".into()), dir: None },
                p(vec![t("outro")]),
                p(vec![Inline::Link { href: "https://cdn.example/logo.png".into(), content: vec![t("logo")] }]),
                Block::Media { id: "m2".into(), caption: None, dir: None },
                Block::Media { id: "m1".into(), caption: Some("again".into()), dir: None },
            ]
        );
        assert_eq!(media_ids(&doc), vec!["m1", "m2"]);
        let resolve = |id: &str| {
            (id == "m1").then(|| MediaEmbed {
                src: "/media/m1.jpg".into(),
                alt: "Map of \"Africa\"".into(),
                width: Some(800),
                height: Some(600),
                srcset: Some("/media/m1-400.jpg 400w, /media/m1.jpg 800w".into()),
            })
        };
        let out = to_html(&doc, &resolve);
        assert!(out.contains(
            "<figure><img src=\"/media/m1.jpg\" alt=\"Map of &quot;Africa&quot;\" width=\"800\" height=\"600\" \
             srcset=\"/media/m1-400.jpg 400w, /media/m1.jpg 800w\" loading=\"lazy\" decoding=\"async\">\
             <figcaption>A &quot;map&quot;</figcaption></figure>\n"
        ));
        assert!(!out.contains("m2"), "unresolved media is omitted: {out}");
        assert!(!out.contains("<img src=\"https://cdn.example"), "foreign images are not embedded");
        assert!(out.contains("<a href=\"https://cdn.example/logo.png\" rel=\"noopener noreferrer\">logo</a>"));
        let bare =
            to_html(&Document { blocks: vec![Block::Media { id: "m1".into(), caption: None, dir: None }] }, &|_| {
                Some(MediaEmbed { src: "/x.png".into(), ..MediaEmbed::default() })
            });
        assert_eq!(bare, "<figure><img src=\"/x.png\" alt=\"\" loading=\"lazy\" decoding=\"async\"></figure>\n");
    }

    #[test]
    fn media_in_headings_and_tables_follow_them() {
        let doc = from_markdown("# Title ![c](media:h)\n\n| a |\n|---|\n| ![d](media:t) |\n\nend");
        assert_eq!(
            doc.blocks,
            vec![
                Block::Heading { level: 1, content: vec![t("Title")], dir: None },
                Block::Media { id: "h".into(), caption: Some("c".into()), dir: None },
                Block::Table { header: vec![vec![t("a")]], rows: vec![vec![vec![]]], dir: None },
                Block::Media { id: "t".into(), caption: Some("d".into()), dir: None },
                p(vec![t("end")]),
            ]
        );
    }

    fn canonical() -> Value {
        json!({"type": "doc", "blocks": [
            {"type": "heading", "level": 2, "content": [{"type": "text", "text": "Atelier régional"}]},
            {"type": "paragraph", "content": [
                {"type": "text", "text": "plain "},
                {"type": "text", "text": "both", "marks": ["bold", "italic"]},
                {"type": "break"},
                {"type": "link", "href": "mailto:a@b.org", "content": [{"type": "text", "text": "mail", "marks": ["code"]}]}
            ]},
            {"type": "list", "ordered": true, "items": [
                [{"type": "paragraph", "content": [{"type": "text", "text": "one"}]}],
                [{"type": "paragraph", "content": [{"type": "text", "text": "two"}]},
                 {"type": "list", "ordered": false, "items": [[{"type": "paragraph", "content": [{"type": "text", "text": "x"}]}]]}]
            ]},
            {"type": "quote", "blocks": [{"type": "paragraph", "content": [{"type": "text", "text": "الهجرة والتنمية"}]}]},
            {"type": "code", "text": "a\n\tb"},
            {"type": "media", "id": "m1", "caption": "Cap"},
            {"type": "media", "id": "m2"},
            {"type": "table", "header": [], "rows": [[[{"type": "text", "text": "c", "marks": ["strike"]}], []]]},
            {"type": "rule"}
        ]})
    }

    #[test]
    fn json_round_trip_is_identical() {
        let v = canonical();
        let doc = parse_input(&v, "body").unwrap();
        assert_eq!(doc.to_json(), v);
        // The serde derive reads the same format.
        let via_serde: Document = serde_json::from_value(v.clone()).unwrap();
        assert_eq!(via_serde, doc);
        assert_eq!(serde_json::to_value(&via_serde).unwrap(), v);
        // All input forms give the same document.
        assert_eq!(parse_input(&json!({"document": v}), "body").unwrap(), doc);
        // Markdown → JSON → Document is stable too.
        let md = from_markdown("# T\n\n*a* **b** [c](/d)\n\n- x\n");
        assert_eq!(parse_input(&md.to_json(), "body").unwrap(), md);
    }

    /// One block of each type, all with `dir` when it is given.
    fn every_block(dir: Option<&str>) -> Vec<Value> {
        let text = |s: &str| json!([{"type": "text", "text": s}]);
        let mut blocks = vec![
            json!({"type": "paragraph", "content": text("فقرة")}),
            json!({"type": "heading", "level": 3, "content": text("Titre")}),
            json!({"type": "list", "ordered": true, "items": [[{"type": "paragraph", "content": text("un")}]]}),
            json!({"type": "quote", "blocks": [{"type": "paragraph", "content": text("cité")}]}),
            json!({"type": "code", "text": "x = 1"}),
            json!({"type": "media", "id": "m1", "caption": "صورة"}),
            json!({"type": "table", "header": [text("h")], "rows": [[text("c")]]}),
            json!({"type": "rule"}),
        ];
        if let Some(d) = dir {
            for b in &mut blocks {
                b["dir"] = json!(d);
            }
        }
        blocks
    }

    fn without_dir(v: &mut Value) {
        match v {
            Value::Object(m) => {
                m.remove("dir");
                m.values_mut().for_each(without_dir);
            }
            Value::Array(a) => a.iter_mut().for_each(without_dir),
            _ => {}
        }
    }

    fn any_media(_: &str) -> Option<MediaEmbed> {
        Some(MediaEmbed { src: "/m1.png".into(), ..MediaEmbed::default() })
    }

    #[test]
    fn every_block_type_keeps_each_direction_through_the_round_trip() {
        // Each direction on every block type, at the top, in list items and in quotes.
        let mut blocks = Vec::new();
        for (d, inner) in [("ltr", "rtl"), ("rtl", "auto"), ("auto", "ltr")] {
            blocks.extend(every_block(Some(d)));
            blocks.push(json!({"type": "list", "ordered": false, "dir": d,
                               "items": [every_block(Some(inner)), every_block(None)]}));
            blocks.push(json!({"type": "quote", "dir": d, "blocks": every_block(Some(inner))}));
        }
        let v = json!({"type": "doc", "blocks": blocks});
        let doc = parse_input(&v, "body").unwrap();
        assert_eq!(doc.to_json(), v, "the canonical form keeps every dir where it was");
        assert_eq!(parse_input(&doc.to_json(), "body").unwrap(), doc);
        assert_eq!(sanitise(doc.clone()), doc);
        assert_eq!(serde_json::from_value::<Document>(v.clone()).unwrap(), doc);
        assert_eq!(stored(&v.to_string()), doc);

        // HTML: one dir attribute per block that has one, and nothing else changes.
        let mut plain = v.clone();
        without_dir(&mut plain);
        let plain = parse_input(&plain, "body").unwrap();
        let out = to_html(&doc, &any_media);
        let json_text = v.to_string();
        for d in ["ltr", "rtl", "auto"] {
            let attrs = out.matches(&format!(" dir=\"{d}\"")).count();
            assert_eq!(attrs, json_text.matches(&format!("\"dir\":\"{d}\"")).count(), "{d} in {out}");
        }
        let stripped = [" dir=\"ltr\"", " dir=\"rtl\"", " dir=\"auto\""].iter().fold(out, |h, a| h.replace(a, ""));
        assert_eq!(stripped, to_html(&plain, &any_media));
        assert_eq!(to_text(&doc), to_text(&plain), "plain text ignores direction");
    }

    #[test]
    fn a_block_direction_is_a_dir_attribute_on_its_element() {
        let text = |s: &str| json!([{"type": "text", "text": s}]);
        let v = json!({"type": "doc", "blocks": [
            {"type": "paragraph", "dir": "rtl", "content": text("مرحبا")},
            {"type": "heading", "level": 2, "dir": "ltr", "content": text("Titre")},
            {"type": "list", "ordered": false, "dir": "rtl", "items": [
                [{"type": "paragraph", "dir": "rtl", "content": text("أ")}],
                [{"type": "paragraph", "dir": "ltr", "content": text("b")},
                 {"type": "quote", "dir": "auto", "blocks": [{"type": "paragraph", "content": text("c")}]}]
            ]},
            {"type": "quote", "dir": "ltr", "blocks": [{"type": "paragraph", "dir": "rtl", "content": text("اقتباس")}]},
            {"type": "code", "dir": "auto", "text": "x = 1"},
            {"type": "media", "id": "m1", "caption": "صورة", "dir": "rtl"},
            {"type": "table", "dir": "ltr", "header": [text("a")], "rows": [[text("b")]]},
            {"type": "rule", "dir": "rtl"}
        ]});
        let out = to_html(&parse_input(&v, "body").unwrap(), &any_media);
        assert_eq!(
            out,
            "<p dir=\"rtl\">مرحبا</p>\n\
             <h2 dir=\"ltr\" id=\"titre\">Titre</h2>\n\
             <ul dir=\"rtl\">\n<li dir=\"rtl\">أ</li>\n\
             <li>\n<p dir=\"ltr\">b</p>\n<blockquote dir=\"auto\">\n<p>c</p>\n</blockquote>\n</li>\n</ul>\n\
             <blockquote dir=\"ltr\">\n<p dir=\"rtl\">اقتباس</p>\n</blockquote>\n\
             <pre dir=\"auto\"><code>x = 1</code></pre>\n\
             <figure dir=\"rtl\"><img src=\"/m1.png\" alt=\"\" loading=\"lazy\" decoding=\"async\">\
             <figcaption>صورة</figcaption></figure>\n\
             <table dir=\"ltr\">\n<thead>\n<tr><th>a</th></tr>\n</thead>\n<tbody>\n<tr><td>b</td></tr>\n</tbody>\n</table>\n\
             <hr dir=\"rtl\">\n"
        );
        // Markdown has no way to say a direction, so it gives none.
        let md = from_markdown(
            "# عنوان\n\nمرحبا\n\n- أ\n\n> ب\n\n```\nx\n```\n\n| a |\n|---|\n| b |\n\n---\n\n![c](media:m1)",
        );
        assert!(!md.to_json().to_string().contains("\"dir\""), "{}", md.to_json());
        assert!(!to_html(&md, &any_media).contains(" dir="));
    }

    #[test]
    fn a_direction_other_than_ltr_rtl_or_auto_is_an_error_naming_the_path() {
        let para = |dir: Value| json!({"type": "paragraph", "content": [{"type": "text", "text": "a"}], "dir": dir});
        for bad in [json!("RTL"), json!("right"), json!(""), json!(1), json!(true), json!(["rtl"])] {
            let v = json!({"type": "doc", "blocks": [{"type": "rule"}, {"type": "list", "ordered": false, "items": [
                [{"type": "quote", "blocks": [para(bad.clone())]}]
            ]}]});
            let e = parse_input(&v, "body.ar").unwrap_err();
            assert_eq!(e.code.as_str(), "BAD_USER_INPUT");
            assert_eq!(e.field.as_deref(), Some("body.ar.blocks[1].items[0][0].blocks[0].dir"), "{bad}");
            assert!(e.message.contains("use \"ltr\", \"rtl\" or \"auto\""), "{}", e.message);
        }
        // Every block type checks it.
        for b in every_block(Some("sideways")) {
            let e = parse_input(&json!({"type": "doc", "blocks": [b]}), "b").unwrap_err();
            assert_eq!(e.field.as_deref(), Some("b.blocks[0].dir"), "{}", e.message);
        }
        // Null is the same as leaving it out, as for other optional fields.
        let doc = parse_input(&json!({"type": "doc", "blocks": [para(Value::Null)]}), "b").unwrap();
        assert_eq!(
            doc.to_json(),
            json!({"type": "doc", "blocks": [{"type": "paragraph", "content": [{"type": "text", "text": "a"}]}]})
        );
        // Inline nodes have no direction.
        let v = json!({"type": "doc", "blocks": [{"type": "paragraph", "content": [{"type": "text", "text": "a", "dir": "rtl"}]}]});
        assert_eq!(parse_input(&v, "b").unwrap_err().field.as_deref(), Some("b.blocks[0].content[0].dir"));
        // The serde derive (stored documents) is as strict.
        assert!(
            serde_json::from_value::<Document>(json!({"type": "doc", "blocks": [{"type": "rule", "dir": "RTL"}]}))
                .is_err()
        );
    }

    #[test]
    fn canonical_form_sorts_marks_merges_text_and_drops_empties() {
        let v = json!({"type": "doc", "blocks": [
            {"type": "paragraph", "content": [
                {"type": "text", "text": "  a", "marks": ["italic", "bold", "italic"]},
                {"type": "text", "text": "b", "marks": ["bold", "italic"]},
                {"type": "text", "text": ""},
                {"type": "text", "text": "c\r\nd\u{0}e\u{7}\tf", "marks": []},
                {"type": "break"}
            ]},
            {"type": "paragraph", "content": [{"type": "text", "text": "  \n "}]},
            {"type": "paragraph", "content": []},
            {"type": "media", "id": "m", "caption": "  "},
            {"type": "table", "rows": []},
            {"type": "code", "text": "x\r\n\u{1b}[0my\n\n"}
        ]});
        let doc = parse_input(&v, "body").unwrap();
        assert_eq!(
            doc.to_json(),
            json!({"type": "doc", "blocks": [
                {"type": "paragraph", "content": [
                    {"type": "text", "text": "ab", "marks": ["bold", "italic"]},
                    {"type": "text", "text": "c de\tf"}
                ]},
                {"type": "media", "id": "m"},
                {"type": "code", "text": "x\n[0my"}
            ]})
        );
        assert_eq!(sanitise(doc.clone()), doc);
    }

    #[test]
    fn input_forms() {
        let expected = vec![p(vec![tm("hi", &[Mark::Bold])])];
        assert_eq!(parse_input(&json!("**hi**"), "b").unwrap().blocks, expected);
        assert_eq!(parse_input(&json!({"markdown": "**hi**"}), "b").unwrap().blocks, expected);
        let doc = json!({"type": "doc", "blocks": [{"type": "paragraph", "content": [{"type": "text", "text": "hi", "marks": ["bold"]}]}]});
        assert_eq!(parse_input(&doc, "b").unwrap().blocks, expected);
        assert_eq!(parse_input(&json!({"document": doc}), "b").unwrap().blocks, expected);
        assert_eq!(parse_input(&json!(""), "b").unwrap().blocks, vec![]);
        for bad in [
            json!(null),
            json!(3),
            json!([]),
            json!({}),
            json!({"markdown": "a", "document": doc}),
            json!({"html": "<p>"}),
        ] {
            let e = parse_input(&bad, "body.en").unwrap_err();
            assert_eq!(e.field.as_deref(), Some("body.en"), "{bad}");
            assert!(e.message.contains("{\"markdown\""), "{}", e.message);
        }
        let e = parse_input(&json!({"markdown": 1}), "b").unwrap_err();
        assert_eq!(e.field.as_deref(), Some("b.markdown"));
    }

    #[test]
    fn unknown_types_fields_and_marks_are_errors_naming_the_path() {
        let cases = [
            (json!({"type": "html", "blocks": []}), "b.type"),
            (json!({"type": "doc"}), "b.blocks"),
            (json!({"type": "doc", "blocks": [], "extra": 1}), "b.extra"),
            (json!({"type": "doc", "blocks": [{"type": "video"}]}), "b.blocks[0].type"),
            (json!({"type": "doc", "blocks": [{"content": []}]}), "b.blocks[0].type"),
            (json!({"type": "doc", "blocks": ["text"]}), "b.blocks[0]"),
            (json!({"type": "doc", "blocks": [{"type": "rule", "style": "dashed"}]}), "b.blocks[0].style"),
            (
                json!({"type": "doc", "blocks": [{"type": "paragraph", "content": [{"type": "text", "text": "a", "marks": ["underline"]}]}]}),
                "b.blocks[0].content[0].marks[0]",
            ),
            (
                json!({"type": "doc", "blocks": [{"type": "paragraph", "content": [{"type": "image", "src": "x"}]}]}),
                "b.blocks[0].content[0].type",
            ),
            (
                json!({"type": "doc", "blocks": [{"type": "paragraph", "content": [{"type": "link", "href": "/", "content": [{"type": "link", "href": "/", "content": []}]}]}]}),
                "b.blocks[0].content[0].content[0]",
            ),
            (
                json!({"type": "doc", "blocks": [{"type": "list", "ordered": "yes", "items": []}]}),
                "b.blocks[0].ordered",
            ),
            (json!({"type": "doc", "blocks": [{"type": "code"}]}), "b.blocks[0].text"),
        ];
        for (v, path) in cases {
            let e = parse_input(&v, "b").unwrap_err();
            assert_eq!(e.field.as_deref(), Some(path), "{v}: {}", e.message);
            assert_eq!(e.code.as_str(), "BAD_USER_INPUT");
        }
        // The serde derive is strict as well.
        assert!(serde_json::from_value::<Document>(json!({"type": "doc", "blocks": [{"type": "video"}]})).is_err());
        assert!(serde_json::from_value::<Document>(json!({"type": "doc", "blocks": [], "x": 1})).is_err());
        assert!(serde_json::from_value::<Document>(json!({"type": "page", "blocks": []})).is_err());
    }

    #[test]
    fn limits() {
        let media = |id: &str| json!({"type": "doc", "blocks": [{"type": "rule"}, {"type": "media", "id": id}]});
        assert_eq!(parse_input(&media(""), "b").unwrap_err().field.as_deref(), Some("b.blocks[1].id"));
        assert_eq!(parse_input(&media(&"x".repeat(201)), "b").unwrap_err().field.as_deref(), Some("b.blocks[1].id"));
        assert!(parse_input(&media(&"x".repeat(200)), "b").is_ok());

        let row = |n: usize| vec![json!([{"type": "text", "text": "c"}]); n];
        let table = |n: usize| json!({"type": "doc", "blocks": [{"type": "table", "header": row(2), "rows": [row(2), row(n)]}]});
        assert!(parse_input(&table(64), "b").is_ok());
        let e = parse_input(&table(65), "b").unwrap_err();
        assert_eq!(e.field.as_deref(), Some("b.blocks[0].rows[1]"));
        assert!(e.message.contains("64"), "{}", e.message);

        let rules = |n: usize| json!({"type": "doc", "blocks": vec![json!({"type": "rule"}); n]});
        assert!(parse_input(&rules(10_000), "b").is_ok());
        let e = parse_input(&rules(10_001), "b").unwrap_err();
        assert_eq!(e.field.as_deref(), Some("b"));
        assert!(e.message.contains("10000 blocks"), "{}", e.message);

        let text = |n: usize| json!({"type": "doc", "blocks": [{"type": "code", "text": "é".repeat(n)}]});
        assert!(parse_input(&text(200_000), "b").is_ok());
        assert!(parse_input(&text(200_001), "b").unwrap_err().message.contains("characters"));
        assert!(parse_input(&json!("a".repeat(200_001)), "b").is_err());
    }

    #[test]
    fn links_in_markdown() {
        let doc = from_markdown("<https://a.org> <me@b.org> [**bold** link](/x \"title\") [a [b](/c)](/d)");
        assert_eq!(
            doc.blocks,
            vec![p(vec![
                Inline::Link { href: "https://a.org".into(), content: vec![t("https://a.org")] },
                t(" "),
                Inline::Link { href: "mailto:me@b.org".into(), content: vec![t("me@b.org")] },
                t(" "),
                Inline::Link { href: "/x".into(), content: vec![tm("bold", &[Mark::Bold]), t(" link")] },
                t(" [a "),
                Inline::Link { href: "/c".into(), content: vec![t("b")] },
                t("](/d)"),
            ])]
        );
    }
}
