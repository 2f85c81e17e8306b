//! The nine content types of the design, their sub-items and enums.

use super::{EmbeddedDef, EnumDef, FieldDef, Kind, Kind::*, TypeDef};

const fn f(name: &'static str, kind: Kind, description: &'static str) -> FieldDef {
    FieldDef {
        name,
        kind,
        required: false,
        description,
    }
}
const fn req(name: &'static str, kind: Kind, description: &'static str) -> FieldDef {
    FieldDef {
        name,
        kind,
        required: true,
        description,
    }
}

pub static ENUMS: &[EnumDef] = &[
    EnumDef {
        name: "OrganisationKind",
        description: "What kind of institution an organisation is.",
        values: &[
            "INTERGOVERNMENTAL",
            "UN_AGENCY",
            "GOVERNMENT",
            "MINISTRY",
            "REGIONAL_AUTHORITY",
            "EMBASSY",
            "ASSOCIATION",
            "NGO",
            "FOUNDATION",
            "UNIVERSITY",
            "RESEARCH_CENTRE",
            "NETWORK",
            "DONOR",
            "PRIVATE",
            "OTHER",
        ],
    },
    EnumDef {
        name: "AxisKind",
        description: "A thematic axis of a mission, or a cross-cutting priority.",
        values: &["AXIS", "CROSS_CUTTING"],
    },
    EnumDef {
        name: "ProjectStatus",
        description: "Where a project stands in its own life, independent of the editorial state.",
        values: &["PLANNED", "ONGOING", "COMPLETED", "SUSPENDED", "CANCELLED"],
    },
    EnumDef {
        name: "Coverage",
        description: "Geographic coverage of a project.",
        values: &["LOCAL", "NATIONAL", "REGIONAL", "GLOBAL"],
    },
    EnumDef {
        name: "EventKind",
        description: "What kind of gathering an event is.",
        values: &[
            "WORKSHOP",
            "CONFERENCE",
            "TRAINING",
            "SEMINAR",
            "MEETING",
            "WEBINAR",
            "CAMPAIGN",
            "OTHER",
        ],
    },
    EnumDef {
        name: "MediaKind",
        description: "What a media asset holds.",
        values: &["IMAGE", "VIDEO", "AUDIO", "DOCUMENT", "EMBED"],
    },
    EnumDef {
        name: "OutputKind",
        description: "What a project produced.",
        values: &[
            "MANUAL",
            "ONLINE_MODULE",
            "TRAINING",
            "FILM",
            "SPOT",
            "SERIES",
            "STUDY",
            "REPORT",
            "CAMPAIGN",
            "WEBSITE",
            "OTHER",
        ],
    },
    EnumDef {
        name: "FigureQualifier",
        description: "How exact a key figure is: `MORE_THAN` 100 reads \"more than 100\".",
        values: &["EXACT", "MORE_THAN", "AT_LEAST", "ABOUT"],
    },
    EnumDef {
        name: "BodyKind",
        description: "What kind of body a membership is held in.",
        values: &[
            "COMMITTEE",
            "COUNCIL",
            "NETWORK",
            "SECRETARIAT",
            "BOARD",
            "OTHER",
        ],
    },
    EnumDef {
        name: "UnitKind",
        description: "A part of an organisation's structure.",
        values: &["POSITION", "OFFICE", "DEPARTMENT", "UNIT", "OTHER"],
    },
];

pub static EMBEDDED_TYPES: &[EmbeddedDef] = &[
    EmbeddedDef {
        name: "KeyFigure",
        description: "A figure about an organisation together with the date it held (174 member states in 2018, 175 later).",
        fields: &[
            req(
                "key",
                Text,
                "Stable key of the figure, e.g. `member_states`, `countries_present`.",
            ),
            req("label", LocalText, "What is counted."),
            req("value", Int, "The number."),
            f(
                "qualifier",
                Enum("FigureQualifier"),
                "How exact the number is; EXACT when absent.",
            ),
            req("asOf", Date, "The date the figure held."),
        ],
    },
    EmbeddedDef {
        name: "Membership",
        description: "A seat an organisation holds in a committee, council or network, with the role held.",
        fields: &[
            req(
                "role",
                LocalText,
                "The role held, e.g. \"Membre du comité scientifique\".",
            ),
            req("body", LocalText, "The committee, council or network."),
            f("bodyKind", Enum("BodyKind"), "What kind of body it is."),
            f(
                "organisation",
                Ref("Organisation"),
                "The organisation the body belongs to, when it is one of ours.",
            ),
            f("since", Date, "Since when."),
        ],
    },
    EmbeddedDef {
        name: "OrganisationUnit",
        description: "A position or office in an organisation's structure, in order.",
        fields: &[
            req("title", LocalText, "Name of the position or office."),
            f("kind", Enum("UnitKind"), "Position, office, department."),
            f("holder", Ref("Person"), "Who holds the position."),
        ],
    },
    EmbeddedDef {
        name: "Objective",
        description: "A titled objective or aim, in order.",
        fields: &[
            req("title", LocalText, "Short title."),
            f("description", LocalText, "What it means."),
        ],
    },
    EmbeddedDef {
        name: "SessionParticipant",
        description: "A person in a session with the affiliation they came with.",
        fields: &[
            req("person", Ref("Person"), "The person."),
            f(
                "organisation",
                Ref("Organisation"),
                "The organisation they represented.",
            ),
            f(
                "affiliation",
                LocalText,
                "Affiliation as written, when not an organisation of ours.",
            ),
        ],
    },
    EmbeddedDef {
        name: "EventSession",
        description: "A session of an event, in programme order.",
        fields: &[
            req("title", LocalText, "Title or theme of the session."),
            f("description", LocalText, "What was discussed."),
            f("startsAt", DateTime, "When it started, if known."),
            f(
                "moderators",
                Embedded("SessionParticipant"),
                "Who moderated, facilitated or chaired.",
            ),
            f("speakers", Embedded("SessionParticipant"), "Who spoke."),
        ],
    },
    EmbeddedDef {
        name: "ExternalIdentifier",
        description: "An identifier of the item in another system (Prima ID, project ID).",
        fields: &[
            req("scheme", Text, "The system, e.g. `PRIMA_ID`, `PROJECT_ID`."),
            req("value", Text, "The identifier."),
        ],
    },
    EmbeddedDef {
        name: "ProjectOutput",
        description: "Something a project produced: a manual, an online module, films.",
        fields: &[
            req("kind", Enum("OutputKind"), "What it is."),
            req("title", LocalText, "Its title."),
            f("url", Url, "Where to find it."),
            f("media", Ref("MediaAsset"), "The file, when we hold it."),
        ],
    },
    EmbeddedDef {
        name: "Position",
        description: "A role a person holds at an organisation.",
        fields: &[
            req("title", LocalText, "The role, e.g. \"Chef de Mission\"."),
            f(
                "organisation",
                Ref("Organisation"),
                "Where the role is held.",
            ),
            f("unit", LocalText, "Unit or department, as written."),
            f("since", Date, "Since when."),
            f("until", Date, "Until when."),
        ],
    },
    EmbeddedDef {
        name: "FocalPoint",
        description: "The point of an image that crops keep in view, as fractions of width and height.",
        fields: &[
            req("x", Float, "0 = left edge, 1 = right edge."),
            req("y", Float, "0 = top, 1 = bottom."),
        ],
    },
];

pub static CONTENT_TYPES: &[TypeDef] = &[
    TypeDef {
        name: "Organisation",
        single: "organisation",
        plural: "organisations",
        table: "organisations",
        description: "An institution: intergovernmental body, association, ministry, university, foundation, embassy, regional council.",
        title_field: "name",
        fields: &[
            req("name", LocalText, "Full name."),
            f("acronym", LocalText, "Acronym, per language (OIM / IOM)."),
            f(
                "kind",
                Enum("OrganisationKind"),
                "What kind of institution.",
            ),
            f("description", LocalText, "Who they are."),
            f("website", Url, "Website."),
            f("logo", Ref("MediaAsset"), "Logo."),
            f("foundedYear", Int, "Year founded."),
            f("country", Country, "Country of the seat."),
            f(
                "parent",
                Ref("Organisation"),
                "The organisation this one belongs to.",
            ),
            f(
                "keyFigures",
                Embedded("KeyFigure"),
                "Key figures, each with the date it held.",
            ),
            f(
                "memberships",
                Embedded("Membership"),
                "Committees, councils and networks it sits in.",
            ),
            f(
                "structure",
                Embedded("OrganisationUnit"),
                "Positions and offices, in order.",
            ),
            f(
                "children",
                Reverse {
                    target: "Organisation",
                    field: "parent",
                },
                "Organisations that belong to this one.",
            ),
            f(
                "missions",
                Reverse {
                    target: "Mission",
                    field: "organisation",
                },
                "Its missions.",
            ),
            f(
                "fundedProjects",
                Reverse {
                    target: "Project",
                    field: "funders",
                },
                "Projects it funds.",
            ),
            f(
                "partnerProjects",
                Reverse {
                    target: "Project",
                    field: "partners",
                },
                "Projects it is a partner of.",
            ),
            f(
                "organisedEvents",
                Reverse {
                    target: "Event",
                    field: "organisers",
                },
                "Events it organised.",
            ),
        ],
    },
    TypeDef {
        name: "Mission",
        single: "mission",
        plural: "missions",
        table: "missions",
        description: "An organisation's presence and purpose in a country or region.",
        title_field: "name",
        fields: &[
            req("name", LocalText, "Name, e.g. \"Mission OIM Maroc\"."),
            f("organisation", Ref("Organisation"), "The organisation."),
            f("country", Country, "Country of the mission."),
            f("presentSince", Int, "Year the organisation arrived (2007)."),
            f("headOfMission", Ref("Person"), "Head of mission."),
            f("statement", LocalText, "What the mission does."),
            f("objectives", Embedded("Objective"), "Objectives, in order."),
            f(
                "thematicAxes",
                Reverse {
                    target: "ThematicAxis",
                    field: "mission",
                },
                "Its thematic axes and cross-cutting priorities.",
            ),
            f(
                "projects",
                Reverse {
                    target: "Project",
                    field: "mission",
                },
                "Its projects.",
            ),
        ],
    },
    TypeDef {
        name: "ThematicAxis",
        single: "thematicAxis",
        plural: "thematicAxes",
        table: "thematic_axes",
        description: "A line of work of a mission, or a cross-cutting priority.",
        title_field: "title",
        fields: &[
            req(
                "title",
                LocalText,
                "Name of the axis, e.g. \"Protection et résilience\".",
            ),
            f("mission", Ref("Mission"), "The mission it belongs to."),
            f("kind", Enum("AxisKind"), "Axis or cross-cutting priority."),
            f("description", LocalText, "What it covers."),
            f("position", Int, "Order among the mission's axes."),
            f(
                "projects",
                Reverse {
                    target: "Project",
                    field: "thematicAxes",
                },
                "Projects on this axis.",
            ),
        ],
    },
    TypeDef {
        name: "Project",
        single: "project",
        plural: "projects",
        table: "projects",
        description: "A funded piece of work.",
        title_field: "title",
        fields: &[
            req("title", LocalText, "Full title."),
            f("acronym", Text, "Acronym, e.g. INDIMAJ-Oriental."),
            f("summary", LocalText, "One-paragraph summary."),
            f("body", LocalText, "Full account."),
            f(
                "status",
                Enum("ProjectStatus"),
                "Lifecycle status (planned, ongoing, completed), not the editorial state.",
            ),
            f(
                "startDate",
                Date,
                "Start date (a reduced date such as `2024` when only the year is known).",
            ),
            f(
                "endDate",
                Date,
                "End date (a reduced date such as `2024` when only the year is known).",
            ),
            f("durationMonths", Int, "Duration in months."),
            f(
                "projectType",
                LocalText,
                "Type of project, as the funder names it.",
            ),
            f("budget", Money, "Budget."),
            f("coverage", Enum("Coverage"), "Geographic coverage."),
            f("region", LocalText, "Region, e.g. Afrique."),
            f(
                "externalIds",
                Embedded("ExternalIdentifier"),
                "Identifiers in other systems.",
            ),
            f("beneficiaryCountries", Countries, "Beneficiary countries."),
            f(
                "funders",
                Refs {
                    target: "Organisation",
                    role: true,
                },
                "Funders, with their role.",
            ),
            f(
                "partners",
                Refs {
                    target: "Organisation",
                    role: true,
                },
                "Implementing and other partners, with their role.",
            ),
            f(
                "thematicAxes",
                Refs {
                    target: "ThematicAxis",
                    role: false,
                },
                "Thematic axes.",
            ),
            f("mission", Ref("Mission"), "The mission that runs it."),
            f("website", Url, "Project website."),
            f("objectives", Embedded("Objective"), "Aims, in order."),
            f("outputs", Embedded("ProjectOutput"), "What it produced."),
            f("coverImage", Ref("MediaAsset"), "Cover image."),
            f(
                "events",
                Reverse {
                    target: "Event",
                    field: "project",
                },
                "Its events.",
            ),
            f(
                "newsArticles",
                Reverse {
                    target: "NewsArticle",
                    field: "projects",
                },
                "News about it.",
            ),
        ],
    },
    TypeDef {
        name: "Event",
        single: "event",
        plural: "events",
        table: "events",
        description: "A workshop, conference, training or seminar.",
        title_field: "title",
        fields: &[
            req("title", LocalText, "Title."),
            f("kind", Enum("EventKind"), "What kind of event."),
            f(
                "startsAt",
                DateTime,
                "Start; for all-day events the start of the first day in `timeZone`.",
            ),
            f(
                "endsAt",
                DateTime,
                "End; for all-day events the end of the last day in `timeZone`.",
            ),
            f(
                "allDay",
                Bool,
                "Whether the event is given by days rather than hours.",
            ),
            f(
                "timeZone",
                Text,
                "IANA time zone of the venue, e.g. Africa/Casablanca.",
            ),
            f("city", LocalText, "City."),
            f("venue", LocalText, "Venue, e.g. \"Hôtel Farah\"."),
            f("country", Country, "Country."),
            f("project", Ref("Project"), "The project it belongs to."),
            f(
                "organisers",
                Refs {
                    target: "Organisation",
                    role: true,
                },
                "Organisers, with their role.",
            ),
            f(
                "partners",
                Refs {
                    target: "Organisation",
                    role: true,
                },
                "Partners, with their role.",
            ),
            f(
                "speakers",
                Refs {
                    target: "Person",
                    role: true,
                },
                "Trainers, speakers and hosts of the whole event, with their role.",
            ),
            f("participantCount", Int, "Number of participants."),
            f(
                "participantCountries",
                Countries,
                "Countries the participants came from.",
            ),
            f(
                "sessions",
                Embedded("EventSession"),
                "Sessions, in programme order.",
            ),
            f("outcomes", LocalTextList, "Outcomes, in order."),
            f(
                "recommendations",
                LocalTextList,
                "Recommendations, in order.",
            ),
            f("summary", LocalText, "Short summary."),
            f("body", LocalText, "Full account."),
            f(
                "newsArticles",
                Reverse {
                    target: "NewsArticle",
                    field: "events",
                },
                "News about it.",
            ),
        ],
    },
    TypeDef {
        name: "NewsArticle",
        single: "newsArticle",
        plural: "newsArticles",
        table: "news_articles",
        description: "What editors publish: an account of an event or a project.",
        title_field: "title",
        fields: &[
            req("title", LocalText, "Headline."),
            f("dateline", LocalText, "Where it was written, e.g. Rabat."),
            f("lead", LocalText, "Opening paragraph."),
            f("body", LocalText, "Full text."),
            f("coverImage", Ref("MediaAsset"), "Cover image."),
            f("publicationDate", Date, "Date of publication as printed."),
            f(
                "events",
                Refs {
                    target: "Event",
                    role: false,
                },
                "Events it reports.",
            ),
            f(
                "projects",
                Refs {
                    target: "Project",
                    role: false,
                },
                "Projects it is about.",
            ),
            f(
                "thematicAxes",
                Refs {
                    target: "ThematicAxis",
                    role: false,
                },
                "Thematic axes.",
            ),
            f(
                "organisations",
                Refs {
                    target: "Organisation",
                    role: false,
                },
                "Organisations named.",
            ),
        ],
    },
    TypeDef {
        name: "Person",
        single: "person",
        plural: "people",
        table: "people",
        description: "Someone named on the pages.",
        title_field: "name",
        fields: &[
            req(
                "name",
                LocalText,
                "Full name (per script where it differs).",
            ),
            f(
                "honorific",
                LocalText,
                "Title of address: Mme, M., Professeur.",
            ),
            f(
                "positions",
                Embedded("Position"),
                "Roles held at organisations.",
            ),
            f("bio", LocalText, "Short biography."),
            f("photo", Ref("MediaAsset"), "Portrait."),
            f("email", Text, "Public contact address."),
            f(
                "headOf",
                Reverse {
                    target: "Mission",
                    field: "headOfMission",
                },
                "Missions this person heads.",
            ),
            f(
                "events",
                Reverse {
                    target: "Event",
                    field: "speakers",
                },
                "Events where this person trained or spoke.",
            ),
        ],
    },
    TypeDef {
        name: "MediaAsset",
        single: "mediaAsset",
        plural: "mediaAssets",
        table: "media_assets",
        description: "An image, video, document or external embed (metadata; files are served by the media store).",
        title_field: "title",
        fields: &[
            req("title", LocalText, "Title."),
            f("kind", Enum("MediaKind"), "What it holds."),
            f(
                "altText",
                LocalText,
                "Text alternative for people who cannot see it.",
            ),
            f("caption", LocalText, "Caption."),
            f("credit", Text, "Author or source to credit."),
            f("licence", Text, "Licence, e.g. CC BY 4.0."),
            f(
                "focalPoint",
                Object("FocalPoint"),
                "Point that crops keep in view.",
            ),
            f("mimeType", Text, "MIME type of the file."),
            f("fileSize", Int, "Size in bytes."),
            f("checksum", Text, "SHA-256 of the file."),
            f("width", Int, "Width in pixels."),
            f("height", Int, "Height in pixels."),
            f(
                "durationMs",
                Int,
                "Duration of audio or video in milliseconds.",
            ),
            f("externalUrl", Url, "For films and spots hosted elsewhere."),
        ],
    },
];
