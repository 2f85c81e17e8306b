//! Media: content-addressed object storage and image work. Originals live at
//! `originals/<aa>/<sha256>`; variants at `variants/<aa>/<sha256>/<spec>`,
//! made on first request and kept.

pub mod image;
pub mod store;

use crate::error::{Error, Result};
use bytes::Bytes;
use futures_util::FutureExt;
use futures_util::future::{BoxFuture, Shared};
use image::{ImageInfo, ImageLimits, OutFormat, Render, Sniffed};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use store::ObjectStore;

/// Widths a variant may have (before the device pixel ratio), so that nobody
/// can make the server render arbitrary sizes.
pub const WIDTHS: &[u32] =
    &[64, 128, 160, 240, 320, 400, 480, 640, 768, 800, 960, 1024, 1280, 1440, 1600, 1920, 2048, 2560];
/// Heights: the widths and the heights of common shapes (16:9, 4:3, 3:2) at those widths.
pub const HEIGHTS: &[u32] = &[
    64, 90, 128, 160, 180, 200, 225, 240, 270, 300, 320, 360, 400, 450, 480, 540, 600, 640, 720, 768, 800, 900, 960,
    1024, 1080, 1200, 1280, 1440, 1600, 1920, 2048, 2560,
];
pub const QUALITIES: &[u8] = &[40, 50, 60, 70, 75, 80, 85, 90, 95, 100];
pub const MAX_OUTPUT: u32 = 4096;

#[derive(Debug, Clone)]
pub struct MediaLimits {
    pub max_file_bytes: usize,
    pub max_files: usize,
    pub image: ImageLimits,
}

impl Default for MediaLimits {
    fn default() -> Self {
        MediaLimits { max_file_bytes: 25 * 1024 * 1024, max_files: 10, image: ImageLimits::default() }
    }
}

/// A transform as written in a variant URL: `w400_h300_cover_q75_x2_f50-30.webp`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Transform {
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub fit: image::Fit,
    pub format: OutFormat,
    pub quality: u8,
    pub dpr: u32,
    /// Focal point in whole percent, as the asset had it when the URL was made.
    pub focal: Option<(u8, u8)>,
}

impl Transform {
    pub fn new(format: OutFormat) -> Transform {
        Transform { width: None, height: None, fit: image::Fit::Inside, format, quality: 75, dpr: 1, focal: None }
    }

    /// Checks the limits: allowed widths and heights, qualities, ratios.
    pub fn validate(&self) -> Result<()> {
        for (name, v, allowed) in [("width", self.width, WIDTHS), ("height", self.height, HEIGHTS)] {
            if let Some(v) = v
                && !allowed.contains(&v)
            {
                return Err(Error::field(name, format!("{v} is not an allowed {name}; use one of {allowed:?}")));
            }
        }
        if !QUALITIES.contains(&self.quality) {
            return Err(Error::field("quality", format!("use one of {QUALITIES:?}")));
        }
        if !(1..=3).contains(&self.dpr) {
            return Err(Error::field("dpr", "the device pixel ratio is 1, 2 or 3"));
        }
        if self.width.unwrap_or(0) * self.dpr > MAX_OUTPUT || self.height.unwrap_or(0) * self.dpr > MAX_OUTPUT {
            return Err(Error::field("width", format!("width and height times dpr are at most {MAX_OUTPUT} pixels")));
        }
        if let Some((x, y)) = self.focal
            && (x > 100 || y > 100)
        {
            return Err(Error::field("focal", "the focal point is in percent, 0 to 100"));
        }
        Ok(())
    }

    /// The canonical spec: one URL per distinct variant.
    pub fn spec(&self) -> String {
        let mut parts = Vec::new();
        if let Some(w) = self.width {
            parts.push(format!("w{w}"));
        }
        if let Some(h) = self.height {
            parts.push(format!("h{h}"));
        }
        parts.push(
            match self.fit {
                image::Fit::Cover => "cover",
                image::Fit::Contain => "contain",
                image::Fit::Inside => "inside",
            }
            .to_owned(),
        );
        parts.push(format!("q{}", self.quality));
        if self.dpr != 1 {
            parts.push(format!("x{}", self.dpr));
        }
        if let Some((x, y)) = self.focal {
            parts.push(format!("f{x}-{y}"));
        }
        format!("{}.{}", parts.join("_"), self.format.ext())
    }

    /// Parses a spec; anything not in canonical form is refused, so each
    /// variant has exactly one URL.
    pub fn parse(spec: &str) -> Result<Transform> {
        let bad = || Error::bad_input(format!("{spec:?} is not a variant such as w400_inside_q75.webp"));
        let (body, ext) = spec.rsplit_once('.').ok_or_else(bad)?;
        let format = match ext {
            "webp" => OutFormat::WebP,
            "jpg" => OutFormat::Jpeg,
            "png" => OutFormat::Png,
            _ => return Err(Error::bad_input(format!("{ext:?} is not a variant format: use webp, jpg or png"))),
        };
        let mut t = Transform::new(format);
        for part in body.split('_') {
            let num = |p: &str| p.parse::<u32>().map_err(|_| bad());
            match part {
                "cover" => t.fit = image::Fit::Cover,
                "contain" => t.fit = image::Fit::Contain,
                "inside" => t.fit = image::Fit::Inside,
                p if p.starts_with('w') => t.width = Some(num(&p[1..])?),
                p if p.starts_with('h') => t.height = Some(num(&p[1..])?),
                p if p.starts_with('q') => t.quality = u8::try_from(num(&p[1..])?).map_err(|_| bad())?,
                p if p.starts_with('x') => t.dpr = num(&p[1..])?,
                p if p.starts_with('f') => {
                    let (x, y) = p[1..].split_once('-').ok_or_else(bad)?;
                    t.focal =
                        Some((u8::try_from(num(x)?).map_err(|_| bad())?, u8::try_from(num(y)?).map_err(|_| bad())?));
                }
                _ => return Err(bad()),
            }
        }
        t.validate()?;
        if t.spec() != spec {
            return Err(Error::bad_input(format!("{spec:?} is not in canonical form; use {:?}", t.spec())));
        }
        Ok(t)
    }

    pub fn render(&self, focal: (f32, f32)) -> Render {
        Render {
            width: self.width.map(|w| w * self.dpr),
            height: self.height.map(|h| h * self.dpr),
            fit: self.fit,
            format: self.format,
            quality: self.quality,
            focal,
        }
    }
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

pub fn is_sha(s: &str) -> bool {
    s.len() == 64 && s.chars().all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
}

pub fn original_key(sha: &str) -> String {
    format!("originals/{}/{sha}", &sha[..2])
}

pub fn variant_key(sha: &str, spec: &str) -> String {
    format!("variants/{}/{sha}/{spec}", &sha[..2])
}

/// What an upload turned out to be.
#[derive(Debug, Clone)]
pub struct Inspected {
    pub sniffed: Sniffed,
    pub sha: String,
    pub size: usize,
    pub image: Option<ImageInfo>,
    pub pages: Option<i64>,
    pub duration_ms: Option<i64>,
}

/// Whole MiB, rounded up.
fn mib(bytes: u64) -> u32 {
    bytes.div_ceil(1 << 20).min(u32::MAX as u64) as u32
}

type Rendering = Shared<BoxFuture<'static, Result<Bytes>>>;

pub struct Media {
    pub store: Arc<dyn ObjectStore>,
    pub limits: MediaLimits,
    /// Bounds the image work running at once.
    permits: tokio::sync::Semaphore,
    /// The decoding memory budget, in MiB: each image takes what it needs
    /// for as long as it is processed.
    budget: tokio::sync::Semaphore,
    /// Variants being made: a second request for one waits for the first.
    rendering: std::sync::Mutex<HashMap<String, Rendering>>,
    /// Variants made since start.
    pub renders: AtomicU64,
}

impl Media {
    pub fn new(store: Arc<dyn ObjectStore>, limits: MediaLimits) -> Arc<Media> {
        let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
        Arc::new(Media {
            store,
            permits: tokio::sync::Semaphore::new(workers),
            budget: tokio::sync::Semaphore::new(mib(limits.image.memory).max(1) as usize),
            limits,
            rendering: std::sync::Mutex::new(HashMap::new()),
            renders: AtomicU64::new(0),
        })
    }

    /// Runs blocking image work off the async workers, a bounded number at
    /// once, holding `memory` bytes of the decoding budget. When the budget
    /// stays spent for a few seconds the request is turned away
    /// (`SERVER_BUSY`, to retry) rather than queued without end.
    async fn blocking<T: Send + 'static>(
        &self,
        memory: u64,
        f: impl FnOnce() -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let wait = std::time::Duration::from_secs(5);
        let need = mib(memory).clamp(1, mib(self.limits.image.memory).max(1));
        let _memory = match tokio::time::timeout(wait, self.budget.acquire_many(need)).await {
            Ok(p) => p.map_err(Error::failed)?,
            Err(_) => {
                return Err(Error::new(
                    crate::error::Code::ServerBusy,
                    "The server is busy processing other images; try again in a moment.",
                ));
            }
        };
        let _permit = self.permits.acquire().await.map_err(Error::failed)?;
        tokio::task::spawn_blocking(f).await.map_err(Error::failed)?
    }

    /// Sniffs, checks and measures an upload; nothing is stored.
    pub async fn inspect(&self, bytes: Bytes) -> Result<Inspected> {
        if bytes.len() > self.limits.max_file_bytes {
            return Err(Error::new(
                crate::error::Code::PayloadTooLarge,
                format!("the file is over the limit of {} bytes", self.limits.max_file_bytes),
            ));
        }
        let sniffed = image::sniff(&bytes)?;
        let limits = self.limits.image;
        let memory = match sniffed {
            Sniffed::Image(format) => image::probe(&bytes, format, &limits)?.decoded,
            _ => 0,
        };
        let (sha, info) = {
            let bytes = bytes.clone();
            self.blocking(memory, move || {
                let sha = sha256_hex(&bytes);
                let info = match sniffed {
                    Sniffed::Image(format) => Some(image::analyse(&image::decode(&bytes, format, &limits)?)?),
                    _ => None,
                };
                Ok((sha, info))
            })
            .await?
        };
        let (pages, duration_ms) = match sniffed {
            Sniffed::Pdf => {
                if !bytes.windows(5).rev().take(2048).any(|w| w == b"%%EOF") {
                    return Err(Error::bad_input("the PDF is truncated or corrupt (no %%EOF)"));
                }
                (image::pdf_pages(&bytes), None)
            }
            Sniffed::Mp4 => (None, image::mp4_duration_ms(&bytes)),
            _ => (None, None),
        };
        Ok(Inspected { sniffed, sha, size: bytes.len(), image: info, pages, duration_ms })
    }

    /// Stores an original once per content.
    pub async fn put_original(&self, sha: &str, bytes: Bytes, mime: &str) -> Result<()> {
        let key = original_key(sha);
        if !self.store.exists(&key).await? {
            self.store.put(&key, bytes, mime).await?;
        }
        Ok(())
    }

    pub async fn original(&self, sha: &str) -> Result<Option<Bytes>> {
        self.store.get(&original_key(sha)).await
    }

    /// A stored variant, if it was made before.
    pub async fn stored_variant(&self, sha: &str, spec: &str) -> Result<Option<Bytes>> {
        self.store.get(&variant_key(sha, spec)).await
    }

    /// Makes a variant from the original and stores it; concurrent calls for
    /// the same variant share one rendering.
    pub async fn make_variant(
        self: &Arc<Self>,
        sha: &str,
        t: &Transform,
        source: Sniffed,
        focal: (f32, f32),
    ) -> Result<Bytes> {
        let Sniffed::Image(format) = source else {
            return Err(Error::bad_input("only images have variants"));
        };
        let key = variant_key(sha, &t.spec());
        let fut = {
            let mut map = self.rendering.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(f) = map.get(&key) {
                f.clone()
            } else {
                let me = self.clone();
                let (sha, t, key2) = (sha.to_owned(), *t, key.clone());
                let f = async move {
                    let out = me.render(&sha, &t, format, focal, &key2).await;
                    me.rendering.lock().unwrap_or_else(|p| p.into_inner()).remove(&key2);
                    out
                }
                .boxed()
                .shared();
                map.insert(key.clone(), f.clone());
                f
            }
        };
        fut.await
    }

    async fn render(
        &self,
        sha: &str,
        t: &Transform,
        format: ::image::ImageFormat,
        focal: (f32, f32),
        key: &str,
    ) -> Result<Bytes> {
        let original = self.original(sha).await?.ok_or_else(|| Error::not_found("the original of this media"))?;
        let limits = self.limits.image;
        let render = t.render(focal);
        let p = image::probe(&original, format, &limits)?;
        let (tw, th) = image::target_size(p.width, p.height, &render);
        // The output, and its RGBA copy for the encoder.
        let memory = p.decoded + 2 * 4 * tw as u64 * th as u64;
        let out = self
            .blocking(memory, move || {
                let img = image::decode(&original, format, &limits)?;
                image::render(&img, &render)
            })
            .await?;
        let out = Bytes::from(out);
        self.store.put(key, out.clone(), t.format.mime()).await?;
        self.renders.fetch_add(1, Ordering::Relaxed);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(w: u32, h: u32) -> Bytes {
        let img = ::image::RgbaImage::from_fn(w, h, |x, y| ::image::Rgba([x as u8, y as u8, 90, 255]));
        let mut out = std::io::Cursor::new(Vec::new());
        img.write_to(&mut out, ::image::ImageFormat::Png).unwrap();
        Bytes::from(out.into_inner())
    }

    #[tokio::test]
    async fn decoding_shares_one_memory_budget() {
        let dir = tempfile::tempdir().unwrap();
        let objects = store::open(&dir.path().display().to_string(), &store::S3Settings::default()).await.unwrap();
        let limits = MediaLimits { image: ImageLimits { memory: 8 << 20, ..Default::default() }, ..Default::default() };
        let media = Media::new(objects, limits);
        // More than the whole budget: refused from the header, before any allocation.
        let e = media.inspect(png(2000, 2000)).await.unwrap_err();
        assert_eq!(e.code, crate::error::Code::BadUserInput, "{}", e.message);
        assert!(e.message.contains("too large"), "{}", e.message);
        // The budget spent by other images: turned away to retry, not queued without end.
        let spent = media.budget.acquire_many(8).await.unwrap();
        let e = media.inspect(png(100, 100)).await.unwrap_err();
        assert_eq!(e.code, crate::error::Code::ServerBusy, "{}", e.message);
        drop(spent);
        let ok = media.inspect(png(100, 100)).await.unwrap();
        assert_eq!(ok.image.map(|i| (i.width, i.height)), Some((100, 100)));
        // A file cut short is refused, not stored half grey.
        let whole = png(300, 200);
        let e = media.inspect(whole.slice(..whole.len() / 3)).await.unwrap_err();
        assert_eq!(e.code, crate::error::Code::BadUserInput, "{}", e.message);
        let mut jpeg = Vec::new();
        ::image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 80)
            .encode_image(&::image::RgbImage::from_fn(300, 200, |x, y| ::image::Rgb([x as u8, y as u8, 7])))
            .unwrap();
        let cut = Bytes::from(jpeg[..jpeg.len() / 3].to_vec());
        let e = media.inspect(cut).await.unwrap_err();
        assert!(e.code == crate::error::Code::BadUserInput && e.message.contains("truncated"), "{}", e.message);
        assert!(media.inspect(Bytes::from(jpeg)).await.is_ok());
    }

    #[test]
    fn transforms_have_one_canonical_url() {
        let t = Transform::parse("w400_h300_cover_q75_x2_f50-30.webp").unwrap();
        assert_eq!((t.width, t.height, t.dpr, t.focal), (Some(400), Some(300), 2, Some((50, 30))));
        assert!(Transform::parse("w401_inside_q75.webp").is_err(), "width not in the set");
        assert!(Transform::parse("w400_inside_q75.gif").is_err());
        assert!(Transform::parse("inside_w400_q75.webp").is_err(), "not canonical");
        assert!(Transform::parse("w2560_inside_q75_x3.webp").is_err(), "over the output limit");
        assert!(Transform::parse("w400_inside_q75_blur.webp").is_err());
        assert!(Transform::parse("../../etc/passwd").is_err());
    }
}
