//! Rich text: Markdown and JSON documents through the parser, the sanitiser
//! and the HTML and text renderers, with the properties the module promises:
//! sanitising is idempotent, a parsed document serialises to a form that
//! parses back to itself, and stored text always reads.
#![no_main]

use libfuzzer_sys::fuzz_target;
use relais::domain::richtext::{self, Document, MediaEmbed};
use serde_json::Value;

fn media(id: &str) -> Option<MediaEmbed> {
    // Some ids resolve, some do not (unpublished or deleted media).
    (id.len() % 3 != 0).then(|| MediaEmbed {
        src: format!("/media/{id}/w400.webp"),
        alt: format!("alt <{id}> & \"quoted\""),
        width: Some(id.len() as i64),
        height: None,
        srcset: (id.len() % 2 == 0).then(|| format!("/media/{id}/w800.webp 2x")),
    })
}

fn render(doc: &Document) {
    let html = richtext::to_html(doc, &media);
    // Escaped by construction: no raw script tag can come out.
    assert!(!html.to_ascii_lowercase().contains("<script"), "a script tag in the HTML: {html}");
    richtext::to_text(doc);
    richtext::media_ids(doc);
}

/// A document accepted once is accepted again from its canonical JSON, and
/// is the same document.
fn round_trip(doc: &Document) {
    let again = richtext::sanitise(doc.clone());
    assert_eq!(&again, doc, "sanitise is not idempotent");
    let json = doc.to_json();
    let back = richtext::parse_input(&json, "body")
        .unwrap_or_else(|e| panic!("the canonical JSON of an accepted document is refused: {}\n{json}", e.message));
    assert_eq!(&back, doc, "the canonical JSON does not parse back to the same document\n{json}");
    let stored = richtext::stored(&json.to_string());
    assert_eq!(&stored, doc, "the stored form does not read back to the same document");
}

fuzz_target!(|data: &[u8]| {
    if let Ok(md) = std::str::from_utf8(data) {
        // Markdown, as a string field, as {"markdown": …} and as stored text.
        let doc = richtext::from_markdown(md);
        assert_eq!(richtext::sanitise(doc.clone()), doc, "Markdown output is not in sanitised form");
        render(&doc);
        if let Ok(parsed) = richtext::parse_input(&Value::String(md.to_owned()), "body") {
            render(&parsed);
            round_trip(&parsed);
        }
        let _ = richtext::parse_input(&serde_json::json!({ "markdown": md }), "body");
        render(&richtext::stored(md));
    }
    // JSON: a document, {"document": …}, {"markdown": …} or anything else.
    if let Ok(v) = serde_json::from_slice::<Value>(data) {
        if let Ok(doc) = richtext::parse_input(&v, "body") {
            render(&doc);
            round_trip(&doc);
        }
        let wrapped = serde_json::json!({ "document": v });
        if let Ok(doc) = richtext::parse_input(&wrapped, "body") {
            round_trip(&doc);
        }
    }
});
