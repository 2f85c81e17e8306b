//! Multipart parsing on the real request path: POST /graphql with
//! `multipart/form-data; boundary=X` and the input as the body, sent by a
//! signed-in editor so that well-formed uploads go on to run (type sniffing,
//! image probing and decoding, storage). Every answer must be JSON with a
//! status under 500 (503 allowed) and no INTERNAL error.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if common::known::skip(data) {
        return;
    }
    let env = common::env();
    env.post("multipart/form-data; boundary=X", data.to_vec(), Some(&env.editor), false);
});
