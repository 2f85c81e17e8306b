//! An S3-compatible server (s3s-fs over a folder) as a process of its own, for
//! scripts/media-faults.mjs to kill or freeze while Relais uploads to it.
//! Built by `cargo test` (it is an example of the package) or with
//! `cargo build --example s3-server`.
//!
//!   s3-server ROOT PORT
//!
//! Serves the bucket `relais` (the folder ROOT/relais, created if missing) on
//! 127.0.0.1:PORT with the key `relais-test` / `relais-test-secret`, and
//! prints `listening on http://127.0.0.1:PORT` once it accepts connections.

use hyper_util::rt::{TokioExecutor, TokioIo};
use s3s::service::S3ServiceBuilder;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(root), Some(port)) = (args.next(), args.next().and_then(|p| p.parse::<u16>().ok())) else {
        eprintln!("usage: s3-server ROOT PORT");
        std::process::exit(2);
    };
    let root = std::path::PathBuf::from(root);
    if let Err(e) = std::fs::create_dir_all(root.join("relais")) {
        eprintln!("cannot create the bucket folder in {}: {e}", root.display());
        std::process::exit(1);
    }
    let fs = match s3s_fs::FileSystem::new(&root) {
        Ok(fs) => fs,
        Err(e) => {
            eprintln!("s3s-fs: {e:?}");
            std::process::exit(1);
        }
    };
    let mut b = S3ServiceBuilder::new(fs);
    b.set_auth(s3s::auth::SimpleAuth::from_single("relais-test", "relais-test-secret"));
    let service = b.build();
    let listener = match tokio::net::TcpListener::bind(("127.0.0.1", port)).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("cannot listen on 127.0.0.1:{port}: {e}");
            std::process::exit(1);
        }
    };
    println!("listening on http://127.0.0.1:{port}");
    let http = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
    loop {
        let Ok((socket, _)) = listener.accept().await else { continue };
        let conn = http.serve_connection(TokioIo::new(socket), service.clone()).into_owned();
        tokio::spawn(async move {
            let _ = conn.await;
        });
    }
}
