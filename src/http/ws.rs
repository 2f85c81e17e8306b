//! GraphQL over WebSocket (graphql-transport-ws) on `GET /graphql`: the
//! connection is authenticated by its `connection_init` payload
//! (`{"Authorization": "Bearer …"}` or `{"apiKey": "rk_…"}`), kept alive with
//! pings, and closed if the client stops answering them.

use super::{AppState, client_ip, error_response, get_graphql, partners};
use crate::domain::auth::Actor;
use crate::domain::partners::KeyScope;
use crate::error::Error;
use crate::graphql::{Loaders, Req};
use async_graphql::http::ALL_WEBSOCKET_PROTOCOLS;
use async_graphql_axum::{GraphQLProtocol, GraphQLWebSocket};
use axum::extract::{FromRequestParts, Query, Request, State, WebSocketUpgrade};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
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
    upgrade.protocols(ALL_WEBSOCKET_PROTOCOLS).on_upgrade(move |socket| async move {
        GraphQLWebSocket::new(socket, guard, protocol)
            .on_connection_init(move |payload: serde_json::Value| async move {
                let field = |k: &str| payload.get(k).and_then(|v| v.as_str()).map(str::to_owned);
                let token = field("Authorization")
                    .or_else(|| field("authorization"))
                    .map(|t| t.trim_start_matches("Bearer ").trim_start_matches("bearer ").trim().to_owned())
                    .or_else(|| field("token"));
                let fail = |e: Error| async_graphql::Error::new(e.message);
                let viewer = match token {
                    Some(t) => Some(hub.auth.viewer(hub.store(), &t).await.map_err(fail)?),
                    None => None,
                };
                let key = match field("apiKey") {
                    Some(k) => Some(hub.partners.authenticate(&k).await.map_err(fail)?),
                    None => url_key,
                };
                if key.as_ref().is_some_and(|k| !k.has(KeyScope::Content)) {
                    return Err(fail(Error::forbidden("This API key reads feeds only; subscriptions need CONTENT.")));
                }
                let actor = Actor { viewer, ip, user_agent, request_key: None };
                let mut req = Req::new(actor, locale, Loaders::new(hub.store()));
                req.key = key;
                let mut data = async_graphql::Data::default();
                data.insert(req);
                Ok(data)
            })
            .keepalive_timeout(Duration::from_secs(30))
            .serve()
            .await
    })
}
