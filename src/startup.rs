//! One way to start: the CLI and every test build the running application
//! the same way, on a listener bound beforehand (a test binds port 0 and
//! reads the port back).

use crate::app::{Hub, Tasks, start_tasks};
use crate::http::server::{ServerLimits, serve_on};
use anyhow::Result;
use axum::Router;
use std::future::Future;
use std::sync::Arc;
use tokio::net::TcpListener;

/// How the application starts, beyond the hub's own configuration.
#[derive(Debug, Clone, Default)]
pub struct Startup {
    pub server: ServerLimits,
    /// The background tasks (scheduler, webhooks, key usage, change
    /// listener); a test may leave them off to drive them by hand.
    pub tasks: bool,
    /// Every how many seconds unreferenced media files are swept (0: never).
    pub media_sweep_secs: u64,
}

/// A built application: routes, tasks started, not yet accepting.
pub struct Application {
    hub: Arc<Hub>,
    listener: TcpListener,
    port: u16,
    router: Router,
    metrics: Option<(TcpListener, Router)>,
    server: ServerLimits,
    tasks: Tasks,
}

impl Application {
    /// Builds the schema and routes for `hub` on `listener`, with `/metrics`
    /// on a listener of its own when `metrics` is given (else on the main
    /// one), and starts the background tasks.
    pub async fn build(
        hub: Arc<Hub>,
        listener: TcpListener,
        metrics: Option<TcpListener>,
        startup: Startup,
    ) -> Result<Application> {
        let port = listener.local_addr()?.port();
        let schema = crate::graphql::build(hub.clone())?;
        let (router, metrics_router) = crate::http::routers(hub.clone(), schema, metrics.is_some());
        let metrics = metrics.zip(metrics_router);
        let tasks = if startup.tasks { start_tasks(&hub, startup.media_sweep_secs) } else { Tasks::none() };
        Ok(Application { hub, listener, port, router, metrics, server: startup.server, tasks })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn hub(&self) -> &Arc<Hub> {
        &self.hub
    }

    /// Handles that stop the background tasks at once (a test's crash of
    /// this instance while another carries on).
    pub fn task_stoppers(&self) -> Vec<tokio::task::AbortHandle> {
        self.tasks.stoppers()
    }

    /// Serves until `stop` resolves or the hub's shutdown begins, then
    /// finishes the requests in flight, closes subscription sockets and winds
    /// the background tasks down, each within the shutdown grace.
    pub async fn run_until_stopped(self, stop: impl Future<Output = ()> + Send) -> Result<()> {
        let Application { hub, listener, router, metrics, server, tasks, .. } = self;
        tracing::info!("Relais listening on http://{}/graphql", listener.local_addr()?);
        if let Some((listener, router)) = metrics {
            tracing::info!("metrics on http://{}/metrics", listener.local_addr()?);
            tokio::spawn(async move {
                if let Err(e) = axum::serve(listener, router).await {
                    tracing::error!(error = %e, "the metrics listener stopped");
                }
            });
        }
        // Stopping begins the hub's shutdown: subscription sockets and
        // background tasks hear it as the listener stops accepting.
        let grace = server.shutdown_grace;
        let shutdown = hub.shutdown.clone();
        let begun = async move {
            tokio::select! { _ = stop => {}, _ = shutdown.begun() => {} }
            tracing::info!(grace = ?grace, "shutting down: no new connections; finishing requests in flight");
            shutdown.begin();
        };
        let served = serve_on(listener, router, server, begun).await;
        // Sockets were sent their close frame as the shutdown began; within the same grace.
        if tokio::time::timeout_at(hub.shutdown.deadline(grace), hub.shutdown.sockets_closed()).await.is_err() {
            tracing::warn!("subscription sockets still open at the end of the shutdown grace: dropping them");
        }
        // Requests are done (or the grace is over); the tasks had the same grace.
        tasks.finish(&hub, grace).await;
        tracing::info!("stopped");
        Ok(served?)
    }
}
