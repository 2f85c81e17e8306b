//! Relais: a headless content hub with one GraphQL API.

pub mod error;
pub mod model;
pub mod store;
