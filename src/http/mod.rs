//! HTTP: the GraphQL endpoint (POST and GET, per GraphQL-over-HTTP), GraphiQL,
//! body limits, bearer auth, and error codes for failures before execution.

mod admin;
pub mod cache;
mod feeds;
mod idempotency;
mod media;
mod partners;
pub mod server;
mod session;
mod widget;
mod ws;

use crate::app::Hub;
use crate::domain::auth::Actor;
use crate::error::{Code, Error};
use crate::graphql::Req;
use async_graphql::dynamic::Schema;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Query, State};
use axum::http::Extensions;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub hub: Arc<Hub>,
    pub schema: Schema,
    /// The schema behind the document limits (cost, depth, aliases…).
    pub guard: crate::graphql::limits::Guarded,
    pub cache: Arc<cache::ResponseCache>,
    /// GraphQL operations answered over HTTP, for `/metrics`.
    pub graphql_requests: Arc<std::sync::atomic::AtomicU64>,
    /// Idempotency keys of requests running on this instance.
    pub running_keys: Arc<std::sync::Mutex<std::collections::HashSet<String>>>,
    pub metrics: Arc<HttpMetrics>,
    /// Compiled plans of the query documents answered so far.
    pub plans: Arc<crate::graphql::plan::Plans>,
}

/// Request series for `/metrics`.
pub struct HttpMetrics {
    /// By route and status.
    requests: crate::metrics::Family<std::sync::atomic::AtomicU64>,
    /// By route.
    seconds: crate::metrics::Family<crate::metrics::Histogram>,
    /// By GraphQL operation name.
    operations: crate::metrics::Family<crate::metrics::Histogram>,
    /// By `extensions.code`.
    errors: crate::metrics::Family<std::sync::atomic::AtomicU64>,
}

impl Default for HttpMetrics {
    fn default() -> Self {
        use crate::metrics::{Family, counter, latency};
        HttpMetrics {
            requests: Family::new(200, counter),
            seconds: Family::new(50, latency),
            operations: Family::new(200, latency),
            errors: Family::new(50, counter),
        }
    }
}

/// The codes of the errors an answer carries, for the error series.
#[derive(Debug, Clone)]
struct ErrorCodes(Vec<String>);

/// The whole service on one port, `/metrics` included.
pub fn router(hub: Arc<Hub>, schema: Schema) -> Router {
    routers(hub, schema, false).0
}

/// The service, and with `separate_metrics` `/metrics` on a router of its
/// own (for a listener operators keep off the public network).
pub fn routers(hub: Arc<Hub>, schema: Schema, separate_metrics: bool) -> (Router, Option<Router>) {
    let cache = cache::ResponseCache::new(hub.caching.response_cache_entries, hub.listening.subscribe());
    cache.follow(hub.content.changes.subscribe());
    let guard = crate::graphql::limits::Guarded {
        schema: schema.clone(),
        limits: Arc::new(crate::graphql::limits::DocLimits::for_model(&hub.limits)),
    };
    let plans = Arc::new(crate::graphql::plan::Plans::new(hub.limits.plans));
    let state = AppState {
        plans,
        hub,
        schema,
        guard,
        cache,
        graphql_requests: Default::default(),
        running_keys: Default::default(),
        metrics: Default::default(),
    };
    let metrics_router = Router::new().route("/metrics", get(metrics)).with_state(state.clone());
    let mut app = Router::new()
        .route("/graphql", get(ws::get_or_upgrade).post(post_graphql))
        .route("/health", get(|| async { "ok" }))
        .route("/health/live", get(|| async { "ok" }))
        .route("/health/ready", get(ready));
    if !separate_metrics {
        app = app.route("/metrics", get(metrics));
    }
    let app = app
        .merge(media::router())
        .merge(feeds::router())
        .merge(widget::router())
        .merge(admin::router())
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(|_| {
            error_response(&Error::internal("a request handler panicked"), false)
        }))
        .layer(axum::middleware::from_fn_with_state(state.clone(), partners::gate))
        .layer(axum::middleware::from_fn(security_headers))
        .layer(axum::middleware::from_fn_with_state(state.clone(), request_log))
        .with_state(state);
    (app, separate_metrics.then_some(metrics_router))
}

/// The GraphQL operation an answer was for, for the request log.
#[derive(Debug, Clone)]
struct Operation(String);

/// One log line per request (target `relais::request`): its id (the
/// client's `X-Request-Id` when it is a sane one, else a new one, echoed
/// back), method, path, status, duration and GraphQL operation. The request
/// runs in a span with its id, method and path, so every line logged on its
/// way carries them.
async fn request_log(
    State(s): State<AppState>,
    mut req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let started = std::time::Instant::now();
    let id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 128 && v.chars().all(|c| c.is_ascii_graphic()))
        .map_or_else(|| uuid::Uuid::now_v7().to_string(), str::to_owned);
    if let Ok(v) = HeaderValue::from_str(&id) {
        req.headers_mut().insert("x-request-id", v);
    }
    let (method, path) = (req.method().clone(), req.uri().path().to_owned());
    // The route's pattern, not the path: /media/{sha}/{spec} is one series.
    let route = req.extensions().get::<axum::extract::MatchedPath>().map_or("unmatched", |m| m.as_str()).to_owned();
    // What is logged while the request runs names it (never its variables).
    let span =
        tracing::info_span!(target: "relais::request", "request", request_id = %id, method = %method, path = %path);
    let mut r = tracing::Instrument::instrument(next.run(req), span).await;
    let operation = r.extensions_mut().remove::<Operation>().map(|o| o.0);
    let secs = started.elapsed().as_secs_f64();
    use crate::metrics::label;
    let m = &s.metrics;
    let status = r.status().as_u16();
    m.requests
        .get(format!("route=\"{}\",status=\"{status}\"", label(&route)))
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    m.seconds.get(format!("route=\"{}\"", label(&route))).observe(secs);
    if let Some(op) = &operation {
        m.operations.get(format!("operation=\"{}\"", label(op))).observe(secs);
    }
    if let Some(ErrorCodes(codes)) = r.extensions_mut().remove::<ErrorCodes>() {
        for c in codes {
            m.errors.get(format!("code=\"{}\"", label(&c))).fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
    }
    tracing::info!(
        target: "relais::request",
        request_id = %id,
        method = %method,
        path = %path,
        status = r.status().as_u16(),
        // Milliseconds to the microsecond, without float noise in the log.
        ms = started.elapsed().as_micros() as f64 / 1000.0,
        operation = operation.as_deref().unwrap_or(""),
        "request"
    );
    if let Ok(v) = HeaderValue::from_str(&id) {
        r.headers_mut().insert("x-request-id", v);
    }
    r
}

/// Headers every answer carries: no type sniffing, no referrer leaving, and no
/// framing except for the widget, which partners embed.
async fn security_headers(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let framable = req.uri().path().starts_with("/widget");
    let mut r = next.run(req).await;
    let h = r.headers_mut();
    h.entry(header::X_CONTENT_TYPE_OPTIONS).or_insert(HeaderValue::from_static("nosniff"));
    h.entry(header::REFERRER_POLICY).or_insert(HeaderValue::from_static("no-referrer"));
    if !framable {
        h.entry(header::X_FRAME_OPTIONS).or_insert(HeaderValue::from_static("DENY"));
    }
    r
}

/// Readiness: the database answers with every migration applied, and the
/// media store answers; each within 2 s. `503` with the reasons otherwise, so
/// a load balancer stops sending traffic here until both are back.
async fn ready(State(s): State<AppState>) -> Response {
    let wait = std::time::Duration::from_secs(2);
    let reason = |r: Result<Result<(), Error>, tokio::time::error::Elapsed>, what: &str| match r {
        Ok(Ok(())) => None,
        Ok(Err(e)) => Some(e.message),
        Err(_) => Some(format!("{what} did not answer within 2 s")),
    };
    let (db, media) = tokio::join!(
        tokio::time::timeout(wait, s.hub.ops.check_database()),
        tokio::time::timeout(wait, async { s.hub.media.store.exists("health/ready").await.map(|_| ()) }),
    );
    let (db, media) = (reason(db, "the database"), reason(media, "the media store"));
    let changes = (*s.hub.listening.borrow() == crate::app::Listening::Connecting)
        .then_some("not yet listening for other instances' changes");
    let ok = db.is_none() && media.is_none() && changes.is_none();
    let body = serde_json::json!({
        "status": if ok { "ready" } else { "unavailable" },
        "checks": {
            "database": db.as_deref().unwrap_or("ok"),
            "media": media.as_deref().unwrap_or("ok"),
            "changes": changes.unwrap_or("ok"),
        },
    });
    let status = if ok { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    let mut r = json_response(status, body.to_string(), false);
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if !ok {
        r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    }
    r
}

/// Series in the Prometheus text format, for dashboards and alerts: requests
/// and their latency by route and operation, errors by code, SQL statements
/// and their duration, the response cache, the scheduler's and webhooks'
/// queues and their lag, image renders, the database pool.
async fn metrics(State(s): State<AppState>) -> Response {
    use crate::domain::ops::Queues;
    use crate::metrics::{histograms, values};
    use std::sync::atomic::Ordering::Relaxed;
    let ops = &s.hub.ops;
    let m = &s.metrics;
    let mut out = String::new();
    let count = |f: &crate::metrics::Family<std::sync::atomic::AtomicU64>| -> Vec<(String, f64)> {
        f.each().into_iter().map(|(k, v)| (k, v.load(Relaxed) as f64)).collect()
    };
    values(
        &mut out,
        "relais_http_requests_total",
        "counter",
        "HTTP requests answered, by route and status.",
        &count(&m.requests),
    );
    histograms(&mut out, "relais_http_request_duration_seconds", "Time to answer, by route.", &m.seconds);
    histograms(
        &mut out,
        "relais_graphql_operation_duration_seconds",
        "Time to answer, by GraphQL operation name.",
        &m.operations,
    );
    values(
        &mut out,
        "relais_graphql_errors_total",
        "counter",
        "Errors answered, by extensions.code.",
        &count(&m.errors),
    );
    let one = |v: u64| vec![(String::new(), v as f64)];
    values(
        &mut out,
        "relais_graphql_requests_total",
        "counter",
        "GraphQL requests answered over HTTP.",
        &one(s.graphql_requests.load(Relaxed)),
    );
    values(
        &mut out,
        "relais_graphql_planned_total",
        "counter",
        "GraphQL requests answered by a compiled plan (the others by the engine).",
        &one(s.plans.answered.load(Relaxed)),
    );
    values(&mut out, "relais_sql_statements_total", "counter", "SQL statements run.", &one(ops.statements()));
    crate::metrics::head(
        &mut out,
        "relais_sql_statement_duration_seconds",
        "histogram",
        "How long statements take, the wait for a connection included.",
    );
    ops.sql_seconds().render("relais_sql_statement_duration_seconds", "", &mut out);
    values(
        &mut out,
        "relais_response_cache_hits_total",
        "counter",
        "Answers served from the response cache.",
        &one(s.cache.hits.load(Relaxed)),
    );
    values(
        &mut out,
        "relais_response_cache_misses_total",
        "counter",
        "Cacheable requests the response cache did not hold.",
        &one(s.cache.misses.load(Relaxed)),
    );
    values(
        &mut out,
        "relais_response_cache_entries",
        "gauge",
        "Answers held in the response cache.",
        &one(s.cache.len() as u64),
    );
    values(
        &mut out,
        "relais_image_renders_total",
        "counter",
        "Image variants made.",
        &one(s.hub.media.renders.load(Relaxed)),
    );
    let (size, idle) = ops.pool();
    let pool = vec![
        ("state=\"idle\"".to_owned(), idle as f64),
        ("state=\"used\"".to_owned(), size.saturating_sub(idle as u32) as f64),
    ];
    values(&mut out, "relais_db_pool_connections", "gauge", "Database connections open, by state.", &pool);
    let now = s.hub.clock().now_ms();
    match ops.queues(now).await {
        Ok(Queues { scheduled: (due, oldest_due), deliveries: (pending, oldest_pending) }) => {
            let lag =
                |oldest: Option<i64>| vec![(String::new(), oldest.map_or(0.0, |t| (now - t).max(0) as f64 / 1000.0))];
            values(
                &mut out,
                "relais_scheduled_changes_due",
                "gauge",
                "Scheduled changes past their time and not yet carried out.",
                &one(due as u64),
            );
            values(
                &mut out,
                "relais_scheduler_lag_seconds",
                "gauge",
                "How late the oldest due scheduled change is.",
                &lag(oldest_due),
            );
            values(
                &mut out,
                "relais_webhook_deliveries_due",
                "gauge",
                "Webhook deliveries due and not yet sent.",
                &one(pending as u64),
            );
            values(
                &mut out,
                "relais_webhook_lag_seconds",
                "gauge",
                "How late the oldest due webhook delivery is.",
                &lag(oldest_pending),
            );
        }
        // The database away: the other series still tell what happened.
        Err(e) => tracing::debug!(error = %e.message, "metrics: queues not read"),
    }
    let mut r = Response::new(Body::from(out));
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; version=0.0.4"));
    r
}

const GQL_RESPONSE: &str = "application/graphql-response+json";

/// Whether the client asked for `application/graphql-response+json`.
fn wants_gql_response(headers: &HeaderMap) -> bool {
    headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains(GQL_RESPONSE))
}

fn error_response(e: &Error, gql: bool) -> Response {
    let mut r = error_response_of(e, gql);
    r.extensions_mut().insert(ErrorCodes(vec![e.code.as_str().to_owned()]));
    r
}

fn error_response_of(e: &Error, gql: bool) -> Response {
    let body = serde_json::json!({
        "errors": [{ "message": e.message, "extensions": { "code": e.code.as_str() } }]
    });
    let status = StatusCode::from_u16(e.code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut r = json_response(status, body.to_string(), gql);
    retry_after(&mut r, e.code);
    r
}

fn retry_after(r: &mut Response, code: Code) {
    if let Some(secs) = code.retry_after() {
        r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
}

/// A request that ran nothing (parse, validation, limits): no `data` entry at
/// all, and `400` when the client speaks graphql-response+json (GraphQL over HTTP).
fn request_error(mut errors: Vec<async_graphql::ServerError>, gql: bool) -> Response {
    for err in &mut errors {
        let ext = err.extensions.get_or_insert_with(Default::default);
        if ext.get("code").is_none() {
            ext.set("code", "BAD_USER_INPUT");
        }
    }
    let body = serde_json::json!({ "errors": errors }).to_string();
    let status = if gql { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    json_response(status, body, gql)
}

fn json_response(status: StatusCode, body: String, gql: bool) -> Response {
    let ct = if gql { GQL_RESPONSE } else { "application/json" };
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = status;
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
    r
}

async fn get_graphql(
    State(s): State<AppState>,
    headers: HeaderMap,
    extensions: Extensions,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let html = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("text/html"));
    if html && !params.contains_key("query") && !params.contains_key("extensions") {
        return Html(graphiql()).into_response();
    }
    let gql = wants_gql_response(&headers);
    let query = params.get("query").cloned().unwrap_or_default();
    if query.is_empty() && !params.contains_key("extensions") {
        return error_response(
            &Error::bad_input("GET /graphql needs a query parameter (or open it in a browser for GraphiQL)"),
            gql,
        );
    }
    let mut request = async_graphql::Request::new(query);
    if let Some(name) = params.get("operationName") {
        request = request.operation_name(name.clone());
    }
    for (param, target) in [("variables", 0), ("extensions", 1)] {
        let Some(text) = params.get(param) else { continue };
        match serde_json::from_str::<serde_json::Value>(text) {
            Ok(v @ serde_json::Value::Object(_)) if target == 0 => {
                request = request.variables(async_graphql::Variables::from_json(v))
            }
            Ok(serde_json::Value::Object(m)) => {
                for (k, v) in m {
                    if let Ok(v) = async_graphql::Value::from_json(v) {
                        request.extensions.insert(k, v);
                    }
                }
            }
            _ => return error_response(&Error::bad_input(format!("{param} must be a JSON object")), gql),
        }
    }
    execute(&s, &headers, &extensions, request, true).await
}

async fn post_graphql(State(s): State<AppState>, headers: HeaderMap, extensions: Extensions, body: Body) -> Response {
    let gql = wants_gql_response(&headers);
    let ct = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    if ct.starts_with("multipart/form-data") {
        return match receive_multipart(&s, &ct, body).await {
            Ok(request) => execute(&s, &headers, &extensions, request, false).await,
            Err(e) => error_response(&e, gql),
        };
    }
    let limit = s.hub.limits.body_bytes;
    if let Some(len) = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<usize>().ok())
        && len > limit
    {
        return error_response(&too_large(limit), gql);
    }
    let bytes: Bytes = match axum::body::to_bytes(body, limit).await {
        Ok(b) => b,
        Err(e) if timed_out(&e) => return error_response(&body_timeout(), gql),
        Err(_) => return error_response(&too_large(limit), gql),
    };
    let ct = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if !ct.is_empty() && !ct.starts_with("application/json") && !ct.starts_with("application/graphql-response+json") {
        return error_response(
            &Error::new(Code::UnsupportedMediaType, format!("send the request as application/json, not {ct}")),
            gql,
        );
    }
    let request: async_graphql::Request = match serde_json::from_slice(&bytes) {
        Ok(r) => r,
        Err(e) => {
            return error_response(&Error::bad_input(format!("the body is not a GraphQL request in JSON: {e}")), gql);
        }
    };
    execute(&s, &headers, &extensions, request, false).await
}

/// Reads a GraphQL multipart request (uploads), with the file size and count
/// limits enforced while receiving: an oversized file is cut off, not read to
/// the end.
async fn receive_multipart(s: &AppState, ct: &str, body: Body) -> Result<async_graphql::Request, Error> {
    use futures_util::{StreamExt, TryStreamExt};
    let ml = &s.hub.media.limits;
    let total = ml.max_file_bytes.saturating_mul(ml.max_files).saturating_add(s.hub.limits.body_bytes);
    let mut seen = 0usize;
    let stream = body.into_data_stream().map(move |chunk| {
        let chunk = chunk.map_err(|e| {
            if timed_out(&e) { std::io::Error::new(std::io::ErrorKind::TimedOut, e) } else { std::io::Error::other(e) }
        })?;
        seen += chunk.len();
        if seen > total {
            return Err(std::io::Error::other("multipart body over the limit"));
        }
        Ok(chunk)
    });
    let opts =
        async_graphql::http::MultipartOptions::default().max_file_size(ml.max_file_bytes).max_num_files(ml.max_files);
    let too_large = |what: String| Error::new(Code::PayloadTooLarge, what);
    let request = async_graphql::http::receive_body(Some(ct), stream.into_async_read(), opts).await.map_err(|e| {
        use async_graphql::ParseRequestError as P;
        match e {
            P::PayloadTooLarge => too_large(format!("a file is over the upload limit of {} bytes", ml.max_file_bytes)),
            P::Io(e) if e.kind() == std::io::ErrorKind::TimedOut => body_timeout(),
            P::Io(e) if e.to_string().contains("over the limit") => {
                too_large(format!("the request is over the limit of {total} bytes"))
            }
            other => Error::bad_input(format!("the multipart request is malformed: {other}")),
        }
    })?;
    if request.uploads.len() > ml.max_files {
        return Err(too_large(format!("at most {} files per request", ml.max_files)));
    }
    Ok(request)
}

/// Whether reading a body failed because the client stopped sending it.
fn timed_out(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(e);
    while let Some(c) = cause {
        if c.is::<tower_http::timeout::TimeoutError>() {
            return true;
        }
        cause = c.source();
    }
    false
}

fn body_timeout() -> Error {
    Error::new(Code::RequestTimeout, "The request body stopped arriving or took too long; send it again.")
}

fn too_large(limit: usize) -> Error {
    Error::new(Code::PayloadTooLarge, format!("the request body is over the limit of {limit} bytes"))
}

/// The client's address: the one the gate settled on (a trusted proxy's
/// forwarding headers considered), else the connection's peer.
fn client_ip(extensions: &Extensions) -> Option<String> {
    if let Some(partners::ClientIp(ip)) = extensions.get::<partners::ClientIp>() {
        return Some(ip.to_string());
    }
    extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_string())
}

const PQ_NOT_FOUND: &str = "PersistedQueryNotFound";

/// GraphiQL, with example queries to start from.
fn graphiql() -> String {
    let page = async_graphql::http::GraphiQLSource::build().endpoint("/graphql").title("Relais GraphiQL").finish();
    let tabs = serde_json::json!([
        { "query": EXAMPLE_HOME, "variables": "{ \"locale\": \"fr\" }" },
        { "query": EXAMPLE_PAGE, "variables": "{ \"slug\": \"atelier-regions-marocaines-politique-migratoire-2018\", \"locale\": \"en\" }" },
        { "query": EXAMPLE_SEARCH, "variables": "{ \"q\": \"developpement durable\", \"locale\": \"fr\" }" },
        { "query": EXAMPLE_LOCALES, "variables": null },
    ]);
    // GraphiQL reads its first tabs from local storage when the page starts.
    let seed = format!(
        "<script>if(!localStorage.getItem('graphiql:tabState')){{localStorage.setItem('graphiql:query',{q});localStorage.setItem('graphiql:tabState',JSON.stringify({{activeTabIndex:0,tabs:{t}.map((x,i)=>({{id:'ex'+i,hash:null,title:null,operationName:null,response:null,query:x.query,variables:x.variables,headers:null}}))}}));}}</script>",
        q = serde_json::Value::String(EXAMPLE_HOME.into()),
        t = tabs
    );
    page.replacen("<head>", &format!("<head>{seed}"), 1)
}

const EXAMPLE_HOME: &str = include_str!("../../examples/home.graphql");
const EXAMPLE_PAGE: &str = include_str!("../../examples/event-page.graphql");
const EXAMPLE_LOCALES: &str = include_str!("../../examples/locales.graphql");
const EXAMPLE_SEARCH: &str = include_str!("../../examples/search.graphql");

/// Resolves automatic persisted queries (the Apollo protocol) and enforces
/// the allowlist: the request leaves with its query text, or as an answer.
async fn persisted(s: &AppState, request: &mut async_graphql::Request, gql: bool) -> Result<(), Response> {
    let hash = match request.extensions.get("persistedQuery") {
        Some(async_graphql::Value::Object(pq)) => match pq.get("sha256Hash") {
            Some(async_graphql::Value::String(h)) => Some(h.to_ascii_lowercase()),
            _ => return Err(error_response(&Error::bad_input("persistedQuery needs a sha256Hash"), gql)),
        },
        _ => None,
    };
    let not_found = || {
        let body = serde_json::json!({ "errors": [{ "message": PQ_NOT_FOUND, "extensions": { "code": "PERSISTED_QUERY_NOT_FOUND" } }] });
        json_response(StatusCode::OK, body.to_string(), gql)
    };
    let queries = &s.hub.queries;
    match (hash, request.query.is_empty()) {
        (Some(h), true) => match queries.text(&h).await {
            Ok(Some(q)) => request.query = q,
            Ok(None) => return Err(not_found()),
            Err(e) => return Err(error_response(&e, gql)),
        },
        (Some(h), false) => {
            if crate::media::sha256_hex(request.query.as_bytes()) != h {
                return Err(error_response(&Error::bad_input("provided sha does not match query"), gql));
            }
            if queries.allowlist_only() {
                return check_registered(s, &h, gql).await;
            }
            if let Err(e) = queries.save(&h, &request.query).await {
                return Err(error_response(&e, gql));
            }
        }
        (None, _) if queries.allowlist_only() => {
            let h = crate::media::sha256_hex(request.query.as_bytes());
            return check_registered(s, &h, gql).await;
        }
        (None, _) => {}
    }
    Ok(())
}

async fn check_registered(s: &AppState, hash: &str, gql: bool) -> Result<(), Response> {
    match s.hub.queries.registered(hash).await {
        Ok(true) => Ok(()),
        Ok(false) => Err(error_response(
            &Error::forbidden(
                "This server runs registered queries only (RELAIS_PERSISTED_QUERIES=allowlist); register it with `relais queries add`.",
            ),
            gql,
        )),
        Err(e) => Err(error_response(&e, gql)),
    }
}

async fn execute(
    s: &AppState,
    headers: &HeaderMap,
    extensions: &Extensions,
    mut request: async_graphql::Request,
    via_get: bool,
) -> Response {
    let gql = wants_gql_response(headers);
    s.graphql_requests.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let hub = &s.hub;
    // The gate checked the credential; a bad one is refused here, not ignored
    // (a session cookie that no longer holds is cleared as well).
    let via_cookie = extensions.get::<session::ViaCookie>().is_some();
    let viewer = match extensions.get::<partners::Credential>() {
        None => None,
        Some(partners::Credential(Ok(v))) => Some(v.clone()),
        Some(partners::Credential(Err(e))) => {
            let mut r = error_response(e, gql);
            if via_cookie {
                set_cookie(hub, &mut r, &crate::graphql::SessionCookie::Clear);
            }
            return r;
        }
    };
    if let Some(k) = partners::key_of(extensions)
        && !k.has(crate::domain::partners::KeyScope::Content)
    {
        return error_response(
            &Error::forbidden("This API key reads feeds only; ask for a key with the CONTENT scope to use GraphQL."),
            gql,
        );
    }
    if let Err(r) = persisted(s, &mut request, gql).await {
        return r;
    }
    let accept_locale =
        hub.content.locales.negotiate(headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()));
    // Anonymous answers about published content come from the cache when they can.
    let key = viewer.is_none().then(|| {
        let vars = serde_json::to_string(&request.variables).unwrap_or_default();
        // A restricted key sees its own part of the content: its answers are its own.
        let scope = match partners::key_of(extensions).filter(|k| k.limited()) {
            Some(k) => format!("{accept_locale}|key:{}", k.id),
            None => accept_locale.to_string(),
        };
        cache::ResponseCache::key(&request.query, &vars, request.operation_name.as_deref(), &scope)
    });
    let if_none_match = headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()).map(str::to_owned);
    if let Some(hit) = key.and_then(|k| s.cache.get(k)) {
        return cached_response(hit.body.clone(), &hit.etag, if_none_match.as_deref(), hub.caching.max_age, true, gql);
    }
    // A document answered before may have a compiled plan (graphql::plan),
    // which keeps the document parsed: only its limits are checked again.
    let known = s.plans.lookup(&request.query, request.operation_name.as_deref());
    // Parsed and checked against the limits once, here; the engine takes the
    // parsed document as it is. Kept to put the answer back in the
    // selection's order (see graphql::order).
    let document = match &known {
        crate::graphql::plan::Known::Plan(plan) => {
            if let Err(e) = s.guard.check(&plan.document, &request.variables) {
                return request_error(vec![e], gql);
            }
            Some(plan.document.clone())
        }
        _ => {
            if let Err(e) = s.guard.prepare(&mut request) {
                return request_error(vec![e], gql);
            }
            request.parsed_query().ok().map(|d| Arc::new(d.clone()))
        }
    };
    let operation = request.operation_name.clone();
    let parsed = document.as_deref();
    // For the request log: the operation asked for, or the document's only one.
    let op_name = operation.clone().or_else(|| {
        let doc = document.as_ref()?;
        let mut ops = doc.operations.iter();
        match (ops.next(), ops.next()) {
            (Some((name, _)), None) => name.map(|n| n.to_string()),
            _ => None,
        }
    });
    let is_query = parsed.is_some_and(|doc| {
        let query = async_graphql::parser::types::OperationType::Query;
        match &operation {
            Some(n) => {
                doc.operations.iter().any(|(name, op)| name.is_some_and(|x| x.as_str() == n) && op.node.ty == query)
            }
            None => doc.operations.iter().all(|(_, op)| op.node.ty == query),
        }
    });
    // GET must not change anything (GraphQL over HTTP): mutations go by POST.
    if via_get && !is_query {
        let mut r = error_response(&Error::bad_input("Only queries may be sent by GET; send mutations by POST."), gql);
        *r.status_mut() = StatusCode::METHOD_NOT_ALLOWED;
        r.headers_mut().insert(header::ALLOW, HeaderValue::from_static("POST"));
        return r;
    }
    // A retried mutation applies once: the key (signed-in callers) is taken
    // before it runs, recorded with each write it makes, and its answer kept.
    let mut held_key = None;
    if !is_query
        && let Some(v) = &viewer
        && let Some(key) = headers.get("idempotency-key")
    {
        let Some(key) = key.to_str().ok().map(str::trim).filter(|k| !k.is_empty() && k.len() <= 255) else {
            return error_response(&Error::bad_input("Idempotency-Key must be 1 to 255 visible characters"), gql);
        };
        let scope = crate::media::sha256_hex(format!("{}:{key}", v.id).as_bytes());
        if let Some(answer) = idempotency::claim(s, &scope, &request).await {
            return answer;
        }
        held_key = Some(scope);
    }
    // The codes of the errors the answer carries, for the error series.
    let codes: std::sync::Mutex<Vec<String>> = Default::default();
    // What the answer does to the session cookie (login, logout), set by resolvers.
    let cookie_change: Arc<std::sync::Mutex<Option<crate::graphql::SessionCookie>>> = Default::default();
    let known = if is_query && held_key.is_none() { known } else { crate::graphql::plan::Known::Engine };
    let checked = s.plans.mode == crate::graphql::plan::PlanMode::Checked;
    let answer = async {
        let make_req = || {
            let actor = Actor {
                viewer: viewer.clone(),
                ip: client_ip(extensions),
                user_agent: headers
                    .get(header::USER_AGENT)
                    .and_then(|v| v.to_str().ok())
                    .map(|u| u.chars().take(300).collect()),
                request_key: held_key.clone(),
            };
            let mut req = Req::new(actor, accept_locale.clone(), hub.content.reader(partners::key_of(extensions)));
            req.via_cookie = via_cookie;
            req.preview = headers
                .get("relais-preview")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
            req.same_site = session::same_site(headers);
            req.cookie = cookie_change.clone();
            req
        };
        let epoch = s.cache.epoch();
        let req = make_req();
        let (deps, private) = (req.deps.clone(), req.private.clone());
        let timed_out = || {
            let e = Error::new(
                Code::Timeout,
                format!(
                    "This query took longer than {} ms and was stopped: ask for less (smaller pages, fewer nested lists).",
                    hub.limits.query_timeout.as_millis()
                ),
            );
            error_response(&e, gql)
        };
        // The plan's answer, when it has one (else the engine answers).
        let planned = match &known {
            crate::graphql::plan::Known::Plan(plan) => {
                match tokio::time::timeout(hub.limits.query_timeout, plan.run(hub, &req, &request.variables)).await {
                    Ok(body) => body,
                    Err(_) => return timed_out(),
                }
            }
            _ => None,
        };
        let planned = match (planned, checked) {
            (Some(body), true) => {
                let mut again = async_graphql::Request::new(request.query.clone()).variables(request.variables.clone());
                again.operation_name = operation.clone();
                let engine = engine_body(s, document.as_deref(), operation.as_deref(), again, make_req()).await;
                if let Some(r) = different_answer(&body, engine.as_deref(), gql) {
                    return r;
                }
                Some(body)
            }
            (planned, _) => planned,
        };
        if let Some(body) = planned {
            s.plans.answered.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let public = key.is_some() && !private.load(std::sync::atomic::Ordering::Relaxed);
            let body = Bytes::from(body);
            let etag = cache::etag_of(&body);
            if let (true, Some(k)) = (public, key) {
                let deps = std::mem::take(&mut *deps.lock().unwrap_or_else(|p| p.into_inner()));
                s.cache.put(k, cache::Entry { body: body.clone(), etag: etag.clone(), deps }, epoch);
            }
            return cached_response(body, &etag, if_none_match.as_deref(), hub.caching.max_age, public, gql);
        }
        // What a plan is made from, once the engine has answered.
        let learn = matches!(known, crate::graphql::plan::Known::New)
            .then(|| (request.query.clone(), request.variables.clone()));
        // A plan that gave way to the engine skipped the parse: the engine
        // takes the plan's document.
        if let (crate::graphql::plan::Known::Plan(plan), Err(_)) = (&known, request.parsed_query()) {
            request.set_parsed_query(plan.document.as_ref().clone());
        }
        // Queries run within a time budget; a mutation, once started, finishes.
        let run = s.schema.execute(request.data(req));
        let mut response = if is_query {
            match tokio::time::timeout(hub.limits.query_timeout, run).await {
                Ok(r) => r,
                Err(_) => return timed_out(),
            }
        } else {
            run.await
        };
        if let Some(doc) = &document {
            crate::graphql::order::reorder(doc, operation.as_deref(), &mut response.data);
        }
        // A request error (parse, validation, limits) ran nothing; the engine gives
        // those without a code (the cost limit gives its own). Resolver errors,
        // which carry our codes, ran and keep `data: null`.
        let ran_nothing = response.data == async_graphql::Value::Null
            && !response.errors.is_empty()
            && response.errors.iter().all(|e| {
                e.extensions
                    .as_ref()
                    .and_then(|x| x.get("code"))
                    .is_none_or(|c| *c == async_graphql::Value::from("QUERY_TOO_COMPLEX"))
            });
        // Parse, validation and limit errors come from the engine without a code.
        for err in &mut response.errors {
            let ext = err.extensions.get_or_insert_with(Default::default);
            if ext.get("code").is_none() {
                let m = &err.message;
                let code = if m.contains("nested too deep") || m.contains("too complex") || m.contains("recursion") {
                    "QUERY_TOO_COMPLEX"
                } else {
                    "BAD_USER_INPUT"
                };
                ext.set("code", code);
            }
        }
        let found: Vec<String> = response
            .errors
            .iter()
            .filter_map(|e| match e.extensions.as_ref()?.get("code")? {
                async_graphql::Value::String(c) => Some(c.clone()),
                _ => None,
            })
            .collect();
        if !found.is_empty() {
            tracing::debug!(target: "relais::request", codes = %found.join(","), "answered with errors");
        }
        *codes.lock().unwrap_or_else(|p| p.into_inner()) = found;
        // Serialised straight from the response, so fields keep the query's order.
        let body = match serde_json::to_string(&response) {
            Ok(b) => b,
            Err(e) => return error_response(&Error::internal(e), gql),
        };
        if ran_nothing {
            return request_error(response.errors, gql);
        }
        // A failure that passes (the database away, a budget spent): 503 and when
        // to try again, so clients and proxies retry instead of giving up.
        if let Some(code) = response.errors.iter().find_map(|e| {
            let c = e.extensions.as_ref()?.get("code")?;
            let async_graphql::Value::String(c) = c else { return None };
            Code::parse(c).filter(|c| c.retry_after().is_some())
        }) {
            let mut r = json_response(StatusCode::SERVICE_UNAVAILABLE, body, gql);
            retry_after(&mut r, code);
            return r;
        }
        // A document answered without an error gets its plan for next time;
        // checked, the plan answers now too and must give the same bytes.
        if let (Some((query, variables)), Some(doc), true) = (learn, &document, response.errors.is_empty())
            && let Some(plan) = s.plans.learn(&query, operation.as_deref(), doc)
            && checked
            && let Some(planned) = plan.run(hub, &make_req(), &variables).await
            && let Some(r) = different_answer(&planned, Some(&body), gql)
        {
            return r;
        }
        let public = key.is_some()
            && is_query
            && response.errors.is_empty()
            && !private.load(std::sync::atomic::Ordering::Relaxed);
        let body = Bytes::from(body);
        let etag = cache::etag_of(&body);
        if let (true, Some(k)) = (public, key) {
            let deps = std::mem::take(&mut *deps.lock().unwrap_or_else(|p| p.into_inner()));
            s.cache.put(k, cache::Entry { body: body.clone(), etag: etag.clone(), deps }, epoch);
        }
        cached_response(body, &etag, if_none_match.as_deref(), hub.caching.max_age, public, gql)
    };
    let span = tracing::info_span!(target: "relais::request", "graphql", operation = op_name.as_deref().unwrap_or(""));
    let answer = tracing::Instrument::instrument(answer, span).await;
    let mut answer = match held_key {
        Some(scope) => idempotency::keep(s, &scope, answer).await,
        None => answer,
    };
    if let Some(change) = cookie_change.lock().unwrap_or_else(|p| p.into_inner()).take() {
        set_cookie(hub, &mut answer, &change);
    }
    if let Some(name) = op_name {
        answer.extensions_mut().insert(Operation(name));
    }
    let codes = codes.into_inner().unwrap_or_else(|p| p.into_inner());
    if !codes.is_empty() {
        answer.extensions_mut().insert(ErrorCodes(codes));
    }
    answer
}

/// The engine's answer to a request, as bytes (checked plans compare with it).
async fn engine_body(
    s: &AppState,
    doc: Option<&async_graphql::parser::types::ExecutableDocument>,
    operation: Option<&str>,
    request: async_graphql::Request,
    req: Req,
) -> Option<String> {
    let mut response = s.schema.execute(request.data(req)).await;
    if let Some(doc) = doc {
        crate::graphql::order::reorder(doc, operation, &mut response.data);
    }
    serde_json::to_string(&response).ok()
}

/// Checked plans: the plan's answer must be the engine's, byte for byte.
fn different_answer(planned: &str, engine: Option<&str>, gql: bool) -> Option<Response> {
    if Some(planned) == engine {
        return None;
    }
    tracing::error!(planned, engine, "a compiled plan answered differently from the engine");
    let e = Error::new(
        Code::Internal,
        format!(
            "the compiled plan and the engine disagree:\nplan:   {planned}\nengine: {}",
            engine.unwrap_or("(no answer)")
        ),
    );
    Some(error_response(&e, gql))
}

fn set_cookie(hub: &Hub, r: &mut Response, change: &crate::graphql::SessionCookie) {
    let secure = hub.public_url.starts_with("https://");
    if let Some(v) = session::header_value(change, secure, hub.clock().now_ms()) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
}

/// An answer with its ETag (304 when the client has it) and who may cache it.
fn cached_response(
    body: Bytes,
    etag: &str,
    if_none_match: Option<&str>,
    max_age: u32,
    public: bool,
    gql: bool,
) -> Response {
    let fresh = if_none_match.is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let mut r = if fresh {
        let mut r = Response::new(Body::empty());
        *r.status_mut() = StatusCode::NOT_MODIFIED;
        r
    } else {
        let mut r = Response::new(Body::from(body));
        let ct = if gql { GQL_RESPONSE } else { "application/json" };
        r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
        r
    };
    let h = r.headers_mut();
    if let Ok(v) = HeaderValue::from_str(etag) {
        h.insert(header::ETAG, v);
    }
    let cc = if public { format!("public, max-age={max_age}") } else { "private, no-store".to_owned() };
    if let Ok(v) = HeaderValue::from_str(&cc) {
        h.insert(header::CACHE_CONTROL, v);
    }
    h.insert(header::VARY, HeaderValue::from_static("Accept, Accept-Language, Authorization"));
    r
}
