//! Variant generation: a 2000-pixel photo to a 400-pixel lossy WebP, and its
//! parts (decode; resize and encode). Run with `cargo bench --bench media`;
//! `-- --write FILE` also writes the test photo (used by bench/media.sh).

use relais::media::image::{self as img, Fit, OutFormat, Render};
use std::time::{Duration, Instant};

fn photo() -> Vec<u8> {
    // Smooth gradients with some texture, like a photo (not a flat colour).
    let (w, h) = (2000u32, 1333u32);
    let im = image::RgbImage::from_fn(w, h, |x, y| {
        let n = ((x.wrapping_mul(7919) ^ y.wrapping_mul(104_729)) % 23) as u8;
        image::Rgb([((x * 255) / w) as u8 ^ n, ((y * 255) / h) as u8, (((x + y) * 127) / (w + h)) as u8 + n])
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85).encode_image(&im).expect("encode");
    out
}

fn measure(name: &str, runs: usize, mut f: impl FnMut()) -> Duration {
    f(); // warm up
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    times.sort();
    let median = times[runs / 2];
    println!(
        "{name:<44} median {:>7.1} ms   min {:>7.1} ms   max {:>7.1} ms   ({runs} runs)",
        median.as_secs_f64() * 1e3,
        times[0].as_secs_f64() * 1e3,
        times[runs - 1].as_secs_f64() * 1e3
    );
    median
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let jpeg = photo();
    if let Some(i) = args.iter().position(|a| a == "--write") {
        std::fs::write(&args[i + 1], &jpeg).expect("write photo");
    }
    let limits = img::ImageLimits::default();
    let render = Render {
        width: Some(400),
        height: None,
        fit: Fit::Inside,
        format: OutFormat::WebP,
        quality: 75,
        focal: (0.5, 0.5),
    };
    println!("photo: 2000×1333 JPEG, {} KiB; variant: 400 px wide lossy WebP, quality 75", jpeg.len() / 1024);
    measure("decode JPEG (limits on, EXIF orientation)", 15, || {
        img::decode(&jpeg, image::ImageFormat::Jpeg, &limits).expect("decode");
    });
    let decoded = img::decode(&jpeg, image::ImageFormat::Jpeg, &limits).expect("decode");
    measure("resize (Lanczos3) and encode WebP", 15, || {
        img::render(&decoded, &render).expect("render");
    });
    measure("whole variant: decode, resize, encode", 15, || {
        let d = img::decode(&jpeg, image::ImageFormat::Jpeg, &limits).expect("decode");
        img::render(&d, &render).expect("render");
    });
    measure("upload facts: blurhash and dominant colour", 15, || {
        img::analyse(&decoded).expect("analyse");
    });
}
