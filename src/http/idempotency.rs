//! `Idempotency-Key` on mutations: a client that did not hear the answer
//! sends the same request with the same key, and it applies once. The key is
//! taken before the request runs, each write records it in its own
//! transaction (the audit entry), and the answer is kept for a day. After a
//! crash between the write and the answer, a retry is told the write was made.
//! Requests running on this instance are known in memory; across instances a
//! key's request should not be sent twice at the same moment.

use super::{AppState, error_response, json_response};
use crate::error::Error;
use crate::model::records::KeyClaim;
use axum::body::Body;
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;

fn running(s: &AppState) -> std::sync::MutexGuard<'_, std::collections::HashSet<String>> {
    s.running_keys.lock().unwrap_or_else(|p| p.into_inner())
}

/// Takes the key for this request (`None`: it runs), or answers for it.
pub(super) async fn claim(s: &AppState, scope: &str, request: &async_graphql::Request) -> Option<Response> {
    let gql = false;
    if !running(s).insert(scope.to_owned()) {
        return Some(error_response(
            &Error::conflict("A request with this Idempotency-Key is still running; try again in a moment."),
            gql,
        ));
    }
    let shape = serde_json::json!([request.query, request.variables, request.operation_name]).to_string();
    let hash = crate::media::sha256_hex(shape.as_bytes());
    let claim = s.hub.ops.claim_key(scope, &hash).await;
    let refuse = |r: Response| {
        running(s).remove(scope);
        Some(r)
    };
    match claim {
        Ok(KeyClaim::Taken | KeyClaim::Unfinished) => None,
        Ok(KeyClaim::Answered { status, body }) => {
            let mut r = json_response(StatusCode::from_u16(status).unwrap_or(StatusCode::OK), body, gql);
            r.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
            refuse(r)
        }
        Ok(KeyClaim::OtherRequest) => refuse(error_response(
            &Error::bad_input(
                "This Idempotency-Key was sent before with another request; use a new key for a new request.",
            ),
            gql,
        )),
        Ok(KeyClaim::Applied) => refuse(error_response(
            &Error::conflict(
                "This request was applied before the server restarted, and its answer was lost: read the item to see it.",
            ),
            gql,
        )),
        Err(e) => refuse(error_response(&e, gql)),
    }
}

/// Keeps the answer under the key, unless it is one to retry (503): then the
/// next attempt finds out from the writes themselves.
pub(super) async fn keep(s: &AppState, scope: &str, answer: Response) -> Response {
    let (parts, body) = answer.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap_or_default();
    if parts.status != StatusCode::SERVICE_UNAVAILABLE {
        let text = String::from_utf8_lossy(&bytes);
        if let Err(e) = s.hub.ops.answer_key(scope, parts.status.as_u16(), &text).await {
            tracing::warn!(error = %e.message, "could not keep the answer of an idempotent request");
        }
    }
    running(s).remove(scope);
    Response::from_parts(parts, Body::from(bytes))
}
