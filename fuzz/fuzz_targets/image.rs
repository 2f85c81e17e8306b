//! Image decoding as an upload runs it: sniff the type from the bytes, probe
//! the header against the default limits, decode, and compute the facts
//! (blurhash, dominant colour); PDF and MP4 readers for the other kinds.
//! A probed size must be the decoded (upright) size.
#![no_main]

#[path = "common/known.rs"]
mod common_known;

use libfuzzer_sys::fuzz_target;
use relais::media::image::{self, ImageLimits, Sniffed};

fuzz_target!(init: {
    // Decoder crates may panic on crafted files; `image::decode` catches that
    // and refuses the file. libfuzzer-sys aborts on every panic, caught or
    // not: let panics inside third-party crates unwind (one not caught still
    // aborts the run), and abort on ours.
    let fuzzer_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let in_dependency = info.location().is_some_and(|l| l.file().contains("/.cargo/registry/"));
        if !in_dependency {
            fuzzer_hook(info);
        }
    }));
}, |data: &[u8]| {
    if common_known::skip(data) {
        return;
    }
    let limits = ImageLimits::default();
    match image::sniff(data) {
        Ok(Sniffed::Image(format)) => {
            let Ok(probe) = image::probe(data, format, &limits) else { return };
            let Ok(img) = image::decode(data, format, &limits) else { return };
            assert_eq!(
                (img.width(), img.height()),
                (probe.width, probe.height),
                "the probed size is not the decoded size ({format:?})"
            );
            let info = image::analyse(&img).expect("analysing a decoded image");
            assert_eq!((info.width, info.height), (img.width(), img.height()));
            assert!(info.dominant.len() == 7 && info.dominant.starts_with('#'), "dominant colour {:?}", info.dominant);
        }
        Ok(Sniffed::Pdf) => {
            image::pdf_pages(data);
        }
        Ok(Sniffed::Mp4) => {
            image::mp4_duration_ms(data);
        }
        Ok(Sniffed::WebM) | Err(_) => {}
    }
});
