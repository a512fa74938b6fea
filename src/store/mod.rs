//! Storage: the graph's state in memory (fast reads, what queries run on) and
//! a durable copy behind the [`Backend`] trait — in memory for Node and tests,
//! IndexedDB in the browser.
//!
//! Every write call goes the same way: validate the inputs against the state
//! and build a [`Commit`] (nothing mutated yet) → turn it into one
//! [`WriteSet`] holding the touched buckets, the audit entry and the outbox
//! entry → the backend writes it in ONE transaction → only then is the commit
//! applied in memory. A failed or refused write leaves both copies untouched.

pub mod codec;
mod commit;
mod dedup;
pub mod graph_view;
mod import;
mod interaction_columns;
mod memory;
mod merge;
mod node_index;
mod ops;
pub mod shared;
mod state;
mod strength_sync;
pub mod table;

#[cfg(target_arch = "wasm32")]
pub mod idb;

pub use commit::{ChangeOp, Changes, Commit, OutboxChange, OutboxEntry};
pub use dedup::{
    DuplicateKind, DuplicateOptions, DuplicateReport, DuplicateSuggestion, FieldContribution,
    MatchCandidate, PersonIndex,
};
pub use graph_view::{GraphView, IntroPath, NodeAnswer, QueryOptions};
pub use import::{
    imported_person_id, BatchOutcome, ImportError, ImportKind, ImportOptions, ImportReport,
    ImportSession, IMPORT_BATCH,
};
pub use memory::{block_on, MemoryBackend};
pub(crate) use merge::unfold_source;
pub(crate) use ops::scrub_traces;
pub use ops::{BatchResult, Db, ExportedPerson, ListOptions, Page, Prepared, Stats, WriteContext};
pub use state::{GraphState, Loader, SCHEMA_VERSION};
pub use strength_sync::{RecomputeOptions, StrengthPhases, StrengthReport, MAX_SCORED_GROUP};

use crate::error::Result;
use std::future::Future;

/// The object stores (IndexedDB) / namespaces of a graph's durable copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StoreName {
    People,
    Organizations,
    Edges,
    Interactions,
    Merges,
    Audit,
    Outbox,
    Meta,
    /// Review feedback "these two are not the same" (IndexedDB version 2).
    Rejections,
}

impl StoreName {
    pub const ALL: [StoreName; 9] = [
        StoreName::People,
        StoreName::Organizations,
        StoreName::Edges,
        StoreName::Interactions,
        StoreName::Merges,
        StoreName::Audit,
        StoreName::Outbox,
        StoreName::Meta,
        StoreName::Rejections,
    ];

    pub fn name(self) -> &'static str {
        match self {
            StoreName::People => "people",
            StoreName::Organizations => "organizations",
            StoreName::Edges => "edges",
            StoreName::Interactions => "interactions",
            StoreName::Merges => "merges",
            StoreName::Audit => "audit",
            StoreName::Outbox => "outbox",
            StoreName::Meta => "meta",
            StoreName::Rejections => "rejections",
        }
    }
}

/// A key in a store: bucket numbers and sequence numbers are numbers, merge
/// ids and meta entries are strings.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StoreKey {
    Num(u64),
    Text(String),
}

/// Everything one call writes, applied atomically by the backend.
#[derive(Debug, Default, Clone)]
pub struct WriteSet {
    pub puts: Vec<(StoreName, StoreKey, Vec<u8>)>,
    pub deletes: Vec<(StoreName, StoreKey)>,
    /// The stored generation (`meta/generation`) this write was made
    /// against: the backend refuses it with STALE, writing nothing, if the
    /// graph holds another (another tab or worker wrote since this state was
    /// read). `None`: unchecked (opening).
    pub expect_generation: Option<u64>,
}

/// The key of the stored generation: a counter every write bumps.
pub const GENERATION_KEY: &str = "generation";

/// Where the generation is stored: `meta/generation`.
pub(crate) fn generation_key() -> StoreKey {
    StoreKey::Text(GENERATION_KEY.into())
}

/// The STALE error of a write made against an older generation.
pub(crate) fn stale(stored: u64, expected: u64) -> crate::error::Error {
    crate::error::Error::general(
        crate::error::ErrorCode::Stale,
        format!(
            "another tab or worker wrote to this graph since it was read (generation {stored}, this copy has {expected}); nothing was written: reload() and try again"
        ),
    )
}

impl WriteSet {
    pub fn is_empty(&self) -> bool {
        self.puts.is_empty() && self.deletes.is_empty()
    }

    pub fn bytes(&self) -> usize {
        self.puts.iter().map(|(_, _, v)| v.len()).sum()
    }
}

/// A durable copy of a graph. Implementations write a [`WriteSet`] all or
/// nothing, and hand back every stored value on load (with its real key in
/// `meta`; other stores' values carry their own ids, so a backend may number
/// them instead).
/// What [`Backend::load`] hands each stored value to: (store, key, bytes).
pub type Sink<'a> = dyn FnMut(StoreName, StoreKey, &[u8]) -> Result<()> + 'a;

pub trait Backend {
    /// Hands every stored value to `sink`, `meta` first. Values may be
    /// handed over while the rest is still being read, so decoding overlaps
    /// reading.
    fn load(&self, sink: &mut Sink<'_>) -> impl Future<Output = Result<()>>;
    fn write(&self, set: WriteSet) -> impl Future<Output = Result<()>>;
    /// The stored generation (`meta/generation`, 0 if absent): equal to a
    /// state's, the state is the stored graph (see
    /// [`WriteSet::expect_generation`]).
    fn generation(&self) -> impl Future<Output = Result<u64>>;
}

/// Every value a backend holds, collected (tests, tools). Opening a graph
/// streams instead, see [`Backend::load`].
pub async fn load_values<B: Backend>(backend: &B) -> Result<Vec<(StoreName, StoreKey, Vec<u8>)>> {
    let mut out = Vec::new();
    backend
        .load(&mut |store, key, bytes| {
            out.push((store, key, bytes.to_vec()));
            Ok(())
        })
        .await?;
    Ok(out)
}
