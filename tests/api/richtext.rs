//! Rich-text bodies: accepted as Markdown or as a document, sanitised, served
//! as the document, HTML and plain text, with direction for Arabic (per body
//! and per block), embedded media resolved, bad documents refused without a
//! change.

use crate::common::{TestServer, backends};
use crate::media::png;
use relais::domain::permissions::Role;
use serde_json::{Value, json};

const CREATE: &str = "mutation($i: NewsArticleInput!) { createNewsArticle(input: $i) { id version } }";
const READ: &str = "query($id: ID!, $l: String) { newsArticle(id: $id, locale: $l, preview: true) {
  body { html text document locale direction isFallback } } }";

const MARKDOWN: &str = "## Atelier d'échange à Rabat\n\n\
Le **10 avril 2018**, l'[OIM](https://www.iom.int/) et ses partenaires ont réuni les régions.\n\n\
- Régions de l'Oriental\n- Souss-Massa\n\n\
> La migration est une chance.\n\n\
| Région | Participants |\n|---|---|\n| Oriental | 12 |\n\n\
[cliquez](javascript:alert(1)) <script>alert('x')</script><b>fin</b>";

#[tokio::test]
async fn markdown_and_documents_are_sanitised_and_served_three_ways() {
    for b in backends() {
        let s = TestServer::start_with(b, Default::default(), false).await;
        let editor = s.login_as(Role::Editor).await;
        let ar_doc = json!({ "type": "doc", "blocks": [
            { "type": "paragraph", "content": [
                { "type": "text", "text": "ورشة حول " },
                { "type": "text", "text": "الهجرة والتنمية", "marks": ["bold"] },
                { "type": "link", "href": "data:text/html,<b>x</b>", "content": [{ "type": "text", "text": " رابط" }] } ] } ] });
        let r = s
            .gql(
                CREATE,
                json!({ "i": { "title": [{ "locale": "fr", "value": "Atelier" }],
                               "body": [{ "locale": "fr", "markdown": MARKDOWN }, { "locale": "ar", "document": ar_doc }] } }),
                Some(&editor),
            )
            .await;
        let id = r.ok()["createNewsArticle"]["id"].as_str().unwrap().to_owned();

        let fr = s.gql(READ, json!({ "id": id, "l": "fr" }), Some(&editor)).await.ok()["newsArticle"]["body"].clone();
        let html = fr["html"].as_str().unwrap();
        assert!(html.starts_with("<div lang=\"fr\" dir=\"ltr\">"), "{b:?}: {html}");
        for part in [
            "<h2 id=\"atelier-d-echange-a-rabat\">Atelier d&#39;échange à Rabat</h2>",
            "<strong>10 avril 2018</strong>",
            "<a href=\"https://www.iom.int/\" rel=\"noopener noreferrer\">OIM</a>",
            "<li>Souss-Massa</li>",
            "<blockquote>",
            "<td>Oriental</td>",
        ] {
            assert!(html.contains(part), "{part} in {html}");
        }
        // What a page must never receive.
        for bad in ["javascript:", "<script", "alert('x')", "<b>"] {
            assert!(!html.contains(bad), "{bad} in {html}");
        }
        assert!(html.contains("cliquez"), "the unsafe link keeps its text: {html}");
        let text = fr["text"].as_str().unwrap();
        assert!(text.starts_with("Atelier d'échange à Rabat\n\nLe 10 avril 2018, l'OIM"), "{text}");
        assert!(text.contains("- Souss-Massa"), "{text}");
        assert_eq!(
            fr["document"]["blocks"][0],
            json!({ "type": "heading", "level": 2, "content": [{ "type": "text", "text": "Atelier d'échange à Rabat" }] })
        );
        assert_eq!(
            (fr["locale"].as_str(), fr["direction"].as_str(), fr["isFallback"].as_bool()),
            (Some("fr"), Some("LTR"), Some(false))
        );

        let ar = s.gql(READ, json!({ "id": id, "l": "ar" }), Some(&editor)).await.ok()["newsArticle"]["body"].clone();
        let html = ar["html"].as_str().unwrap();
        assert!(
            html.starts_with("<div lang=\"ar\" dir=\"rtl\"><p>ورشة حول <strong>الهجرة والتنمية</strong> رابط</p>"),
            "{html}"
        );
        assert_eq!(ar["direction"], "RTL");
        // The data: link was unwrapped when it was saved.
        assert!(!ar["document"].to_string().contains("data:"), "{}", ar["document"]);
        // English has no body: the French one is served, marked as a fallback.
        let en = s.gql(READ, json!({ "id": id, "l": "en" }), Some(&editor)).await.ok()["newsArticle"]["body"].clone();
        assert_eq!((en["locale"].as_str(), en["isFallback"].as_bool()), (Some("fr"), Some(true)));

        // The body's words are searchable once published.
        let q = "mutation($id: ID!) { publish(id: $id, version: 1) { version } }";
        s.gql(q, json!({ "id": id }), Some(&editor)).await.ok();
        let r = s
            .gql("{ search(query: \"souss massa\", locale: \"fr\") { totalCount edges { snippet } } }", json!({}), None)
            .await;
        assert_eq!(r.ok()["search"]["totalCount"], 1, "{}", r.body);
        assert!(
            r.ok()["search"]["edges"][0]["snippet"].as_str().unwrap().contains("<mark>Souss</mark>-<mark>Massa</mark>")
        );
        s.finish().await;
    }
}

#[tokio::test]
async fn embedded_media_are_resolved_and_unknown_ones_refused() {
    for b in backends() {
        let s = TestServer::start_with(b, Default::default(), false).await;
        let editor = s.login_as(Role::Editor).await;
        let (_, up) = s
            .multipart(
                "mutation($f: Upload!, $i: MediaAssetInput) { uploadMedia(file: $f, input: $i) { id checksum } }",
                json!({ "f": null, "i": { "altText": [{ "locale": "fr", "value": "Les participants à Rabat" }] } }),
                vec![("variables.f", png(1200, 800), "atelier.png")],
                Some(&editor),
            )
            .await;
        let media = up["data"]["uploadMedia"].clone();
        let (mid, sha) = (media["id"].as_str().unwrap(), media["checksum"].as_str().unwrap());
        let md = format!("Photo de groupe :\n\n![Photo de groupe](media:{mid})");
        let r = s
            .gql(
                CREATE,
                json!({ "i": { "title": [{ "locale": "fr", "value": "Photo" }], "body": [{ "locale": "fr", "markdown": md }] } }),
                Some(&editor),
            )
            .await;
        let id = r.ok()["createNewsArticle"]["id"].as_str().unwrap().to_owned();
        let body = s.gql(READ, json!({ "id": id }), Some(&editor)).await.ok()["newsArticle"]["body"].clone();
        let html = body["html"].as_str().unwrap();
        assert!(html.contains(&format!("/media/{sha}/")), "{b:?}: {html}");
        assert!(html.contains("alt=\"Les participants à Rabat\""), "{html}");
        assert!(html.contains("width=\"960\" height=\"640\""), "{html}");
        assert!(html.contains("srcset=\"") && html.contains(" 1200w"), "{html}");
        assert!(html.contains("<figcaption>Photo de groupe</figcaption>"), "{html}");
        assert_eq!(body["document"]["blocks"][1]["type"], "media");

        // An embed of a media asset that does not exist, a heading level 9 and
        // both forms at once: refused, naming where, and nothing is saved.
        let ghost = relais::domain::ids::encode("MediaAsset", &uuid::Uuid::now_v7().to_string());
        let cases: [(Value, &str, &str); 4] = [
            (
                json!([{ "locale": "fr", "markdown": format!("![x](media:{ghost})") }]),
                "NOT_FOUND|BAD_USER_INPUT",
                ghost.as_str(),
            ),
            (
                json!([{ "locale": "fr", "document": { "type": "doc", "blocks": [{ "type": "heading", "level": 9, "content": [] }] } }]),
                "BAD_USER_INPUT",
                "body.fr.document.blocks[0].level",
            ),
            (
                json!([{ "locale": "fr", "markdown": "x", "document": { "type": "doc", "blocks": [] } }]),
                "BAD_USER_INPUT",
                "body.fr",
            ),
            (
                json!([{ "locale": "fr", "document": { "type": "doc", "blocks": [{ "type": "marquee" }] } }]),
                "BAD_USER_INPUT",
                "blocks[0]",
            ),
        ];
        let update = "mutation($id: ID!, $i: NewsArticleInput!) { updateNewsArticle(id: $id, version: 1, input: $i) { version } }";
        for (body, codes, path) in cases {
            let r = s.gql(update, json!({ "id": id, "i": { "body": body } }), Some(&editor)).await;
            assert!(codes.split('|').any(|c| c == r.code()), "{body}: {}", r.body);
            let msg = r.body["errors"][0]["message"].as_str().unwrap();
            assert!(msg.contains(path), "{path} in {msg}");
        }
        let after =
            s.gql(READ, json!({ "id": id }), Some(&editor)).await.ok()["newsArticle"]["body"]["document"].clone();
        assert_eq!(after, body["document"], "nothing changed");
        s.finish().await;
    }
}

#[tokio::test]
async fn demo_bodies_are_documents() {
    for b in backends() {
        let s = TestServer::start(b).await;
        let r = s
            .gql(
                r#"{ newsArticles(filter: { title: { contains: "SALEMM" } }) { nodes { body { text html document } } } }"#,
                json!({}),
                None,
            )
            .await;
        let body: Value = r.ok()["newsArticles"]["nodes"][0]["body"].clone();
        assert!(body["text"].as_str().unwrap().len() > 200, "{b:?}: {body}");
        assert!(body["html"].as_str().unwrap().contains("<p>"));
        assert_eq!(body["document"]["type"], "doc");
        // Lists leave bodies out only when no node asks for one: asked through
        // edges, a fragment or an alias, or for availableLocales, they are there.
        let shapes = [
            r#"{ newsArticles(filter: { title: { contains: "SALEMM" } }) { edges { node { body { text } } } } }"#,
            r#"{ newsArticles(filter: { title: { contains: "SALEMM" } }) { nodes { ...B } } } fragment B on NewsArticle { body { text } }"#,
            r#"{ newsArticles(filter: { title: { contains: "SALEMM" } }) { nodes { ... on NewsArticle { b: body { text } } } } }"#,
        ];
        for q in shapes {
            let r = s.gql(q, json!({}), None).await;
            assert!(r.ok().to_string().contains(&body["text"].as_str().unwrap()[..60]), "{b:?}: {q}");
        }
        let q = r#"{ newsArticles(filter: { title: { contains: "SALEMM" } }) { nodes { availableLocales } } }"#;
        let lean = r#"{ newsArticles(filter: { title: { contains: "SALEMM" } }, preview: false) { nodes { title } } }"#;
        let langs = s.gql(q, json!({}), None).await.ok()["newsArticles"]["nodes"][0]["availableLocales"].clone();
        assert!(langs.as_array().is_some_and(|l| !l.is_empty()));
        assert!(s.gql(lean, json!({}), None).await.ok()["newsArticles"]["nodes"][0]["title"].as_str().is_some());
        s.finish().await;
    }
}

#[tokio::test]
async fn block_directions_are_kept_rendered_and_checked() {
    for b in backends() {
        let s = TestServer::start_with(b, Default::default(), false).await;
        let editor = s.login_as(Role::Editor).await;
        let para = |dir: &str, text: &str| json!({ "type": "paragraph", "dir": dir, "content": [{ "type": "text", "text": text }] });
        // A French body quoting Arabic: each paragraph says its own direction.
        let doc = json!({ "type": "doc", "blocks": [
            para("rtl", "الهجرة والتنمية"),
            para("ltr", "Migration et développement"),
            { "type": "quote", "dir": "auto", "blocks": [{ "type": "paragraph", "content": [{ "type": "text", "text": "مرحبا" }] }] } ] });
        let r = s
            .gql(
                CREATE,
                json!({ "i": { "title": [{ "locale": "fr", "value": "Atelier" }], "body": [{ "locale": "fr", "document": doc }] } }),
                Some(&editor),
            )
            .await;
        let id = r.ok()["createNewsArticle"]["id"].as_str().unwrap().to_owned();

        let read = "query($id: ID!) { newsArticle(id: $id, locale: \"fr\", preview: true) {
          version title body { document html text } } }";
        let before = s.gql(read, json!({ "id": id }), Some(&editor)).await.ok()["newsArticle"].clone();
        assert_eq!(before["body"]["document"], doc, "{b:?}: the document comes back as it was saved");
        assert_eq!(
            before["body"]["html"],
            "<div lang=\"fr\" dir=\"ltr\"><p dir=\"rtl\">الهجرة والتنمية</p>\n\
             <p dir=\"ltr\">Migration et développement</p>\n\
             <blockquote dir=\"auto\">\n<p>مرحبا</p>\n</blockquote>\n</div>"
        );
        assert_eq!(before["body"]["text"], "الهجرة والتنمية\n\nMigration et développement\n\nمرحبا");

        // A direction the format does not have: refused, naming where, and
        // nothing in the update is saved (not even the new title).
        let bad = json!({ "type": "doc", "blocks": [para("rtl", "نص"), para("right", "texte")] });
        let update = "mutation($id: ID!, $i: NewsArticleInput!) { updateNewsArticle(id: $id, version: 1, input: $i) { version } }";
        let i = json!({ "title": [{ "locale": "fr", "value": "Autre titre" }], "body": [{ "locale": "fr", "document": bad }] });
        let r = s.gql(update, json!({ "id": id, "i": i }), Some(&editor)).await;
        assert_eq!(r.code(), "BAD_USER_INPUT", "{}", r.body);
        let msg = r.body["errors"][0]["message"].as_str().unwrap();
        assert!(msg.contains("body.fr.document.blocks[1].dir"), "{msg}");
        assert!(msg.contains("\"ltr\", \"rtl\" or \"auto\""), "{msg}");
        let after = s.gql(read, json!({ "id": id }), Some(&editor)).await.ok()["newsArticle"].clone();
        assert_eq!(after, before, "nothing changed");
        s.finish().await;
    }
}
