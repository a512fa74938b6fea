//! Importers: contact files (vCard, Google Contacts CSV, LinkedIn
//! Connections.csv, any CSV with a column mapping) and interaction files
//! (iCalendar events, mbox headers) turned into records the store writes.
//!
//! Every parser is a push parser: it is fed byte chunks as they arrive
//! ([`PushParser::feed`]) and emits what it has recognised so far, so a
//! 50 MB file is parsed with memory bounded by the longest line or entry
//! (capped, see [`lines::MAX_LINE`]), never by the file. A malformed entry
//! becomes a [`ParseIssue`] with its line number; the rest goes on.
//! Only a file that cannot be this format at all (a CSV without the
//! expected header) stops the import with an error.
//!
//! Parsers know nothing of the store: `src/store/import.rs` maps what they
//! emit onto people, organizations and interactions.

mod charsets;
pub mod csv_contacts;
pub mod ics;
pub mod legacy;
pub mod lines;
pub mod mbox;
pub mod rrule;
pub mod text;
pub mod utf16;
pub mod vcard;

use std::collections::BTreeMap;

use crate::error::{Error, ErrorCode, Result};
use crate::model::{Channel, Direction, Timestamp};

/// The formats `importContacts` / `importInteractions` accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    VCard,
    GoogleCsv,
    LinkedInCsv,
    Csv,
    Ics,
    Mbox,
}

impl Format {
    pub const CONTACTS: [Format; 4] = [
        Format::VCard,
        Format::GoogleCsv,
        Format::LinkedInCsv,
        Format::Csv,
    ];
    pub const INTERACTIONS: [Format; 2] = [Format::Ics, Format::Mbox];

    pub fn as_str(self) -> &'static str {
        match self {
            Format::VCard => "vcard",
            Format::GoogleCsv => "google-csv",
            Format::LinkedInCsv => "linkedin-csv",
            Format::Csv => "csv",
            Format::Ics => "ics",
            Format::Mbox => "mbox",
        }
    }

    /// Parses a format name among `allowed` (INVALID_ENUM otherwise).
    pub fn parse(s: &str, allowed: &[Format]) -> Result<Format> {
        allowed
            .iter()
            .copied()
            .find(|f| f.as_str() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = allowed.iter().map(|f| f.as_str()).collect();
                Error::new(
                    ErrorCode::InvalidEnum,
                    "format",
                    format!(
                        "'{}' is not one of {}",
                        s.chars().take(40).collect::<String>(),
                        names.join(", ")
                    ),
                )
            })
    }

    pub fn is_contacts(self) -> bool {
        Format::CONTACTS.contains(&self)
    }
}

/// A contact as found in a file, before it meets the graph. Values are as
/// written (decoded, trimmed); validation happens in the store.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Contact {
    /// First line of the entry (1-based).
    pub line: u64,
    /// The entry's own stable key within its file: `uid:<UID>` (vCard),
    /// `url:<profile>` (LinkedIn), `id:<column>` (mapped CSV), or
    /// `hash:<digest of its content>` when the format has none.
    pub record_id: String,
    pub names: Vec<String>,
    pub emails: Vec<String>,
    pub phones: Vec<String>,
    pub organization: Option<String>,
    pub title: Option<String>,
    /// Network → profile (URL or handle): linkedin, twitter, github, …
    pub social: BTreeMap<String, String>,
    pub addresses: Vec<String>,
    /// YYYY-MM-DD, when the file gives a full date.
    pub birth_date: Option<String>,
    /// The entry describes an organization, not a person (vCard 4
    /// `KIND:org`, Apple's `X-ABShowAs:COMPANY`): its name is
    /// `organization`, else the first of `names`.
    pub is_organization: bool,
    /// A web address that is not a social profile (an organization's site).
    pub website: Option<String>,
    /// Free-text notes (vCard NOTE, Google's "Notes" column, a mapped
    /// `note` column), kept as `metadata.note`.
    pub notes: Vec<String>,
}

impl Contact {
    pub fn is_empty(&self) -> bool {
        self.names.is_empty() && self.emails.is_empty() && self.phones.is_empty()
    }

    /// A company's contact written as a person's, as address books export
    /// them: the organization named, no person's name (none, or only the
    /// organization's own), and either the organization's name as its name
    /// or only role addresses (info@, sales@…) as emails. Such an entry
    /// makes the organization, not a person named "Acme Corp" or nameless.
    pub fn names_only_a_company(&self) -> bool {
        let Some(org) = self.organization.as_deref().map(str::trim) else {
            return false;
        };
        if org.is_empty()
            || !self
                .names
                .iter()
                .all(|n| n.trim().eq_ignore_ascii_case(org))
        {
            return false;
        }
        let role = |e: &String| {
            let local = e.split('@').next().unwrap_or("").to_ascii_lowercase();
            ROLE_ADDRESSES.contains(&local.as_str())
        };
        !self.names.is_empty() || (!self.emails.is_empty() && self.emails.iter().all(role))
    }
}

/// Local parts of addresses that are a company's, not a person's.
const ROLE_ADDRESSES: &[&str] = &[
    "info",
    "sales",
    "contact",
    "contacts",
    "hello",
    "hi",
    "office",
    "support",
    "help",
    "admin",
    "team",
    "billing",
    "accounts",
    "enquiries",
    "inquiries",
    "mail",
    "reception",
    "service",
    "press",
    "media",
    "jobs",
    "careers",
    "hr",
    "marketing",
    "orders",
    "bookings",
    "noreply",
    "no-reply",
    "general",
    "post",
];

/// An interaction as found in a file (an event, a message's headers).
#[derive(Debug, Clone, PartialEq)]
pub struct FoundInteraction {
    pub line: u64,
    /// Unique within the file's source: event UID (+ `#RECURRENCE-ID`),
    /// Message-ID, or a digest of the headers when there is none.
    pub source_id: String,
    pub timestamp: Timestamp,
    pub channel: Channel,
    /// Email addresses, lower-case, distinct, sender first when known.
    pub participants: Vec<String>,
    pub sender: Option<String>,
    pub direction: Option<Direction>,
    pub duration_minutes: Option<f64>,
    /// Display names seen next to addresses (CN=, "Name" <addr>).
    pub display_names: Vec<(String, String)>,
    /// Relative to the owner's addresses: "outgoing" / "incoming" (mbox).
    pub owner_direction: Option<&'static str>,
}

/// A malformed entry: reported with its line, the rest is imported.
#[derive(Debug, Clone, PartialEq)]
pub struct ParseIssue {
    pub line: u64,
    pub code: ErrorCode,
    pub reason: String,
}

impl ParseIssue {
    pub fn new(line: u64, code: ErrorCode, reason: impl Into<String>) -> Self {
        ParseIssue {
            line,
            code,
            reason: reason.into(),
        }
    }
}

/// What a parser emits.
#[derive(Debug, Clone, PartialEq)]
pub enum Parsed {
    Contact(Contact),
    Interaction(FoundInteraction),
    Issue(ParseIssue),
    /// A well-formed entry deliberately left out (a cancelled event, an
    /// event or message with fewer than two participants).
    Skipped {
        line: u64,
    },
    /// A meeting the file now cancels (STATUS:CANCELLED, an EXDATE, a
    /// cancelled occurrence): the store deletes it if an earlier import
    /// stored it. `listed`: an EXDATE, which is no entry of its own (one
    /// that matches nothing is not counted as skipped). `series`: a
    /// cancelled event itself (not one occurrence), which cancels every
    /// occurrence of it stored (`UID` and `UID#<instant>`).
    Cancelled {
        line: u64,
        source_id: String,
        listed: bool,
        series: bool,
    },
}

/// A streaming parser: bytes in (any chunking), entries out, in file order.
/// `feed` and `finish` fail only when the input cannot be this format at
/// all; then nothing more should be fed.
pub trait PushParser {
    fn feed(&mut self, chunk: &[u8], out: &mut Vec<Parsed>) -> Result<()>;
    fn finish(&mut self, out: &mut Vec<Parsed>) -> Result<()>;
    /// Bytes held between calls (partial line / entry): what bounds memory.
    fn buffered_bytes(&self) -> usize;
}

/// Options the parsers need (the store's options hold the rest).
#[derive(Debug, Clone, Default)]
pub struct ParserOptions {
    /// For `Format::Csv`: column header → field.
    pub mapping: BTreeMap<String, String>,
    /// For mbox: the owner's addresses (lower-case), for direction.
    pub owner_emails: Vec<String>,
    /// For iCalendar: recurring events are expanded up to this time (later
    /// occurrences have not happened); None: only up to a series' cap.
    pub now: Option<Timestamp>,
    /// The source was text already (a JS string, fed as UTF-8): a vCard or
    /// iCalendar value written as it is stays UTF-8 whatever its
    /// `CHARSET=` says (see [`text::parse_property`]).
    pub text_source: bool,
    /// A legacy charset the whole file is in (a label checked by
    /// [`legacy::encoding`]); None: UTF-8, UTF-16 by its marks, else a
    /// value's own label, else Windows-1252.
    pub encoding: Option<String>,
}

/// The parser for a format. A byte source that turns out to be UTF-16 is
/// read as text in UTF-8 (see [`utf16`]), and so is one in the legacy
/// charset `options.encoding` names (see [`legacy`]).
pub fn parser(format: Format, options: &ParserOptions) -> Result<Box<dyn PushParser>> {
    // Checked for a text source too, where it then says nothing.
    let encoding = legacy::encoding(options.encoding.as_deref().unwrap_or("utf-8"))?;
    if options.text_source {
        return format_parser(format, options);
    }
    let as_text = utf16::as_text(options);
    let inner = match encoding {
        legacy::Encoding::AsIs => format_parser(format, options)?,
        legacy::Encoding::Legacy(label) => Box::new(legacy::Transcoded::new(
            label,
            format_parser(format, &as_text)?,
        )),
    };
    Ok(Box::new(utf16::Utf16Aware::new(
        inner,
        Box::new(move || format_parser(format, &as_text)),
    )))
}

fn format_parser(format: Format, options: &ParserOptions) -> Result<Box<dyn PushParser>> {
    Ok(match format {
        Format::VCard => Box::new(
            vcard::VCardParser::new()
                .text_source(options.text_source)
                .qp_charset(options.encoding.clone()),
        ),
        Format::GoogleCsv => Box::new(csv_contacts::CsvContactParser::google()),
        Format::LinkedInCsv => Box::new(csv_contacts::CsvContactParser::linkedin()),
        Format::Csv => Box::new(csv_contacts::CsvContactParser::mapped(&options.mapping)?),
        Format::Ics => Box::new(
            ics::IcsParser::new(options.now)
                .text_source(options.text_source)
                .qp_charset(options.encoding.clone()),
        ),
        Format::Mbox => Box::new(mbox::MboxParser::new(&options.owner_emails)),
    })
}

/// Parses a whole byte slice (tests, tools): every entry, in order.
pub fn parse_all(
    format: Format,
    options: &ParserOptions,
    bytes: &[u8],
    chunk: usize,
) -> Result<Vec<Parsed>> {
    let mut p = parser(format, options)?;
    let mut out = Vec::new();
    for c in bytes.chunks(chunk.max(1)) {
        p.feed(c, &mut out)?;
    }
    p.finish(&mut out)?;
    Ok(out)
}

/// The issues among parsed entries, in order (tests).
#[cfg(test)]
pub(crate) fn issues(out: &[Parsed]) -> Vec<&ParseIssue> {
    out.iter()
        .filter_map(|p| match p {
            Parsed::Issue(i) => Some(i),
            _ => None,
        })
        .collect()
}

/// A stable digest of an entry's content, for formats without ids: the same
/// entry gives the same key in every import.
pub fn content_key(parts: &[&str]) -> String {
    let mut joined = String::new();
    for p in parts {
        joined.push_str(p);
        joined.push('\u{1f}');
    }
    let digest = uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, joined.as_bytes());
    format!("hash:{}", digest.simple())
}

#[cfg(test)]
mod proptests;
