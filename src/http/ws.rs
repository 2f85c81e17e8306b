//! GraphQL over WebSocket (graphql-transport-ws) on `GET /graphql`: the
//! connection is authenticated by its `connection_init` payload
//! (`{"Authorization": "Bearer …"}` or `{"apiKey": "rk_…"}`) or, from the
//! server's own pages, by the session cookie of the upgrade request; kept
//! alive with pings, and closed if the client stops answering them. On
//! shutdown each socket is closed with 1001 (going away), which clients
//! take as a cue to reconnect (to another instance, or this one restarted).

use super::{AppState, client_ip, error_response, get_graphql, partners};
use crate::domain::auth::Actor;
use crate::domain::partners::KeyScope;
use crate::error::Error;
use crate::graphql::Req;
use async_graphql::http::ALL_WEBSOCKET_PROTOCOLS;
use async_graphql_axum::{GraphQLProtocol, GraphQLWebSocket};
use axum::extract::ws::{CloseFrame, Message};
use axum::extract::{FromRequestParts, Query, Request, State, WebSocketUpgrade};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use futures_util::{SinkExt, StreamExt};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

pub async fn get_or_upgrade(State(s): State<AppState>, req: Request) -> Response {
    let is_ws = req
        .headers()
        .get(header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|u| u.eq_ignore_ascii_case("websocket"));
    let (mut parts, _) = req.into_parts();
    if !is_ws {
        let params = match Query::<HashMap<String, String>>::try_from_uri(&parts.uri) {
            Ok(Query(p)) => p,
            Err(_) => return error_response(&Error::bad_input("the query string is not valid URL encoding"), false),
        };
        return get_graphql(State(s), parts.headers, parts.extensions, Query(params)).await;
    }
    let protocol = match GraphQLProtocol::from_request_parts(&mut parts, &s).await {
        Ok(p) => p,
        Err(status) => {
            return (status, "Use the graphql-transport-ws WebSocket subprotocol.").into_response();
        }
    };
    let upgrade = match WebSocketUpgrade::from_request_parts(&mut parts, &s).await {
        Ok(u) => u,
        Err(e) => return e.into_response(),
    };
    let hub = s.hub.clone();
    let guard = s.guard.clone();
    let ip = client_ip(&parts.extensions);
    let user_agent =
        parts.headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).map(|u| u.chars().take(300).collect());
    let locale =
        hub.content.locales.negotiate(parts.headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()));
    let url_key = partners::key_of(&parts.extensions);
    // The admin's session cookie, checked by the gate (same site only).
    let cookie_viewer =
        match (parts.extensions.get::<super::session::ViaCookie>(), parts.extensions.get::<partners::Credential>()) {
            (Some(_), Some(partners::Credential(Ok(v)))) => Some(v.clone()),
            _ => None,
        };
    let shutdown = hub.shutdown.clone();
    upgrade.protocols(ALL_WEBSOCKET_PROTOCOLS).on_upgrade(move |socket| async move {
        // Counted until closed, so a shutdown waits for the close frame to leave.
        let _open = shutdown.hold_socket();
        // graphql-transport-ws closes a refused connection_init with 4403 and
        // an unreadable message with 4400; the engine says 1002 for both. A
        // close frame holds at most 125 bytes: longer reasons are cut, or the
        // client sees a broken frame instead of the code.
        let refused = Arc::new(AtomicBool::new(false));
        let closed = Arc::new(AtomicBool::new(false));
        let (mut sink, stream) = socket.split();
        // On shutdown the engine hears the end of the client's messages and
        // stops; the socket is then closed as going away (below).
        let stream = stream.take_until(shutdown.begun_owned());
        let (seen, sent_close) = (refused.clone(), closed.clone());
        let engine_sink = (&mut sink).with(move |m: Message| {
            let m = match m {
                Message::Close(Some(f)) => {
                    sent_close.store(true, Ordering::Relaxed);
                    let code = match f.code {
                        1002 if seen.load(Ordering::Relaxed) => 4403,
                        1002 => 4400,
                        c => c,
                    };
                    let mut end = f.reason.len().min(123);
                    while !f.reason.is_char_boundary(end) {
                        end -= 1;
                    }
                    Message::Close(Some(CloseFrame { code, reason: f.reason[..end].into() }))
                }
                m => m,
            };
            futures_util::future::ready(Ok::<_, axum::Error>(m))
        });
        GraphQLWebSocket::new_with_pair(engine_sink, stream, guard, protocol)
            .on_connection_init(move |payload: serde_json::Value| async move {
                let init = init(payload, &hub, cookie_viewer, url_key, ip, user_agent, locale).await;
                if init.is_err() {
                    refused.store(true, Ordering::Relaxed);
                }
                init
            })
            .keepalive_timeout(Duration::from_secs(30))
            .serve()
            .await;
        if shutdown.is_begun() && !closed.load(Ordering::Relaxed) {
            let going = CloseFrame { code: crate::shutdown::GOING_AWAY, reason: "the server is shutting down".into() };
            let _ = tokio::time::timeout(Duration::from_secs(1), sink.send(Message::Close(Some(going)))).await;
        }
    })
}

/// The connection's caller, from its `connection_init` payload (or the
/// session cookie of the upgrade request).
async fn init(
    payload: serde_json::Value,
    hub: &Arc<crate::app::Hub>,
    cookie_viewer: Option<crate::domain::auth::Viewer>,
    url_key: Option<Arc<crate::domain::partners::ApiKey>>,
    ip: Option<String>,
    user_agent: Option<String>,
    locale: crate::domain::locale::Locale,
) -> async_graphql::Result<async_graphql::Data> {
    let field = |k: &str| payload.get(k).and_then(|v| v.as_str()).map(str::to_owned);
    let token = field("Authorization")
        .or_else(|| field("authorization"))
        .map(|t| t.trim_start_matches("Bearer ").trim_start_matches("bearer ").trim().to_owned())
        .or_else(|| field("token"));
    let fail = |e: Error| async_graphql::Error::new(e.message);
    let viewer = match token {
        Some(t) => Some(hub.auth.viewer(&t).await.map_err(fail)?),
        None => cookie_viewer,
    };
    let key = match field("apiKey") {
        Some(k) => Some(hub.partners.authenticate(&k).await.map_err(fail)?),
        None => url_key,
    };
    if key.as_ref().is_some_and(|k| !k.has(KeyScope::Content)) {
        return Err(fail(Error::forbidden("This API key reads feeds only; subscriptions need CONTENT.")));
    }
    let actor = Actor { viewer, ip, user_agent, request_key: None };
    let req = Req::new(actor, locale, hub.content.reader(key));
    let mut data = async_graphql::Data::default();
    data.insert(req);
    Ok(data)
}
