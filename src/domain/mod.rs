//! Domain services: workflow, permissions, validation, localisation. No HTTP
//! or GraphQL types here.

pub mod auth;
pub mod content;
pub mod editorial;
pub mod ids;
pub mod import;
pub mod locale;
pub mod media;
pub mod partners;
pub mod permissions;
pub mod rate;
pub mod richtext;
pub mod search;
pub mod users;
pub mod values;
pub mod webhooks;
