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
mod memory;
mod ops;
mod state;
pub mod table;

#[cfg(target_arch = "wasm32")]
pub mod idb;

pub use commit::{ChangeOp, Commit, OutboxChange, OutboxEntry};
pub use memory::{block_on, MemoryBackend};
pub use ops::{BatchResult, Db, ExportedPerson, ListOptions, Page, Prepared, Stats, WriteContext};
pub use state::{GraphState, SCHEMA_VERSION};

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
}

impl StoreName {
    pub const ALL: [StoreName; 8] = [
        StoreName::People,
        StoreName::Organizations,
        StoreName::Edges,
        StoreName::Interactions,
        StoreName::Merges,
        StoreName::Audit,
        StoreName::Outbox,
        StoreName::Meta,
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
}

impl WriteSet {
    pub fn bytes(&self) -> usize {
        self.puts.iter().map(|(_, _, v)| v.len()).sum()
    }
}

/// A durable copy of a graph. Implementations write a [`WriteSet`] all or
/// nothing, and hand back every stored value on load (with its real key in
/// `meta`; other stores' values carry their own ids, so a backend may number
/// them instead).
pub trait Backend {
    fn load(&self) -> impl Future<Output = Result<Vec<(StoreName, StoreKey, Vec<u8>)>>>;
    fn write(&self, set: WriteSet) -> impl Future<Output = Result<()>>;
}
