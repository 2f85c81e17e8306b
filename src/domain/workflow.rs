//! The editorial workflow's moves: which state each transition leads to from
//! which, and what it is called. Who may take them is `permissions`; taking
//! them (versions, revisions, the live copy) is `content`.

use crate::error::{Error, Result};
use crate::model::WorkflowState::{self, Archived, Draft, InReview, Published};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transition {
    SubmitForReview,
    RequestChanges,
    Publish,
    Unpublish,
    Archive,
    Unarchive,
}

impl Transition {
    pub const ALL: [Transition; 6] = [
        Transition::SubmitForReview,
        Transition::RequestChanges,
        Transition::Publish,
        Transition::Unpublish,
        Transition::Archive,
        Transition::Unarchive,
    ];

    /// Its mutation's name, also how scheduled changes store it.
    pub fn name(self) -> &'static str {
        match self {
            Transition::SubmitForReview => "submitForReview",
            Transition::RequestChanges => "requestChanges",
            Transition::Publish => "publish",
            Transition::Unpublish => "unpublish",
            Transition::Archive => "archive",
            Transition::Unarchive => "unarchive",
        }
    }

    pub fn parse(name: &str) -> Option<Transition> {
        Transition::ALL.into_iter().find(|t| t.name() == name)
    }

    /// What a refusal says the caller may not do ("Your role … may not …").
    pub fn describe(self) -> &'static str {
        match self {
            Transition::SubmitForReview => "submit this item for review",
            Transition::RequestChanges => "send this item back to its author",
            Transition::Publish => "publish",
            Transition::Unpublish => "unpublish",
            Transition::Archive => "archive",
            Transition::Unarchive => "take this item out of the archive",
        }
    }

    /// Whether it changes what the public sees.
    pub fn changes_live(self) -> bool {
        matches!(self, Transition::Publish | Transition::Unpublish | Transition::Archive)
    }

    /// The state it leads to from `from` (`live`: the item has a published
    /// copy), or why it cannot be taken.
    pub fn target(self, from: WorkflowState, live: bool) -> Result<WorkflowState> {
        let to = match (self, from) {
            (Transition::SubmitForReview, Draft) => InReview,
            (Transition::RequestChanges, InReview) => Draft,
            (Transition::Publish, Draft | InReview) => Published,
            (Transition::Unpublish, _) if live && from != Archived => Draft,
            (Transition::Archive, Draft | InReview | Published) => Archived,
            (Transition::Unarchive, Archived) => Draft,
            _ => {
                let why = match self {
                    Transition::SubmitForReview => "only a DRAFT can be submitted for review",
                    Transition::RequestChanges => "changes can only be requested on an item IN_REVIEW",
                    Transition::Publish => {
                        "it is already published with no pending changes, or archived (unarchive it first)"
                    }
                    Transition::Unpublish => "it has no published version",
                    Transition::Archive => "it is already archived",
                    Transition::Unarchive => "it is not archived",
                };
                return Err(Error::bad_input(format!("This item is {from}: {why}.")));
            }
        };
        Ok(to)
    }
}
