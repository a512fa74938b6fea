//! Turning inputs into records: every rule of the model, each failure a typed
//! error naming the field. Nothing here touches storage; references are
//! checked through [`References`], which the store implements over its
//! current state plus the records earlier in the same batch.

use super::limits::*;
use super::*;
use crate::error::{Error, ErrorCode, Result};

/// What a referenced id points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefStatus {
    Missing,
    Live,
    Deleted,
    MergedInto(Uuid),
}

pub trait References {
    fn person(&self, id: Uuid) -> RefStatus;
    fn organization(&self, id: Uuid) -> RefStatus;
}

/// The references a stored record already holds stay valid when their
/// target was soft-deleted since, so that a record read from the graph can
/// always be written back; a new reference to a deleted record is refused.
pub struct KeptReferences<'a, K: Fn(Uuid) -> bool> {
    pub refs: &'a dyn References,
    /// Whether the stored record already refers to this id.
    pub kept: K,
}

impl<K: Fn(Uuid) -> bool> References for KeptReferences<'_, K> {
    fn person(&self, id: Uuid) -> RefStatus {
        match self.refs.person(id) {
            RefStatus::Deleted if (self.kept)(id) => RefStatus::Live,
            status => status,
        }
    }
    fn organization(&self, id: Uuid) -> RefStatus {
        match self.refs.organization(id) {
            RefStatus::Deleted if (self.kept)(id) => RefStatus::Live,
            status => status,
        }
    }
}

fn err(code: ErrorCode, field: &str, reason: impl Into<String>) -> Error {
    Error::new(code, field, reason)
}

pub fn parse_id(s: &str, field: &str) -> Result<Uuid> {
    let id = Uuid::try_parse(s.trim()).map_err(|_| {
        // Built only on failure: ids are parsed millions of times a load.
        // (A NaN or Infinity arrives marked, see `JsNumber`: shown as such.)
        let s = s.strip_prefix(NON_FINITE_PREFIX).unwrap_or(s);
        let shown: String = s.chars().take(60).collect();
        err(
            ErrorCode::InvalidId,
            field,
            format!("'{shown}' is not a UUID"),
        )
    })?;
    if id.is_nil() {
        return Err(err(
            ErrorCode::InvalidId,
            field,
            "the nil UUID is not an id",
        ));
    }
    Ok(id)
}

fn id_or_new(id: &Option<String>) -> Result<Uuid> {
    match id {
        Some(s) => parse_id(s, "id"),
        None => Ok(new_id()),
    }
}

pub fn parse_time(t: &TimeInput, field: &str) -> Result<Timestamp> {
    match t {
        TimeInput::Text(s) if s.starts_with(NON_FINITE_PREFIX) => {
            return Err(err(
                ErrorCode::InvalidTimestamp,
                field,
                format!("{} is not a timestamp", &s[NON_FINITE_PREFIX.len()..]),
            ))
        }
        TimeInput::Text(s) => Timestamp::parse(s),
        TimeInput::Millis(ms) => Timestamp::try_from_millis_f64(*ms),
    }
    .map_err(|e| err(e.code, field, e.reason))
}

/// Trims and bounds one text value; control characters other than tab and
/// newline are refused because they break exports and rendering.
fn text(value: &str, field: &str, max: usize) -> Result<String> {
    let v = value.trim();
    let n = v.chars().count();
    if n > max {
        return Err(err(
            ErrorCode::TooLarge,
            field,
            format!("{n} characters; at most {max}"),
        ));
    }
    if v.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(err(
            ErrorCode::InvalidInput,
            field,
            "contains control characters",
        ));
    }
    Ok(v.to_string())
}

fn optional_text(value: &Option<String>, field: &str, max: usize) -> Result<Option<String>> {
    match value {
        None => Ok(None),
        Some(v) => {
            let t = text(v, field, max)?;
            Ok((!t.is_empty()).then_some(t))
        }
    }
}

fn list_len<T>(list: &[T], field: &str, max: usize) -> Result<()> {
    if list.len() > max {
        return Err(err(
            ErrorCode::TooLarge,
            field,
            format!("{} entries; at most {max}", list.len()),
        ));
    }
    Ok(())
}

/// `n` if it is a whole number from `min` to `max` (None: no bound above),
/// else INVALID_INPUT naming `field` — every count and limit of the API.
pub fn whole_number(n: f64, field: &str, min: f64, max: Option<f64>) -> Result<f64> {
    if n.is_finite() && n.fract() == 0.0 && n >= min && max.is_none_or(|m| n <= m) {
        return Ok(n);
    }
    let range = match max {
        Some(max) => format!("from {} to {}", JsNumber(min), JsNumber(max)),
        None => format!("≥ {}", JsNumber(min)),
    };
    Err(err(
        ErrorCode::InvalidInput,
        field,
        format!("{} is not a whole number {range}", JsNumber(n)),
    ))
}

/// Non-empty, trimmed, deduplicated (first spelling wins) text values.
fn text_list(
    list: &[String],
    field: &str,
    max_len: usize,
    max_items: usize,
    key: impl Fn(&str) -> String,
) -> Result<Vec<String>> {
    list_len(list, field, max_items)?;
    let mut out: Vec<String> = Vec::with_capacity(list.len());
    let mut seen = std::collections::HashSet::new();
    for (i, v) in list.iter().enumerate() {
        let t = text(v, "", max_len).map_err(|e| e.within(&format!("{field}[{i}]")))?;
        if !t.is_empty() && seen.insert(key(&t)) {
            out.push(t);
        }
    }
    Ok(out)
}

/// A pragmatic address check (RFC 5321 sizes, one `@`, a dotted domain of
/// letter/digit/hyphen labels). Returns the stored form: trimmed, lower-case.
pub fn email(value: &str, field: &str) -> Result<String> {
    let v = value.trim().to_lowercase();
    let shown: String = v.chars().take(60).collect();
    let bad = |why: &str| {
        err(
            ErrorCode::InvalidEmail,
            field,
            format!("'{shown}' is not an email address: {why}"),
        )
    };
    if v.len() > EMAIL {
        return Err(err(
            ErrorCode::TooLarge,
            field,
            format!("{} bytes; at most {EMAIL}", v.len()),
        ));
    }
    let (local, domain) = v.rsplit_once('@').ok_or_else(|| bad("no '@'"))?;
    if local.is_empty() || local.len() > 64 {
        return Err(bad("the part before '@' must have 1 to 64 characters"));
    }
    if local.contains('@')
        || local
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "<>()[],;:\\\"".contains(c))
    {
        return Err(bad(
            "the part before '@' has a character that is not allowed",
        ));
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return Err(bad("misplaced dot before '@'"));
    }
    domain_name(domain).map_err(|why| bad(&why))?;
    Ok(v)
}

/// Checks a host name: at least two labels, each 1..=63 of letters (any
/// script), digits and inner hyphens; a top-level label that is not numeric.
fn domain_name(d: &str) -> std::result::Result<(), String> {
    if d.is_empty() || d.len() > 253 {
        return Err("the domain must have 1 to 253 characters".into());
    }
    let labels: Vec<&str> = d.split('.').collect();
    if labels.len() < 2 {
        return Err("the domain needs a dot".into());
    }
    for l in &labels {
        if l.is_empty()
            || l.len() > 63
            || l.starts_with('-')
            || l.ends_with('-')
            || !l.chars().all(|c| c.is_alphanumeric() || c == '-')
        {
            return Err(format!("'{l}' is not a valid domain label"));
        }
    }
    if labels
        .last()
        .is_some_and(|t| t.chars().all(|c| c.is_ascii_digit()))
    {
        return Err("the top-level domain cannot be numeric".into());
    }
    Ok(())
}

/// An organization's web domain: accepts `https://www.acme.com/about` and keeps `acme.com`.
pub fn org_domain(value: &str, field: &str) -> Result<String> {
    let mut v = value.trim().to_lowercase();
    for scheme in ["https://", "http://"] {
        if let Some(rest) = v.strip_prefix(scheme) {
            v = rest.to_string();
        }
    }
    let host = v.split(['/', '?', '#']).next().unwrap_or("");
    let host = host.split(':').next().unwrap_or("").trim_end_matches('.');
    let host = host.strip_prefix("www.").unwrap_or(host);
    let shown: String = value.chars().take(60).collect();
    domain_name(host).map_err(|why| {
        err(
            ErrorCode::InvalidInput,
            field,
            format!("'{shown}' is not a domain: {why}"),
        )
    })?;
    Ok(host.to_string())
}

/// Phones are kept as written (E.164 normalisation happens in `normalize`);
/// here only what cannot be a phone number is refused.
pub fn phone(value: &str, field: &str) -> Result<String> {
    let v = text(value, field, 64)?;
    let shown: String = v.chars().take(40).collect();
    let (number, _ext) = split_extension(&v);
    if !number
        .chars()
        .all(|c| c.is_ascii_digit() || " +-().\u{a0}/".contains(c))
    {
        return Err(err(
            ErrorCode::InvalidPhone,
            field,
            format!("'{shown}' has characters a phone number cannot have"),
        ));
    }
    if number.chars().skip(1).any(|c| c == '+') {
        return Err(err(
            ErrorCode::InvalidPhone,
            field,
            format!("'{shown}': '+' may only lead the number"),
        ));
    }
    let digits = number.chars().filter(char::is_ascii_digit).count();
    if !(3..=17).contains(&digits) {
        return Err(err(
            ErrorCode::InvalidPhone,
            field,
            format!("'{shown}' has {digits} digits; a phone number has 3 to 17"),
        ));
    }
    Ok(v)
}

pub(crate) fn split_extension(v: &str) -> (&str, &str) {
    let lower = v.to_ascii_lowercase();
    for marker in ["ext.", "ext", "x", "#"] {
        if let Some(pos) = lower.rfind(marker) {
            if pos > 0
                && lower[pos + marker.len()..]
                    .trim()
                    .chars()
                    .all(|c| c.is_ascii_digit())
            {
                return (&v[..pos], &v[pos + marker.len()..]);
            }
        }
    }
    (v, "")
}

/// Arrays in free-form JSON hold at most this many items (the server's
/// limit, `wig.size_error` in sql/002_validate.sql).
pub const FREE_JSON_ARRAY_ITEMS: usize = 10_000;

/// What free-form JSON (metadata, a merge's explanation) cannot hold, found
/// by path (e.g. `metadata.scores[2]`): NaN or Infinity (JSON has no such
/// numbers; the JS wrapper sends them as a marker string, which must be
/// refused, not stored as text), a NUL character in a string or key
/// (PostgreSQL's jsonb cannot store it: the record would never sync), an
/// array over the server's item limit.
pub fn check_free_json(value: &serde_json::Value, field: &str) -> Result<()> {
    fn problem(v: &serde_json::Value) -> Option<(String, ErrorCode, String)> {
        let nul = |s: &str| s.contains('\u{0}');
        match v {
            serde_json::Value::String(s) => match s.strip_prefix(NON_FINITE_PREFIX) {
                Some(n) => Some((
                    String::new(),
                    ErrorCode::InvalidJson,
                    format!("{n} is not a JSON number"),
                )),
                None if nul(s) => Some((
                    String::new(),
                    ErrorCode::InvalidJson,
                    "contains a NUL character".into(),
                )),
                None => None,
            },
            serde_json::Value::Array(items) if items.len() > FREE_JSON_ARRAY_ITEMS => Some((
                String::new(),
                ErrorCode::TooLarge,
                format!("{} items; at most {FREE_JSON_ARRAY_ITEMS}", items.len()),
            )),
            serde_json::Value::Array(items) => items.iter().enumerate().find_map(|(i, x)| {
                problem(x).map(|(rest, code, why)| (format!("[{i}]{rest}"), code, why))
            }),
            serde_json::Value::Object(map) => map.iter().find_map(|(k, x)| {
                if nul(k) {
                    return Some((
                        String::new(),
                        ErrorCode::InvalidJson,
                        "has a key with a NUL character".into(),
                    ));
                }
                problem(x).map(|(rest, code, why)| (format!(".{k}{rest}"), code, why))
            }),
            _ => None,
        }
    }
    match problem(value) {
        None => Ok(()),
        Some((path, code, why)) => Err(err(code, &format!("{field}{path}"), why)),
    }
}

fn metadata(value: &Option<serde_json::Value>, field: &str) -> Result<Metadata> {
    match value {
        None | Some(serde_json::Value::Null) => Ok(Metadata::default()),
        Some(v @ serde_json::Value::Object(_)) => {
            check_free_json(v, field)?;
            let size = v.to_string().len();
            if size > METADATA_BYTES {
                return Err(err(
                    ErrorCode::TooLarge,
                    field,
                    format!("{size} bytes of JSON; at most {METADATA_BYTES}"),
                ));
            }
            Ok(Metadata(v.clone()))
        }
        Some(_) => Err(err(
            ErrorCode::InvalidJson,
            field,
            "must be a JSON object or null",
        )),
    }
}

fn person_ref(refs: &dyn References, id: &str, field: &str) -> Result<Uuid> {
    let id = parse_id(id, field)?;
    match refs.person(id) {
        RefStatus::Live => Ok(id),
        RefStatus::Missing => Err(err(
            ErrorCode::MissingReference,
            field,
            format!("no person {id}"),
        )),
        RefStatus::Deleted => Err(err(
            ErrorCode::MissingReference,
            field,
            format!("person {id} is deleted"),
        )),
        RefStatus::MergedInto(t) => Err(err(
            ErrorCode::MergedAway,
            field,
            format!("person {id} was merged into {t}"),
        )),
    }
}

/// The shared system fields of an upsert: kept from the existing record, or set now.
struct Stamp {
    created_at: Timestamp,
    sync_version: u64,
}

impl Stamp {
    fn of(created: Option<(Timestamp, u64)>, now: Timestamp) -> Stamp {
        let (created_at, sync_version) = created.unwrap_or((now, 0));
        Stamp {
            created_at,
            sync_version,
        }
    }
}

/// Validates a person. `existing` is the stored record with that id, if any:
/// its system fields (creation time, merge history) are kept. Upserting a
/// soft-deleted person restores it.
pub fn person(
    input: &PersonInput,
    existing: Option<&Person>,
    refs: &dyn References,
    now: Timestamp,
) -> Result<Person> {
    let id = match existing {
        Some(p) => p.id,
        None => id_or_new(&input.id)?,
    };
    if let Some(t) = existing.and_then(|p| p.merged_into) {
        return Err(err(
            ErrorCode::MergedAway,
            "id",
            format!("person {id} was merged into {t}; edit {t} instead"),
        ));
    }
    let mut names = text_list(&input.names, "names", SHORT_TEXT, LIST, |s| {
        s.to_lowercase()
    })?;
    // A name that shows nothing (zero-width spaces, bare accents, a bidi
    // control) is dropped like a blank one.
    names.retain(|n| crate::normalize::has_visible(n));
    list_len(&input.emails, "emails", LIST)?;
    let mut emails: Vec<String> = Vec::with_capacity(input.emails.len());
    for (i, e) in input.emails.iter().enumerate() {
        let e = email(e, "").map_err(|e| e.within(&format!("emails[{i}]")))?;
        if !emails.contains(&e) {
            emails.push(e);
        }
    }
    list_len(&input.phones, "phones", LIST)?;
    let mut phones: Vec<String> = Vec::with_capacity(input.phones.len());
    for (i, p) in input.phones.iter().enumerate() {
        let p = phone(p, "").map_err(|e| e.within(&format!("phones[{i}]")))?;
        if !phones.contains(&p) {
            phones.push(p);
        }
    }
    if names.is_empty() && emails.is_empty() && phones.is_empty() {
        return Err(err(
            ErrorCode::Required,
            "names",
            "a person needs at least one name, email or phone",
        ));
    }
    if input.social_handles.len() > SOCIAL_HANDLES {
        return Err(err(
            ErrorCode::TooLarge,
            "socialHandles",
            format!(
                "{} entries; at most {SOCIAL_HANDLES}",
                input.social_handles.len()
            ),
        ));
    }
    let mut social_handles = BTreeMap::new();
    for (k, v) in &input.social_handles {
        let key = k.trim().to_lowercase();
        let field = format!("socialHandles.{}", key.chars().take(32).collect::<String>());
        if key.is_empty()
            || key.len() > 32
            || !key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err(err(
                ErrorCode::InvalidInput,
                &field,
                "a network name has 1 to 32 letters, digits, '_' or '-'",
            ));
        }
        let v = text(v, &field, SHORT_TEXT)?;
        if !v.is_empty() {
            social_handles.insert(key, v);
        }
    }
    let organization_id = match &input.organization_id {
        None => None,
        Some(s) => {
            let oid = parse_id(s, "organizationId")?;
            let kept = KeptReferences {
                refs,
                kept: |id| existing.is_some_and(|p| p.organization_id == Some(id)),
            };
            match kept.organization(oid) {
                RefStatus::Live => Some(oid),
                RefStatus::Missing | RefStatus::Deleted => {
                    return Err(err(
                        ErrorCode::MissingReference,
                        "organizationId",
                        format!("no organization {oid}"),
                    ))
                }
                RefStatus::MergedInto(t) => {
                    return Err(err(
                        ErrorCode::MergedAway,
                        "organizationId",
                        format!("organization {oid} was merged into {t}"),
                    ))
                }
            }
        }
    };
    let birth_date = match optional_text(&input.birth_date, "birthDate", 10)? {
        None => None,
        Some(d) => {
            if parse_date(&d).is_none() {
                return Err(err(
                    ErrorCode::InvalidDate,
                    "birthDate",
                    format!("'{d}' is not a date YYYY-MM-DD"),
                ));
            }
            Some(d)
        }
    };
    let stamp = Stamp::of(existing.map(|p| (p.created_at, p.sync_version)), now);
    Ok(Person {
        id,
        names,
        emails,
        phones,
        social_handles,
        title: optional_text(&input.title, "title", SHORT_TEXT)?,
        organization_id,
        addresses: text_list(&input.addresses, "addresses", LONG_TEXT, LIST, |s| {
            s.to_lowercase()
        })?,
        birth_date,
        merge_explanation: existing.and_then(|p| p.merge_explanation.clone()),
        previous_ids: existing.map(|p| p.previous_ids.clone()).unwrap_or_default(),
        merged_into: None,
        metadata: metadata(&input.metadata, "metadata")?,
        created_at: stamp.created_at,
        updated_at: now,
        deleted_at: None,
        sync_version: stamp.sync_version,
    })
}

pub fn organization(
    input: &OrganizationInput,
    existing: Option<&Organization>,
    now: Timestamp,
) -> Result<Organization> {
    let id = match existing {
        Some(o) => o.id,
        None => id_or_new(&input.id)?,
    };
    if let Some(t) = existing.and_then(|o| o.merged_into) {
        return Err(err(
            ErrorCode::MergedAway,
            "id",
            format!("organization {id} was merged into {t}; edit {t} instead"),
        ));
    }
    let name = optional_text(&input.name, "name", SHORT_TEXT)?
        .filter(|n| crate::normalize::has_visible(n))
        .ok_or_else(|| err(ErrorCode::Required, "name", "an organization needs a name"))?;
    let domain = match &input.domain {
        Some(d) if !d.trim().is_empty() => Some(org_domain(d, "domain")?),
        _ => None,
    };
    let stamp = Stamp::of(existing.map(|o| (o.created_at, o.sync_version)), now);
    Ok(Organization {
        id,
        name,
        domain,
        merge_explanation: existing.and_then(|o| o.merge_explanation.clone()),
        previous_ids: existing.map(|o| o.previous_ids.clone()).unwrap_or_default(),
        merged_into: None,
        metadata: metadata(&input.metadata, "metadata")?,
        created_at: stamp.created_at,
        updated_at: now,
        deleted_at: None,
        sync_version: stamp.sync_version,
    })
}

pub fn strength(value: f64, field: &str) -> Result<f64> {
    if !value.is_finite() || !(0.0..=1.0).contains(&value) {
        return Err(err(
            ErrorCode::InvalidStrength,
            field,
            format!("{} is not a number in [0, 1]", JsNumber(value)),
        ));
    }
    Ok(value)
}

/// An edge's endpoints and natural key (the unordered pair), validated before
/// the store looks up which existing edge, if any, the input updates.
pub fn edge_endpoints(input: &EdgeInput, refs: &dyn References) -> Result<(Uuid, Uuid)> {
    let from = input.from_person_id.as_deref().ok_or_else(|| {
        err(
            ErrorCode::Required,
            "fromPersonId",
            "an edge needs fromPersonId",
        )
    })?;
    let to = input.to_person_id.as_deref().ok_or_else(|| {
        err(
            ErrorCode::Required,
            "toPersonId",
            "an edge needs toPersonId",
        )
    })?;
    let from = person_ref(refs, from, "fromPersonId")?;
    let to = person_ref(refs, to, "toPersonId")?;
    if from == to {
        return Err(err(
            ErrorCode::SelfEdge,
            "toPersonId",
            "an edge cannot join a person to themself",
        ));
    }
    Ok((from, to))
}

/// Default strength of a declared edge with no interactions behind it yet.
pub const DECLARED_STRENGTH: f64 = 0.5;

pub fn edge(
    input: &EdgeInput,
    endpoints: (Uuid, Uuid),
    existing: Option<&Edge>,
    now: Timestamp,
) -> Result<Edge> {
    let id = match existing {
        Some(e) => e.id,
        None => id_or_new(&input.id)?,
    };
    let relationship_type = match &input.relationship_type {
        None => RelationshipType::Knows,
        Some(s) => RelationshipType::parse(s).ok_or_else(|| {
            err(
                ErrorCode::InvalidEnum,
                "relationshipType",
                format!(
                    "'{}' is not one of {}",
                    s.chars().take(40).collect::<String>(),
                    RelationshipType::expected()
                ),
            )
        })?,
    };
    let strength = strength(
        input.strength.map_or(DECLARED_STRENGTH, |n| n.0),
        "strength",
    )?;
    list_len(&input.strength_factors, "strengthFactors", STRENGTH_FACTORS)?;
    let mut strength_factors = Vec::with_capacity(input.strength_factors.len());
    for (i, f) in input.strength_factors.iter().enumerate() {
        let field = format!("strengthFactors[{i}]");
        let name = text(&f.name, &format!("{field}.name"), 64)?;
        if name.is_empty() {
            return Err(err(
                ErrorCode::Required,
                &format!("{field}.name"),
                "a factor needs a name",
            ));
        }
        if !f.value.0.is_finite() || !f.contribution.0.is_finite() {
            return Err(err(
                ErrorCode::InvalidStrength,
                &field,
                "value and contribution must be finite numbers",
            ));
        }
        strength_factors.push(StrengthFactor {
            name: name.into(),
            value: f.value.0,
            contribution: f.contribution.0,
        });
    }
    let sources = text_list(&input.sources, "sources", 200, LIST, |s| s.to_string())?;
    list_len(&input.channels, "channels", Channel::ALL.len() * 2)?;
    let mut channels = Vec::new();
    for (i, c) in input.channels.iter().enumerate() {
        let ch = Channel::parse(c).ok_or_else(|| {
            err(
                ErrorCode::InvalidEnum,
                &format!("channels[{i}]"),
                format!(
                    "'{}' is not one of {}",
                    c.chars().take(40).collect::<String>(),
                    Channel::expected()
                ),
            )
        })?;
        if !channels.contains(&ch) {
            channels.push(ch);
        }
    }
    channels.sort();
    let first_seen_at = input
        .first_seen_at
        .as_ref()
        .map(|t| parse_time(t, "firstSeenAt"))
        .transpose()?;
    let last_seen_at = input
        .last_seen_at
        .as_ref()
        .map(|t| parse_time(t, "lastSeenAt"))
        .transpose()?;
    if let (Some(f), Some(l)) = (first_seen_at, last_seen_at) {
        if f > l {
            return Err(err(
                ErrorCode::InvalidTimestamp,
                "lastSeenAt",
                "lastSeenAt is before firstSeenAt",
            ));
        }
    }
    let interaction_count = match input.interaction_count {
        None => 0,
        Some(n) => whole_number(n.0, "interactionCount", 0.0, Some(u32::MAX as f64))? as u32,
    };
    let stamp = Stamp::of(existing.map(|e| (e.created_at, e.sync_version)), now);
    Ok(Edge {
        id,
        from_person_id: endpoints.0,
        to_person_id: endpoints.1,
        relationship_type,
        strength,
        strength_factors,
        sources,
        channels,
        first_seen_at,
        last_seen_at,
        interaction_count,
        metadata: metadata(&input.metadata, "metadata")?,
        created_at: stamp.created_at,
        updated_at: now,
        deleted_at: None,
        sync_version: stamp.sync_version,
    })
}

/// The natural key of an interaction, checked before the store looks it up.
pub fn interaction_key(input: &InteractionInput) -> Result<(String, String)> {
    let source_name = optional_text(&input.source_name, "sourceName", 200)?.ok_or_else(|| {
        err(
            ErrorCode::Required,
            "sourceName",
            "an interaction needs sourceName",
        )
    })?;
    let source_id = optional_text(&input.source_id, "sourceId", SHORT_TEXT)?.ok_or_else(|| {
        err(
            ErrorCode::Required,
            "sourceId",
            "an interaction needs sourceId",
        )
    })?;
    Ok((source_name, source_id))
}

/// A participant is a person id (which must exist) or an email address.
fn participant(value: &str, field: &str, refs: &dyn References) -> Result<String> {
    let v = value.trim();
    if v.contains('@') {
        email(v, field)
    } else if Uuid::try_parse(v).is_ok() {
        person_ref(refs, v, field).map(|id| id.to_string())
    } else {
        let shown: String = v.chars().take(60).collect();
        Err(err(
            ErrorCode::InvalidInput,
            field,
            format!("'{shown}' is neither an email address nor a person id"),
        ))
    }
}

pub fn interaction(
    input: &InteractionInput,
    key: (String, String),
    existing: Option<&Interaction>,
    refs: &dyn References,
    now: Timestamp,
) -> Result<Interaction> {
    let id = match existing {
        Some(i) => i.id,
        None => id_or_new(&input.id)?,
    };
    let timestamp = parse_time(
        input.timestamp.as_ref().ok_or_else(|| {
            err(
                ErrorCode::Required,
                "timestamp",
                "an interaction needs a timestamp",
            )
        })?,
        "timestamp",
    )?;
    list_len(&input.participants, "participants", PARTICIPANTS)?;
    let kept = KeptReferences {
        refs,
        kept: |id: Uuid| {
            existing.is_some_and(|i| {
                let id = id.to_string();
                i.participants.contains(&id) || i.sender.as_ref() == Some(&id)
            })
        },
    };
    let refs: &dyn References = &kept;
    let mut participants: Vec<String> = Vec::with_capacity(input.participants.len());
    for (i, p) in input.participants.iter().enumerate() {
        let p = participant(p, "", refs).map_err(|e| e.within(&format!("participants[{i}]")))?;
        if !participants.contains(&p) {
            participants.push(p);
        }
    }
    if participants.len() < 2 {
        return Err(err(
            ErrorCode::Required,
            "participants",
            "an interaction needs at least two distinct participants",
        ));
    }
    let channel = match &input.channel {
        None => {
            return Err(err(
                ErrorCode::Required,
                "channel",
                format!(
                    "an interaction needs a channel: one of {}",
                    Channel::expected()
                ),
            ))
        }
        Some(c) => Channel::parse(c).ok_or_else(|| {
            err(
                ErrorCode::InvalidEnum,
                "channel",
                format!(
                    "'{}' is not one of {}",
                    c.chars().take(40).collect::<String>(),
                    Channel::expected()
                ),
            )
        })?,
    };
    let direction = match &input.direction {
        None => None,
        Some(d) => Some(Direction::parse(d).ok_or_else(|| {
            err(
                ErrorCode::InvalidEnum,
                "direction",
                format!(
                    "'{}' is not one of {}",
                    d.chars().take(40).collect::<String>(),
                    Direction::expected()
                ),
            )
        })?),
    };
    let sender = match &input.sender {
        None => None,
        Some(s) => {
            let s = participant(s, "sender", refs)?;
            if !participants.contains(&s) {
                return Err(err(
                    ErrorCode::InvalidInput,
                    "sender",
                    "the sender must be one of the participants",
                ));
            }
            Some(s)
        }
    };
    let duration_minutes = match input.duration_minutes.map(|n| n.0) {
        None => None,
        Some(d) if d.is_finite() && (0.0..=100_000.0).contains(&d) => Some(d),
        Some(d) => {
            return Err(err(
                ErrorCode::InvalidInput,
                "durationMinutes",
                format!(
                    "{} is not a duration between 0 and 100000 minutes",
                    JsNumber(d)
                ),
            ))
        }
    };
    let stamp = Stamp::of(existing.map(|i| (i.created_at, i.sync_version)), now);
    Ok(Interaction {
        id,
        source_name: key.0,
        source_id: key.1,
        timestamp,
        participants,
        channel,
        direction,
        sender,
        duration_minutes,
        metadata: metadata(&input.metadata, "metadata")?,
        created_at: stamp.created_at,
        updated_at: now,
        deleted_at: None,
        sync_version: stamp.sync_version,
    })
}
