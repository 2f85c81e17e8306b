//! HTTP: the GraphQL endpoint (POST and GET, per GraphQL-over-HTTP), GraphiQL,
//! body limits, bearer auth, and error codes for failures before execution.

use crate::app::Hub;
use crate::error::{Code, Error};
use crate::graphql::{Loaders, Req};
use async_graphql::dynamic::Schema;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use std::collections::HashMap;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub hub: Arc<Hub>,
    pub schema: Schema,
}

pub fn router(hub: Arc<Hub>, schema: Schema) -> Router {
    let state = AppState { hub, schema };
    Router::new()
        .route("/graphql", get(get_graphql).post(post_graphql))
        .route("/health", get(|| async { "ok" }))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(|_| {
            error_response(&Error::internal("a request handler panicked"), false)
        }))
        .layer(
            tower_http::cors::CorsLayer::new()
                .allow_origin(tower_http::cors::Any)
                .allow_methods([Method::GET, Method::POST, Method::OPTIONS])
                .allow_headers([
                    header::CONTENT_TYPE,
                    header::AUTHORIZATION,
                    header::ACCEPT,
                    header::ACCEPT_LANGUAGE,
                ]),
        )
        .with_state(state)
}

const GQL_RESPONSE: &str = "application/graphql-response+json";

/// Whether the client asked for `application/graphql-response+json`.
fn wants_gql_response(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains(GQL_RESPONSE))
}

fn error_response(e: &Error, gql: bool) -> Response {
    let body = serde_json::json!({
        "errors": [{ "message": e.message, "extensions": { "code": e.code.as_str() } }]
    });
    let status =
        StatusCode::from_u16(e.code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    json_response(status, body.to_string(), gql)
}

fn json_response(status: StatusCode, body: String, gql: bool) -> Response {
    let ct = if gql {
        GQL_RESPONSE
    } else {
        "application/json"
    };
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = status;
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
    r
}

async fn get_graphql(
    State(s): State<AppState>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let html = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"));
    if html && !params.contains_key("query") {
        return Html(
            async_graphql::http::GraphiQLSource::build()
                .endpoint("/graphql")
                .title("Relais GraphiQL")
                .finish(),
        )
        .into_response();
    }
    let gql = wants_gql_response(&headers);
    let Some(query) = params.get("query") else {
        return error_response(
            &Error::bad_input(
                "GET /graphql needs a query parameter (or open it in a browser for GraphiQL)",
            ),
            gql,
        );
    };
    let mut request = async_graphql::Request::new(query.clone());
    if let Some(name) = params.get("operationName") {
        request = request.operation_name(name.clone());
    }
    if let Some(vars) = params.get("variables") {
        match serde_json::from_str::<serde_json::Value>(vars) {
            Ok(v) => request = request.variables(async_graphql::Variables::from_json(v)),
            Err(_) => {
                return error_response(&Error::bad_input("variables must be a JSON object"), gql);
            }
        }
    }
    // GET must not change anything (GraphQL over HTTP): mutations go by POST.
    if let Ok(doc) = async_graphql::parser::parse_query(query) {
        let op = match &request.operation_name {
            Some(n) => doc
                .operations
                .iter()
                .find(|(name, _)| name.map(|x| x.as_str()) == Some(n.as_str()))
                .map(|(_, o)| o),
            None => doc.operations.iter().next().map(|(_, o)| o),
        };
        if op.is_some_and(|o| o.node.ty != async_graphql::parser::types::OperationType::Query) {
            let mut r = error_response(
                &Error::bad_input("Only queries may be sent by GET; send mutations by POST."),
                gql,
            );
            *r.status_mut() = StatusCode::METHOD_NOT_ALLOWED;
            r.headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("POST"));
            return r;
        }
    }
    execute(&s, &headers, request).await
}

async fn post_graphql(State(s): State<AppState>, headers: HeaderMap, body: Body) -> Response {
    let gql = wants_gql_response(&headers);
    let limit = s.hub.limits.body_bytes;
    if let Some(len) = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<usize>().ok())
        && len > limit
    {
        return error_response(&too_large(limit), gql);
    }
    let bytes: Bytes = match axum::body::to_bytes(body, limit).await {
        Ok(b) => b,
        Err(_) => return error_response(&too_large(limit), gql),
    };
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !ct.is_empty()
        && !ct.starts_with("application/json")
        && !ct.starts_with("application/graphql-response+json")
    {
        return error_response(
            &Error::new(
                Code::UnsupportedMediaType,
                format!("send the request as application/json, not {ct}"),
            ),
            gql,
        );
    }
    let request: async_graphql::Request = match serde_json::from_slice(&bytes) {
        Ok(r) => r,
        Err(e) => {
            return error_response(
                &Error::bad_input(format!("the body is not a GraphQL request in JSON: {e}")),
                gql,
            );
        }
    };
    execute(&s, &headers, request).await
}

fn too_large(limit: usize) -> Error {
    Error::new(
        Code::PayloadTooLarge,
        format!("the request body is over the limit of {limit} bytes"),
    )
}

async fn execute(s: &AppState, headers: &HeaderMap, request: async_graphql::Request) -> Response {
    let gql = wants_gql_response(headers);
    let hub = &s.hub;
    let viewer = match headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        None => None,
        Some(value) => match value
            .strip_prefix("Bearer ")
            .or_else(|| value.strip_prefix("bearer "))
        {
            Some(token) => match hub.auth.viewer(hub.store(), token.trim()).await {
                Ok(v) => Some(v),
                Err(e) => return error_response(&e, gql),
            },
            None => {
                return error_response(
                    &Error::unauthenticated("use Authorization: Bearer <token>"),
                    gql,
                );
            }
        },
    };
    let accept_locale = hub.content.locales.negotiate(
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    );
    let req = Req {
        viewer,
        accept_locale,
        loaders: Loaders::new(hub.store()),
    };
    let mut response = s.schema.execute(request.data(req)).await;
    let request_error = response.data == async_graphql::Value::Null && !response.errors.is_empty();
    // Parse, validation and limit errors come from the engine without a code.
    for err in &mut response.errors {
        let ext = err.extensions.get_or_insert_with(Default::default);
        if ext.get("code").is_none() {
            let m = &err.message;
            let code = if m.contains("nested too deep")
                || m.contains("too complex")
                || m.contains("recursion")
            {
                "QUERY_TOO_COMPLEX"
            } else {
                "BAD_USER_INPUT"
            };
            ext.set("code", code);
        }
    }
    // Serialised straight from the response, so fields keep the query's order.
    let body = match serde_json::to_string(&response) {
        Ok(b) => b,
        Err(e) => return error_response(&Error::internal(e), gql),
    };
    let status = if request_error && gql {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    json_response(status, body, gql)
}

/// Serves until Ctrl-C or SIGTERM, then finishes the requests in flight.
pub async fn serve(hub: Arc<Hub>, schema: Schema, addr: &str) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    tracing::info!(
        "Relais listening on http://{}/graphql",
        listener.local_addr()?
    );
    axum::serve(listener, router(hub, schema))
        .with_graceful_shutdown(async {
            let ctrl_c = tokio::signal::ctrl_c();
            #[cfg(unix)]
            {
                let mut term =
                    tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                        .expect("signal handler");
                tokio::select! { _ = ctrl_c => {}, _ = term.recv() => {} }
            }
            #[cfg(not(unix))]
            let _ = ctrl_c.await;
        })
        .await?;
    Ok(())
}
