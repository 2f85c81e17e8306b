//! The connection loop: hyper on a listener bound beforehand, with what a
//! public server needs against slow, idle or too many clients. Request headers
//! must arrive within a time (which also closes idle keep-alive connections);
//! a body must keep flowing and finish within a deadline; open connections
//! are capped, and one over the cap gets a clear `503` at once; a shutdown
//! lets requests in flight finish, for a bounded time only.

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;

#[derive(Debug, Clone)]
pub struct ServerLimits {
    /// Time for a request's headers to arrive, and for an idle connection to
    /// send its next request.
    pub header_timeout: Duration,
    /// Longest pause while a request body is received.
    pub body_idle_timeout: Duration,
    /// Longest time to receive a whole request body.
    pub body_deadline: Duration,
    /// Open connections at most; more are refused with `503`.
    pub max_connections: usize,
    /// How long a shutdown waits for requests in flight.
    pub shutdown_grace: Duration,
}

impl Default for ServerLimits {
    fn default() -> Self {
        ServerLimits {
            header_timeout: Duration::from_secs(10),
            body_idle_timeout: Duration::from_secs(10),
            body_deadline: Duration::from_secs(300),
            max_connections: default_max_connections(),
            shutdown_grace: Duration::from_secs(10),
        }
    }
}

/// Half of the process's file-descriptor limit (the rest serve the database,
/// media files and refusals), at most 10,000.
pub fn default_max_connections() -> usize {
    let limit = std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|t| {
            let line = t.lines().find(|l| l.starts_with("Max open files"))?.to_owned();
            line.split_whitespace().nth(3)?.parse::<usize>().ok()
        })
        .unwrap_or(1024);
    (limit / 2).clamp(64, 10_000)
}

/// The answer to a connection over the cap, written straight on the socket.
fn refusal() -> Vec<u8> {
    let body = r#"{"errors":[{"message":"The server has too many open connections; try again in a moment.","extensions":{"code":"SERVER_BUSY"}}]}"#;
    format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\nretry-after: 1\r\nconnection: close\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Serves `app` on `listener` until `shutdown` resolves, then waits at most
/// `limits.shutdown_grace` for the requests in flight.
pub async fn serve_on(
    listener: TcpListener,
    app: Router,
    limits: ServerLimits,
    shutdown: impl Future<Output = ()> + Send,
) -> std::io::Result<()> {
    let permits = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    // Refusals hold a socket for a moment too: a few at a time, the rest closed at once.
    let refusals = Arc::new(Semaphore::new(64));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
    builder.http1().timer(TokioTimer::new()).header_read_timeout(limits.header_timeout).keep_alive(true);
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(limits.header_timeout)
        .keep_alive_timeout(limits.header_timeout);
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(c) => c,
                Err(e) => {
                    // Out of file descriptors, or a connection reset before it was
                    // taken: wait a little rather than spin.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            if let Ok(r) = refusals.clone().try_acquire_owned() {
                tokio::spawn(refuse(stream, r));
            }
            continue;
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let (idle, deadline) = (limits.body_idle_timeout, limits.body_deadline);
        let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
            let mut req = req.map(|b| {
                Body::new(tower_http::timeout::DeadlineBody::new(
                    deadline,
                    tower_http::timeout::TimeoutBody::new(idle, b),
                ))
            });
            req.extensions_mut().insert(ConnectInfo(peer));
            let mut app = app.clone();
            async move { tower_service::Service::call(&mut app, req).await }
        });
        let (builder, watcher, first_byte) = (builder.clone(), graceful.watcher(), limits.header_timeout);
        tokio::spawn(async move {
            // A connection that sends nothing is let go like a slow one (the
            // header timeout starts only once a request has begun).
            let mut first = [0u8; 1];
            if tokio::time::timeout(first_byte, stream.peek(&mut first)).await.is_ok_and(|r| r.is_ok_and(|n| n > 0)) {
                let conn = builder.serve_connection_with_upgrades(TokioIo::new(stream), service);
                let _ = watcher.watch(conn.into_owned()).await;
            }
            drop(permit);
        });
    }
    drop(listener);
    if tokio::time::timeout(limits.shutdown_grace, graceful.shutdown()).await.is_err() {
        tracing::warn!(grace = ?limits.shutdown_grace, "requests still in flight at the end of the shutdown grace: closing them");
    }
    Ok(())
}

async fn refuse(mut stream: TcpStream, _slot: tokio::sync::OwnedSemaphorePermit) {
    let _ = tokio::time::timeout(Duration::from_secs(1), async {
        stream.write_all(&refusal()).await?;
        stream.shutdown().await
    })
    .await;
}

/// Ctrl-C or SIGTERM. Both are caught from the call on (not from the first
/// poll), so a signal that comes before the server is polled is not lost.
pub fn stop_signal() -> impl Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let (int, term) = (signal(SignalKind::interrupt()), signal(SignalKind::terminate()));
        async move {
            match (int, term) {
                (Ok(mut int), Ok(mut term)) => {
                    tokio::select! { _ = int.recv() => {}, _ = term.recv() => {} }
                }
                _ => {
                    let _ = tokio::signal::ctrl_c().await;
                }
            }
        }
    }
    #[cfg(not(unix))]
    async {
        let _ = tokio::signal::ctrl_c().await;
    }
}
