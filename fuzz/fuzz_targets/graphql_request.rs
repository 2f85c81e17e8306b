//! The GraphQL request path with the real schema: each input is sent as a
//! POST /graphql body as it is (application/json), and, when it is UTF-8, as
//! the query of a JSON request. Every answer must be JSON with a status under
//! 500 (503 allowed) and no INTERNAL error; a panic anywhere aborts.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let env = common::env();
    // The low bit of the length picks the media type asked for, so both the
    // classic answers (200 with errors) and GraphQL-over-HTTP (400) are run.
    let gql = data.len() % 2 == 1;
    env.post("application/json", data.to_vec(), None, gql);
    if let Ok(text) = std::str::from_utf8(data) {
        let body = serde_json::json!({ "query": text });
        env.post("application/json", body.to_string().into_bytes(), None, gql);
    }
});
