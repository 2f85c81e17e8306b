//! What a file is (from its bytes), image facts at upload, and image variants.
//! Decoding always runs with limits; this is blocking work, run off the async
//! workers by the caller.

use crate::error::{Code, Error, Result};
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};
use std::io::Cursor;

/// What the bytes are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sniffed {
    Image(ImageFormat),
    Pdf,
    Mp4,
    WebM,
}

impl Sniffed {
    pub fn mime(self) -> &'static str {
        match self {
            Sniffed::Image(ImageFormat::Jpeg) => "image/jpeg",
            Sniffed::Image(ImageFormat::Png) => "image/png",
            Sniffed::Image(ImageFormat::Gif) => "image/gif",
            Sniffed::Image(ImageFormat::WebP) => "image/webp",
            Sniffed::Image(_) => "application/octet-stream",
            Sniffed::Pdf => "application/pdf",
            Sniffed::Mp4 => "video/mp4",
            Sniffed::WebM => "video/webm",
        }
    }
    /// The `MediaKind` of the asset.
    pub fn kind(self) -> &'static str {
        match self {
            Sniffed::Image(_) => "IMAGE",
            Sniffed::Pdf => "DOCUMENT",
            Sniffed::Mp4 | Sniffed::WebM => "VIDEO",
        }
    }
}

fn unsupported(msg: impl Into<String>) -> Error {
    Error::new(Code::UnsupportedMediaType, msg)
}

/// The type of a file from its first bytes; the name and the declared type are
/// not trusted.
pub fn sniff(b: &[u8]) -> Result<Sniffed> {
    let accepted = "accepted: JPEG, PNG, GIF, WebP images, PDF documents, MP4 and WebM clips";
    if b.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Ok(Sniffed::Image(ImageFormat::Jpeg));
    }
    if b.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Ok(Sniffed::Image(ImageFormat::Png));
    }
    if b.starts_with(b"GIF87a") || b.starts_with(b"GIF89a") {
        return Ok(Sniffed::Image(ImageFormat::Gif));
    }
    if b.len() >= 12 && &b[0..4] == b"RIFF" && &b[8..12] == b"WEBP" {
        return Ok(Sniffed::Image(ImageFormat::WebP));
    }
    if b.starts_with(b"%PDF-") {
        return Ok(Sniffed::Pdf);
    }
    if b.len() >= 12 && &b[4..8] == b"ftyp" {
        let brand = &b[8..12];
        if brand == b"avif" || brand == b"avis" {
            return Err(unsupported(format!("AVIF images cannot be decoded by this server; {accepted}")));
        }
        if matches!(brand, b"heic" | b"heix" | b"mif1" | b"msf1") {
            return Err(unsupported(format!("HEIC images are not accepted; {accepted}")));
        }
        return Ok(Sniffed::Mp4);
    }
    if b.starts_with(&[0x1A, 0x45, 0xDF, 0xA3])
        && b.iter().take(64).collect::<Vec<_>>().windows(4).any(|w| w == [&b'w', &b'e', &b'b', &b'm'])
    {
        return Ok(Sniffed::WebM);
    }
    let head = String::from_utf8_lossy(&b[..b.len().min(512)]).to_ascii_lowercase();
    if head.contains("<svg") {
        return Err(unsupported(format!("SVG files are refused: they can carry scripts; {accepted}")));
    }
    Err(unsupported(format!("this file's content is not of an accepted type ({accepted})")))
}

#[derive(Debug, Clone, Copy)]
pub struct ImageLimits {
    pub max_width: u32,
    pub max_height: u32,
    /// Memory for decoding and resizing, shared by all the images being
    /// processed at once; an image that needs more than all of it is refused.
    pub memory: u64,
}

impl Default for ImageLimits {
    fn default() -> Self {
        ImageLimits { max_width: 12_000, max_height: 12_000, memory: 200 * 1024 * 1024 }
    }
}

/// An image's size and the memory it takes to process, read from its header.
#[derive(Debug, Clone, Copy)]
pub struct Probe {
    /// Upright (EXIF orientation applied).
    pub width: u32,
    pub height: u32,
    /// Bytes of the decoded pixels, twice when turning it upright needs a copy.
    pub decoded: u64,
}

fn decoder_limits(limits: &ImageLimits) -> Limits {
    let mut l = Limits::default();
    l.max_image_width = Some(limits.max_width);
    l.max_image_height = Some(limits.max_height);
    l.max_alloc = Some(limits.memory);
    l
}

fn refusal(limits: &ImageLimits) -> impl Fn(image::ImageError) -> Error + '_ {
    move |e| match e {
        image::ImageError::Limits(_) => Error::bad_input(format!(
            "the image is too large to process: at most {}×{} pixels and {} MiB decoded",
            limits.max_width,
            limits.max_height,
            limits.memory >> 20
        )),
        other => Error::bad_input(format!("the image cannot be decoded: {other}")),
    }
}

/// Whether the file ends as its format says a whole file ends: a file cut
/// short (an interrupted transfer) is refused rather than stored half grey.
fn check_complete(b: &[u8], format: ImageFormat) -> Result<()> {
    let trimmed = &b[..b.len() - b.iter().rev().take_while(|&&x| x == 0).count()];
    let tail = &trimmed[trimmed.len().saturating_sub(4096)..];
    let whole = match format {
        ImageFormat::Jpeg => trimmed.ends_with(&[0xFF, 0xD9]),
        ImageFormat::Png => tail.windows(4).any(|w| w == b"IEND"),
        ImageFormat::Gif => trimmed.ends_with(b";"),
        ImageFormat::WebP => {
            b.len() >= 12 && (u32::from_le_bytes([b[4], b[5], b[6], b[7]]) as usize).saturating_add(8) <= b.len()
        }
        _ => true,
    };
    if whole { Ok(()) } else { Err(Error::bad_input("the image is truncated or corrupt: its end is missing")) }
}

/// Reads the header only: size, orientation and the memory decoding needs,
/// refused when over the limits or when the file is cut short.
pub fn probe(bytes: &[u8], format: ImageFormat, limits: &ImageLimits) -> Result<Probe> {
    check_complete(bytes, format)?;
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(decoder_limits(limits));
    let mut decoder = reader.into_decoder().map_err(refusal(limits))?;
    let (w, h) = decoder.dimensions();
    if w > limits.max_width || h > limits.max_height {
        return Err(refusal(limits)(image::ImageError::Limits(image::error::LimitError::from_kind(
            image::error::LimitErrorKind::DimensionError,
        ))));
    }
    use image::metadata::Orientation as O;
    let orientation = decoder.orientation().unwrap_or(O::NoTransforms);
    let turns = matches!(orientation, O::Rotate90 | O::Rotate270 | O::Rotate90FlipH | O::Rotate270FlipH);
    let bytes = w as u64 * h as u64 * decoder.color_type().bytes_per_pixel() as u64;
    let decoded = if turns { bytes * 2 } else { bytes };
    if decoded > limits.memory {
        return Err(Error::bad_input(format!(
            "the image is too large to process: {:.0} megapixels take {} MiB decoded, over this server's {} MiB",
            (w as f64 * h as f64) / 1e6,
            decoded >> 20,
            limits.memory >> 20
        )));
    }
    let (width, height) = if turns { (h, w) } else { (w, h) };
    Ok(Probe { width, height, decoded })
}

/// Decodes with limits and applies the EXIF orientation.
pub fn decode(bytes: &[u8], format: ImageFormat, limits: &ImageLimits) -> Result<DynamicImage> {
    // A decoder that panics on a crafted file (zune-jpeg 0.5.15 asserts in its
    // upsampler; fuzz/regressions/image) has met a corrupt image: the upload is
    // refused as one, not answered with an internal error.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
        reader.limits(decoder_limits(limits));
        let mut decoder = reader.into_decoder().map_err(refusal(limits))?;
        let orientation = decoder.orientation().unwrap_or(image::metadata::Orientation::NoTransforms);
        let mut img = DynamicImage::from_decoder(decoder).map_err(refusal(limits))?;
        img.apply_orientation(orientation);
        Ok(img)
    }))
    .unwrap_or_else(|_| {
        tracing::warn!(?format, "an image decoder panicked on an upload; refused as corrupt");
        Err(Error::bad_input("the image cannot be decoded: the file is corrupt"))
    })
}

/// Facts computed once, at upload.
#[derive(Debug, Clone)]
pub struct ImageInfo {
    pub width: u32,
    pub height: u32,
    pub blurhash: String,
    /// `#rrggbb`.
    pub dominant: String,
}

pub fn analyse(img: &DynamicImage) -> Result<ImageInfo> {
    let (w, h) = (img.width(), img.height());
    // A small copy is enough for a blurhash and an average colour.
    let tw = 32.min(w).max(1);
    let th = ((h as f64 * tw as f64 / w.max(1) as f64).round() as u32).clamp(1, 64);
    let small = resize(img, None, tw, th)?.to_rgba8();
    let blurhash =
        blurhash::encode(4, 3, tw, th, small.as_raw()).map_err(|e| Error::internal(format!("blurhash: {e}")))?;
    let (mut r, mut g, mut b, mut n) = (0u64, 0u64, 0u64, 0u64);
    for p in small.pixels() {
        let a = p[3] as u64;
        r += p[0] as u64 * a;
        g += p[1] as u64 * a;
        b += p[2] as u64 * a;
        n += a;
    }
    let n = n.max(1);
    Ok(ImageInfo { width: w, height: h, blurhash, dominant: format!("#{:02x}{:02x}{:02x}", r / n, g / n, b / n) })
}

/// Resizes (a `crop` of) the image in its own pixel type, so the only new
/// buffer is the small one made; types the resizer lacks go through RGBA.
fn resize(img: &DynamicImage, crop: Option<(u32, u32, u32, u32)>, w: u32, h: u32) -> Result<DynamicImage> {
    use fast_image_resize as fr;
    let mut opts = fr::ResizeOptions::new().resize_alg(fr::ResizeAlg::Convolution(fr::FilterType::Lanczos3));
    if let Some((x, y, cw, ch)) = crop {
        opts = opts.crop(x as f64, y as f64, cw as f64, ch as f64);
    }
    let mut dst = DynamicImage::new(w.max(1), h.max(1), img.color());
    match fr::Resizer::new().resize(img, &mut dst, &opts) {
        Ok(()) => Ok(dst),
        Err(_) => {
            let src = DynamicImage::ImageRgba8(img.to_rgba8());
            let mut dst = DynamicImage::ImageRgba8(image::RgbaImage::new(w.max(1), h.max(1)));
            fr::Resizer::new().resize(&src, &mut dst, &opts).map_err(|e| Error::internal(format!("resize: {e}")))?;
            Ok(dst)
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fit {
    /// Fill the box, cropping around the focal point.
    Cover,
    /// Fit inside the box and pad to its size.
    Contain,
    /// Fit inside the box; the result may be smaller in one dimension.
    Inside,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutFormat {
    WebP,
    Jpeg,
    Png,
}

impl OutFormat {
    pub fn ext(self) -> &'static str {
        match self {
            OutFormat::WebP => "webp",
            OutFormat::Jpeg => "jpg",
            OutFormat::Png => "png",
        }
    }
    pub fn mime(self) -> &'static str {
        match self {
            OutFormat::WebP => "image/webp",
            OutFormat::Jpeg => "image/jpeg",
            OutFormat::Png => "image/png",
        }
    }
}

/// A validated transform, in output pixels (device pixel ratio applied).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Render {
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub fit: Fit,
    pub format: OutFormat,
    pub quality: u8,
    /// Focal point, 0..1 each way.
    pub focal: (f32, f32),
}

/// Output size for a source of `sw`×`sh`; never larger than the source.
pub fn target_size(sw: u32, sh: u32, r: &Render) -> (u32, u32) {
    let (sw_f, sh_f) = (sw as f64, sh as f64);
    match (r.width, r.height) {
        (None, None) => (sw, sh),
        (Some(w), None) => {
            let w = w.min(sw);
            (w, ((sh_f * w as f64 / sw_f).round() as u32).max(1))
        }
        (None, Some(h)) => {
            let h = h.min(sh);
            (((sw_f * h as f64 / sh_f).round() as u32).max(1), h)
        }
        (Some(w), Some(h)) => match r.fit {
            Fit::Cover | Fit::Contain => {
                // Scale the box down if the source cannot fill it.
                let scale = (sw_f / w as f64).min(sh_f / h as f64).min(1.0);
                (((w as f64 * scale).round() as u32).max(1), ((h as f64 * scale).round() as u32).max(1))
            }
            Fit::Inside => {
                let scale = (w as f64 / sw_f).min(h as f64 / sh_f).min(1.0);
                (((sw_f * scale).round() as u32).max(1), ((sh_f * scale).round() as u32).max(1))
            }
        },
    }
}

pub fn render(img: &DynamicImage, r: &Render) -> Result<Vec<u8>> {
    let (sw, sh) = (img.width(), img.height());
    let (tw, th) = target_size(sw, sh, r);
    let out = match (r.fit, r.width.is_some() && r.height.is_some()) {
        (Fit::Cover, true) => {
            // The largest crop of the target's shape, centred on the focal point.
            let ratio = tw as f64 / th as f64;
            let (cw, ch) = if sw as f64 / sh as f64 > ratio {
                (((sh as f64 * ratio).round() as u32).clamp(1, sw), sh)
            } else {
                (sw, ((sw as f64 / ratio).round() as u32).clamp(1, sh))
            };
            let cx = ((r.focal.0 as f64 * sw as f64) - cw as f64 / 2.0).clamp(0.0, (sw - cw) as f64) as u32;
            let cy = ((r.focal.1 as f64 * sh as f64) - ch as f64 / 2.0).clamp(0.0, (sh - ch) as f64) as u32;
            resize(img, Some((cx, cy, cw, ch)), tw, th)?
        }
        (Fit::Contain, true) => {
            let inner = target_size(sw, sh, &Render { fit: Fit::Inside, width: Some(tw), height: Some(th), ..*r });
            let scaled = resize(img, None, inner.0, inner.1)?;
            let bg =
                if r.format == OutFormat::Jpeg { image::Rgba([255, 255, 255, 255]) } else { image::Rgba([0, 0, 0, 0]) };
            let mut canvas = image::RgbaImage::from_pixel(tw, th, bg);
            image::imageops::overlay(
                &mut canvas,
                &scaled.to_rgba8(),
                ((tw - inner.0) / 2) as i64,
                ((th - inner.1) / 2) as i64,
            );
            DynamicImage::ImageRgba8(canvas)
        }
        _ if (tw, th) == (sw, sh) => img.clone(),
        _ => resize(img, None, tw, th)?,
    };
    encode(&out, r.format, r.quality)
}

fn encode(img: &DynamicImage, format: OutFormat, quality: u8) -> Result<Vec<u8>> {
    match format {
        OutFormat::WebP => {
            let rgba = img.to_rgba8();
            let mem = webp::Encoder::from_rgba(rgba.as_raw(), rgba.width(), rgba.height()).encode(quality as f32);
            Ok(mem.to_vec())
        }
        OutFormat::Jpeg => {
            // JPEG has no alpha: flatten onto white.
            let rgba = img.to_rgba8();
            let mut rgb = image::RgbImage::new(rgba.width(), rgba.height());
            for (d, s) in rgb.pixels_mut().zip(rgba.pixels()) {
                let a = s[3] as u32;
                for c in 0..3 {
                    d[c] = ((s[c] as u32 * a + 255 * (255 - a)) / 255) as u8;
                }
            }
            let mut out = Vec::new();
            image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality)
                .encode_image(&rgb)
                .map_err(Error::failed)?;
            Ok(out)
        }
        OutFormat::Png => {
            let mut out = Cursor::new(Vec::new());
            img.write_to(&mut out, ImageFormat::Png).map_err(Error::failed)?;
            Ok(out.into_inner())
        }
    }
}

/// Page count of a PDF when the page objects are visible without
/// decompressing anything; `None` otherwise.
pub fn pdf_pages(b: &[u8]) -> Option<i64> {
    let mut n = 0;
    for pat in [&b"/Type /Page"[..], &b"/Type/Page"[..]] {
        let mut i = 0;
        while let Some(pos) = b[i..].windows(pat.len()).position(|w| w == pat) {
            let end = i + pos + pat.len();
            if b.get(end) != Some(&b's') {
                n += 1;
            }
            i = end;
        }
    }
    (n > 0).then_some(n)
}

/// Duration of an MP4 from its `mvhd` box, in milliseconds.
pub fn mp4_duration_ms(b: &[u8]) -> Option<i64> {
    let pos = b.windows(4).position(|w| w == b"mvhd")?;
    let body = b.get(pos + 4..)?;
    let version = *body.first()?;
    let be32 = |s: &[u8]| u32::from_be_bytes([s[0], s[1], s[2], s[3]]) as u64;
    let (timescale, duration) = if version == 1 {
        let s = body.get(4 + 16..4 + 16 + 12)?;
        (be32(&s[0..4]), u64::from_be_bytes(s[4..12].try_into().ok()?))
    } else {
        let s = body.get(4 + 8..4 + 8 + 8)?;
        (be32(&s[0..4]), be32(&s[4..8]))
    };
    // u128: a forged header may hold any 64-bit duration.
    (timescale > 0).then(|| i64::try_from(duration as u128 * 1000 / timescale as u128).ok()).flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_jpeg_that_makes_the_decoder_panic_is_refused_as_corrupt() {
        let bytes = include_bytes!("../../fuzz/regressions/image/zune-jpeg-upsampler-panic.jpg");
        let e = decode(bytes, ImageFormat::Jpeg, &ImageLimits::default()).unwrap_err();
        assert_eq!(e.code, Code::BadUserInput, "{}", e.message);
    }

    #[test]
    fn sniffing_trusts_bytes_only() {
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n....").unwrap(), Sniffed::Image(ImageFormat::Png));
        assert_eq!(sniff(b"%PDF-1.7\n").unwrap(), Sniffed::Pdf);
        assert_eq!(sniff(b"hello, I am text named photo.jpg").unwrap_err().code, Code::UnsupportedMediaType);
        assert_eq!(sniff(b"<?xml version='1.0'?><svg onload='x'/>").unwrap_err().code, Code::UnsupportedMediaType);
    }

    #[test]
    fn a_forged_mp4_duration_does_not_overflow() {
        let mut b = b"\0\0\0\x78mvhd\x01\0\0\0".to_vec();
        b.extend_from_slice(&[0; 16]);
        b.extend_from_slice(&1u32.to_be_bytes());
        b.extend_from_slice(&u64::MAX.to_be_bytes());
        assert_eq!(mp4_duration_ms(&b), None);
        let mut ok = b"\0\0\0\x6cmvhd\0\0\0\0".to_vec();
        ok.extend_from_slice(&[0; 8]);
        ok.extend_from_slice(&1000u32.to_be_bytes());
        ok.extend_from_slice(&2500u32.to_be_bytes());
        assert_eq!(mp4_duration_ms(&ok), Some(2500));
    }

    #[test]
    fn sizes_never_exceed_the_source() {
        let r = Render {
            width: Some(400),
            height: None,
            fit: Fit::Inside,
            format: OutFormat::WebP,
            quality: 75,
            focal: (0.5, 0.5),
        };
        assert_eq!(target_size(2000, 1000, &r), (400, 200));
        assert_eq!(target_size(300, 100, &r), (300, 100));
        let cover = Render { width: Some(400), height: Some(400), fit: Fit::Cover, ..r };
        assert_eq!(target_size(2000, 1000, &cover), (400, 400));
        assert_eq!(target_size(200, 100, &cover), (100, 100));
    }
}
