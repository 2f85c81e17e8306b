//! The GraphQL layer: schema built from the model, thin resolvers, per-request
//! loaders, and the mapping of our errors onto `extensions.code`.

mod args;
mod batch;
mod content;
mod context;
mod editorial;
pub mod limits;
mod loaders;
mod media;
pub mod order;
mod partners;
pub mod plan;
mod richtext;
mod schema;
mod search;
mod subscriptions;
mod translation;
mod values;
mod webhooks;

pub use loaders::Loaders;
pub use schema::{build, sdl};

use crate::domain::auth::{Actor, Viewer};
use crate::error::Error;

/// What one request carries into resolvers.
pub struct Req {
    /// Who is calling, and from where.
    pub actor: Actor,
    /// The locale negotiated from Accept-Language.
    pub accept_locale: crate::domain::locale::Locale,
    pub loaders: Loaders,
    /// What the answer depends on (`T:Type`, `I:id`), for the response cache.
    pub deps: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    /// Whether the answer holds anything beyond published content.
    pub private: std::sync::Arc<std::sync::atomic::AtomicBool>,
    /// The caller's reads of content: within its API key's restrictions.
    pub reader: std::sync::Arc<crate::domain::reader::Reader>,
    /// How the caller came: with the session cookie (not a bearer token), and
    /// from this server's own pages (or no browser page at all).
    pub via_cookie: bool,
    pub same_site: bool,
    /// `Relais-Preview: true`: root fields without a `preview:` argument
    /// (`node`) read working copies.
    pub preview: bool,
    /// What the answer does to the session cookie, if anything.
    pub cookie: std::sync::Arc<std::sync::Mutex<Option<SessionCookie>>>,
    /// Nested list specs made so far, by field of the document and stage,
    /// with the locale chain they were made in: every parent of a nested
    /// list shares its field's arguments and selection.
    specs: std::sync::Mutex<SpecCache>,
}

type SpecCache = std::collections::HashMap<(usize, crate::model::item::Stage), Vec<(Vec<String>, loaders::SpecKey)>>;

/// A change to the session cookie, asked for by `login(cookie: true)`,
/// `refreshToken` and `logout`; the HTTP layer writes it as `Set-Cookie`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionCookie {
    Set { token: String, expires_at: i64 },
    Clear,
}

impl Req {
    pub fn new(
        actor: Actor,
        accept_locale: crate::domain::locale::Locale,
        reader: std::sync::Arc<crate::domain::reader::Reader>,
    ) -> Req {
        Req {
            actor,
            accept_locale,
            loaders: Loaders::new(&reader),
            deps: Default::default(),
            private: Default::default(),
            reader,
            via_cookie: false,
            same_site: true,
            preview: false,
            cookie: Default::default(),
            specs: Default::default(),
        }
    }
    /// The spec of a nested list at this field of the document, made once
    /// per request and scope by `make` (which may fail, e.g. on a bad argument).
    pub(crate) fn relation_spec(
        &self,
        field: usize,
        scope: &values::Scope,
        make: impl FnOnce() -> async_graphql::Result<crate::model::query::ListSpec>,
    ) -> async_graphql::Result<loaders::SpecKey> {
        let key = (field, scope.stage);
        if let Some(hit) = self
            .specs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&key)
            .and_then(|v| v.iter().find(|(chain, _)| *chain == scope.chain).map(|(_, k)| k.clone()))
        {
            return Ok(hit);
        }
        let made = loaders::SpecKey::new(make()?);
        let mut specs = self.specs.lock().unwrap_or_else(|p| p.into_inner());
        specs.entry(key).or_default().push((scope.chain.clone(), made.clone()));
        Ok(made)
    }
    pub fn set_cookie(&self, change: SessionCookie) {
        *self.cookie.lock().unwrap_or_else(|p| p.into_inner()) = Some(change);
    }
    /// The token for a payload: `None` once it went into the cookie (when the
    /// caller asked for one, or came with one).
    pub fn hand_over(&self, token: String, expires_at: i64, cookie: bool) -> async_graphql::Result<Option<String>> {
        if !(cookie || self.via_cookie) {
            return Ok(Some(token));
        }
        if !self.same_site {
            return Err(gql_err(Error::forbidden(
                "A session cookie is given to this server's own pages only; this request comes from another site.",
            )));
        }
        self.set_cookie(SessionCookie::Set { token, expires_at });
        Ok(None)
    }
    pub fn depends_on(&self, dep: String) {
        self.deps.lock().unwrap_or_else(|p| p.into_inner()).push(dep);
    }
    pub fn mark_private(&self) {
        self.private.store(true, std::sync::atomic::Ordering::Relaxed);
    }
    /// The partner API key the request came with, whose restrictions hold.
    pub fn key(&self) -> Option<&std::sync::Arc<crate::domain::partners::ApiKey>> {
        self.reader.key()
    }
    pub fn viewer(&self) -> Option<&Viewer> {
        self.actor.viewer.as_ref()
    }
}

pub fn gql_err(e: Error) -> async_graphql::Error {
    let code = e.code.as_str();
    let field = e.field.clone();
    use async_graphql::ErrorExtensions;
    async_graphql::Error::new(e.message).extend_with(move |_, ext| {
        ext.set("code", code);
        if let Some(f) = &field {
            ext.set("field", f.as_str());
        }
    })
}

/// Descriptions of fields that mean the same wherever they appear, so every
/// generated type is documented without repeating them at each site.
fn common_description(name: &str) -> Option<&'static str> {
    Some(match name {
        "id" => "Global id: stable, opaque; works with `node(id:)`.",
        "slug" => "URL-friendly name, unique within its type.",
        "workflowState" => "Where the item stands in the editorial workflow.",
        "version" => {
            "Rises with every change; send it back with a change, so that concurrent edits conflict instead of overwriting."
        }
        "createdAt" => "When it was created.",
        "updatedAt" => "When it was last changed.",
        "publishedAt" => "When the live version was published; null while it has none.",
        "hasUnpublishedChanges" => "Whether the working copy differs from the live one.",
        "availableLocales" => "Locales in which this item has text of its own (others fall back).",
        "revisions" => "Saves and publishes, newest first (empty unless you may read drafts).",
        "comments" => "Review comments, oldest first (staff only).",
        "reviewHistory" => "Submissions, requests for changes and publishes, oldest first (staff only).",
        "editLock" => "Who is editing it now, if anyone (staff only).",
        "scheduledChanges" => "Publishes and unpublishes scheduled for it (staff only).",
        "pageInfo" => "Where this page sits in the whole list.",
        "edges" => "The items of this page, each with its cursor.",
        "nodes" => "The items of this page.",
        "cursor" => "Where this item sits in its list: pass it as `after` (or `before`).",
        "node" => "The item.",
        "and" => "Every one of these filters holds.",
        "or" => "At least one of these filters holds.",
        "not" => "This filter does not hold.",
        "user" => "The user concerned.",
        "author" => "Who wrote it.",
        "expiresAt" => "When it stops working.",
        "since" => "Since when.",
        "until" => "Until when.",
        "at" => "When it happened.",
        "locale" => "A locale code, e.g. fr.",
        "value" => "The value.",
        "code" => "The code.",
        "body" => "The text.",
        "isDefault" => "Whether this is the server's default locale.",
        "isFallback" => "Whether the value came from a fallback locale rather than the one asked for.",
        "actorId" => "Id of the user who acted.",
        "actorEmail" => "E-mail of the user who acted, as it was then.",
        "action" => "What was done: create, update, publish, login, …",
        "itemType" => "The content type concerned.",
        "itemId" => "Global id of the item concerned.",
        "detail" => "Details of the action (fields changed, states, comment).",
        "ip" => "The caller's IP address.",
        "userAgent" => "The caller's User-Agent.",
        "nameLocalized" => "The name with its locale and every translation.",
        "width" => "Width in pixels.",
        "height" => "Height in pixels.",
        "fit" => "How the image fills the box: COVER crops, CONTAIN pads, INSIDE scales down only.",
        "format" => "Output format.",
        "quality" => "Encoder quality, 1–100.",
        "direction" => "Writing direction of the text: RTL for Arabic.",
        "hasNextPage" => "Whether more items follow this page.",
        "hasPreviousPage" => "Whether items come before this page.",
        "startCursor" => "Cursor of the first item of the page.",
        "endCursor" => "Cursor of the last item of the page: pass it as `after` for the next page.",
        "doneAt" => "When it ran; null while pending.",
        "error" => "Why it failed, if it did.",
        "createdBy" => "Who scheduled it.",
        "email" => "E-mail address (the login).",
        "displayName" => "Name shown to other editors.",
        "role" => "The role held.",
        "revokePreviewLink" => "Makes a preview link stop working at once.",
        "unlockItem" => "Releases your edit lock on an item.",
        "updateUserRole" => "Changes a user's role (admins).",
        "reactivateUser" => "Lets a deactivated user log in again (admins).",
        "deleteUser" => "Deletes an account; its content stays, its sessions end (admins).",
        _ => return None,
    })
}

/// `Field::new`, with the common description of its name.
pub(crate) fn field<F>(
    name: &'static str,
    ty: impl Into<async_graphql::dynamic::TypeRef>,
    resolver: F,
) -> async_graphql::dynamic::Field
where
    F: for<'a> Fn(async_graphql::dynamic::ResolverContext<'a>) -> async_graphql::dynamic::FieldFuture<'a>
        + Send
        + Sync
        + 'static,
{
    let f = async_graphql::dynamic::Field::new(name, ty, resolver);
    match common_description(name) {
        Some(d) => f.description(d),
        None => f,
    }
}

/// `InputValue::new`, with the common description of its name.
pub(crate) fn input(
    name: &'static str,
    ty: impl Into<async_graphql::dynamic::TypeRef>,
) -> async_graphql::dynamic::InputValue {
    let v = async_graphql::dynamic::InputValue::new(name, ty);
    match common_description(name) {
        Some(d) => v.description(d),
        None => v,
    }
}

/// `InterfaceField::new`, with the common description of its name.
pub(crate) fn iface(
    name: &'static str,
    ty: impl Into<async_graphql::dynamic::TypeRef>,
) -> async_graphql::dynamic::InterfaceField {
    let v = async_graphql::dynamic::InterfaceField::new(name, ty);
    match common_description(name) {
        Some(d) => v.description(d),
        None => v,
    }
}

/// The optional `version` argument of administrative writes.
pub(crate) fn version_arg() -> async_graphql::dynamic::InputValue {
    use async_graphql::dynamic::TypeRef;
    input("version", TypeRef::named(TypeRef::INT))
        .description("The version you read: if the record has changed since, the write is refused with CONFLICT.")
}

pub(crate) fn version_value(ctx: &async_graphql::dynamic::ResolverContext<'_>) -> async_graphql::Result<Option<i64>> {
    match ctx.args.get("version").filter(|v| !v.is_null()) {
        Some(v) => Ok(Some(v.i64()?)),
        None => Ok(None),
    }
}

/// The `cookie` argument of the mutations that open a session.
pub(crate) fn cookie_arg() -> async_graphql::dynamic::InputValue {
    use async_graphql::dynamic::TypeRef;
    input("cookie", TypeRef::named(TypeRef::BOOLEAN)).default_value(false).description(
        "Put the session in an HttpOnly, SameSite=Strict cookie for /graphql instead of the answer, so no page script ever holds the token (for the admin and other same-origin pages).",
    )
}
