//! API tests over real HTTP, on SQLite and (with RELAIS_TEST_POSTGRES_URL) PostgreSQL.

mod common;

mod admin_writes;
mod archive;
mod batching;
mod caching;
mod clients;
mod editorial;
mod errors;
mod hardening;
mod lists;
mod matrix;
mod media;
mod migrations;
mod model;
mod partners;
mod plans;
mod richtext;
mod schema_file;
mod search;
mod session_cookie;
mod source_pages;
mod subscriptions;
mod translations;
mod webhooks;
mod widget;
mod workflow;
