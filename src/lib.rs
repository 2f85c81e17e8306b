//! Relais: a headless content hub with one GraphQL API.

pub mod app;
pub mod cli;
pub mod clock;
pub mod domain;
pub mod error;
pub mod feeds;
pub mod graphql;
pub mod html;
pub mod http;
pub mod media;
pub mod metrics;
pub mod model;
pub mod search;
pub mod secret;
pub mod shutdown;
pub mod startup;
pub mod store;
