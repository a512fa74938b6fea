//! Contacts from CSV: Google Contacts exports (the current "First Name" /
//! "E-mail 1 - Value" header and the older "Given Name" / "Organization 1 -
//! Name" one), LinkedIn's Connections.csv (a few "Notes:" lines before its
//! header), and any CSV with a column → field mapping.
//!
//! CSV syntax is `csv-core`'s push state machine (quotes, escaped quotes,
//! embedded line breaks, CRLF); this file only maps columns to fields.

use std::collections::BTreeMap;

use csv_core::{ReadFieldResult, Reader, ReaderBuilder};

use super::text::take_birthday;
use super::vcard::network_of;
use super::{content_key, Contact, ParseIssue, Parsed, PushParser};
use crate::error::{Error, ErrorCode, Result};

/// Largest record kept; a longer one is skipped and reported.
const MAX_RECORD: usize = 1 << 20;
/// LinkedIn puts a short preamble before its header; give up after this many records.
const MAX_PREAMBLE_RECORDS: usize = 50;

/// What a column holds.
#[derive(Debug, Clone, PartialEq)]
enum Field {
    FullName,
    Given,
    Middle,
    Family,
    Nickname,
    Email,
    Phone,
    Organization,
    Title,
    /// A profile URL or handle of a known network.
    Social(String),
    /// A web site: kept when it is a known network's profile.
    Url,
    Address,
    BirthDate,
    Note,
    /// The record's own stable id.
    Id,
}

/// The fields a mapping may name (generic CSV).
pub const MAPPABLE_FIELDS: &[&str] = &[
    "name",
    "givenName",
    "middleName",
    "familyName",
    "nickname",
    "email",
    "phone",
    "organization",
    "title",
    "linkedin",
    "twitter",
    "github",
    "url",
    "address",
    "birthDate",
    "note",
    "id",
];

fn mapped_field(name: &str) -> Option<Field> {
    Some(match name {
        "name" => Field::FullName,
        "givenName" => Field::Given,
        "middleName" => Field::Middle,
        "familyName" => Field::Family,
        "nickname" => Field::Nickname,
        "email" => Field::Email,
        "phone" => Field::Phone,
        "organization" => Field::Organization,
        "title" => Field::Title,
        "linkedin" | "twitter" | "github" => Field::Social(name.to_string()),
        "url" => Field::Url,
        "address" => Field::Address,
        "birthDate" => Field::BirthDate,
        "note" => Field::Note,
        "id" => Field::Id,
        _ => return None,
    })
}

/// Google's column names, both export generations.
fn google_field(header: &str) -> Option<Field> {
    let h = header.trim();
    let numbered = |prefix: &str, suffix: &str| {
        h.strip_prefix(prefix)
            .and_then(|r| r.strip_suffix(suffix))
            .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
    };
    Some(match h {
        "Name" => Field::FullName,
        "First Name" | "Given Name" => Field::Given,
        "Middle Name" | "Additional Name" => Field::Middle,
        "Last Name" | "Family Name" => Field::Family,
        "Nickname" => Field::Nickname,
        "Organization Name" | "Organization 1 - Name" => Field::Organization,
        "Organization Title" | "Organization 1 - Title" => Field::Title,
        "Birthday" => Field::BirthDate,
        "Notes" => Field::Note,
        _ if numbered("E-mail ", " - Value") => Field::Email,
        _ if numbered("Phone ", " - Value") => Field::Phone,
        _ if numbered("Website ", " - Value") => Field::Url,
        _ if numbered("Address ", " - Formatted") => Field::Address,
        _ => return None,
    })
}

fn linkedin_field(header: &str) -> Option<Field> {
    Some(match header.trim() {
        "First Name" => Field::Given,
        "Last Name" => Field::Family,
        "URL" => Field::Social("linkedin".into()),
        "Email Address" => Field::Email,
        "Company" => Field::Organization,
        "Position" => Field::Title,
        _ => return None,
    })
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Google,
    LinkedIn,
    Mapped,
}

pub struct CsvContactParser {
    kind: Kind,
    mapping: BTreeMap<String, Field>,
    reader: Reader,
    /// The record being read: its fields so far, the current field's bytes.
    fields: Vec<Vec<u8>>,
    field: Vec<u8>,
    record_bytes: usize,
    record_too_large: bool,
    /// Line breaks read so far, the last byte read, breaks inside the record.
    newlines: u64,
    last_byte: u8,
    record_newlines: u64,
    /// Column index → field, once the header is read.
    columns: Option<Vec<Option<Field>>>,
    header_len: usize,
    records_before_header: usize,
    /// Generic CSV: the start of the file, held until its first line break
    /// tells the delimiter (',', ';' or tab: spreadsheets in many locales
    /// export ';').
    sniff: Option<Vec<u8>>,
    delimiter: u8,
    /// The record's bytes as read (cleared past `MAX_RECORD`): when a stray
    /// quote breaks it, reading resumes from its second line.
    raw: Vec<u8>,
    raw_lost: bool,
    /// The current field: whether it opened with a quote (`None` before its
    /// first byte), and whether it has read an odd number of quotes (an
    /// opening one not closed: escaped quotes come in pairs).
    field_quoted: Option<bool>,
    field_quotes_odd: bool,
    /// The byte before was a quote that closed the field's quotes.
    after_close: bool,
    /// The record's last field is a quoted one still open.
    open_quote: bool,
    /// Something other than a delimiter or a line break followed a closing
    /// quote in the record (`"…"ok`): malformed quoting, which in a record
    /// over several lines means a stray quote was closed by a later one.
    junk_after_quote: bool,
    /// Bytes to read again after a record a stray quote broke.
    resume: Option<Vec<u8>>,
}

/// The delimiter of a header line: the most frequent of ',', ';' and tab
/// outside quotes (',' on a tie).
fn sniff_delimiter(head: &[u8]) -> u8 {
    let line = match head.iter().position(|&b| b == b'\n') {
        Some(p) => &head[..p],
        None => head,
    };
    let mut counts = [0usize; 3];
    let mut quoted = false;
    for &b in line {
        match b {
            b'"' => quoted = !quoted,
            b',' if !quoted => counts[0] += 1,
            b';' if !quoted => counts[1] += 1,
            b'\t' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let best = (0..3).max_by_key(|&i| (counts[i], 3 - i)).unwrap_or(0);
    [b',', b';', b'\t'][best]
}

/// Excel's delimiter line: a first line `sep=;` (any one delimiter byte,
/// quoted or not, a byte order mark before it allowed) names the delimiter
/// and is not part of the data. Returns the delimiter and the line's length
/// with its break.
fn excel_separator_line(head: &[u8]) -> Option<(u8, usize)> {
    let end = head.iter().position(|&b| b == b'\n')?;
    let mut line = &head[..end];
    line = line.strip_suffix(b"\r").unwrap_or(line);
    line = line.strip_prefix("\u{feff}".as_bytes()).unwrap_or(line);
    let quoted = line.strip_prefix(b"\"");
    let rest = quoted.unwrap_or(line);
    if rest.len() < 5 || !rest[..4].eq_ignore_ascii_case(b"sep=") {
        return None;
    }
    let d = rest[4];
    if !(d == b'\t' || (d.is_ascii_punctuation() && d != b'"')) {
        return None;
    }
    let mut tail = &rest[5..];
    if quoted.is_some() {
        tail = tail.strip_prefix(b"\"")?;
    }
    // A spreadsheet that saved the line back pads it with empty cells.
    tail.iter()
        .all(|&b| b == d || b == b',')
        .then_some((d, end + 1))
}

const SNIFF_LIMIT: usize = 64 * 1024;

impl CsvContactParser {
    fn new(kind: Kind, mapping: BTreeMap<String, Field>) -> Self {
        CsvContactParser {
            kind,
            mapping,
            reader: Reader::new(),
            fields: Vec::new(),
            field: Vec::new(),
            record_bytes: 0,
            record_too_large: false,
            newlines: 0,
            last_byte: 0,
            record_newlines: 0,
            columns: None,
            header_len: 0,
            records_before_header: 0,
            sniff: (kind == Kind::Mapped).then(Vec::new),
            delimiter: b',',
            raw: Vec::new(),
            raw_lost: false,
            field_quoted: None,
            field_quotes_odd: false,
            after_close: false,
            open_quote: false,
            junk_after_quote: false,
            resume: None,
        }
    }

    pub fn google() -> Self {
        Self::new(Kind::Google, BTreeMap::new())
    }

    pub fn linkedin() -> Self {
        Self::new(Kind::LinkedIn, BTreeMap::new())
    }

    /// A generic CSV: `mapping` is column header → one of [`MAPPABLE_FIELDS`].
    pub fn mapped(mapping: &BTreeMap<String, String>) -> Result<Self> {
        if mapping.is_empty() {
            return Err(Error::new(
                ErrorCode::Required,
                "mapping",
                "format 'csv' needs a mapping: column header → field",
            ));
        }
        let mut m = BTreeMap::new();
        for (header, field) in mapping {
            let f = mapped_field(field).ok_or_else(|| {
                Error::new(
                    ErrorCode::InvalidEnum,
                    format!("mapping.{}", header.chars().take(60).collect::<String>()),
                    format!(
                        "'{}' is not one of {}",
                        field.chars().take(40).collect::<String>(),
                        MAPPABLE_FIELDS.join(", ")
                    ),
                )
            })?;
            m.insert(header.trim().to_string(), f);
        }
        Ok(Self::new(Kind::Mapped, m))
    }

    /// Builds the reader for the sniffed delimiter and reads what was held.
    fn start_sniffed(&mut self, out: &mut Vec<Parsed>) -> Result<()> {
        let head = self.sniff.take().unwrap_or_default();
        let (delimiter, data) = match excel_separator_line(&head) {
            Some((d, len)) => {
                self.newlines += 1; // later lines keep their numbers
                (d, &head[len..])
            }
            None => (sniff_delimiter(&head), &head[..]),
        };
        self.delimiter = delimiter;
        self.reader = ReaderBuilder::new().delimiter(delimiter).build();
        if data.is_empty() {
            return Ok(());
        }
        self.run(data, out)
    }

    fn format_name(&self) -> &'static str {
        match self.kind {
            Kind::Google => "google-csv",
            Kind::LinkedIn => "linkedin-csv",
            Kind::Mapped => "csv",
        }
    }

    /// Reads as many fields as `input` completes; finished records go to `record`.
    fn run(&mut self, input: &[u8], out: &mut Vec<Parsed>) -> Result<()> {
        // csv-core reads an empty input as the end of the data: only
        // `finish` may hand it one.
        let at_end = input.is_empty();
        // The lines after a record broken by a stray quote are read before
        // the rest of the input (owned, each with how far it is read; a
        // stack, not recursion: those lines may hold more such records).
        let mut again: Vec<(Vec<u8>, usize)> = Vec::new();
        let mut pos = 0;
        loop {
            if let Some(rest) = self.resume.take() {
                self.reader = ReaderBuilder::new().delimiter(self.delimiter).build();
                again.push((rest, 0));
            }
            if let Some((bytes, read)) = again.last_mut() {
                if *read < bytes.len() {
                    *read += self.feed(&bytes[*read..], out)?;
                } else {
                    again.pop();
                }
                continue;
            }
            if pos < input.len() {
                pos += self.feed(&input[pos..], out)?;
                continue;
            }
            if at_end {
                self.feed(&[], out)?;
                if self.resume.is_some() {
                    continue;
                }
            }
            return Ok(());
        }
    }

    /// Feeds `input` to csv-core (empty: the end of the data); returns how
    /// much it read, all of it unless a broken record asks to read lines
    /// again first (`resume`).
    fn feed(&mut self, mut input: &[u8], out: &mut Vec<Parsed>) -> Result<usize> {
        let mut buf = [0u8; 4096];
        let (at_end, len) = (input.is_empty(), input.len());
        loop {
            if input.is_empty() && !at_end {
                return Ok(len);
            }
            let (res, nin, nout) = self.reader.read_field(input, &mut buf);
            // Lines are counted here, not by csv-core (which counts a break
            // only when it reads past it, so its count depends on chunking).
            self.newlines += input[..nin].iter().filter(|&&b| b == b'\n').count() as u64;
            if let Some(&last) = input[..nin].last() {
                self.last_byte = last;
            }
            self.read_raw(&input[..nin]);
            input = &input[nin..];
            self.take_bytes(&buf[..nout]);
            match res {
                ReadFieldResult::InputEmpty => {
                    if input.is_empty() {
                        return Ok(len);
                    }
                }
                ReadFieldResult::OutputFull => {}
                ReadFieldResult::Field { record_end } => {
                    let f = std::mem::take(&mut self.field);
                    if !self.record_too_large {
                        self.fields.push(f);
                    }
                    self.open_quote = self.field_quoted == Some(true) && self.field_quotes_odd;
                    (self.field_quoted, self.field_quotes_odd, self.after_close) =
                        (None, false, false);
                    if record_end {
                        self.end_record(out, at_end)?;
                        if self.resume.is_some() {
                            return Ok(len - input.len());
                        }
                    }
                }
                ReadFieldResult::End => return Ok(len),
            }
        }
    }

    /// Keeps the record's bytes as read, and the quotes of its field.
    fn read_raw(&mut self, bytes: &[u8]) {
        for &b in bytes {
            if self.field_quoted.is_none() && b != b'\r' && b != b'\n' {
                self.field_quoted = Some(b == b'"');
                if b == b'"' {
                    self.field_quotes_odd = true;
                }
                continue;
            }
            if self.field_quoted != Some(true) {
                continue;
            }
            if b == b'"' {
                // An escaped quote (`""`) closes and opens again.
                self.field_quotes_odd = !self.field_quotes_odd;
                self.after_close = !self.field_quotes_odd;
            } else {
                if self.after_close && b != self.delimiter && b != b'\r' && b != b'\n' {
                    self.junk_after_quote = true;
                }
                self.after_close = false;
            }
        }
        if self.raw_lost || self.raw.len() + bytes.len() > MAX_RECORD {
            self.raw = Vec::new();
            self.raw_lost = true;
        } else {
            self.raw.extend_from_slice(bytes);
        }
    }

    fn take_bytes(&mut self, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        self.record_newlines += bytes.iter().filter(|&&b| b == b'\n').count() as u64;
        self.record_bytes += bytes.len();
        if self.record_bytes > MAX_RECORD {
            self.record_too_large = true;
            self.field.clear();
            self.fields.clear();
        } else {
            self.field.extend_from_slice(bytes);
        }
    }

    fn end_record(&mut self, out: &mut Vec<Parsed>, at_end: bool) -> Result<()> {
        // The record's first line: the lines read so far, minus the breaks
        // inside its quoted fields and its own terminating break.
        // (At the end of the data the record has no break of its own: a
        // final '\n' then belongs to an unclosed quoted field.)
        let terminator = u64::from(!at_end && self.last_byte == b'\n');
        let record_breaks = std::mem::take(&mut self.record_newlines);
        let line = 1 + self.newlines.saturating_sub(terminator + record_breaks);
        let fields: Vec<String> = std::mem::take(&mut self.fields)
            .into_iter()
            .map(|f| super::text::decode_charset(&f, None))
            .collect();
        let too_large = std::mem::replace(&mut self.record_too_large, false);
        self.record_bytes = 0;
        let raw = std::mem::take(&mut self.raw);
        let raw_lost = std::mem::replace(&mut self.raw_lost, false);
        let open_quote = std::mem::take(&mut self.open_quote);
        let junk_after_quote = std::mem::take(&mut self.junk_after_quote);
        // A stray quote took the lines after it into one cell: the record
        // spans lines (a break inside quotes) and the data ended inside the
        // quotes, or a later quote closed them with text after it or left
        // the record with the wrong number of fields. It is reported, and
        // the lines after its first are read again as records of their own.
        // (A quoted note over several lines is well formed and has the
        // right number of fields.)
        let broken = self.columns.is_some()
            && record_breaks > 0
            && ((at_end && open_quote)
                || junk_after_quote
                || (!too_large && !self.length_ok(&fields)));
        if broken {
            // (The break that ended the record before may lead its bytes.)
            let first = raw.iter().position(|&b| b != b'\r' && b != b'\n');
            let rest = first.and_then(|f| {
                let p = f + raw[f..].iter().position(|&b| b == b'\n')?;
                Some(raw[p + 1..].to_vec())
            });
            let what = if at_end && open_quote {
                "a quote opened on this line is never closed".to_string()
            } else if junk_after_quote {
                format!(
                    "a quote opened on this line runs over {record_breaks} line breaks and is \
                     closed by a quote that text follows"
                )
            } else {
                format!(
                    "a quote opened on this line runs over {record_breaks} line breaks, and the \
                     record has {} fields where the header has {}",
                    fields.len(),
                    self.header_len
                )
            };
            let reason = match rest.filter(|r| !r.is_empty()) {
                _ if too_large || raw_lost => format!(
                    "{what}: the record, over {MAX_RECORD} bytes, is skipped with the {} lines in it",
                    record_breaks + 1
                ),
                Some(rest) => {
                    self.newlines = line;
                    self.resume = Some(rest);
                    format!("{what}: the record is skipped, the lines after its first are read on their own")
                }
                None => format!("{what}: the record is skipped"),
            };
            out.push(Parsed::Issue(ParseIssue::new(
                line,
                ErrorCode::InvalidInput,
                reason,
            )));
            return Ok(());
        }
        if too_large {
            out.push(Parsed::Issue(ParseIssue::new(
                line,
                ErrorCode::TooLarge,
                format!("record over {MAX_RECORD} bytes, skipped"),
            )));
            return Ok(());
        }
        if fields.iter().all(|f| f.trim().is_empty()) {
            return Ok(());
        }
        if self.columns.is_none() {
            return self.header(fields, line);
        }
        if !self.length_ok(&fields) {
            out.push(Parsed::Issue(ParseIssue::new(
                line,
                ErrorCode::InvalidInput,
                format!(
                    "{} fields where the header has {}",
                    fields.len(),
                    self.header_len
                ),
            )));
            return Ok(());
        }
        let contact = self.contact(&fields, line, out);
        out.push(contact);
        Ok(())
    }

    /// A record's number of fields is the header's, or one short, or more
    /// with only empty cells after (spreadsheet exports do both).
    fn length_ok(&self, fields: &[String]) -> bool {
        let n = self.header_len;
        fields.len() == n
            || fields.len() + 1 == n
            || (fields.len() > n && fields[n..].iter().all(|f| f.trim().is_empty()))
    }

    fn header(&mut self, mut fields: Vec<String>, line: u64) -> Result<()> {
        if let Some(first) = fields.first_mut() {
            if let Some(rest) = first.strip_prefix('\u{feff}') {
                *first = rest.to_string();
            }
        }
        let columns: Vec<Option<Field>> = match self.kind {
            Kind::Google => fields.iter().map(|h| google_field(h)).collect(),
            Kind::LinkedIn => fields.iter().map(|h| linkedin_field(h)).collect(),
            Kind::Mapped => fields
                .iter()
                .map(|h| self.mapping.get(h.trim()).cloned())
                .collect(),
        };
        match self.kind {
            Kind::LinkedIn => {
                let has = |n: &str| fields.iter().any(|f| f.trim() == n);
                if !(has("First Name") && has("Last Name") && (has("URL") || has("Connected On"))) {
                    // Still the "Notes:" preamble.
                    self.records_before_header += 1;
                    if self.records_before_header > MAX_PREAMBLE_RECORDS {
                        return Err(self.no_header());
                    }
                    return Ok(());
                }
            }
            Kind::Google => {
                let named = columns.iter().any(|c| {
                    matches!(
                        c,
                        Some(Field::FullName | Field::Given | Field::Family | Field::Email)
                    )
                });
                if !named {
                    return Err(self.no_header());
                }
            }
            Kind::Mapped => {
                let missing: Vec<&String> = self
                    .mapping
                    .keys()
                    .filter(|k| !fields.iter().any(|f| f.trim() == k.as_str()))
                    .collect();
                if !missing.is_empty() {
                    return Err(Error::new(
                        ErrorCode::InvalidInput,
                        "mapping",
                        format!(
                            "column(s) {} not in the header (line {line})",
                            missing
                                .iter()
                                .map(|m| format!("'{}'", m.chars().take(60).collect::<String>()))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    ));
                }
            }
        }
        self.header_len = fields.len();
        self.columns = Some(columns);
        Ok(())
    }

    fn no_header(&self) -> Error {
        let expected = match self.kind {
            Kind::LinkedIn => {
                "First Name,Last Name,URL,Email Address,Company,Position,Connected On"
            }
            _ => "First Name / Given Name, Last Name / Family Name, E-mail 1 - Value, …",
        };
        Error::new(
            ErrorCode::InvalidInput,
            "format",
            format!(
                "not a {} file: no header like '{expected}' found",
                self.format_name()
            ),
        )
    }

    /// The contact of a row; a value left out is reported in `out`.
    fn contact(&self, fields: &[String], line: u64, out: &mut Vec<Parsed>) -> Parsed {
        let columns = self.columns.as_ref().expect("header read");
        let mut c = Contact {
            line,
            ..Default::default()
        };
        let (mut given, mut middle, mut family) = (Vec::new(), Vec::new(), Vec::new());
        let mut full = Vec::new();
        let mut id = None;
        for (i, value) in fields.iter().enumerate() {
            let Some(Some(field)) = columns.get(i) else {
                continue;
            };
            // Google puts several values in one cell: "a@x.org ::: b@y.org".
            for v in value.split(":::").map(str::trim).filter(|v| !v.is_empty()) {
                let v = v.to_string();
                match field {
                    Field::FullName => full.push(v),
                    Field::Given => given.push(v),
                    Field::Middle => middle.push(v),
                    Field::Family => family.push(v),
                    Field::Nickname => push_unique(&mut c.names, v),
                    Field::Email => {
                        push_unique(&mut c.emails, v.trim_start_matches("mailto:").into())
                    }
                    Field::Phone => push_unique(&mut c.phones, v),
                    Field::Organization => {
                        c.organization.get_or_insert(v);
                    }
                    Field::Title => {
                        c.title.get_or_insert(v);
                    }
                    Field::Social(network) => {
                        c.social.entry(network.clone()).or_insert(v);
                    }
                    Field::Url => match network_of(&v) {
                        Some(n) => {
                            c.social.entry(n.to_string()).or_insert(v);
                        }
                        None => {
                            c.website.get_or_insert(v);
                        }
                    },
                    Field::Address => push_unique(
                        &mut c.addresses,
                        v.replace("\r\n", ", ").replace(['\r', '\n'], ", "),
                    ),
                    Field::BirthDate => take_birthday(&mut c, &v, "birthday", line, out),
                    Field::Note => {
                        push_unique(&mut c.notes, v.replace("\r\n", "\n").replace('\r', "\n"))
                    }
                    Field::Id => {
                        id.get_or_insert(v);
                    }
                }
            }
        }
        let composed = [given.join(" "), middle.join(" "), family.join(" ")]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        let mut names = full;
        if !composed.is_empty() && !names.contains(&composed) {
            names.push(composed);
        }
        for n in std::mem::take(&mut c.names) {
            push_unique(&mut names, n);
        }
        c.names = names;
        // A row that names only a company (Google keeps companies as
        // contacts without a person's name, email or phone) is that
        // organization, not a refused row.
        if (c.is_empty() && c.organization.is_some()) || c.names_only_a_company() {
            c.is_organization = true;
        } else if c.is_empty() {
            return Parsed::Issue(ParseIssue::new(
                line,
                ErrorCode::Required,
                "row without a name, email or phone",
            ));
        }
        c.record_id = match (id, self.kind, c.social.get("linkedin")) {
            (Some(id), _, _) => format!("id:{id}"),
            (None, Kind::LinkedIn, Some(url)) => format!("url:{}", url.trim_end_matches('/')),
            _ => {
                let parts: Vec<&str> = fields.iter().map(String::as_str).collect();
                content_key(&parts)
            }
        };
        Parsed::Contact(c)
    }
}

fn push_unique(list: &mut Vec<String>, v: String) {
    let v = v.trim().to_string();
    if !v.is_empty() && !list.contains(&v) {
        list.push(v);
    }
}

impl PushParser for CsvContactParser {
    fn feed(&mut self, chunk: &[u8], out: &mut Vec<Parsed>) -> Result<()> {
        // (A byte order mark ends up in the first header cell, removed there.)
        if chunk.is_empty() {
            return Ok(());
        }
        if let Some(head) = &mut self.sniff {
            head.extend_from_slice(chunk);
            if !head.contains(&b'\n') && head.len() < SNIFF_LIMIT {
                return Ok(());
            }
            return self.start_sniffed(out);
        }
        self.run(chunk, out)
    }

    fn finish(&mut self, out: &mut Vec<Parsed>) -> Result<()> {
        if self.sniff.is_some() {
            self.start_sniffed(out)?;
        }
        // An empty input tells csv-core the data ended: it completes the
        // last record (a file without a final line break).
        // (`run` reads the lines after a record a stray quote broke, too.)
        self.run(&[], out)?;
        if self.columns.is_none() {
            return Err(self.no_header());
        }
        Ok(())
    }

    fn buffered_bytes(&self) -> usize {
        self.sniff.as_ref().map_or(0, Vec::capacity)
            + self.raw.capacity()
            + self.field.capacity()
            + self.fields.iter().map(Vec::capacity).sum::<usize>()
    }
}

#[cfg(test)]
mod tests {
    use super::super::{parse_all, Format, ParserOptions};
    use super::*;

    fn parse(format: Format, mapping: &[(&str, &str)], input: &str) -> Result<Vec<Parsed>> {
        let options = ParserOptions {
            mapping: mapping
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect(),
            ..Default::default()
        };
        let whole = parse_all(format, &options, input.as_bytes(), 1 << 20)?;
        for chunk in [1, 3, 64] {
            assert_eq!(
                parse_all(format, &options, input.as_bytes(), chunk)?,
                whole,
                "chunk {chunk}"
            );
        }
        Ok(whole)
    }

    fn contacts(p: &[Parsed]) -> Vec<&Contact> {
        p.iter()
            .filter_map(|x| match x {
                Parsed::Contact(c) => Some(c),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn google_current_header() {
        let out = parse(
            Format::GoogleCsv,
            &[],
            "First Name,Middle Name,Last Name,Nickname,Organization Name,Organization Title,Birthday,E-mail 1 - Label,E-mail 1 - Value,E-mail 2 - Label,E-mail 2 - Value,Phone 1 - Label,Phone 1 - Value,Website 1 - Label,Website 1 - Value\r\n\
             José,,Núñez,Pepe,Acme Inc.,CTO,1980-02-29,* Work,jose@acme.example ::: jnunez@acme.example,,,Mobile,+34 600 000 000,Profile,https://www.linkedin.com/in/jnunez\r\n\
             ,,,,,,,,,,,,,,\r\n\
             \"Smith, Jr.\",,\"O'Brien\",,,,,,\"a@b.example\",,,,,,",
        )
        .unwrap();
        let c = contacts(&out);
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].names, vec!["José Núñez", "Pepe"]);
        assert_eq!(
            c[0].emails,
            vec!["jose@acme.example", "jnunez@acme.example"]
        );
        assert_eq!(c[0].phones, vec!["+34 600 000 000"]);
        assert_eq!(c[0].organization.as_deref(), Some("Acme Inc."));
        assert_eq!(c[0].title.as_deref(), Some("CTO"));
        assert_eq!(c[0].birth_date.as_deref(), Some("1980-02-29"));
        assert_eq!(
            c[0].social["linkedin"],
            "https://www.linkedin.com/in/jnunez"
        );
        assert_eq!(c[0].line, 2);
        assert_eq!(c[1].names, vec!["Smith, Jr. O'Brien"]);
        assert_eq!(c[1].line, 4);
        assert!(c[0].record_id.starts_with("hash:"));
    }

    /// A stray quote that is never closed took the rest of the file into
    /// one cell, with no error (found by an adversarial review): the record
    /// is reported and the lines after it are read on their own, with their
    /// own line numbers, whatever the chunking; a properly quoted
    /// multi-line note before it is untouched.
    #[test]
    fn a_quote_never_closed_is_reported_and_the_lines_after_it_are_read() {
        let mapping = [("Full name", "name"), ("Mail", "email"), ("Notes", "note")];
        // Hal's quotes close Fay's (her record then has too many fields),
        // or nothing does (the data ends inside her quote).
        let hal = [
            "Hal H,hal@x.example,\"fine, \"\"quoted\"\"\"",
            "Hal H,hal@x.example,plain",
        ];
        for (end, crlf, hal) in [
            ("\n", false, hal[0]),
            ("", false, hal[0]),
            ("\r\n", true, hal[0]),
            ("\n", false, hal[1]),
            ("", false, hal[1]),
            ("\r\n", true, hal[1]),
        ] {
            let nl = if crlf { "\r\n" } else { "\n" };
            let input = [
                "Full name,Mail,Notes",
                "Ann A,ann@x.example,\"two",
                "lines\"",
                "Fay F,fay@x.example,\"unterminated",
                "Gus G,gus@x.example,ok",
                hal,
            ]
            .join(nl)
                + end;
            let out = parse(Format::Csv, &mapping, &input).unwrap();
            let issues: Vec<(u64, &str)> = super::super::issues(&out)
                .into_iter()
                .map(|i| (i.line, i.reason.as_str()))
                .collect();
            assert_eq!(issues.len(), 1, "{out:?}");
            assert_eq!(issues[0].0, 4);
            assert!(
                issues[0].1.starts_with("a quote opened on this line")
                    && issues[0]
                        .1
                        .ends_with("the lines after its first are read on their own"),
                "{issues:?}"
            );
            let c = contacts(&out);
            let got: Vec<(&str, u64)> = c.iter().map(|c| (c.names[0].as_str(), c.line)).collect();
            assert_eq!(
                got,
                [("Ann A", 2), ("Gus G", 5), ("Hal H", 6)],
                "{end:?} {hal}"
            );
            assert_eq!(c[0].notes, ["two\nlines"]);
        }
    }

    /// A later quote that closes a stray one with text after it (`"ok"`,
    /// `"again`, `"two`) left the record with the header's number of fields,
    /// and the rows in between inside a note, with no error (found by a
    /// review): text after a closing quote in a record over several lines
    /// is a stray quote too.
    #[test]
    fn a_stray_quote_closed_by_a_later_one_is_reported_and_the_lines_after_it_read() {
        let mapping = [("Full name", "name"), ("Mail", "email"), ("Notes", "note")];
        for (rows, want) in [
            (
                "Fay F,fay@x.example,\"unterminated\nGus G,gus@x.example,\"ok\"\nHal H,hal@x.example,plain\n",
                vec![("Gus G", 3), ("Hal H", 4)],
            ),
            (
                "Fay F,fay@x.example,\"unterminated\nGus G,gus@x.example,ok\nIvy I,ivy@x.example,\"again\nJo J,jo@x.example,x\n",
                vec![("Gus G", 3), ("Jo J", 5)],
            ),
            (
                "Fay F,fay@x.example,\"unterminated\nAnn A,ann@x.example,\"two\nlines\"\nGus G,gus@x.example,ok\n",
                vec![("Ann A", 3), ("Gus G", 5)],
            ),
        ] {
            let input = format!("Full name,Mail,Notes\n{rows}");
            let out = parse(Format::Csv, &mapping, &input).unwrap();
            let got: Vec<(&str, u64)> = contacts(&out)
                .iter()
                .map(|c| (c.names[0].as_str(), c.line))
                .collect();
            assert_eq!(got, want, "{rows:?}");
            let issues: Vec<u64> = super::super::issues(&out)
                .iter()
                .map(|i| i.line)
                .collect();
            assert!(issues.contains(&2), "Fay's line is reported: {out:?}");
        }
        // Well-formed quoting over several lines, escaped quotes included,
        // is no stray quote.
        let input = "Full name,Mail,Notes\nAnn A,ann@x.example,\"say \"\"hi\"\"\nthen go\"\nBo B,bo@x.example,x\n";
        let out = parse(Format::Csv, &mapping, input).unwrap();
        assert_eq!(contacts(&out).len(), 2, "{out:?}");
        assert!(
            !out.iter().any(|p| matches!(p, Parsed::Issue(_))),
            "{out:?}"
        );
    }

    #[test]
    fn a_row_naming_only_a_company_is_an_organization() {
        let out = parse(
            Format::GoogleCsv,
            &[],
            "First Name,Last Name,Organization Name,E-mail 1 - Value,Website 1 - Value\r\n\
             ,,Acme Inc.,,https://acme.example/\r\n\
             ,,Acme Inc.,sales@acme.example,\r\n\
             ,,Acme Inc.,jane.doe@acme.example,\r\n",
        )
        .unwrap();
        let c = contacts(&out);
        assert_eq!(c.len(), 3, "{out:?}");
        assert!(c[0].is_organization);
        assert_eq!(c[0].organization.as_deref(), Some("Acme Inc."));
        assert_eq!(c[0].website.as_deref(), Some("https://acme.example/"));
        // A role address is the company's (kept in its contact details) ...
        assert!(c[1].is_organization);
        assert_eq!(c[1].emails, ["sales@acme.example"]);
        // ... a person's address is someone's: kept as a contact.
        assert!(!c[2].is_organization);
    }

    #[test]
    fn google_older_header() {
        let out = parse(
            Format::GoogleCsv,
            &[],
            "Name,Given Name,Additional Name,Family Name,Organization 1 - Type,Organization 1 - Name,Organization 1 - Title,E-mail 1 - Type,E-mail 1 - Value\n\
             Grace Hopper,Grace,,Hopper,,US Navy,Rear Admiral,* Home,grace@navy.example\n",
        )
        .unwrap();
        let c = contacts(&out);
        assert_eq!(c[0].names, vec!["Grace Hopper"]);
        assert_eq!(c[0].organization.as_deref(), Some("US Navy"));
        assert_eq!(c[0].title.as_deref(), Some("Rear Admiral"));
    }

    #[test]
    fn linkedin_skips_its_notes_preamble() {
        let out = parse(
            Format::LinkedInCsv,
            &[],
            "Notes:\n\"When exporting your connection data, you may notice that some of the email addresses are missing. You will only see email addresses for connections who have allowed their connections to see or download their email address using this setting https://www.linkedin.com/psettings/privacy/email. You can learn more here https://www.linkedin.com/help/linkedin/answer/261\"\n\n\
             First Name,Last Name,URL,Email Address,Company,Position,Connected On\n\
             Ada,Lovelace,https://www.linkedin.com/in/ada-lovelace,,Analytical Engines,Programmer,10 Dec 2020\n\
             broken,row\n",
        )
        .unwrap();
        let c = contacts(&out);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].names, vec!["Ada Lovelace"]);
        assert_eq!(
            c[0].record_id,
            "url:https://www.linkedin.com/in/ada-lovelace"
        );
        assert_eq!(c[0].line, 5);
        let issues = super::super::issues(&out);
        assert_eq!(issues.len(), 1);
        assert_eq!(issues[0].line, 6);
    }

    #[test]
    fn not_a_linkedin_file_is_refused() {
        let e = parse(Format::LinkedInCsv, &[], "a,b\n1,2\n").unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidInput);
        assert_eq!(e.field.as_deref(), Some("format"));
    }

    #[test]
    fn a_mapped_csv() {
        let out = parse(
            Format::Csv,
            &[
                ("Full name", "name"),
                ("Mail", "email"),
                ("Firm", "organization"),
                ("Key", "id"),
            ],
            "Key;ignored\nnot,the,header\n",
        );
        assert_eq!(out.unwrap_err().field.as_deref(), Some("mapping"));
        let out = parse(
            Format::Csv,
            &[("Full name", "name"), ("Mail", "email"), ("Firm", "organization"), ("Key", "id")],
            "Key,Full name,Mail,Firm,Other\n7,\"Line\nBreak\",lb@x.example,Firm A,zzz\n8,Bea,bea@x.example,,\n",
        )
        .unwrap();
        let c = contacts(&out);
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].names, vec!["Line\nBreak"]);
        assert_eq!(c[0].record_id, "id:7");
        assert_eq!(c[1].line, 4);
        // Outlook's birthday is month first; a value that is no date is
        // reported and the rest of the row kept.
        let out = parse(
            Format::Csv,
            &[("Name", "name"), ("Birthday", "birthDate")],
            "Name,Birthday\nJürgen,12/24/1970\nAnna,next week\n",
        )
        .unwrap();
        let c = contacts(&out);
        assert_eq!(c[0].birth_date.as_deref(), Some("1970-12-24"));
        assert_eq!((c[1].names[0].as_str(), &c[1].birth_date), ("Anna", &None));
        assert!(out.iter().any(
            |p| matches!(p, Parsed::Issue(i) if i.line == 3 && i.code == ErrorCode::InvalidDate)
        ));
        let bad = CsvContactParser::mapped(&[("A".to_string(), "nmae".to_string())].into());
        assert_eq!(bad.err().unwrap().code, ErrorCode::InvalidEnum);
    }

    #[test]
    fn excels_separator_line_names_the_delimiter() {
        let mapping = [("Name", "name"), ("Mail", "email")];
        // The line names ';' where the header has more commas; a byte order
        // mark, quotes and padding cells as spreadsheets write them.
        for first in [
            "sep=;",
            "\u{feff}sep=;",
            "\"sep=;\"",
            "SEP=;\r",
            "\"sep=;\",,",
        ] {
            let text = format!("{first}\nName;Mail\n\"Doe, Jane\";jane@x.example\nto;o;many\n");
            let out = parse(Format::Csv, &mapping, &text).unwrap();
            let c = contacts(&out);
            assert_eq!(c.len(), 1, "{first:?}");
            assert_eq!(c[0].names, vec!["Doe, Jane"]);
            assert_eq!(c[0].emails, vec!["jane@x.example"]);
            // Line numbers count the separator line.
            assert_eq!(c[0].line, 3);
            assert!(out
                .iter()
                .any(|p| matches!(p, Parsed::Issue(i) if i.line == 4)));
        }
        // Not a separator line: a header that only starts like one.
        assert_eq!(excel_separator_line(b"sep=;x\n"), None);
        assert_eq!(excel_separator_line(b"separator,Name\n"), None);
        assert_eq!(excel_separator_line(b"sep=a\n"), None);
        assert_eq!(excel_separator_line(b"sep=\t\n"), Some((b'\t', 6)));
    }
}
