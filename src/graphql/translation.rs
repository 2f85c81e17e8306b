//! Translation status in GraphQL: `translationStatus` on every content type
//! (read from the stamps, batched per page), and the types of the list filter
//! `filter: { translation: { locale, state } }` (parsed in `args`).

use super::values::ItemVal;
use super::{Req, gql_err};
use crate::app::Hub;
use crate::domain::translation::{LocaleStatus, status};
use crate::model::TypeDef;
use async_graphql::Value;
use async_graphql::dynamic::*;
use std::sync::Arc;

pub fn types(b: SchemaBuilder) -> SchemaBuilder {
    fn st<'a>(ctx: &ResolverContext<'a>) -> async_graphql::Result<&'a LocaleStatus> {
        ctx.parent_value.try_downcast_ref::<LocaleStatus>()
    }
    fn names(list: &[&'static str]) -> Value {
        Value::List(list.iter().map(|n| Value::from(*n)).collect())
    }
    b.register(
        Object::new("TranslationStatus")
            .description(
                "How far one locale's translation of an item's working copy has come: the localised fields \
                 it lacks, and those whose source-locale (default locale) values changed after its own.",
            )
            .field(
                super::field("locale", TypeRef::named_nn(TypeRef::STRING), |ctx| {
                    FieldFuture::new(async move { Ok(Some(Value::from(st(&ctx)?.locale.clone()))) })
                })
                .description("The locale."),
            )
            .field(
                super::field("missing", TypeRef::named_nn_list_nn(TypeRef::STRING), |ctx| {
                    FieldFuture::new(async move { Ok(Some(names(&st(&ctx)?.missing))) })
                })
                .description(
                    "Fields (GraphQL names) that have values in another locale and none, or not all, in this one \
                     (a list or sub-item entry without this locale counts).",
                ),
            )
            .field(
                super::field("outdated", TypeRef::named_nn_list_nn(TypeRef::STRING), |ctx| {
                    FieldFuture::new(async move { Ok(Some(names(&st(&ctx)?.outdated))) })
                })
                .description("Fields whose values in the source locale changed after this locale's were last saved."),
            )
            .field(
                super::field("complete", TypeRef::named_nn(TypeRef::BOOLEAN), |ctx| {
                    FieldFuture::new(async move { Ok(Some(Value::from(st(&ctx)?.complete()))) })
                })
                .description("Nothing missing and nothing outdated."),
            ),
    )
    .register(
        Enum::new("TranslationState")
            .description("Where a locale's translation of an item stands.")
            .item(EnumItem::new("MISSING").description("Some field with values in another locale has none here."))
            .item(EnumItem::new("OUTDATED").description("Some field's source values changed after this locale's."))
            .item(EnumItem::new("INCOMPLETE").description("MISSING or OUTDATED."))
            .item(EnumItem::new("COMPLETE").description("Neither missing nor outdated.")),
    )
    .register(
        InputObject::new("TranslationFilter")
            .description(
                "Items whose translation into a locale is in a state. It describes working copies, so it needs \
                 `preview: true` (BAD_USER_INPUT on live reads).",
            )
            .field(
                super::input("locale", TypeRef::named_nn(TypeRef::STRING)).description("A configured locale, e.g. ar."),
            )
            .field(super::input("state", TypeRef::named_nn("TranslationState")).description("The state.")),
    )
}

const DESCRIPTION: &str = "Per configured locale (the default, the source, first): the localised fields missing \
     and those outdated in this item's working copy. Empty on live reads and for callers who may not read this \
     item's drafts.";

pub fn content_field(obj: Object, ty: &'static TypeDef) -> Object {
    obj.field(
        super::field("translationStatus", TypeRef::named_nn_list_nn("TranslationStatus"), move |ctx| {
            FieldFuture::new(async move {
                let p = ctx.parent_value.try_downcast_ref::<ItemVal>()?;
                let hub = ctx.data::<Arc<Hub>>()?;
                let r = ctx.data::<Req>()?;
                let may =
                    p.item.stage.is_draft() && r.viewer().is_some_and(|v| hub.content.may_read_draft_of(v, &p.item));
                if !may {
                    return Ok(Some(FieldValue::list(Vec::<FieldValue>::new())));
                }
                let stamps = r
                    .loaders
                    .translations
                    .load((p.item.id.clone(), p.item.version))
                    .await
                    .map_err(gql_err)?
                    .unwrap_or_default();
                let list = status(ty, &stamps, &hub.content.locales);
                Ok(Some(FieldValue::list(list.into_iter().map(FieldValue::owned_any))))
            })
        })
        .description(DESCRIPTION),
    )
}

pub fn interface_field(i: Interface) -> Interface {
    i.field(super::iface("translationStatus", TypeRef::named_nn_list_nn("TranslationStatus")).description(DESCRIPTION))
}
