//! Relationship graph index and warm-introduction search.
//!
//! Nodes are dense `u32` indices in `0..node_count`; edges are undirected and
//! carry a strength in `[0, 1]`, a relationship type (`0..=5`) and the
//! caller's `edge_id` handle.
//!
//! # Design
//!
//! * [`CsrIndex`] stores every undirected edge twice (once per endpoint) in
//!   compressed-sparse-row arrays: `offsets[u]..offsets[u + 1]` indexes the
//!   parallel arrays `neighbours`, `strength`, `rel_type`, `edge_id`. Each
//!   node's neighbours are sorted by id. [`CsrIndex::build`] is two stable
//!   counting-sort passes (by neighbour, then by source), O(V + E), without
//!   per-node vectors; duplicate pairs keep the last occurrence.
//! * Edits go to a small delta that queries consult: an upsert of a pair that
//!   already lives in the CSR rewrites it in place (O(log deg)); a removal
//!   tombstones it in place (`strength = -1`, which no filter accepts); a new
//!   pair goes to a per-node sorted overlay list. When overlay + tombstones
//!   exceed `max(compaction_min, (V + 2E) / 8)` half-edges the CSR is rebuilt
//!   by merging (O(V + E)), so edits are amortised O(1) + O(log deg).
//! * Queries keep visited marks, parents and labels in generation-stamped
//!   scratch buffers (thread-local, grown on demand to ~45 bytes per node,
//!   never cleared; [`release_query_buffers`] frees them), so a query does
//!   not allocate or clear O(V) memory.
//! * Scores are products of hop strengths, compared in `f64`. Maximising the
//!   product is Dijkstra on `-ln(strength)`; working on the products directly
//!   gives the same order and handles strength-0 edges (score 0) exactly.
//!
//! # Semantics shared by all queries
//!
//! * An unknown node id gives [`GraphError::UnknownNode`]; impossible filters
//!   give [`GraphError::InvalidFilter`] (see [`Filters::validate`]); a bad
//!   edge given to `build`/`upsert_edge` gives [`GraphError::InvalidEdge`].
//! * "No path" is `Ok(None)` or an empty vector, never an error.
//! * Inactive nodes (see [`CsrIndex::set_node_active`]) and nodes in
//!   `filters.avoid` are never visited; an inactive endpoint yields no result.
//! * `a == b` yields the zero-hop path `[a]` (score 1).
//!
//! ```
//! use wig_search::{CsrIndex, EdgeInput, Filters, intro_paths};
//! let edges = [
//!     EdgeInput { a: 0, b: 1, strength: 0.9, rel_type: 0, edge_id: 10 },
//!     EdgeInput { a: 1, b: 2, strength: 0.8, rel_type: 1, edge_id: 11 },
//!     EdgeInput { a: 0, b: 2, strength: 0.5, rel_type: 2, edge_id: 12 },
//! ];
//! let idx = CsrIndex::build(3, &edges).unwrap();
//! let paths = intro_paths(&idx, 0, 2, 2, &Filters::default()).unwrap();
//! assert_eq!(paths[0].nodes, vec![0, 1, 2]);
//! assert!((paths[0].score - 0.72).abs() < 1e-6);
//! assert_eq!(paths[1].nodes, vec![0, 2]);
//! ```

mod bfs;
mod bidirectional_bfs;
mod csr;
mod dijkstra;
mod filters;
mod indexed_heap;
mod k_best_paths;
mod mutual;
mod neighbors;
mod path;
mod scratch;
pub mod synth;

#[cfg(test)]
mod reference;
#[cfg(test)]
mod tests;

pub use bfs::bfs_distances;
pub use bidirectional_bfs::shortest_path;
// Shared with the strength engine, whose crate (`wig-strength`) holds it.
pub use csr::{CsrIndex, EdgeRef, SortedNeighbors};
pub use dijkstra::best_path;
pub use filters::{Filters, ALL_REL_TYPES, DEFAULT_INTRO_MAX_HOPS, MAX_REL_TYPE};
pub use k_best_paths::{intro_paths, intro_paths_to_set};
pub use mutual::{mutual_connections, Mutual};
pub use neighbors::{neighbors, Neighborhood};
pub use path::Path;
pub use scratch::release_query_buffers;
pub use wig_strength::chunked::{each_in_chunks, in_chunks, CHUNK};

use core::fmt;

/// One undirected edge as supplied by the integrator.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EdgeInput {
    /// First endpoint (`< node_count`).
    pub a: u32,
    /// Second endpoint (`< node_count`, `!= a`).
    pub b: u32,
    /// Tie strength in `[0, 1]`.
    pub strength: f32,
    /// Relationship type, `0..=5`.
    pub rel_type: u8,
    /// Caller's handle, returned in [`Path::edge_ids`].
    pub edge_id: u32,
}

/// Errors returned by the index and the queries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GraphError {
    /// A node id is `>= node_count`. `field` names the argument.
    UnknownNode { field: &'static str, node: u32 },
    /// A filter can never be satisfied or is malformed.
    InvalidFilter {
        field: &'static str,
        reason: &'static str,
    },
    /// An edge given to `build`/`upsert_edge` is malformed.
    InvalidEdge {
        field: &'static str,
        reason: &'static str,
    },
    /// A k-best path search outgrew its budget of partial paths (`labels`):
    /// the hop limit, named by `field`, is too large for this graph's many
    /// near-equal paths.
    SearchTooLarge { field: &'static str, labels: usize },
}

impl fmt::Display for GraphError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GraphError::UnknownNode { field, node } => {
                write!(f, "unknown node {node} in `{field}`")
            }
            GraphError::InvalidFilter { field, reason } => {
                write!(f, "invalid filter `{field}`: {reason}")
            }
            GraphError::InvalidEdge { field, reason } => {
                write!(f, "invalid edge `{field}`: {reason}")
            }
            GraphError::SearchTooLarge { labels, .. } => write!(
                f,
                "the path search outgrew its budget of {labels} partial paths; \
                 a lower maxHops, a higher minStrength or a smaller k answers"
            ),
        }
    }
}

impl std::error::Error for GraphError {}

/// Result alias used throughout the module.
pub type Result<T> = core::result::Result<T, GraphError>;
