//! The data model: records as stored, and the looser input shapes that callers
//! send, which `validate` turns into records or typed errors.
//!
//! JSON field names are camelCase; ids are UUIDs (lower-case, hyphenated);
//! timestamps are RFC 3339 strings in JSON and epoch milliseconds inside.

mod ids;
mod input;
mod metadata;
mod time;
pub mod validate;

pub use ids::new_id;
pub use input::*;
pub use metadata::Metadata;
pub use time::Timestamp;
pub(crate) use time::{civil_from_days, days_from_civil, days_in_month, parse_date};

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
pub use uuid::Uuid;

/// Size limits. Generous for real contact data, small enough that one hostile
/// record cannot exhaust memory or make a page of results megabytes long.
pub mod limits {
    pub const SHORT_TEXT: usize = 500;
    pub const LONG_TEXT: usize = 2_000;
    pub const EMAIL: usize = 254;
    pub const LIST: usize = 50;
    pub const SOCIAL_HANDLES: usize = 20;
    pub const PARTICIPANTS: usize = 1_000;
    pub const STRENGTH_FACTORS: usize = 16;
    pub const METADATA_BYTES: usize = 64 * 1024;
    pub const BATCH: usize = 5_000_000;
    pub const PAGE: usize = 10_000;
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Person {
    pub id: Uuid,
    pub names: Vec<String>,
    pub emails: Vec<String>,
    pub phones: Vec<String>,
    pub social_handles: BTreeMap<String, String>,
    pub title: Option<String>,
    pub organization_id: Option<Uuid>,
    pub addresses: Vec<String>,
    pub birth_date: Option<String>,
    pub merge_explanation: Option<Metadata>,
    pub previous_ids: Vec<Uuid>,
    pub merged_into: Option<Uuid>,
    pub metadata: Metadata,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub deleted_at: Option<Timestamp>,
    /// The server change sequence this record was last synced at (0: never).
    #[serde(default)]
    pub sync_version: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Organization {
    pub id: Uuid,
    pub name: String,
    pub domain: Option<String>,
    pub merge_explanation: Option<Metadata>,
    pub previous_ids: Vec<Uuid>,
    pub merged_into: Option<Uuid>,
    pub metadata: Metadata,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub deleted_at: Option<Timestamp>,
    #[serde(default)]
    pub sync_version: u64,
}

macro_rules! string_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $s:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum $name { $(#[serde(rename = $s)] $variant),+ }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(self) -> &'static str { match self { $($name::$variant => $s),+ } }
            pub fn parse(s: &str) -> Option<Self> { match s { $($s => Some($name::$variant),)+ _ => None } }
            pub fn expected() -> String { [$($s),+].join(", ") }
        }
    };
}

string_enum!(
    /// What an edge says about two people.
    RelationshipType {
        Knows = "knows",
        ConnectedTo = "connected_to",
        InteractedWith = "interacted_with",
        WorkedAt = "worked_at",
        Advised = "advised",
        InvestedIn = "invested_in",
    }
);

string_enum!(
    Channel {
        Email = "email",
        Message = "message",
        Meeting = "meeting",
        Call = "call",
        Other = "other",
    }
);

string_enum!(
    Direction {
        OneWay = "one_way",
        TwoWay = "two_way",
    }
);

string_enum!(
    SyncStatus {
        Idle = "idle",
        Running = "running",
        Failed = "failed",
        Success = "success",
    }
);

/// One factor of an edge's strength: its value in [0,1] and its additive
/// contribution to the score (the contributions sum to `strength`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StrengthFactor {
    /// The engine's factor names are static (a million scored edges would
    /// otherwise hold eight million small strings); a caller's own names
    /// are owned. In JSON a plain string; stored, an engine name is a
    /// one-character code (see [`factor_name_code`]).
    #[serde(serialize_with = "write_factor_name", deserialize_with = "factor_name")]
    pub name: std::borrow::Cow<'static, str>,
    pub value: f64,
    pub contribution: f64,
}

/// The stored form of the engine's `i`-th factor name: the one-character
/// string `U+0001 + i`. No name a caller gives can be one (validation
/// refuses control characters), so codes and names never collide, and a
/// record written before the codes (whole names) reads the same. A scored
/// edge is stored in 69 bytes less (8 names of 7–12 characters, each now one),
/// and reading one back compares no strings.
pub fn factor_name_code(i: usize) -> &'static str {
    const CODES: [&str; 8] = [
        "\u{1}", "\u{2}", "\u{3}", "\u{4}", "\u{5}", "\u{6}", "\u{7}", "\u{8}",
    ];
    CODES[i]
}

/// Writes a factor name: the engine's names as their code in the stored
/// (binary) form, every name in full in JSON.
#[allow(clippy::ptr_arg)] // serde's `serialize_with` passes `&FieldType`
fn write_factor_name<S: serde::Serializer>(
    name: &std::borrow::Cow<'static, str>,
    s: S,
) -> Result<S::Ok, S::Error> {
    let name: &str = name;
    if !s.is_human_readable() {
        use crate::strength::FACTOR_NAMES;
        // The engine's names are the table's own strings (same address):
        // found without comparing text, which in wasm is a call per name.
        let same = |n: &&str| n.as_ptr() == name.as_ptr() && n.len() == name.len();
        if let Some(i) = FACTOR_NAMES
            .iter()
            .position(same)
            .or_else(|| FACTOR_NAMES.iter().position(|n| *n == name))
        {
            return s.serialize_str(factor_name_code(i));
        }
    }
    s.serialize_str(name)
}

/// Reads a factor name, sharing the engine's static names (and, in the
/// stored form, reading their codes). Through a visitor, not as a
/// `Cow<str>` (serde's `Cow` always reads an owned `String`): an engine
/// name allocates nothing, where it cost a string allocated and freed per
/// factor, eight per scored edge, on every open.
fn factor_name<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<std::borrow::Cow<'static, str>, D::Error> {
    use crate::strength::FACTOR_NAMES;
    use std::borrow::Cow;

    struct Name {
        binary: bool,
    }
    impl serde::de::Visitor<'_> for Name {
        type Value = Cow<'static, str>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a strength factor name")
        }
        fn visit_str<E: serde::de::Error>(self, name: &str) -> Result<Self::Value, E> {
            if self.binary {
                if let [code @ 1..=8] = name.as_bytes() {
                    return Ok(Cow::Borrowed(FACTOR_NAMES[usize::from(*code) - 1]));
                }
            }
            Ok(match FACTOR_NAMES.iter().find(|n| **n == name) {
                Some(n) => Cow::Borrowed(*n),
                None => Cow::Owned(name.to_owned()),
            })
        }
    }
    let binary = !d.is_human_readable();
    d.deserialize_str(Name { binary })
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Edge {
    pub id: Uuid,
    pub from_person_id: Uuid,
    pub to_person_id: Uuid,
    pub relationship_type: RelationshipType,
    pub strength: f64,
    pub strength_factors: Vec<StrengthFactor>,
    pub sources: Vec<String>,
    pub channels: Vec<Channel>,
    pub first_seen_at: Option<Timestamp>,
    pub last_seen_at: Option<Timestamp>,
    pub interaction_count: u32,
    pub metadata: Metadata,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub deleted_at: Option<Timestamp>,
    #[serde(default)]
    pub sync_version: u64,
}

impl Person {
    /// Neither soft-deleted nor merged away: what queries, matching and
    /// strength see.
    pub fn is_live(&self) -> bool {
        self.deleted_at.is_none() && self.merged_into.is_none()
    }
}

impl Organization {
    /// Neither soft-deleted nor merged away.
    pub fn is_live(&self) -> bool {
        self.deleted_at.is_none() && self.merged_into.is_none()
    }
}

impl Edge {
    /// The unordered pair this edge joins: the key of "one edge per pair".
    pub fn pair(&self) -> (Uuid, Uuid) {
        pair_key(self.from_person_id, self.to_person_id)
    }
}

pub fn pair_key(a: Uuid, b: Uuid) -> (Uuid, Uuid) {
    if a <= b {
        (a, b)
    } else {
        (b, a)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Interaction {
    pub id: Uuid,
    pub source_name: String,
    pub source_id: String,
    pub timestamp: Timestamp,
    /// Emails (lower-cased) or person ids (as UUID strings).
    pub participants: Vec<String>,
    pub channel: Channel,
    pub direction: Option<Direction>,
    /// The participant who started it, when known (one of `participants`).
    pub sender: Option<String>,
    pub duration_minutes: Option<f64>,
    pub metadata: Metadata,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub deleted_at: Option<Timestamp>,
    #[serde(default)]
    pub sync_version: u64,
}

/// The kinds of record the graph stores; also the `entityType` of audit
/// entries and outbox changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntityKind {
    Person,
    Organization,
    Edge,
    Interaction,
    Merge,
}

impl EntityKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EntityKind::Person => "person",
            EntityKind::Organization => "organization",
            EntityKind::Edge => "edge",
            EntityKind::Interaction => "interaction",
            EntityKind::Merge => "merge",
        }
    }
}

/// Everything needed to undo one merge exactly: the records as they were
/// before and as the merge left them. Unmerge puts every `*_before` record
/// back and refuses if any `*_after` record changed since.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MergeRecord {
    pub id: Uuid,
    /// Order of merges in this graph (the audit seq of the merge's commit):
    /// "a later merge" means a larger `seq`.
    pub seq: u64,
    pub entity_type: EntityKind,
    pub target_id: Uuid,
    /// In canonical (sorted) order.
    pub source_ids: Vec<Uuid>,
    pub explanation: Metadata,
    /// Target, sources and (organization merges) the people re-pointed.
    pub people_before: Vec<Person>,
    pub people_after: Vec<Person>,
    pub organizations_before: Vec<Organization>,
    pub organizations_after: Vec<Organization>,
    /// Every edge the merge rewrote, as it was.
    pub edges_before: Vec<Edge>,
    /// Those edges (re-pointed, combined), as the merge left them.
    pub edges_after: Vec<Edge>,
    /// Edges the merge erased. Merges no longer erase (folded edges stay
    /// on their merged-away person): always empty but in merges stored
    /// before that, which unmerge still restores.
    #[serde(default)]
    pub removed_edge_ids: Vec<Uuid>,
    /// Source edges combined into another edge, left as they were on the
    /// merged-away person (self-edges are not counted).
    #[serde(default)]
    pub edges_folded: usize,
    pub created_at: Timestamp,
    pub undone_at: Option<Timestamp>,
}

/// Review feedback: two people (or two organizations) are not the same.
/// `a < b`; stored under the key "a|b".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Rejection {
    pub a: Uuid,
    pub b: Uuid,
    pub kind: EntityKind,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntry {
    pub id: Uuid,
    /// Monotonic per graph: the order of entries.
    pub seq: u64,
    pub correlation_id: String,
    pub action: String,
    pub actor_id: Option<String>,
    pub entity_type: Option<EntityKind>,
    pub entity_id: Option<Uuid>,
    pub metadata: Metadata,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncState {
    pub remote: String,
    pub checkpoint: Option<String>,
    pub last_success_at: Option<Timestamp>,
    pub last_error: Option<String>,
    pub status: SyncStatus,
}
