//! Importing files into the graph: an [`ImportSession`] runs a format's push
//! parser over byte chunks; every [`IMPORT_BATCH`] records the caller writes
//! a batch ([`Db::prepare_import_batch`]: one commit, one transaction, its
//! audit and outbox entries), so memory holds one batch, never the file.
//! After the last batch, [`Db::prepare_import_followups`] rescores the
//! touched edges and counts new duplicate suggestions.
//!
//! Idempotence. A contact's person id is a UUID v5 of (sourceName, the
//! entry's own key: vCard UID, LinkedIn profile URL, mapped id column, or a
//! digest of its content), so importing the same file again finds the same
//! people. Import only adds: names, emails, phones, addresses and social
//! profiles are unioned into what the person has; title, organization and
//! birth date are set only when missing. Re-importing changes nothing (no
//! audit or outbox entry), and edits made in the graph are never undone.
//! Interactions are keyed by (sourceName, sourceId) as everywhere.
//!
//! Deleted and merged records: a contact whose person was soft-deleted, or
//! an interaction that was, is skipped (counted in `skipped`): an import
//! never resurrects what the user deleted. A contact whose person was
//! merged into another is applied to the survivor (followed through
//! `mergedInto`), so a re-import neither recreates the merged-away record
//! nor loses new data from the file.

use std::collections::BTreeMap;

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use serde::{Deserialize, Serialize};

use super::commit::ChangeOp;
use super::ops::{staged, Db, Prepared, Staging, WriteContext};
use super::strength_sync::{last_scoring_options, RecomputeOptions, StrengthReport};
use super::Backend;
use crate::error::{Error, ErrorCode, Result};
use crate::import::{self, Contact, Format, FoundInteraction, ParseIssue, Parsed, PushParser};
use crate::model::{
    limits, pair_key, validate, EntityKind, InteractionInput, JsNumber, OrganizationInput, Person,
    PersonInput, TimeInput, Timestamp, Uuid,
};
use crate::normalize::{
    normalize_domain, normalize_org_name, normalize_phone, org_domain_from_email,
};

/// Records per batch (one transaction each).
pub const IMPORT_BATCH: usize = 2_000;
/// Malformed entries listed in the report; the rest are only counted.
pub const MAX_LISTED_ERRORS: usize = 1_000;
/// UUID v5 namespace of imported people ("wig import person").
const PERSON_NAMESPACE: Uuid = Uuid::from_u128(0x6b1f_3c52_9a1e_4d8e_b0a4_6a5c_2f7e_9d10);

/// Which API call: contacts or interactions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportKind {
    Contacts,
    Interactions,
}

/// What `importContacts` / `importInteractions` accept (besides the source,
/// `onProgress` and `signal`, which stay in JS).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct ImportOptions {
    pub format: Option<String>,
    /// For 'csv': column header → field.
    pub mapping: BTreeMap<String, String>,
    /// Default: the format name.
    pub source_name: Option<String>,
    /// For phones without '+', and for matching (default "US").
    pub default_region: Option<String>,
    /// The legacy charset of a file without labels (Shift_JIS, GBK, …):
    /// a label of the Encoding Standard. Ignored for a JS string (text).
    pub encoding: Option<String>,
    /// mbox: the owner's addresses (message direction).
    pub owner_emails: Vec<String>,
    /// Records per transaction (default 2,000; 1 to 50,000).
    pub batch_size: Option<JsNumber>,
    /// Not an option callers set: the binding sets it when the source is a
    /// JS string, text already (see `import::ParserOptions::text_source`).
    #[serde(skip)]
    pub text_source: bool,
}

/// One malformed entry, as the API reports it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImportError {
    pub line: u64,
    pub reason: String,
    pub code: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportReport {
    pub format: String,
    pub source_name: String,
    /// Well-formed entries read (contacts or interactions).
    pub records: usize,
    /// People created or changed (each once, however many batches wrote it).
    pub people: usize,
    /// Organizations created or changed (an organization's card adds its
    /// domain and contact details), each once.
    pub organizations: usize,
    /// Interactions created or changed.
    pub interactions: usize,
    /// Records that changed nothing (already imported).
    pub unchanged: usize,
    /// Left out on purpose: deleted in the graph, cancelled events not
    /// stored before, events or messages with fewer than two people,
    /// meetings still to come.
    pub skipped: usize,
    /// Meetings an earlier import stored that the file now cancels
    /// (STATUS:CANCELLED, an EXDATE, a cancelled occurrence): deleted.
    pub cancelled: usize,
    /// Malformed entries (the first 1,000), by line.
    pub errors: Vec<ImportError>,
    /// Malformed entries beyond those listed.
    pub errors_omitted: usize,
    /// New duplicate suggestions involving the imported people.
    pub duplicate_suggestions: usize,
    /// Edges rescored from the imported interactions.
    pub strengths_updated: usize,
    /// Transactions written.
    pub batches: usize,
    pub bytes: u64,
}

/// What one batch wrote (applied to the session once it is durable).
#[derive(Debug, Default)]
pub struct BatchOutcome {
    people_written: Vec<Uuid>,
    organizations_written: Vec<Uuid>,
    interactions: usize,
    unchanged: usize,
    skipped: usize,
    cancelled: usize,
    issues: Vec<ParseIssue>,
    wrote: bool,
}

/// An import in progress: the parser, the records not yet written, the
/// report so far.
pub struct ImportSession {
    kind: ImportKind,
    format: Format,
    source_name: String,
    region: String,
    batch_size: usize,
    parser: Box<dyn PushParser>,
    pending: Vec<Parsed>,
    pending_records: usize,
    report: ImportReport,
    changed_people: Vec<Uuid>,
    changed_set: HashSet<Uuid>,
    /// Organizations written so far (the report counts each once).
    changed_organizations: HashSet<Uuid>,
    /// Interaction source ids seen in this file → their line: a repeated
    /// event or message is reported, not written twice.
    seen_interactions: HashMap<String, u64>,
    ended: bool,
}

impl ImportSession {
    /// `now`: recurring events are expanded up to it (see `import::ics`).
    pub fn new(kind: ImportKind, options: ImportOptions, now: Timestamp) -> Result<Self> {
        let allowed: &[Format] = match kind {
            ImportKind::Contacts => &Format::CONTACTS,
            ImportKind::Interactions => &Format::INTERACTIONS,
        };
        let format = match &options.format {
            None => {
                return Err(Error::new(
                    ErrorCode::Required,
                    "format",
                    format!(
                        "a format is needed: one of {}",
                        allowed
                            .iter()
                            .map(|f| f.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ))
            }
            Some(f) => Format::parse(f, allowed)?,
        };
        let source_name = match &options.source_name {
            None => format.as_str().to_string(),
            Some(s) if s.trim().is_empty() || s.len() > 200 => {
                return Err(Error::new(
                    ErrorCode::InvalidInput,
                    "sourceName",
                    "a source name has 1 to 200 characters",
                ))
            }
            Some(s) => s.trim().to_string(),
        };
        // An option another format reads is refused, not ignored: passing
        // one means the call is not doing what its caller thinks.
        let misplaced = |field: &str, only: &str| {
            Err(Error::new(
                ErrorCode::InvalidInput,
                field,
                format!("only for {only}; this import is '{}'", format.as_str()),
            ))
        };
        if !options.mapping.is_empty() && format != Format::Csv {
            return misplaced("mapping", "format 'csv'");
        }
        if !options.owner_emails.is_empty() && format != Format::Mbox {
            return misplaced("ownerEmails", "format 'mbox'");
        }
        if options.default_region.is_some() && kind == ImportKind::Interactions {
            return misplaced("defaultRegion", "importContacts");
        }
        let region = options
            .default_region
            .clone()
            .unwrap_or_else(|| "US".into())
            .to_ascii_uppercase();
        super::dedup::check_region(&region)?;
        let mut owner = Vec::with_capacity(options.owner_emails.len());
        for (i, e) in options.owner_emails.iter().enumerate() {
            owner.push(validate::email(e, &format!("ownerEmails[{i}]"))?);
        }
        let batch_size = match options.batch_size {
            None => IMPORT_BATCH,
            Some(n) => validate::whole_number(n.0, "batchSize", 1.0, Some(50_000.0))? as usize,
        };
        let parser = import::parser(
            format,
            &import::ParserOptions {
                mapping: options.mapping.clone(),
                owner_emails: owner,
                now: Some(now),
                text_source: options.text_source,
                encoding: options.encoding.clone(),
            },
        )?;
        Ok(ImportSession {
            kind,
            format,
            report: ImportReport {
                format: format.as_str().into(),
                source_name: source_name.clone(),
                ..Default::default()
            },
            source_name,
            region,
            batch_size,
            parser,
            pending: Vec::new(),
            pending_records: 0,
            changed_people: Vec::new(),
            changed_set: HashSet::default(),
            changed_organizations: HashSet::default(),
            seen_interactions: HashMap::default(),
            ended: false,
        })
    }

    pub fn kind(&self) -> ImportKind {
        self.kind
    }

    /// Parses a chunk; recognised records wait for [`Self::take_batch`].
    pub fn feed(&mut self, chunk: &[u8]) -> Result<()> {
        if self.ended {
            return Err(Error::general(
                ErrorCode::InvalidInput,
                "this import has already ended",
            ));
        }
        self.report.bytes += chunk.len() as u64;
        let mut out = Vec::new();
        self.parser.feed(chunk, &mut out)?;
        self.absorb(out);
        Ok(())
    }

    /// The end of the input: the parser flushes what it holds.
    pub fn end(&mut self) -> Result<()> {
        if !self.ended {
            self.ended = true;
            let mut out = Vec::new();
            self.parser.finish(&mut out)?;
            self.absorb(out);
        }
        Ok(())
    }

    fn absorb(&mut self, out: Vec<Parsed>) {
        for p in out {
            match p {
                Parsed::Issue(i) => self.issue(i),
                Parsed::Skipped { .. } => self.report.skipped += 1,
                // Unless this file also holds it as a meeting.
                Parsed::Cancelled { ref source_id, .. }
                    if self.seen_interactions.contains_key(source_id) => {}
                Parsed::Cancelled { .. } => {
                    self.pending_records += 1;
                    self.pending.push(p);
                }
                Parsed::Contact(_) => {
                    self.report.records += 1;
                    self.pending_records += 1;
                    self.pending.push(p);
                }
                Parsed::Interaction(ref it) => {
                    if let Some(first) = self.seen_interactions.get(&it.source_id) {
                        let reason = format!("the same event or message as line {first}");
                        let line = it.line;
                        self.issue(ParseIssue::new(
                            line,
                            ErrorCode::DuplicateInteraction,
                            reason,
                        ));
                        continue;
                    }
                    self.seen_interactions.insert(it.source_id.clone(), it.line);
                    self.report.records += 1;
                    self.pending_records += 1;
                    self.pending.push(p);
                }
            }
        }
    }

    fn issue(&mut self, i: ParseIssue) {
        if self.report.errors.len() < MAX_LISTED_ERRORS {
            // In line order (the store's findings come after the parser's).
            let at = self.report.errors.partition_point(|e| e.line <= i.line);
            self.report.errors.insert(
                at,
                ImportError {
                    line: i.line,
                    reason: i.reason,
                    code: i.code.as_str().into(),
                },
            );
        } else {
            self.report.errors_omitted += 1;
        }
    }

    /// Records read and not yet written.
    pub fn pending(&self) -> usize {
        self.pending_records
    }

    /// The next batch to write: a full one, or (after [`Self::end`]) the rest.
    pub fn take_batch(&mut self) -> Option<Vec<Parsed>> {
        if self.pending_records == 0 || (self.pending_records < self.batch_size && !self.ended) {
            return None;
        }
        let n = self.pending_records.min(self.batch_size);
        let rest = self.pending.split_off(n);
        self.pending_records -= n;
        Some(std::mem::replace(&mut self.pending, rest))
    }

    /// Counts a written batch into the report (call once it is durable).
    pub fn written(&mut self, outcome: BatchOutcome) {
        let r = &mut self.report;
        r.interactions += outcome.interactions;
        r.unchanged += outcome.unchanged;
        r.skipped += outcome.skipped;
        r.cancelled += outcome.cancelled;
        if outcome.wrote {
            r.batches += 1;
        }
        for id in outcome.people_written {
            if self.changed_set.insert(id) {
                self.changed_people.push(id);
            }
        }
        self.changed_organizations
            .extend(outcome.organizations_written);
        r.people = self.changed_people.len();
        r.organizations = self.changed_organizations.len();
        for i in outcome.issues {
            self.issue(i);
        }
    }

    pub fn report(&self) -> &ImportReport {
        &self.report
    }

    /// Bytes the parser holds between chunks (bounded by the longest entry).
    pub fn parser_buffered_bytes(&self) -> usize {
        self.parser.buffered_bytes()
    }

    pub fn into_report(self) -> ImportReport {
        self.report
    }
}

/// The person id of an imported contact: stable across imports of the
/// same source.
pub fn imported_person_id(source_name: &str, record_id: &str) -> Uuid {
    let key = format!("{source_name}\u{1f}{record_id}");
    Uuid::new_v5(&PERSON_NAMESPACE, key.as_bytes())
}

fn issue_of(line: u64, e: &Error) -> ParseIssue {
    let reason = match &e.field {
        Some(f) if !f.is_empty() => format!("{f}: {}", e.reason),
        _ => e.reason.clone(),
    };
    ParseIssue::new(line, e.code, reason)
}

/// A stored person as an input that writes it back unchanged.
fn as_input(p: &Person) -> PersonInput {
    PersonInput {
        id: Some(p.id.to_string()),
        names: p.names.clone(),
        emails: p.emails.clone(),
        phones: p.phones.clone(),
        social_handles: p.social_handles.clone(),
        title: p.title.clone(),
        organization_id: p.organization_id.map(|o| o.to_string()),
        addresses: p.addresses.clone(),
        birth_date: p.birth_date.clone(),
        metadata: (!p.metadata.is_null()).then(|| p.metadata.0.clone()),
        ..Default::default()
    }
}

/// What makes two written phones the same number: E.164 for `region`
/// with the extension's digits (import adds a number written another way
/// only once), or the digits as written when it does not parse.
fn phone_key(phone: &str, region: &str) -> String {
    let (number, extension) = validate::split_extension(phone);
    let digits = |s: &str| s.chars().filter(char::is_ascii_digit).collect::<String>();
    let number = normalize_phone(number, region).unwrap_or_else(|_| digits(number));
    format!("{number};{}", digits(extension))
}

/// Adds `v` unless the list has it (by `key`); false when it is new but
/// the list is full (`limits::LIST`).
fn add_unique(list: &mut Vec<String>, v: &str, key: impl Fn(&str) -> String) -> bool {
    let k = key(v);
    if list.iter().any(|x| key(x) == k) {
        return true;
    }
    if list.len() >= limits::LIST {
        return false;
    }
    list.push(v.to_string());
    true
}

/// Where a contact goes.
enum Target {
    Person(Uuid),
    Skip,
}

impl<B: Backend> Db<B> {
    fn contact_target(&self, id: Uuid) -> Target {
        let mut id = id;
        for _ in 0..64 {
            match self.state.people.get(id) {
                None => return Target::Person(id),
                Some(p) if p.is_live() => return Target::Person(id),
                Some(p) => match p.merged_into {
                    Some(next) => id = next,
                    None => return Target::Skip, // deleted
                },
            }
        }
        Target::Skip
    }

    /// Validates and stages one batch of parsed records: one commit (one
    /// transaction). Entries that fail validation become issues with their
    /// line; the others are written.
    pub fn prepare_import_batch(
        &self,
        session: &ImportSession,
        batch: &[Parsed],
        ctx: &WriteContext,
    ) -> Result<Prepared<BatchOutcome>> {
        self.ensure_open()?;
        let mut s = Staging::new(&self.state, ctx.now);
        let mut out = BatchOutcome::default();
        match session.kind {
            ImportKind::Contacts => self.stage_contacts(session, batch, &mut s, &mut out),
            ImportKind::Interactions => self.stage_interactions(session, batch, &mut s, &mut out),
        }
        let meta = serde_json::json!({
            "format": session.format.as_str(),
            "sourceName": session.source_name,
            "people": out.people_written.len(),
            "organizations": out.organizations_written.len(),
            "interactions": out.interactions,
        });
        let commit = s.finish(ctx, "import", None, meta);
        out.wrote = !commit.is_empty();
        Ok(self.prepared(commit, out))
    }

    fn stage_contacts(
        &self,
        session: &ImportSession,
        batch: &[Parsed],
        s: &mut Staging,
        out: &mut BatchOutcome,
    ) {
        // Group by target person first: a person staged twice in one commit
        // is refused, and two entries of one person must be unioned.
        let mut order: Vec<Uuid> = Vec::new();
        // target → (input, first line, organization name, contacts in it)
        let mut inputs: HashMap<Uuid, (PersonInput, u64, Option<String>, usize)> =
            HashMap::default();
        let mut orgs_by_key: Option<HashMap<String, Uuid>> = None;
        // Organizations' cards first: each organization is staged once,
        // before people's cards name it.
        self.stage_organization_cards(batch, &session.region, s, &mut orgs_by_key, out);
        for p in batch {
            let Parsed::Contact(c) = p else { continue };
            if c.is_organization {
                continue;
            }
            let id = imported_person_id(&session.source_name, &c.record_id);
            let target = match self.contact_target(id) {
                Target::Person(t) => t,
                Target::Skip => {
                    out.skipped += 1;
                    continue;
                }
            };
            let entry = inputs.entry(target).or_insert_with(|| {
                order.push(target);
                let base = match self.state.people.get(target) {
                    Some(existing) => as_input(existing),
                    None => PersonInput {
                        id: Some(target.to_string()),
                        ..Default::default()
                    },
                };
                (base, c.line, None, 0)
            });
            entry.3 += 1;
            union_contact(
                &mut entry.0,
                &mut entry.2,
                c,
                &session.region,
                &mut out.issues,
            );
        }
        for id in order {
            let (mut input, line, org_name, contacts) = inputs.remove(&id).expect("grouped above");
            if let (None, Some(name)) = (&input.organization_id, org_name) {
                match self.organization_for(s, &mut orgs_by_key, &name, None, out) {
                    Ok(Some(org)) => input.organization_id = Some(org.to_string()),
                    Ok(None) => {}
                    Err(e) => out.issues.push(issue_of(line, &e.within("organization"))),
                }
            }
            let before = s.unchanged;
            // A field the store refuses is left out and reported, the rest
            // of the card kept (as for an invalid email or phone); only an
            // entry with nothing valid left is refused. Validation fails
            // before anything is staged, so trying again is safe.
            loop {
                match s.stage_person(&input) {
                    Ok(pid) => {
                        if s.unchanged > before {
                            out.unchanged += contacts;
                        } else {
                            out.people_written.push(pid);
                        }
                    }
                    Err(e) if leave_out(&mut input, e.field.as_deref()) => {
                        let mut issue = issue_of(line, &e);
                        issue
                            .reason
                            .push_str(" (left out; the rest of the entry kept)");
                        out.issues.push(issue);
                        continue;
                    }
                    Err(e) => out.issues.push(issue_of(line, &e)),
                }
                break;
            }
        }
    }

    /// An organization's card makes or finds its organization, and no
    /// person. The organization gets the card's domain (its site's, else a
    /// company email's) when it has none, and what the card says of how to
    /// reach it (emails, phones, addresses, website, social profiles; the
    /// record has no such fields) under `metadata.contact`, unioned with
    /// what is there: a card's details are kept and an edit survives a
    /// reimport. Several cards of one organization are staged together.
    fn stage_organization_cards(
        &self,
        batch: &[Parsed],
        region: &str,
        s: &mut Staging,
        by_key: &mut Option<HashMap<String, Uuid>>,
        out: &mut BatchOutcome,
    ) {
        let mut order: Vec<String> = Vec::new();
        let mut cards: HashMap<String, Vec<&Contact>> = HashMap::default();
        for p in batch {
            let Parsed::Contact(c) = p else { continue };
            if !c.is_organization {
                continue;
            }
            let key = org_key(c.organization.as_deref().unwrap_or_default());
            if key.is_empty() {
                out.unchanged += 1;
                continue;
            }
            let group = cards.entry(key.clone()).or_insert_with(|| {
                order.push(key);
                Vec::new()
            });
            group.push(c);
        }
        for key in order {
            let group = &cards[&key];
            let first = group[0];
            let existing = self.organization_map(by_key).get(&key).copied();
            if existing.is_some_and(|id| id.is_nil()) {
                // Deleted in the graph: not made again by a reimport.
                out.skipped += group.len();
                continue;
            }
            let base = existing.and_then(|id| self.state.organizations.get(id));
            let domain = base.and_then(|o| o.domain.clone()).or_else(|| {
                group.iter().find_map(|c| {
                    c.website
                        .as_deref()
                        .and_then(normalize_domain)
                        .or_else(|| c.emails.iter().find_map(|e| org_domain_from_email(e)))
                })
            });
            let metadata =
                with_card_details(base.map(|o| &o.metadata.0), group, region, &mut out.issues);
            if let Some(o) = base {
                if o.domain == domain && o.metadata.0 == metadata {
                    out.unchanged += group.len();
                    continue;
                }
            }
            let input = OrganizationInput {
                id: existing.map(|id| id.to_string()),
                name: Some(base.map_or_else(
                    || first.organization.clone().unwrap_or_default(),
                    |o| o.name.clone(),
                )),
                domain,
                metadata: (!metadata.is_null()).then_some(metadata),
                ..Default::default()
            };
            let unchanged = s.unchanged;
            let mut staged = s.stage_organization(&input);
            if let Err(e) = &staged {
                if e.code == ErrorCode::TooLarge {
                    // No room in its metadata for the card's details: the
                    // organization and its domain still go in, the details
                    // are reported.
                    out.issues
                        .push(issue_of(first.line, &e.clone().within("organization")));
                    let metadata = base
                        .filter(|o| !o.metadata.is_null())
                        .map(|o| o.metadata.0.clone());
                    let input = OrganizationInput {
                        metadata,
                        ..input.clone()
                    };
                    staged = s.stage_organization(&input);
                }
            }
            match staged {
                Ok(id) => {
                    self.organization_map(by_key).insert(key, id);
                    let written = s.unchanged == unchanged;
                    if written {
                        out.organizations_written.push(id);
                    }
                    out.unchanged += group.len() - usize::from(written);
                }
                Err(e) => out
                    .issues
                    .push(issue_of(first.line, &e.within("organization"))),
            }
        }
    }

    /// Organizations by [`org_key`], read once per batch: a live one holding
    /// the name, else the survivor of one merged away, else the nil id for
    /// one deleted in the graph (a reimport does not make it again).
    fn organization_map<'m>(
        &self,
        by_key: &'m mut Option<HashMap<String, Uuid>>,
    ) -> &'m mut HashMap<String, Uuid> {
        by_key.get_or_insert_with(|| {
            let orgs = &self.state.organizations;
            let mut map: HashMap<String, Uuid> = orgs
                .values()
                .filter(|o| o.is_live())
                .map(|o| (org_key(&o.name), o.id))
                .filter(|(k, _)| !k.is_empty())
                .collect();
            for o in orgs.values().filter(|o| !o.is_live()) {
                let key = org_key(&o.name);
                // Taken: by a live one, or by a survivor (a deleted one's nil
                // gives way to a survivor, whatever the storage order).
                if key.is_empty() || map.get(&key).is_some_and(|id| !id.is_nil()) {
                    continue;
                }
                // Follow the merges to the survivor (a cycle or a deleted
                // end: treated as deleted).
                let mut at = o;
                for _ in 0..64 {
                    match at.merged_into.and_then(|t| orgs.get(t)) {
                        Some(next) if at.deleted_at.is_none() => at = next,
                        _ => break,
                    }
                }
                map.insert(key, if at.is_live() { at.id } else { Uuid::nil() });
            }
            map
        })
    }

    /// The organization with this name (normalised: case, accents and legal
    /// forms ignored; a merged-away one's survivor), none for a deleted one,
    /// or a new one.
    fn organization_for(
        &self,
        s: &mut Staging,
        by_key: &mut Option<HashMap<String, Uuid>>,
        name: &str,
        domain: Option<String>,
        out: &mut BatchOutcome,
    ) -> Result<Option<Uuid>> {
        let key = org_key(name);
        if key.is_empty() {
            return Ok(None);
        }
        let map = self.organization_map(by_key);
        if let Some(id) = map.get(&key) {
            // A deleted organization is not named again.
            return Ok((!id.is_nil()).then_some(*id));
        }
        let id = s.stage_organization(&OrganizationInput {
            name: Some(name.to_string()),
            domain,
            ..Default::default()
        })?;
        out.organizations_written.push(id);
        map.insert(key, id);
        Ok(Some(id))
    }

    fn stage_interactions(
        &self,
        session: &ImportSession,
        batch: &[Parsed],
        s: &mut Staging,
        out: &mut BatchOutcome,
    ) {
        let occurrences = self.occurrences_of_cancelled_series(session, batch);
        for p in batch {
            if let Parsed::Cancelled {
                source_id,
                listed,
                series,
                ..
            } = p
            {
                let mut keys = vec![source_id.as_str()];
                if *series {
                    keys.extend(occurrences.get(source_id.as_str()).into_iter().flatten());
                }
                self.stage_cancelled(session, &keys, *listed, s, out);
                continue;
            }
            let Parsed::Interaction(it) = p else { continue };
            let key = (session.source_name.clone(), it.source_id.clone());
            let existing = self
                .state
                .interaction_by_source()
                .get(&key)
                .and_then(|id| staged(&self.state.interactions, &s.commit.interactions, *id));
            // Deleted in the graph: left out. Deleted because a file
            // cancelled it: the file now holds it again, so it is back.
            if existing.is_some_and(|i| i.deleted_at.is_some() && !cancelled_by_file(i)) {
                out.skipped += 1;
                continue;
            }
            let input = interaction_input(&session.source_name, it);
            let before = s.unchanged;
            match s.stage_interaction(&input) {
                Ok(_) if s.unchanged > before => out.unchanged += 1,
                Ok(_) => out.interactions += 1,
                Err(e) => out.issues.push(issue_of(it.line, &e)),
            }
        }
    }

    /// The stored occurrences (`UID#<instant>` source ids) of the series
    /// `batch` cancels whole, by UID: one pass over this source's keys, and
    /// only for a batch that cancels a series.
    fn occurrences_of_cancelled_series<'b>(
        &'b self,
        session: &ImportSession,
        batch: &[Parsed],
    ) -> HashMap<&'b str, Vec<&'b str>> {
        let series: HashSet<&str> = batch
            .iter()
            .filter_map(|p| match p {
                Parsed::Cancelled {
                    source_id,
                    series: true,
                    ..
                } => Some(source_id.as_str()),
                _ => None,
            })
            .collect();
        let mut out: HashMap<&str, Vec<&str>> = HashMap::default();
        if series.is_empty() {
            return out;
        }
        for (name, id) in self.state.interaction_by_source().keys() {
            if *name != session.source_name {
                continue;
            }
            if let Some((uid, _)) = id.split_once('#') {
                if series.contains(uid) {
                    out.entry(uid).or_default().push(id.as_str());
                }
            }
        }
        for list in out.values_mut() {
            list.sort_unstable();
        }
        out
    }

    /// Meetings the file cancels (one occurrence, or each stored occurrence
    /// of a cancelled series, by source id): deleted if an earlier import
    /// stored them (their pairs are then rescored like any deleted
    /// interaction's). An occurrence this file holds as a meeting stays.
    fn stage_cancelled(
        &self,
        session: &ImportSession,
        source_ids: &[&str],
        listed: bool,
        s: &mut Staging,
        out: &mut BatchOutcome,
    ) {
        let mut found = false;
        for (n, source_id) in source_ids.iter().enumerate() {
            if n > 0 && session.seen_interactions.contains_key(*source_id) {
                continue;
            }
            let key = (session.source_name.clone(), source_id.to_string());
            let stored = self
                .state
                .interaction_by_source()
                .get(&key)
                .and_then(|id| staged(&self.state.interactions, &s.commit.interactions, *id))
                .filter(|i| i.deleted_at.is_none());
            if let Some(i) = stored {
                let mut gone = i.clone();
                mark_cancelled_by_file(&mut gone);
                gone.deleted_at = Some(s.now);
                gone.updated_at = s.now;
                s.change(EntityKind::Interaction, gone.id, ChangeOp::Delete);
                s.commit.interactions.insert(gone.id, Some(gone));
                out.cancelled += 1;
                found = true;
            }
        }
        if !found && !listed {
            out.skipped += 1;
        }
    }

    /// After the last batch: what to rescore. For interactions, the pairs
    /// they touched; for contacts, the interactions that name an email of a
    /// person the import created or changed (their pairs may now map to
    /// people). Marks those as touched; returns whether a rescore is due.
    pub fn import_touches_interactions(&mut self, session: &ImportSession) -> bool {
        match session.kind {
            ImportKind::Interactions => {
                session.report.interactions > 0 || session.report.cancelled > 0
            }
            ImportKind::Contacts => {
                let mut emails: HashSet<&str> = HashSet::default();
                for id in &session.changed_people {
                    if let Some(p) = self.state.people.get(*id) {
                        emails.extend(p.emails.iter().map(String::as_str));
                    }
                }
                if emails.is_empty() {
                    return false;
                }
                let hits: Vec<Uuid> = self
                    .state
                    .interactions
                    .values()
                    .filter(|i| i.deleted_at.is_none())
                    .filter(|i| i.participants.iter().any(|p| emails.contains(p.as_str())))
                    .map(|i| i.id)
                    .collect();
                let any = !hits.is_empty();
                self.state.touched_interactions.extend(hits);
                any
            }
        }
    }

    /// Rescoring of the touched edges after an import (`only: "touched"`),
    /// with the last recompute's options.
    pub fn prepare_import_strengths(&self, ctx: &WriteContext) -> Result<Prepared<StrengthReport>> {
        self.prepare_recompute_strengths(
            ctx,
            &RecomputeOptions {
                only: Some("touched".into()),
                ..last_scoring_options(self.state())
            },
        )
    }

    /// New duplicate suggestions involving the people an import created or
    /// changed: each is matched against the incremental index (built on
    /// first use); distinct pairs at or above the match threshold, rejected
    /// pairs excluded, are counted.
    pub fn import_duplicate_suggestions(&self, session: &ImportSession) -> Result<usize> {
        let mut pairs: HashSet<(Uuid, Uuid)> = HashSet::default();
        for id in &session.changed_people {
            let Some(p) = self.state.people.get(*id).filter(|p| p.is_live()) else {
                continue;
            };
            let p = p.clone();
            for c in self.match_person(&p, 20, &session.region, &mut |_, _| true)? {
                if c.is_match {
                    pairs.insert(pair_key(p.id, c.id));
                }
            }
        }
        Ok(pairs.len())
    }

    /// Imports a whole input natively (tests, tools): batches, then the
    /// follow-ups, each write through [`Db::run`].
    pub async fn import_chunks<'a>(
        &mut self,
        kind: ImportKind,
        options: ImportOptions,
        chunks: impl IntoIterator<Item = &'a [u8]>,
        ctx: &WriteContext,
    ) -> Result<ImportReport> {
        let mut session = ImportSession::new(kind, options, ctx.now)?;
        for chunk in chunks {
            session.feed(chunk)?;
            self.write_ready_batches(&mut session, ctx).await?;
        }
        session.end()?;
        self.write_ready_batches(&mut session, ctx).await?;
        self.finish_import(&mut session, ctx).await?;
        Ok(session.into_report())
    }

    async fn write_ready_batches(
        &mut self,
        session: &mut ImportSession,
        ctx: &WriteContext,
    ) -> Result<()> {
        while let Some(batch) = session.take_batch() {
            let prepared = self.prepare_import_batch(session, &batch, ctx)?;
            let outcome = self.run(prepared).await?;
            session.written(outcome);
        }
        Ok(())
    }

    /// Strengths and duplicate suggestions after the last batch.
    pub async fn finish_import(
        &mut self,
        session: &mut ImportSession,
        ctx: &WriteContext,
    ) -> Result<()> {
        if self.import_touches_interactions(session) {
            let prepared = self.prepare_import_strengths(ctx)?;
            let r = self.run(prepared).await?;
            session.report.strengths_updated = r.edges_updated + r.edges_created;
        }
        session.report.duplicate_suggestions = self.import_duplicate_suggestions(session)?;
        Ok(())
    }
}

impl ImportSession {
    /// Sets the follow-up figures (the wasm layer runs the follow-ups itself).
    pub fn set_followups(&mut self, strengths_updated: usize, duplicate_suggestions: usize) {
        self.report.strengths_updated = strengths_updated;
        self.report.duplicate_suggestions = duplicate_suggestions;
    }
}

fn org_key(name: &str) -> String {
    let n = normalize_org_name(name);
    if n.core.is_empty() {
        n.folded
    } else {
        n.core
    }
}

/// Removes from an imported person what the error names (`title`,
/// `names[2]`, `socialHandles.github`, …); false when the field is not one
/// an import may leave out. (Lists never exceed their limits here:
/// [`union_contact`] stops adding at them.)
fn leave_out(input: &mut PersonInput, field: Option<&str>) -> bool {
    let Some(field) = field else { return false };
    let (name, index) = match field.split_once('[') {
        Some((name, rest)) => (name, rest.trim_end_matches(']').parse::<usize>().ok()),
        None => (field, None),
    };
    let list = match name {
        "names" => &mut input.names,
        "emails" => &mut input.emails,
        "phones" => &mut input.phones,
        "addresses" => &mut input.addresses,
        "title" => return input.title.take().is_some(),
        "birthDate" => return input.birth_date.take().is_some(),
        _ => {
            let Some(network) = field.strip_prefix("socialHandles.") else {
                return false;
            };
            let key = input
                .social_handles
                .keys()
                .find(|k| k.trim().to_lowercase().chars().take(32).eq(network.chars()))
                .cloned();
            return key.is_some_and(|k| input.social_handles.remove(&k).is_some());
        }
    };
    match index {
        Some(i) if i < list.len() => {
            list.remove(i);
            true
        }
        _ => false,
    }
}

/// Adds a contact's values to a person input (see the module doc: import
/// only adds). Values that cannot be stored are reported and left out (an
/// email or phone here, other fields by [`leave_out`]); the rest of the
/// contact is kept.
fn union_contact(
    input: &mut PersonInput,
    org: &mut Option<String>,
    c: &Contact,
    region: &str,
    issues: &mut Vec<ParseIssue>,
) {
    // Values past a list's limit are counted, then reported once per list.
    let mut full = [0usize; 4];
    for n in &c.names {
        let n: String = n.split_whitespace().collect::<Vec<_>>().join(" ");
        if !n.is_empty() && !add_unique(&mut input.names, &n, |x| x.to_lowercase()) {
            full[0] += 1;
        }
    }
    for (i, e) in c.emails.iter().enumerate() {
        match validate::email(e, &format!("emails[{i}]")) {
            Ok(e) => {
                if !add_unique(&mut input.emails, &e, |x| x.to_lowercase()) {
                    full[1] += 1;
                }
            }
            Err(err) => issues.push(issue_of(c.line, &err)),
        }
    }
    for (i, p) in c.phones.iter().enumerate() {
        match validate::phone(p, &format!("phones[{i}]")) {
            Ok(p) => {
                if !add_unique(&mut input.phones, &p, |x| phone_key(x, region)) {
                    full[2] += 1;
                }
            }
            Err(err) => issues.push(issue_of(c.line, &err)),
        }
    }
    for (k, v) in &c.social {
        if input.social_handles.len() < limits::SOCIAL_HANDLES {
            input
                .social_handles
                .entry(k.clone())
                .or_insert_with(|| v.chars().take(limits::SHORT_TEXT).collect());
        }
    }
    for a in &c.addresses {
        if !add_unique(&mut input.addresses, a, |x| x.to_lowercase()) {
            full[3] += 1;
        }
    }
    for (field, n) in ["names", "emails", "phones", "addresses"].iter().zip(full) {
        if n > 0 {
            issues.push(ParseIssue::new(
                c.line,
                ErrorCode::TooLarge,
                format!("{field}: {n} more than the {} a person holds (left out; the rest of the entry kept)", limits::LIST),
            ));
        }
    }
    if input.title.is_none() {
        input.title = c.title.clone();
    }
    if input.birth_date.is_none() {
        input.birth_date = c.birth_date.clone();
    }
    if org.is_none() {
        org.clone_from(&c.organization);
    }
    add_note(input, c, issues);
}

/// The entry's notes as `metadata.note`, when the person has none: a note
/// written in the graph, or by an earlier entry, stays as it is.
fn add_note(input: &mut PersonInput, c: &Contact, issues: &mut Vec<ParseIssue>) {
    use serde_json::{Map, Value};
    if c.notes.is_empty() {
        return;
    }
    let mut metadata = match input.metadata.take() {
        Some(Value::Object(m)) => m,
        None | Some(Value::Null) => Map::new(),
        Some(other) => {
            input.metadata = Some(other);
            return;
        }
    };
    if !metadata.contains_key("note") {
        // Control characters (a NUL in a CSV cell) would refuse the whole
        // metadata, and with it the person: left out, line breaks and tabs kept.
        let joined = c.notes.join("\n\n");
        let mut kept = joined
            .chars()
            .filter(|ch| !ch.is_control() || matches!(ch, '\n' | '\t'))
            .peekable();
        let note: String = kept.by_ref().take(NOTE_CHARS).collect();
        if kept.peek().is_some() {
            issues.push(ParseIssue::new(
                c.line,
                ErrorCode::TooLarge,
                format!(
                    "note: cut to its first {NOTE_CHARS} characters (of {})",
                    NOTE_CHARS + kept.count()
                ),
            ));
        }
        metadata.insert("note".into(), note.into());
        if serde_json::to_string(&metadata).map_or(0, |t| t.len()) > limits::METADATA_BYTES {
            metadata.remove("note");
            issues.push(ParseIssue::new(
                c.line,
                ErrorCode::TooLarge,
                format!(
                    "note: left out, the person's metadata would be over {} bytes",
                    limits::METADATA_BYTES
                ),
            ));
        }
    }
    input.metadata = (!metadata.is_empty()).then_some(Value::Object(metadata));
}

/// Longest note kept from a file (the rest is cut): notes are free text of
/// any length, metadata is capped at 64 KB.
const NOTE_CHARS: usize = 8_000;

fn interaction_input(source_name: &str, it: &FoundInteraction) -> InteractionInput {
    // Addresses the model would refuse (no dot in the domain, …) are left
    // out rather than failing the whole event or message.
    let ok = |e: &String| validate::email(e, "").is_ok();
    InteractionInput {
        source_name: Some(source_name.to_string()),
        source_id: Some(it.source_id.clone()),
        timestamp: Some(TimeInput::Millis(it.timestamp.millis() as f64)),
        participants: it.participants.iter().filter(|e| ok(e)).cloned().collect(),
        channel: Some(it.channel.as_str().into()),
        direction: it.direction.map(|d| d.as_str().into()),
        sender: it.sender.clone().filter(ok),
        duration_minutes: it.duration_minutes.map(JsNumber),
        metadata: it
            .owner_direction
            .map(|d| serde_json::json!({ "ownerDirection": d })),
        ..Default::default()
    }
}

/// The metadata key an import sets on a meeting it deletes because the file
/// cancelled it (STATUS:CANCELLED, an EXDATE): a later file that holds the
/// meeting again brings it back, while a meeting deleted in the graph stays
/// deleted. Metadata, so every device and the server see the same.
const CANCELLED_BY_FILE: &str = "cancelledByFile";

fn cancelled_by_file(i: &crate::model::Interaction) -> bool {
    i.metadata.0.get(CANCELLED_BY_FILE) == Some(&serde_json::Value::Bool(true))
}

/// An interaction's metadata from the file is an object or null; anything
/// else is left as is (the meeting then stays deleted, as before).
fn mark_cancelled_by_file(i: &mut crate::model::Interaction) {
    match &mut i.metadata.0 {
        serde_json::Value::Object(map) => {
            map.insert(CANCELLED_BY_FILE.into(), true.into());
        }
        v @ serde_json::Value::Null => *v = serde_json::json!({ CANCELLED_BY_FILE: true }),
        _ => {}
    }
}

/// `metadata` (an organization's) with what `cards` say of how to reach it
/// under `contact`: emails, phones and addresses unioned in order, the
/// website and each social profile kept when already there.
fn with_card_details(
    metadata: Option<&serde_json::Value>,
    cards: &[&Contact],
    region: &str,
    issues: &mut Vec<ParseIssue>,
) -> serde_json::Value {
    use serde_json::{Map, Value};
    let mut metadata = match metadata {
        Some(Value::Object(m)) => m.clone(),
        _ => Map::new(),
    };
    let mut contact = match metadata.get("contact") {
        Some(Value::Object(m)) => m.clone(),
        None | Some(Value::Null) => Map::new(),
        // Something else the user keeps under that key: left as it is.
        Some(_) => return Value::Object(metadata),
    };
    for c in cards {
        // Emails and phones are stored as a person's are: checked and
        // normalised (an invalid one is left out), each once.
        let mut valid = |checked: Result<String>| match checked {
            Ok(v) => Some(v),
            Err(e) => {
                issues.push(issue_of(c.line, &e.within("organization.contact")));
                None
            }
        };
        let emails: Vec<String> = (c.emails.iter().enumerate())
            .filter_map(|(i, e)| valid(validate::email(e, &format!("emails[{i}]"))))
            .collect();
        let phones: Vec<String> = (c.phones.iter().enumerate())
            .filter_map(|(i, p)| valid(validate::phone(p, &format!("phones[{i}]"))))
            .collect();
        for (key, values) in [
            ("emails", emails),
            ("phones", phones),
            ("addresses", c.addresses.clone()),
        ] {
            if values.is_empty() {
                continue;
            }
            let list = contact
                .entry(key)
                .or_insert_with(|| Value::Array(Vec::new()));
            // A phone is the same number however it is written.
            let same = |x: &str, v: &str| match key {
                "phones" => phone_key(x, region) == phone_key(v, region),
                _ => x.eq_ignore_ascii_case(v),
            };
            if let Value::Array(list) = list {
                for v in values {
                    let known = list.iter().any(|x| x.as_str().is_some_and(|x| same(x, &v)));
                    if !known {
                        list.push(Value::String(v));
                    }
                }
            }
        }
        if let Some(site) = &c.website {
            contact.entry("website").or_insert(site.clone().into());
        }
        if !c.social.is_empty() {
            let social = contact.entry("social").or_insert_with(|| Map::new().into());
            if let Value::Object(social) = social {
                for (network, profile) in &c.social {
                    social
                        .entry(network.clone())
                        .or_insert(profile.clone().into());
                }
            }
        }
    }
    if !contact.is_empty() {
        metadata.insert("contact".into(), contact.into());
    }
    if metadata.is_empty() {
        Value::Null
    } else {
        Value::Object(metadata)
    }
}
