//! Media over real HTTP with a real multipart client, on the local folder and
//! on an in-process S3 server, on each database.

use crate::common::{MediaBackend, Options, TestServer, backends};
use relais::domain::permissions::Role;
use relais::media::MediaLimits;
use serde_json::{Value, json};

const UPLOAD: &str = "mutation($f: Upload!, $i: MediaAssetInput) { uploadMedia(file: $f, input: $i) {
  id version width height blurhash dominantColor mimeType kind fileSize fileName checksum
  altText focalPoint { x y } url srcSet(widths: [320, 640]) downloadUrl
  cover: url(transform: { width: 400, height: 400, fit: COVER }) } }";

fn media_backends() -> [MediaBackend; 2] {
    [MediaBackend::Local, MediaBackend::S3]
}

async fn server(b: crate::common::Backend, m: MediaBackend, max_file_bytes: usize) -> TestServer {
    let media_limits = MediaLimits { max_file_bytes, ..Default::default() };
    TestServer::start_opts(b, Options { demo: false, media: m, media_limits, ..Default::default() }).await
}

async fn multipart(
    s: &TestServer,
    query: &str,
    vars: Value,
    files: Vec<(&str, Vec<u8>, &str)>,
    token: Option<&str>,
) -> (u16, Value) {
    s.multipart(query, vars, files, token).await
}

/// A JPEG of `w`×`h` whose EXIF says "rotate 90° clockwise" and carries a GPS position.
fn photo(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| image::Rgb([(x * 255 / w) as u8, (y * 255 / h) as u8, 120]));
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 85).encode_image(&img).unwrap();
    // TIFF, big-endian: IFD0 with Orientation = 6 and a GPS IFD pointer; GPS IFD with latitude ref "N".
    let mut tiff: Vec<u8> = b"MM\0\x2a\0\0\0\x08".to_vec();
    tiff.extend_from_slice(&[0, 2]); // two entries
    tiff.extend_from_slice(&[0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0]); // Orientation SHORT 6
    tiff.extend_from_slice(&[0x88, 0x25, 0, 4, 0, 0, 0, 1, 0, 0, 0, 38]); // GPS IFD at 38
    tiff.extend_from_slice(&[0, 0, 0, 0]); // no next IFD
    tiff.extend_from_slice(&[0, 1, 0x00, 0x01, 0, 2, 0, 0, 0, 2, b'N', 0, 0, 0, 0, 0, 0, 0]);
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend_from_slice(&tiff);
    let len = (app1.len() + 2) as u16;
    let mut out = vec![0xFF, 0xD8, 0xFF, 0xE1];
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(&app1);
    out.extend_from_slice(&jpeg[2..]);
    out
}

pub fn png(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbaImage::from_fn(w, h, |x, _| image::Rgba([10, (x % 255) as u8, 200, 255]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= b as u32;
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

/// A small PNG whose header claims 30000×30000 pixels: decoding it would need
/// gigabytes.
fn bomb() -> Vec<u8> {
    let mut p = png(16, 16);
    // IHDR data starts at 16 (8 signature + 4 length + 4 type).
    p[16..20].copy_from_slice(&30000u32.to_be_bytes());
    p[20..24].copy_from_slice(&30000u32.to_be_bytes());
    let crc = crc32(&p[12..29]);
    p[29..33].copy_from_slice(&crc.to_be_bytes());
    p
}

async fn get(s: &TestServer, url: &str, headers: &[(&str, &str)]) -> reqwest::Response {
    let mut rq = s.client.get(url);
    for (k, v) in headers {
        rq = rq.header(*k, *v);
    }
    rq.send().await.unwrap()
}

async fn stored_objects(s: &TestServer) -> Vec<String> {
    let mut keys: Vec<String> = vec![];
    for p in ["originals/", "variants/"] {
        keys.extend(s.hub.media.store.list(p).await.unwrap().into_iter().map(|o| o.key));
    }
    keys
}

#[tokio::test]
async fn an_uploaded_image_comes_back_with_facts_and_variants() {
    for b in backends() {
        for m in media_backends() {
            let s = server(b, m, 25 << 20).await;
            let editor = s.login_as(Role::Editor).await;
            let input = json!({ "altText": [{ "locale": "fr", "value": "Atelier à Rabat" }], "focalPoint": { "x": 0.25, "y": 0.5 }, "credit": "OIM" });
            let (status, body) = multipart(
                &s,
                UPLOAD,
                json!({ "f": null, "i": input }),
                vec![("variables.f", photo(1200, 800), "atelier.jpg")],
                Some(&editor),
            )
            .await;
            assert_eq!(status, 200, "{b:?}/{m:?}: {body}");
            let a = body["data"]["uploadMedia"].clone();
            assert!(a.is_object(), "{b:?}/{m:?}: {body}");
            assert_eq!(
                (a["width"].as_i64(), a["height"].as_i64()),
                (Some(800), Some(1200)),
                "EXIF orientation applied"
            );
            assert_eq!(a["mimeType"], "image/jpeg");
            assert_eq!(a["kind"], "IMAGE");
            assert_eq!(a["fileName"], "atelier.jpg");
            assert_eq!(a["altText"], "Atelier à Rabat");
            assert!(a["blurhash"].as_str().unwrap().len() >= 20);
            assert!(a["dominantColor"].as_str().unwrap().starts_with('#'));

            // The srcset's URLs return WebP images of the widths it announces.
            let srcset = a["srcSet"].as_str().unwrap();
            let entries: Vec<(&str, u32)> = srcset
                .split(", ")
                .map(|e| {
                    let (u, w) = e.rsplit_once(' ').unwrap();
                    (u, w.trim_end_matches('w').parse().unwrap())
                })
                .collect();
            assert_eq!(entries.iter().map(|e| e.1).collect::<Vec<_>>(), vec![320, 640]);
            for (url, w) in &entries {
                let r = get(&s, url, &[]).await;
                assert_eq!(r.status(), 200);
                assert_eq!(r.headers()["content-type"], "image/webp");
                assert_eq!(r.headers()["cache-control"], "public, max-age=31536000, immutable");
                assert_eq!(r.headers()["x-relais-media"], "rendered");
                let img =
                    image::load_from_memory_with_format(&r.bytes().await.unwrap(), image::ImageFormat::WebP).unwrap();
                assert_eq!((img.width(), img.height()), (*w, w * 3 / 2), "upright, {w} wide");
            }
            // The second request is served from the store; a revalidation is a 304.
            let renders = s.hub.media.renders.load(std::sync::atomic::Ordering::Relaxed);
            let r = get(&s, entries[0].0, &[]).await;
            assert_eq!(r.headers()["x-relais-media"], "stored");
            let etag = r.headers()["etag"].to_str().unwrap().to_owned();
            assert_eq!(s.hub.media.renders.load(std::sync::atomic::Ordering::Relaxed), renders);
            assert_eq!(get(&s, entries[0].0, &[("if-none-match", &etag)]).await.status(), 304);
            // A cover crop has exactly the asked size.
            let r = get(&s, a["cover"].as_str().unwrap(), &[]).await;
            let img = image::load_from_memory(&r.bytes().await.unwrap()).unwrap();
            assert_eq!((img.width(), img.height()), (400, 400));
            // What is served carries no EXIF (the GPS position stays behind).
            let r = get(&s, a["url"].as_str().unwrap(), &[]).await;
            let served = r.bytes().await.unwrap();
            assert!(!served.windows(4).any(|w| w == b"Exif"), "{b:?}/{m:?}: EXIF leaked");
            let r = get(&s, a["downloadUrl"].as_str().unwrap(), &[]).await;
            assert_eq!(r.headers()["content-disposition"], "attachment; filename=\"atelier.jpg\"");

            // The same bytes again: one stored original.
            let (_, again) = multipart(
                &s,
                UPLOAD,
                json!({ "f": null }),
                vec![("variables.f", photo(1200, 800), "copie.jpg")],
                Some(&editor),
            )
            .await;
            assert_eq!(again["data"]["uploadMedia"]["checksum"], a["checksum"]);
            let originals = s.hub.media.store.list("originals/").await.unwrap();
            assert_eq!(originals.len(), 1, "content-addressed");

            // Replacing the file keeps the id and the references to it.
            let r = s
                .gql(
                    "mutation($i: ProjectInput!) { createProject(input: $i) { id coverImage { id } } }",
                    json!({ "i": { "title": [{ "locale": "fr", "value": "Projet illustré" }], "coverImage": a["id"] } }),
                    Some(&editor),
                )
                .await;
            let project = r.ok()["createProject"]["id"].as_str().unwrap().to_owned();
            let (_, replaced) = multipart(
                &s,
                "mutation($id: ID!, $v: Int!, $f: Upload!) { replaceMediaFile(id: $id, version: $v, file: $f) { id version mimeType width altText } }",
                json!({ "id": a["id"], "v": a["version"], "f": null }),
                vec![("variables.f", png(300, 200), "logo.png")],
                Some(&editor),
            )
            .await;
            let r = &replaced["data"]["replaceMediaFile"];
            assert_eq!(r["id"], a["id"], "{replaced}");
            assert_eq!((r["mimeType"].as_str(), r["width"].as_i64()), (Some("image/png"), Some(300)));
            assert_eq!(r["altText"], "Atelier à Rabat", "the texts stay");
            let q = "query($id: ID!) { project(id: $id, preview: true) { coverImage { id mimeType } } }";
            let p = s.gql(q, json!({ "id": project }), Some(&editor)).await;
            assert_eq!(p.ok()["project"]["coverImage"], json!({ "id": a["id"], "mimeType": "image/png" }));
            s.finish().await;
        }
    }
}

#[tokio::test]
async fn documents_are_served_with_their_name_and_ranges() {
    for b in backends() {
        for m in media_backends() {
            let s = server(b, m, 25 << 20).await;
            let editor = s.login_as(Role::Editor).await;
            let pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [3 0 R 4 0 R] /Count 2 >> endobj\n3 0 obj << /Type /Page /Parent 2 0 R >> endobj\n4 0 obj << /Type /Page /Parent 2 0 R >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n".to_vec();
            let q = "mutation($f: Upload!) { uploadMedia(file: $f) { kind mimeType pageCount fileSize title downloadUrl url srcSet } }";
            let (_, body) = multipart(
                &s,
                q,
                json!({ "f": null }),
                vec![("variables.f", pdf.clone(), "Manuel M-LEARN.pdf")],
                Some(&editor),
            )
            .await;
            let d = &body["data"]["uploadMedia"];
            assert_eq!(d["kind"], "DOCUMENT", "{b:?}/{m:?}: {body}");
            assert_eq!(d["pageCount"], 2);
            assert_eq!(d["title"], "Manuel M-LEARN.pdf");
            assert_eq!(d["srcSet"], Value::Null);
            let r = get(&s, d["downloadUrl"].as_str().unwrap(), &[]).await;
            assert_eq!(r.headers()["content-type"], "application/pdf");
            assert_eq!(r.headers()["content-disposition"], "attachment; filename=\"Manuel M-LEARN.pdf\"");
            assert_eq!(r.bytes().await.unwrap().as_ref(), &pdf[..]);
            let r = get(&s, d["url"].as_str().unwrap(), &[("range", "bytes=0-7")]).await;
            assert_eq!(r.status(), 206);
            assert_eq!(r.headers()["content-range"], format!("bytes 0-7/{}", pdf.len()).as_str());
            assert_eq!(r.bytes().await.unwrap().as_ref(), b"%PDF-1.4");
            // Films can be external links with a poster.
            let r = s
                .gql(
                    "mutation($i: MediaAssetInput!) { createMediaAsset(input: $i) { kind url } }",
                    json!({ "i": { "title": [{ "locale": "fr", "value": "Spot SALEMM" }], "kind": "VIDEO", "externalUrl": "https://www.youtube.com/watch?v=salemm" } }),
                    Some(&editor),
                )
                .await;
            assert_eq!(r.ok()["createMediaAsset"]["url"], "https://www.youtube.com/watch?v=salemm");
            s.finish().await;
        }
    }
}

#[tokio::test]
async fn bad_files_and_bad_urls_get_coded_errors_and_store_nothing() {
    for b in backends() {
        for m in media_backends() {
            let s = server(b, m, 200 * 1024).await;
            let editor = s.login_as(Role::Editor).await;
            let viewer = s.login_as(Role::Viewer).await;
            let q = "mutation($f: Upload!) { uploadMedia(file: $f) { id } }";
            let code = |body: &Value| body["errors"][0]["extensions"]["code"].as_str().unwrap_or("").to_owned();
            let up = |bytes: Vec<u8>, name: &'static str, token: Option<String>| {
                let s = &s;
                async move {
                    multipart(s, q, json!({ "f": null }), vec![("variables.f", bytes, name)], token.as_deref()).await
                }
            };
            let (_, r) = up(b"just some text, not a photo".to_vec(), "photo.jpg", Some(editor.clone())).await;
            assert_eq!(code(&r), "UNSUPPORTED_MEDIA_TYPE", "{b:?}/{m:?}: {r}");
            let (_, r) = up(
                b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>".to_vec(),
                "logo.svg",
                Some(editor.clone()),
            )
            .await;
            assert_eq!(code(&r), "UNSUPPORTED_MEDIA_TYPE");
            let (_, r) = up(bomb(), "bomb.png", Some(editor.clone())).await;
            assert_eq!(code(&r), "BAD_USER_INPUT", "a decompression bomb: {r}");
            let mut corrupt = photo(64, 64);
            corrupt.truncate(200);
            let (_, r) = up(corrupt, "broken.jpg", Some(editor.clone())).await;
            assert_eq!(code(&r), "BAD_USER_INPUT", "{r}");
            let (status, r) = up(
                photo(1400, 1400).into_iter().chain(std::iter::repeat_n(0u8, 400 * 1024)).collect(),
                "huge.jpg",
                Some(editor.clone()),
            )
            .await;
            assert!(status == 413 || status == 0, "{status} {r}");
            if status == 413 {
                assert_eq!(code(&r), "PAYLOAD_TOO_LARGE");
            }
            let (_, r) = up(png(8, 8), "a.png", None).await;
            assert_eq!(code(&r), "UNAUTHENTICATED");
            let (_, r) = up(png(8, 8), "a.png", Some(viewer.clone())).await;
            assert_eq!(code(&r), "FORBIDDEN");
            // Nothing was stored, no row was written.
            assert_eq!(stored_objects(&s).await, Vec::<String>::new(), "{b:?}/{m:?}");
            let r = s.gql("{ mediaAssets(preview: true) { totalCount } }", json!({}), Some(&editor)).await;
            assert_eq!(r.ok()["mediaAssets"]["totalCount"], 0);

            // Bad media URLs.
            let (_, ok) = up(png(100, 80), "ok.png", Some(editor.clone())).await;
            let id = ok["data"]["uploadMedia"]["id"].clone();
            let r = s
                .gql(
                    "query($id: ID!) { mediaAsset(id: $id, preview: true) { checksum } }",
                    json!({ "id": id }),
                    Some(&editor),
                )
                .await;
            let sha = r.ok()["mediaAsset"]["checksum"].as_str().unwrap().to_owned();
            let base = s.base().to_owned();
            for (path, want) in [
                (format!("/media/{sha}/w400_inside_q75_blur.webp"), 400),
                (format!("/media/{sha}/w5000_inside_q75.webp"), 400),
                (format!("/media/{sha}/w400_inside_q75.bmp"), 400),
                ("/media/..%2F..%2Fetc%2Fpasswd/original".to_string(), 400),
                (format!("/media/{sha}/..%2F..%2F..%2Fetc%2Fpasswd"), 400),
                (format!("/media/{}/original", "0".repeat(64)), 404),
            ] {
                let r = get(&s, &format!("{base}{path}"), &[]).await;
                assert_eq!(r.status().as_u16(), want, "{path}");
                let body: Value = r.json().await.unwrap();
                assert!(body["errors"][0]["extensions"]["code"].is_string(), "{path}: {body}");
            }
            let r = s
                .gql(
                    "query($id: ID!) { mediaAsset(id: $id, preview: true) { url(transform: { width: 401 }) } }",
                    json!({ "id": id }),
                    Some(&editor),
                )
                .await;
            assert_eq!(r.code(), "BAD_USER_INPUT");
            assert!(r.body["errors"][0]["message"].as_str().unwrap().contains("allowed width"));
            assert!(!stored_objects(&s).await.iter().any(|k| k.starts_with("variants/")), "no variant was made");
            s.finish().await;
        }
    }
}

#[tokio::test]
async fn variants_render_once_and_the_sweep_keeps_what_rows_refer_to() {
    for b in backends() {
        for m in media_backends() {
            let s = server(b, m, 25 << 20).await;
            let editor = s.login_as(Role::Editor).await;
            let q = "mutation($f: Upload!) { uploadMedia(file: $f) { id version checksum url(transform: { width: 640 }) } }";
            let (_, body) = multipart(
                &s,
                q,
                json!({ "f": null }),
                vec![("variables.f", photo(2000, 1000), "big.jpg")],
                Some(&editor),
            )
            .await;
            let a = body["data"]["uploadMedia"].clone();
            let url = a["url"].as_str().unwrap().to_owned();
            // Eight clients ask at once for a variant nobody made yet: it is made once.
            let before = s.hub.media.renders.load(std::sync::atomic::Ordering::Relaxed);
            let gets = (0..8).map(|_| get(&s, &url, &[]));
            for r in futures_util::future::join_all(gets).await {
                assert_eq!(r.status(), 200);
            }
            assert_eq!(s.hub.media.renders.load(std::sync::atomic::Ordering::Relaxed) - before, 1, "{b:?}/{m:?}");

            // An orphan object (an upload that failed after storing its file).
            let orphan = relais::media::sha256_hex(b"orphan");
            s.hub
                .media
                .store
                .put(
                    &relais::media::original_key(&orphan),
                    bytes::Bytes::from_static(b"orphan"),
                    "application/octet-stream",
                )
                .await
                .unwrap();
            // Young objects are left alone (an upload may be between its file and its row).
            let swept = relais::domain::media::sweep(s.store(), &s.hub.media, 3_600_000).await.unwrap();
            assert_eq!(swept.removed, 0);
            let swept = relais::domain::media::sweep(s.store(), &s.hub.media, -1000).await.unwrap();
            assert_eq!(swept.removed, 1, "only the orphan goes");
            let keys = stored_objects(&s).await;
            assert!(keys.iter().any(|k| k.contains(a["checksum"].as_str().unwrap())));
            assert!(!keys.iter().any(|k| k.contains(&orphan)));
            // Deleted asset: its revisions still refer to the file, so it stays.
            let r = s
                .gql(
                    "mutation($id: ID!, $v: Int!) { deleteMediaAsset(id: $id, version: $v) { id } }",
                    json!({ "id": a["id"], "v": a["version"] }),
                    Some(&editor),
                )
                .await;
            r.ok();
            let swept = relais::domain::media::sweep(s.store(), &s.hub.media, -1000).await.unwrap();
            assert_eq!(swept.removed, 0);
            s.finish().await;
        }
    }
}

/// The media library says where each asset is used: references, galleries,
/// sub-items and rich-text bodies, in the copy read.
#[tokio::test]
async fn an_asset_says_where_it_is_used() {
    for b in backends() {
        let s = TestServer::start_with(b, Default::default(), false).await;
        let editor = s.login_as(Role::Editor).await;
        let upload = |name: &'static str, w: u32| {
            let (s, editor) = (&s, editor.clone());
            async move {
                let (_, r) = s
                    .multipart(
                        "mutation($f: Upload!) { uploadMedia(file: $f) { id } }",
                        json!({ "f": null }),
                        vec![("variables.f", png(w, 8), name)],
                        Some(&editor),
                    )
                    .await;
                r["data"]["uploadMedia"]["id"].as_str().unwrap().to_owned()
            }
        };
        let (cover, other) = (upload("a.png", 8).await, upload("b.png", 9).await);
        let body = json!({ "type": "doc", "blocks": [{ "type": "media", "id": cover }] });
        let news = s
            .gql(
                "mutation($i: NewsArticleInput!) { createNewsArticle(input: $i) { id } }",
                json!({ "i": { "title": [{ "locale": "fr", "value": "Avec image" }], "body": [{ "locale": "fr", "document": body }] } }),
                Some(&editor),
            )
            .await;
        let news = news.ok()["createNewsArticle"]["id"].as_str().unwrap().to_owned();
        let project = s
            .gql(
                "mutation($i: ProjectInput!) { createProject(input: $i) { id } }",
                json!({ "i": { "title": [{ "locale": "fr", "value": "Projet illustré" }], "coverImage": cover, "gallery": [other, cover] } }),
                Some(&editor),
            )
            .await;
        let project = project.ok()["createProject"]["id"].as_str().unwrap().to_owned();
        let q = "query($id: ID!) { mediaAsset(id: $id, preview: true) { usedBy { field node { id __typename } } } }";
        let r = s.gql(q, json!({ "id": cover }), Some(&editor)).await;
        let mut uses: Vec<(String, String)> = r.ok()["mediaAsset"]["usedBy"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| (u["field"].as_str().unwrap().to_owned(), u["node"]["id"].as_str().unwrap().to_owned()))
            .collect();
        uses.sort();
        let mut want = vec![
            ("body".to_owned(), news.clone()),
            ("coverImage".to_owned(), project.clone()),
            ("gallery".to_owned(), project.clone()),
        ];
        want.sort();
        assert_eq!(uses, want, "{b:?}");
        let r = s.gql(q, json!({ "id": other }), Some(&editor)).await;
        assert_eq!(
            r.ok()["mediaAsset"]["usedBy"],
            json!([{ "field": "gallery", "node": { "id": project, "__typename": "Project" } }])
        );
        // Nothing is published yet: the public copy of the asset is used nowhere.
        for (t, id) in [("publish", &cover)] {
            s.gql(
                &format!("mutation($id: ID!) {{ {t}(id: $id, version: 1) {{ id }} }}"),
                json!({ "id": id }),
                Some(&editor),
            )
            .await
            .ok();
        }
        let r =
            s.gql("query($id: ID!) { mediaAsset(id: $id) { usedBy { field } } }", json!({ "id": cover }), None).await;
        assert_eq!(r.ok()["mediaAsset"]["usedBy"], json!([]), "{b:?}");
        s.finish().await;
    }
}
