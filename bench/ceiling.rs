//! The ceiling of the API benchmark (bench/api.mjs): a bare axum handler on
//! the same runtime as Relais that returns a fixed body, the very bytes of
//! Relais's answer to the measured query. What Relais costs beyond this is the
//! price of its own work.
//!
//!   target/release/examples/ceiling 127.0.0.1:4199 answer.json

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:4199".into());
    let file = args.next().expect("usage: ceiling ADDR BODY_FILE");
    let body = bytes::Bytes::from(std::fs::read(&file).expect("the body file is readable"));
    let answer = move || {
        let body = body.clone();
        async move { ([(axum::http::header::CONTENT_TYPE, "application/json")], body) }
    };
    let app = axum::Router::new().route("/", axum::routing::get(answer.clone()).post(answer));
    let listener = tokio::net::TcpListener::bind(&addr).await.expect("the address is free");
    axum::serve(listener, app).await.expect("serving");
}
