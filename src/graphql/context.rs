//! What every resolver shares: the request's data, the hub, the scope a
//! field reads in (stage and locale chain), and the values handed between
//! resolvers. A leaf: it names no other resolver module.

use super::args::{self, Obj};
use super::values::*;
use super::{Req, gql_err};
use crate::app::Hub;
use crate::domain::auth::User;
use crate::error::Error;
use crate::model::item::Stage;
use crate::model::query::Page;
use async_graphql::dynamic::*;
use std::sync::Arc;

pub(crate) fn req<'a>(ctx: &ResolverContext<'a>) -> async_graphql::Result<&'a Req> {
    ctx.data::<Req>()
}

pub(crate) fn hub<'a>(ctx: &ResolverContext<'a>) -> async_graphql::Result<&'a Arc<Hub>> {
    ctx.data::<Arc<Hub>>()
}

/// The locale chain and stage a root field reads with.
pub(crate) fn scope(ctx: &ResolverContext<'_>, stage: Stage) -> async_graphql::Result<Arc<Scope>> {
    stage_scope(hub(ctx)?, req(ctx)?, Obj(ctx.args.as_index_map()), stage).map_err(gql_err)
}

pub(crate) fn stage_scope(hub: &Hub, req: &Req, args: Obj<'_>, stage: Stage) -> crate::error::Result<Arc<Scope>> {
    let locale = match args.get("locale").filter(|v| !v.is_null()) {
        Some(v) => {
            let l = v.string().map_err(|_| Error::field("locale", "must be a string"))?;
            hub.content.locales.locale(l)?
        }
        None => req.accept_locale.clone(),
    };
    if stage.is_draft() {
        req.mark_private();
    }
    Ok(Arc::new(Scope { stage, chain: hub.content.locales.chain(&locale) }))
}

pub(crate) fn read_scope(ctx: &ResolverContext<'_>) -> async_graphql::Result<Arc<Scope>> {
    root_scope(hub(ctx)?, req(ctx)?, Obj(ctx.args.as_index_map())).map_err(gql_err)
}

/// The scope of a root read: its `preview` argument (else the request's
/// `Relais-Preview`) and the caller's role give the stage, its `locale`
/// argument (else Accept-Language) the chain.
pub(crate) fn root_scope(hub: &Hub, req: &Req, args: Obj<'_>) -> crate::error::Result<Arc<Scope>> {
    let preview = match args.get("preview").filter(|v| !v.is_null()) {
        Some(v) => v.boolean().map_err(|_| Error::field("preview", "must be true or false"))?,
        None => req.preview,
    };
    let stage = hub.content.read_stage(req.viewer(), preview)?;
    stage_scope(hub, req, args, stage)
}

pub(crate) fn item_value(item: Arc<crate::model::item::Item>, scope: Arc<Scope>) -> FieldValue<'static> {
    FieldValue::owned_any(ItemVal { item, scope })
}

/// An item where the schema expects an interface (`Node`, `Content`).
pub(crate) fn typed_item_value(item: Arc<crate::model::item::Item>, scope: Arc<Scope>) -> FieldValue<'static> {
    let name = item.ty.name;
    item_value(item, scope).with_type(name)
}

pub(crate) fn conn_value(page: Arc<Page>, scope: Arc<Scope>) -> FieldValue<'static> {
    FieldValue::owned_any(ConnVal { page, scope })
}

/// The scope a field reads in: its own `locale` argument's, else its parent's.
pub(crate) fn field_scope(ctx: &ResolverContext<'_>, scope: &Arc<Scope>) -> async_graphql::Result<Arc<Scope>> {
    match ctx.args.get("locale").filter(|v| !v.is_null()) {
        None => Ok(scope.clone()),
        Some(v) => {
            let hub = hub(ctx)?;
            let l = hub.content.locales.locale(v.string()?).map_err(gql_err)?;
            Ok(Arc::new(Scope { stage: scope.stage, chain: hub.content.locales.chain(&l) }))
        }
    }
}

/// Items a mutation returns are read from the working copy, in the caller's locale.
pub(crate) fn write_scope(ctx: &ResolverContext<'_>) -> async_graphql::Result<Arc<Scope>> {
    scope(ctx, Stage::Draft)
}

/// Where a page sits in its list, for any connection.
pub(crate) struct PageInfoVal {
    pub has_next: bool,
    pub has_prev: bool,
    pub start: Option<String>,
    pub end: Option<String>,
}

impl PageInfoVal {
    pub(crate) fn of(page: &Page) -> PageInfoVal {
        PageInfoVal {
            has_next: page.has_next,
            has_prev: page.has_prev,
            start: page.edges.first().map(|e| args::encode_cursor(&e.key)),
            end: page.edges.last().map(|e| args::encode_cursor(&e.key)),
        }
    }
}

pub(crate) struct LoginVal {
    /// `None` when the session went into the cookie.
    pub token: Option<String>,
    pub expires_at: i64,
    pub user: User,
}
