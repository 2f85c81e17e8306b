//! The schema: composes the content types (built from the model in
//! `content`) with the rooms (editorial, media, search, partners, webhooks,
//! subscriptions, translation, rich text) into one.

use super::content;
use crate::app::Hub;
use async_graphql::dynamic::*;
use std::sync::Arc;

pub fn build(shared: Arc<Hub>) -> Result<Schema, SchemaError> {
    let limits = shared.limits.clone();
    assemble(&limits).data(shared).finish()
}

/// The schema in SDL, as `relais schema` prints it: built from the model and
/// the limits alone, without a database.
pub fn sdl(limits: &crate::app::Limits) -> Result<String, SchemaError> {
    let options = async_graphql::SDLExportOptions::new().include_specified_by();
    Ok(assemble(limits).finish()?.sdl_with_options(options))
}

fn assemble(limits: &crate::app::Limits) -> async_graphql::dynamic::SchemaBuilder {
    let limits = limits.clone();
    let mut b = Schema::build("Query", Some("Mutation"), Some("Subscription"));
    b = content::shared_types(b);
    b = content::embedded_types(b);
    b = super::media::types(b);
    b = super::editorial::types(b);
    b = super::search::types(b);
    b = super::richtext::types(b);
    b = super::partners::types(b);
    b = super::webhooks::types(b);
    b = super::subscriptions::types(b);
    b = super::translation::types(b);

    let node = Interface::new("Node")
        .description("Anything with a global id.")
        .field(super::iface("id", TypeRef::named_nn(TypeRef::ID)));
    let content_iface = Interface::new("Content")
        .description("Fields every content type has.")
        .implement("Node")
        .field(super::iface("id", TypeRef::named_nn(TypeRef::ID)))
        .field(super::iface("slug", TypeRef::named_nn(TypeRef::STRING)))
        .field(super::iface("workflowState", TypeRef::named_nn("WorkflowState")))
        .field(super::iface("version", TypeRef::named_nn(TypeRef::INT)))
        .field(super::iface("createdAt", TypeRef::named_nn("DateTime")))
        .field(super::iface("updatedAt", TypeRef::named_nn("DateTime")))
        .field(super::iface("publishedAt", TypeRef::named("DateTime")))
        .field(super::iface("hasUnpublishedChanges", TypeRef::named_nn(TypeRef::BOOLEAN)))
        .field(super::iface("availableLocales", TypeRef::named_nn_list_nn(TypeRef::STRING)))
        .field(
            super::iface("revisions", TypeRef::named_nn_list_nn("Revision"))
                .argument(super::input("first", TypeRef::named(TypeRef::INT)).default_value(20)),
        );
    let content_iface = super::editorial::interface_fields(content_iface);
    let content_iface = super::translation::interface_field(content_iface);
    b = b.register(node).register(content_iface);

    let mut query = Object::new("Query").description("Read content. Anonymous callers see published content only.");
    let mut mutation =
        Object::new("Mutation").description("Write content: every write carries the version it was based on.");
    (b, query, mutation) = content::content_types(b, query, mutation, &limits);
    query = super::editorial::queries(query);
    query = super::search::query(query);
    query = super::partners::queries(query);
    query = super::webhooks::queries(query);
    mutation = super::editorial::mutations(mutation);
    mutation = super::partners::mutations(mutation);
    mutation = super::webhooks::mutations(mutation);

    b.register(query)
        .register(mutation)
        .register(super::subscriptions::subscription())
        .enable_uploading()
        .limit_recursive_depth(64)
        .limit_directives(20)
}
