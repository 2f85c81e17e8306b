//! Who may do what: one table, read by every mutation and by preview reads.

use super::workflow::Transition;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    Admin,
    Editor,
    Author,
    Viewer,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Admin, Role::Editor, Role::Author, Role::Viewer];
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "ADMIN",
            Role::Editor => "EDITOR",
            Role::Author => "AUTHOR",
            Role::Viewer => "VIEWER",
        }
    }
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str().eq_ignore_ascii_case(s))
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// See working copies (`preview: true`) and revisions.
    ReadDrafts,
    Create,
    Update,
    Delete,
    /// Move an item through the workflow.
    Workflow(Transition),
    /// Make a preview link to a draft.
    CreatePreview,
    RevokePreview,
    Comment,
    ManageUsers,
}

impl Action {
    pub fn describe(self) -> &'static str {
        match self {
            Action::ReadDrafts => "read drafts",
            Action::Create => "create content",
            Action::Update => "edit this item",
            Action::Delete => "delete this item",
            Action::Workflow(t) => t.describe(),
            Action::CreatePreview => "make a preview link to this item",
            Action::RevokePreview => "revoke preview links",
            Action::Comment => "comment on this item",
            Action::ManageUsers => "manage users",
        }
    }
}

/// How far a grant reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// Any item.
    Any,
    /// Items the user created, while in state DRAFT.
    OwnDraft,
    /// Items the user created, unless in review or archived (editing a
    /// published item opens a working draft; the live version stays).
    OwnEditable,
    /// Items the user created, in state DRAFT and never published.
    OwnUnpublished,
    /// Items the user created, in any state.
    Own,
}

use Action::*;
use Reach::*;
use Role::*;
use Transition::*;

/// The permission matrix. Anything not listed is refused.
pub static GRANTS: &[(Role, Action, Reach)] = &[
    (Admin, ReadDrafts, Any),
    (Admin, Create, Any),
    (Admin, Update, Any),
    (Admin, Delete, Any),
    (Admin, Workflow(SubmitForReview), Any),
    (Admin, Workflow(RequestChanges), Any),
    (Admin, Workflow(Publish), Any),
    (Admin, Workflow(Unpublish), Any),
    (Admin, Workflow(Archive), Any),
    (Admin, Workflow(Unarchive), Any),
    (Admin, CreatePreview, Any),
    (Admin, RevokePreview, Any),
    (Admin, Comment, Any),
    (Admin, ManageUsers, Any),
    (Editor, ReadDrafts, Any),
    (Editor, Create, Any),
    (Editor, Update, Any),
    (Editor, Delete, Any),
    (Editor, Workflow(SubmitForReview), Any),
    (Editor, Workflow(RequestChanges), Any),
    (Editor, Workflow(Publish), Any),
    (Editor, Workflow(Unpublish), Any),
    (Editor, Workflow(Archive), Any),
    (Editor, Workflow(Unarchive), Any),
    (Editor, CreatePreview, Any),
    (Editor, RevokePreview, Any),
    (Editor, Comment, Any),
    // Widened to every item by RELAIS_AUTHORS_READ_ALL_DRAFTS (`Content::draft_reach`).
    (Author, ReadDrafts, Own),
    (Author, Create, Any),
    (Author, Update, OwnEditable),
    (Author, Delete, OwnUnpublished),
    (Author, Workflow(SubmitForReview), OwnDraft),
    (Author, CreatePreview, OwnEditable),
    (Author, Comment, Any),
    (Viewer, ReadDrafts, Any),
];

/// What the matrix needs to know about the item acted on.
#[derive(Debug, Clone, Copy)]
pub struct Subject {
    pub own: bool,
    /// In state DRAFT.
    pub draft: bool,
    /// In state PUBLISHED (no pending changes).
    pub live_state: bool,
    /// Has a live copy.
    pub published: bool,
}

pub fn allowed(role: Role, action: Action, subject: Option<Subject>) -> bool {
    GRANTS.iter().any(|&(r, a, reach)| {
        r == role
            && a == action
            && match reach {
                Any => true,
                OwnDraft => subject.is_some_and(|s| s.own && s.draft),
                OwnEditable => subject.is_some_and(|s| s.own && (s.draft || s.live_state)),
                OwnUnpublished => subject.is_some_and(|s| s.own && s.draft && !s.published),
                Own => subject.is_some_and(|s| s.own),
            }
    })
}
