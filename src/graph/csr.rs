//! Compressed-sparse-row adjacency index with an edit overlay.
//!
//! See the module docs of [`crate`] for the design.

use super::filters::MAX_REL_TYPE;
use super::{in_chunks, CHUNK};
use super::{EdgeInput, GraphError, Result};

/// Strength value marking a removed (tombstoned) CSR half-edge. No filter
/// accepts it because `min_strength >= 0`.
pub(crate) const TOMBSTONE: f32 = -1.0;
const NO_SLOT: u32 = u32::MAX;
const DEFAULT_COMPACTION_MIN: usize = 256;

/// One adjacency entry: the neighbour and the edge's attributes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EdgeRef {
    /// The neighbour node.
    pub node: u32,
    /// Edge strength in `[0, 1]` (`-1` marks a tombstone internally).
    pub strength: f32,
    /// Relationship type `0..=5`.
    pub rel_type: u8,
    /// Caller's edge handle.
    pub edge_id: u32,
}

/// Compact adjacency index (CSR + overlay), kept current under edits.
///
/// ```
/// use wig_search::{CsrIndex, EdgeInput};
/// let mut idx = CsrIndex::build(3, &[
///     EdgeInput { a: 0, b: 1, strength: 0.5, rel_type: 0, edge_id: 7 },
/// ]).unwrap();
/// assert_eq!(idx.edge_count(), 1);
/// idx.upsert_edge(EdgeInput { a: 1, b: 2, strength: 0.9, rel_type: 3, edge_id: 8 }).unwrap();
/// assert_eq!(idx.edge(2, 1).unwrap().edge_id, 8);
/// assert!(idx.remove_edge(0, 1).unwrap());
/// assert_eq!(idx.edge_count(), 1);
/// let c = idx.add_node();
/// assert_eq!(c, 3);
/// idx.set_node_active(1, false).unwrap();
/// assert!(!idx.is_active(1));
/// ```
#[derive(Clone, Debug)]
pub struct CsrIndex {
    node_count: u32,
    offsets: Vec<u32>,
    neighbours: Vec<u32>,
    strength: Vec<f32>,
    rel_type: Vec<u8>,
    edge_id: Vec<u32>,
    /// Bitset of active nodes.
    active: Vec<u64>,
    /// Upper bound of the strength of any edge incident to each node (exact
    /// after build/compaction; may be stale-high after removals).
    max_strength: Vec<f32>,
    /// node -> index into `ov_lists`, or `NO_SLOT`; empty while the overlay is.
    ov_slot: Vec<u32>,
    /// Per-node sorted lists of edges not present in the CSR arrays.
    ov_lists: Vec<Vec<EdgeRef>>,
    ov_half_edges: usize,
    tombstones: usize,
    inactive: u32,
    live_edges: usize,
    compaction_min: usize,
    compactions: u64,
}

pub(crate) fn validate_edge(node_count: u32, e: &EdgeInput) -> Result<()> {
    if e.a >= node_count {
        return Err(GraphError::UnknownNode {
            field: "a",
            node: e.a,
        });
    }
    if e.b >= node_count {
        return Err(GraphError::UnknownNode {
            field: "b",
            node: e.b,
        });
    }
    if e.a == e.b {
        return Err(GraphError::InvalidEdge {
            field: "b",
            reason: "self-loops are not allowed",
        });
    }
    if !(0.0..=1.0).contains(&e.strength) {
        return Err(GraphError::InvalidEdge {
            field: "strength",
            reason: "must be a number in [0, 1]",
        });
    }
    if e.rel_type > MAX_REL_TYPE {
        return Err(GraphError::InvalidEdge {
            field: "rel_type",
            reason: "must be in 0..=5",
        });
    }
    Ok(())
}

/// Raw adjacency iterator: CSR entries (tombstones included, strength -1)
/// followed by overlay entries. Unsorted across the two parts.
pub(crate) struct Adj<'a> {
    nb: &'a [u32],
    st: &'a [f32],
    rt: &'a [u8],
    id: &'a [u32],
    i: usize,
    ov: core::slice::Iter<'a, EdgeRef>,
}

impl Iterator for Adj<'_> {
    type Item = EdgeRef;
    #[inline]
    fn next(&mut self) -> Option<EdgeRef> {
        let i = self.i;
        if i < self.nb.len() {
            self.i = i + 1;
            return Some(EdgeRef {
                node: self.nb[i],
                strength: self.st[i],
                rel_type: self.rt[i],
                edge_id: self.id[i],
            });
        }
        self.ov.next().copied()
    }
}

/// Live adjacency in ascending neighbour order (merge of CSR and overlay).
pub struct SortedNeighbors<'a> {
    adj: Adj<'a>,
    ov: &'a [EdgeRef],
    j: usize,
}

impl Iterator for SortedNeighbors<'_> {
    type Item = EdgeRef;
    fn next(&mut self) -> Option<EdgeRef> {
        // Skip CSR tombstones.
        while self.adj.i < self.adj.nb.len() && self.adj.st[self.adj.i] < 0.0 {
            self.adj.i += 1;
        }
        let i = self.adj.i;
        let csr_next = (i < self.adj.nb.len()).then(|| self.adj.nb[i]);
        let ov_next = self.ov.get(self.j).map(|e| e.node);
        let take_csr = match (csr_next, ov_next) {
            (None, None) => return None,
            (Some(c), Some(o)) => c < o,
            (Some(_), None) => true,
            (None, Some(_)) => false,
        };
        match csr_next {
            Some(c) if take_csr => {
                self.adj.i += 1;
                Some(EdgeRef {
                    node: c,
                    strength: self.adj.st[i],
                    rel_type: self.adj.rt[i],
                    edge_id: self.adj.id[i],
                })
            }
            _ => {
                self.j += 1;
                Some(self.ov[self.j - 1])
            }
        }
    }
}

impl CsrIndex {
    /// An index with `node_count` isolated, active nodes.
    pub fn new(node_count: u32) -> CsrIndex {
        CsrIndex::build(node_count, &[]).expect("an empty edge list is valid")
    }

    /// Builds the index in O(V + E): by two stable counting-sort passes, or
    /// for a small dense graph (at most 32 node pairs per edge) through an
    /// adjacency matrix, which needs neither sort nor dedupe pass.
    ///
    /// Errors: an endpoint `>= node_count` ([`GraphError::UnknownNode`]),
    /// a self-loop, a strength outside `[0, 1]`/NaN or a `rel_type > 5`
    /// ([`GraphError::InvalidEdge`]). If a pair occurs more than once the
    /// last occurrence wins (upsert semantics).
    ///
    /// ```
    /// use wig_search::{CsrIndex, EdgeInput};
    /// let idx = CsrIndex::build(2, &[
    ///     EdgeInput { a: 0, b: 1, strength: 0.3, rel_type: 0, edge_id: 1 },
    ///     EdgeInput { a: 1, b: 0, strength: 0.7, rel_type: 2, edge_id: 2 },
    /// ]).unwrap();
    /// assert_eq!(idx.edge_count(), 1);
    /// assert_eq!(idx.edge(0, 1).unwrap().edge_id, 2);
    /// ```
    pub fn build(node_count: u32, edges: &[EdgeInput]) -> Result<CsrIndex> {
        // Every pass over the edges or nodes runs in chunks: see `chunked`.
        let mut invalid = Ok(());
        in_chunks(edges.len(), CHUNK, |r| {
            if invalid.is_ok() {
                invalid = edges[r]
                    .iter()
                    .try_for_each(|e| validate_edge(node_count, e));
            }
        });
        invalid?;
        CsrIndex::build_valid(node_count, edges)
    }

    /// [`CsrIndex::build`] for edges already validated as it validates them
    /// (a store that checked every edge when it was written): no second
    /// pass over them. Debug builds still check. An edge that would fail
    /// the check makes a wrong index or panics; it is never undefined
    /// behaviour.
    pub fn build_trusted(node_count: u32, edges: &[EdgeInput]) -> Result<CsrIndex> {
        debug_assert!(edges.iter().all(|e| validate_edge(node_count, e).is_ok()));
        CsrIndex::build_valid(node_count, edges)
    }

    fn build_valid(node_count: u32, edges: &[EdgeInput]) -> Result<CsrIndex> {
        let n = node_count as usize;
        if edges.len() > (u32::MAX / 2) as usize {
            return Err(GraphError::InvalidEdge {
                field: "edges",
                reason: "too many edges (at most 2^31 - 1)",
            });
        }
        let rows = if is_dense(n, edges.len()) {
            dense_rows(n, edges)
        } else {
            sparse_rows(n, edges)
        };
        Ok(CsrIndex::from_rows(node_count, rows))
    }

    /// The index over finished rows (sorted, one entry per neighbour).
    fn from_rows(node_count: u32, rows: Rows) -> CsrIndex {
        let live_edges = rows.neighbours.len() / 2;
        CsrIndex {
            node_count,
            offsets: rows.offsets,
            neighbours: rows.neighbours,
            strength: rows.strength,
            rel_type: rows.rel_type,
            edge_id: rows.edge_id,
            active: vec![!0u64; (node_count as usize).div_ceil(64)],
            max_strength: rows.max_strength,
            ov_slot: Vec::new(),
            ov_lists: Vec::new(),
            ov_half_edges: 0,
            tombstones: 0,
            inactive: 0,
            live_edges,
            compaction_min: DEFAULT_COMPACTION_MIN,
            compactions: 0,
        }
    }

    fn recompute_max_strength(&mut self) {
        let n = self.node_count as usize;
        self.max_strength.clear();
        self.max_strength.reserve_exact(n);
        let (offsets, strength, max) = (&self.offsets, &self.strength, &mut self.max_strength);
        in_chunks(n, CHUNK, |nodes| {
            for u in nodes {
                let r = offsets[u] as usize..offsets[u + 1] as usize;
                // `bump`, not `f32::max`: wasm has no instruction for Rust's
                // NaN-ignoring max, so that is a libm call per half-edge.
                let mut m = 0f32;
                strength[r].iter().for_each(|&s| bump(&mut m, s));
                max.push(m);
            }
        });
    }

    /// Number of nodes (active or not).
    #[inline]
    pub fn node_count(&self) -> u32 {
        self.node_count
    }

    /// Number of live undirected edges.
    #[inline]
    pub fn edge_count(&self) -> usize {
        self.live_edges
    }

    /// Whether `node` exists and is active.
    #[inline]
    pub fn is_active(&self, node: u32) -> bool {
        node < self.node_count && (self.active[(node >> 6) as usize] >> (node & 63)) & 1 != 0
    }

    /// Live degree of `node` (0 if unknown), ignoring activity and filters.
    pub fn degree(&self, node: u32) -> usize {
        if node >= self.node_count {
            return 0;
        }
        self.adj(node).filter(|e| e.strength >= 0.0).count()
    }

    /// The live edge between `a` and `b`, if any (seen from `a`).
    pub fn edge(&self, a: u32, b: u32) -> Option<EdgeRef> {
        if a >= self.node_count || b >= self.node_count {
            return None;
        }
        if let Some(i) = self.csr_find(a, b) {
            return (self.strength[i] >= 0.0).then(|| self.csr_entry(i));
        }
        let list = self.overlay(a);
        list.binary_search_by_key(&b, |e| e.node)
            .ok()
            .map(|j| list[j])
    }

    /// Live neighbours of `node` in ascending id order (empty if unknown).
    /// Ignores activity and filters.
    pub fn neighbors_of(&self, node: u32) -> SortedNeighbors<'_> {
        let node = if node < self.node_count {
            node
        } else {
            // An empty row: node 0 may not exist, so use an empty slice.
            return SortedNeighbors {
                adj: Adj {
                    nb: &[],
                    st: &[],
                    rt: &[],
                    id: &[],
                    i: 0,
                    ov: [].iter(),
                },
                ov: &[],
                j: 0,
            };
        };
        SortedNeighbors {
            adj: self.adj(node),
            ov: self.overlay(node),
            j: 0,
        }
    }

    /// Bytes held by the index (capacities of all arrays and the overlay).
    /// Query scratch buffers are thread-local and not included.
    pub fn memory_bytes(&self) -> usize {
        use core::mem::size_of;
        size_of::<Self>()
            + self.offsets.capacity() * size_of::<u32>()
            + self.neighbours.capacity() * size_of::<u32>()
            + self.strength.capacity() * size_of::<f32>()
            + self.rel_type.capacity()
            + self.edge_id.capacity() * size_of::<u32>()
            + self.active.capacity() * size_of::<u64>()
            + self.max_strength.capacity() * size_of::<f32>()
            + self.ov_slot.capacity() * size_of::<u32>()
            + self.ov_lists.capacity() * size_of::<Vec<EdgeRef>>()
            + self
                .ov_lists
                .iter()
                .map(|l| l.capacity() * size_of::<EdgeRef>())
                .sum::<usize>()
    }

    /// Pending delta size in half-edges (overlay entries + tombstones).
    pub fn pending_delta(&self) -> usize {
        self.ov_half_edges + self.tombstones
    }

    /// How many times the overlay was merged into the CSR.
    pub fn compactions(&self) -> u64 {
        self.compactions
    }

    /// Sets the minimum delta size (half-edges) before automatic compaction;
    /// the effective threshold is `max(min, (V + 2E) / 8)`. Default 256.
    pub fn set_compaction_min(&mut self, min: usize) {
        self.compaction_min = min.max(1);
    }

    /// Adds an isolated active node and returns its id. O(1) amortised.
    ///
    /// # Panics
    /// If the node count would exceed `u32::MAX`.
    pub fn add_node(&mut self) -> u32 {
        let id = self.node_count;
        assert!(id < u32::MAX, "node count overflow");
        self.node_count += 1;
        let last = *self.offsets.last().expect("offsets is never empty");
        self.offsets.push(last);
        if id & 63 == 0 {
            self.active.push(!0);
        }
        self.active[(id >> 6) as usize] |= 1u64 << (id & 63);
        self.max_strength.push(0.0);
        if !self.ov_slot.is_empty() {
            self.ov_slot.push(NO_SLOT);
        }
        id
    }

    /// Marks a node active or inactive (soft delete / merged away). Inactive
    /// nodes are skipped by every query; their edges are kept.
    pub fn set_node_active(&mut self, node: u32, active: bool) -> Result<()> {
        self.check_node("node", node)?;
        if self.is_active(node) == active {
            return Ok(());
        }
        let w = &mut self.active[(node >> 6) as usize];
        if active {
            *w |= 1u64 << (node & 63);
            self.inactive -= 1;
        } else {
            *w &= !(1u64 << (node & 63));
            self.inactive += 1;
        }
        Ok(())
    }

    /// Inserts or updates the edge `{a, b}`. Returns `true` if the pair was
    /// not connected before. O(log deg) for pairs already in the CSR, else
    /// O(overlay degree); may trigger an amortised compaction.
    pub fn upsert_edge(&mut self, e: EdgeInput) -> Result<bool> {
        validate_edge(self.node_count, &e)?;
        let (a, b) = (e.a, e.b);
        bump(&mut self.max_strength[a as usize], e.strength);
        bump(&mut self.max_strength[b as usize], e.strength);
        if let Some(i) = self.csr_find(a, b) {
            let j = self.csr_find(b, a).expect("CSR rows are symmetric");
            let was_dead = self.strength[i] < 0.0;
            for p in [i, j] {
                self.strength[p] = e.strength;
                self.rel_type[p] = e.rel_type;
                self.edge_id[p] = e.edge_id;
            }
            if was_dead {
                self.tombstones -= 2;
                self.live_edges += 1;
            }
            return Ok(was_dead);
        }
        let mk = |node| EdgeRef {
            node,
            strength: e.strength,
            rel_type: e.rel_type,
            edge_id: e.edge_id,
        };
        let new = self.ov_upsert(a, mk(b));
        self.ov_upsert(b, mk(a));
        if new {
            self.ov_half_edges += 2;
            self.live_edges += 1;
            self.maybe_compact();
        }
        Ok(new)
    }

    /// Removes the edge `{a, b}`. Returns whether it existed.
    pub fn remove_edge(&mut self, a: u32, b: u32) -> Result<bool> {
        self.check_node("a", a)?;
        self.check_node("b", b)?;
        if a == b {
            return Ok(false);
        }
        if let Some(i) = self.csr_find(a, b) {
            if self.strength[i] < 0.0 {
                return Ok(false);
            }
            let j = self.csr_find(b, a).expect("CSR rows are symmetric");
            self.strength[i] = TOMBSTONE;
            self.strength[j] = TOMBSTONE;
            self.tombstones += 2;
            self.live_edges -= 1;
            self.maybe_compact();
            return Ok(true);
        }
        if self.ov_remove(a, b) {
            self.ov_remove(b, a);
            self.ov_half_edges -= 2;
            self.live_edges -= 1;
            return Ok(true);
        }
        Ok(false)
    }

    /// Merges the overlay and drops tombstones: O(V + E).
    pub fn compact(&mut self) {
        if self.ov_half_edges == 0 && self.tombstones == 0 {
            return;
        }
        let n = self.node_count as usize;
        let cap = 2 * self.live_edges;
        let mut offsets = Vec::with_capacity(n + 1);
        let mut neighbours = Vec::with_capacity(cap);
        let mut strength = Vec::with_capacity(cap);
        let mut rel_type = Vec::with_capacity(cap);
        let mut edge_id = Vec::with_capacity(cap);
        offsets.push(0u32);
        for u in 0..n as u32 {
            for e in self.neighbors_of(u) {
                neighbours.push(e.node);
                strength.push(e.strength);
                rel_type.push(e.rel_type);
                edge_id.push(e.edge_id);
            }
            offsets.push(neighbours.len() as u32);
        }
        self.offsets = offsets;
        self.neighbours = neighbours;
        self.strength = strength;
        self.rel_type = rel_type;
        self.edge_id = edge_id;
        self.ov_slot = Vec::new();
        self.ov_lists = Vec::new();
        self.ov_half_edges = 0;
        self.tombstones = 0;
        self.compactions += 1;
        self.recompute_max_strength();
    }

    fn maybe_compact(&mut self) {
        let threshold = self
            .compaction_min
            .max((self.node_count as usize + self.neighbours.len()) / 8);
        if self.pending_delta() > threshold {
            self.compact();
        }
    }

    pub(crate) fn check_node(&self, field: &'static str, node: u32) -> Result<()> {
        if node < self.node_count {
            Ok(())
        } else {
            Err(GraphError::UnknownNode { field, node })
        }
    }

    #[inline]
    fn csr_entry(&self, i: usize) -> EdgeRef {
        EdgeRef {
            node: self.neighbours[i],
            strength: self.strength[i],
            rel_type: self.rel_type[i],
            edge_id: self.edge_id[i],
        }
    }

    /// Position of `b` in `a`'s CSR row (live or tombstoned).
    fn csr_find(&self, a: u32, b: u32) -> Option<usize> {
        let lo = self.offsets[a as usize] as usize;
        let hi = self.offsets[a as usize + 1] as usize;
        self.neighbours[lo..hi]
            .binary_search(&b)
            .ok()
            .map(|p| lo + p)
    }

    /// Overlay edges of `u` (sorted by neighbour).
    #[inline]
    pub(crate) fn overlay(&self, u: u32) -> &[EdgeRef] {
        if self.ov_half_edges == 0 {
            return &[];
        }
        match self.ov_slot[u as usize] {
            NO_SLOT => &[],
            s => &self.ov_lists[s as usize],
        }
    }

    /// Raw adjacency of `u` (`u < node_count`): tombstones have strength -1
    /// and must be rejected by the caller (any filter does).
    #[inline]
    pub(crate) fn adj(&self, u: u32) -> Adj<'_> {
        let lo = self.offsets[u as usize] as usize;
        let hi = self.offsets[u as usize + 1] as usize;
        Adj {
            nb: &self.neighbours[lo..hi],
            st: &self.strength[lo..hi],
            rt: &self.rel_type[lo..hi],
            id: &self.edge_id[lo..hi],
            i: 0,
            ov: self.overlay(u).iter(),
        }
    }

    /// `u`'s CSR row as columns (neighbour, strength, type; tombstones
    /// included) and its overlay entries: for loops that read only some
    /// columns (`u < node_count`).
    #[inline(always)]
    pub(crate) fn row_parts(&self, u: u32) -> (&[u32], &[f32], &[u8], &[EdgeRef]) {
        let r = self.offsets[u as usize] as usize..self.offsets[u as usize + 1] as usize;
        (
            &self.neighbours[r.clone()],
            &self.strength[r.clone()],
            &self.rel_type[r],
            self.overlay(u),
        )
    }

    /// The CSR neighbour column of `u` (`u < node_count`; tombstones
    /// included, overlay not).
    #[inline]
    pub(crate) fn row(&self, u: u32) -> &[u32] {
        &self.neighbours[self.offsets[u as usize] as usize..self.offsets[u as usize + 1] as usize]
    }

    /// Upper bound of the degree (includes tombstones); O(1).
    #[inline]
    pub(crate) fn degree_upper(&self, u: u32) -> usize {
        (self.offsets[u as usize + 1] - self.offsets[u as usize]) as usize + self.overlay(u).len()
    }

    /// Whether any node is inactive.
    #[inline]
    pub(crate) fn has_inactive(&self) -> bool {
        self.inactive > 0
    }

    /// Whether the CSR arrays hold tombstones.
    #[inline]
    pub(crate) fn has_tombstones(&self) -> bool {
        self.tombstones > 0
    }

    /// Upper bound of the number of half-edges (includes tombstones).
    #[inline]
    pub(crate) fn half_edges_upper(&self) -> usize {
        self.neighbours.len() + self.ov_half_edges
    }

    /// Upper bound on the strength of any edge at `u`.
    #[inline]
    pub(crate) fn max_strength(&self, u: u32) -> f32 {
        self.max_strength[u as usize]
    }

    fn ov_upsert(&mut self, u: u32, e: EdgeRef) -> bool {
        if self.ov_slot.is_empty() {
            self.ov_slot = vec![NO_SLOT; self.node_count as usize];
        }
        let slot = match self.ov_slot[u as usize] {
            NO_SLOT => {
                self.ov_lists.push(Vec::new());
                let s = (self.ov_lists.len() - 1) as u32;
                self.ov_slot[u as usize] = s;
                s
            }
            s => s,
        };
        let list = &mut self.ov_lists[slot as usize];
        match list.binary_search_by_key(&e.node, |x| x.node) {
            Ok(p) => {
                list[p] = e;
                false
            }
            Err(p) => {
                list.insert(p, e);
                true
            }
        }
    }

    fn ov_remove(&mut self, u: u32, v: u32) -> bool {
        if self.ov_slot.is_empty() {
            return false;
        }
        match self.ov_slot[u as usize] {
            NO_SLOT => false,
            s => {
                let list = &mut self.ov_lists[s as usize];
                match list.binary_search_by_key(&v, |x| x.node) {
                    Ok(p) => {
                        list.remove(p);
                        true
                    }
                    Err(_) => false,
                }
            }
        }
    }
}

/// log2 of the number of nodes per block in the build's partition passes.
const BLOCK_BITS: u32 = 8;

/// A half-edge during the build, in a buffer grouped by the block of one
/// end (the *bucket* end): the other end's full id, and the bucket end's id
/// minus its block's first id (the block is implied by where the record is).
#[derive(Clone, Copy, Default)]
struct Rec {
    other: u32,
    strength: f32,
    edge_id: u32,
    lo: u8,
    rel: u8,
}

/// Row offsets and the columns (neighbour, strength, type, edge id) of a
/// finished CSR.
/// Finished rows: the CSR columns, and each row's largest strength (taken
/// while the rows are written, not in a pass of its own).
struct Rows {
    offsets: Vec<u32>,
    neighbours: Vec<u32>,
    strength: Vec<f32>,
    rel_type: Vec<u8>,
    edge_id: Vec<u32>,
    max_strength: Vec<f32>,
}

/// Rows of any graph: degrees, a counting sort of the half-edges by
/// (source, neighbour), then one pass dropping all but the last entry per
/// neighbour. O(V + E).
fn sparse_rows(n: usize, edges: &[EdgeInput]) -> Rows {
    // Degrees -> offsets.
    let mut offsets = vec![0u32; n + 1];
    in_chunks(edges.len(), CHUNK, |r| {
        for e in &edges[r] {
            offsets[e.a as usize + 1] += 1;
            offsets[e.b as usize + 1] += 1;
        }
    });
    in_chunks(n, CHUNK, |r| {
        for i in r {
            offsets[i + 1] += offsets[i];
        }
    });

    let (mut neighbours, mut strength, mut rel_type, mut edge_id) = sorted_rows(&offsets, edges);

    // Deduplicate equal neighbours within a row, keeping the last.
    let mut w = 0usize;
    let mut start = 0usize;
    let mut max_strength = Vec::with_capacity(n);
    in_chunks(n, CHUNK, |nodes| {
        // Slices and locals, not the captured vectors and counters: through
        // those every write reloads them (LLVM cannot prove it need not).
        // One length for all four: one bounds check covers each entry.
        let half = neighbours.len();
        let (neighbours, strength, rel_type, edge_id) = (
            &mut neighbours[..half],
            &mut strength[..half],
            &mut rel_type[..half],
            &mut edge_id[..half],
        );
        let (mut to, mut from) = (w, start);
        for u in nodes {
            let end = offsets[u + 1] as usize;
            let mut m = 0f32;
            for i in from..end {
                if i + 1 < end && neighbours[i + 1] == neighbours[i] {
                    continue;
                }
                if to != i {
                    neighbours[to] = neighbours[i];
                    strength[to] = strength[i];
                    rel_type[to] = rel_type[i];
                    edge_id[to] = edge_id[i];
                }
                bump(&mut m, strength[to]);
                to += 1;
            }
            from = end;
            offsets[u + 1] = to as u32;
            max_strength.push(m);
        }
        (w, start) = (to, from);
    });
    neighbours.truncate(w);
    strength.truncate(w);
    rel_type.truncate(w);
    edge_id.truncate(w);
    Rows {
        offsets,
        neighbours,
        strength,
        rel_type,
        edge_id,
        max_strength,
    }
}

/// The CSR arrays with every row sorted by neighbour, ties in input order.
///
/// A least-significant-digit sort on `(src, nbr)` in which every scatter
/// goes to a few hundred sequential write streams or stays in cache:
/// (0) the half-edges bucketed by neighbour block (256 ids), stably;
/// (1) per neighbour block, a counting sort by neighbour in a small
/// cache-resident buffer, whose output is bucketed by *source block*;
/// (2) per source block (its rows are one contiguous range of the result),
/// a counting sort by source in the small buffer, appended to the columns.
/// Rows therefore fill in ascending neighbour order. O(V + E) time, two
/// temporary 16-byte records per half-edge. Pass 1 used to scatter by
/// source straight into the rows (100,000 write streams on BA-100k), a
/// cache miss per half-edge: this function took 115 ms natively then, 84
/// ms now (medians of 12 alternating runs), and the index build of
/// BA-100k in a fresh Chromium page 245 → 216 ms (medians of 6 pages).
fn sorted_rows(offsets: &[u32], edges: &[EdgeInput]) -> (Vec<u32>, Vec<f32>, Vec<u8>, Vec<u32>) {
    let n = offsets.len() - 1;
    let half = 2 * edges.len();
    let nblocks = n.div_ceil(1 << BLOCK_BITS);
    // Half-edges with source in block b: bounds[b]..bounds[b + 1]; as many
    // have their neighbour there (each edge gives both directions).
    let bounds: Vec<usize> = (0..=nblocks)
        .map(|b| offsets[(b << BLOCK_BITS).min(n)] as usize)
        .collect();
    let block_of = |v: u32| (v >> BLOCK_BITS) as usize;
    let lo_of = |v: u32| (v & ((1 << BLOCK_BITS) - 1)) as u8;

    // Bucketed by neighbour: the source in full.
    let half_edges = |e: &EdgeInput| {
        [(e.a, e.b), (e.b, e.a)].map(|(src, nbr)| {
            (
                block_of(nbr),
                Rec {
                    other: src,
                    lo: lo_of(nbr),
                    strength: e.strength,
                    edge_id: e.edge_id,
                    rel: e.rel_type,
                },
            )
        })
    };

    // Pass 0: half-edges grouped by neighbour block. With one block (up to
    // 2^BLOCK_BITS people) that is the input order, so pass 1 reads the
    // edges instead (a copy of every half-edge less).
    let mut by_nbr = if nblocks > 1 {
        vec![Rec::default(); half]
    } else {
        Vec::new()
    };
    if nblocks > 1 {
        let mut cur: Vec<usize> = bounds[..nblocks].to_vec();
        in_chunks(edges.len(), CHUNK, |r| {
            for e in &edges[r] {
                for (block, rec) in half_edges(e) {
                    let c = &mut cur[block];
                    by_nbr[*c] = rec;
                    *c += 1;
                }
            }
        });
    }

    // Pass 1: per neighbour block (one call each), by neighbour, then
    // bucketed by source block: the neighbour in full.
    let mut by_src = vec![Rec::default(); half];
    let mut cur: Vec<usize> = bounds[..nblocks].to_vec();
    let mut block = BlockSort::default();
    in_chunks(nblocks, 1, |blocks| {
        let b = blocks.start;
        let base = b << BLOCK_BITS;
        let local = if nblocks > 1 {
            block.sort(
                offsets,
                &bounds,
                b,
                by_nbr[bounds[b]..bounds[b + 1]].iter().copied(),
            )
        } else {
            block.sort(
                offsets,
                &bounds,
                b,
                edges.iter().flat_map(half_edges).map(|(_, r)| r),
            )
        };
        let (by_src, cur) = (&mut by_src[..], &mut cur[..]);
        for r in local {
            let c = &mut cur[block_of(r.other)];
            by_src[*c] = Rec {
                other: base as u32 + u32::from(r.lo),
                lo: lo_of(r.other),
                ..*r
            };
            *c += 1;
        }
    });
    drop(by_nbr);

    // Pass 2: per source block, by source (stable: each row keeps pass 1's
    // neighbour order), appended column by column (`extend` over a slice's
    // map knows its length: no capacity test per element).
    let mut neighbours = Vec::with_capacity(half);
    let mut strength = Vec::with_capacity(half);
    let mut rel_type = Vec::with_capacity(half);
    let mut edge_id = Vec::with_capacity(half);
    in_chunks(nblocks, 1, |blocks| {
        let b = blocks.start;
        let local = block.sort(
            offsets,
            &bounds,
            b,
            by_src[bounds[b]..bounds[b + 1]].iter().copied(),
        );
        neighbours.extend(local.iter().map(|r| r.other));
        strength.extend(local.iter().map(|r| r.strength));
        rel_type.extend(local.iter().map(|r| r.rel));
        edge_id.extend(local.iter().map(|r| r.edge_id));
    });
    (neighbours, strength, rel_type, edge_id)
}

/// The in-cache half of the build's sort: a block's half-edges (the
/// records of buffer range `bounds[b]..bounds[b + 1]`) by `lo`, stably.
/// `offsets` gives each row's size, which is also how many records have
/// that `lo` (each edge gives both directions).
struct BlockSort {
    /// Where the next record of each `lo` goes in `local`.
    lc: [usize; 1 << BLOCK_BITS],
    local: Vec<Rec>,
}

impl Default for BlockSort {
    fn default() -> Self {
        BlockSort {
            lc: [0; 1 << BLOCK_BITS],
            local: Vec::new(),
        }
    }
}

impl BlockSort {
    fn sort(
        &mut self,
        offsets: &[u32],
        bounds: &[usize],
        b: usize,
        recs: impl Iterator<Item = Rec>,
    ) -> &[Rec] {
        let n = offsets.len() - 1;
        let base = b << BLOCK_BITS;
        let width = (n - base).min(1 << BLOCK_BITS);
        for (j, c) in self.lc[..width].iter_mut().enumerate() {
            *c = (offsets[base + j] - offsets[base]) as usize;
        }
        let (lc, local) = (&mut self.lc, &mut self.local);
        local.clear();
        local.resize(bounds[b + 1] - bounds[b], Rec::default());
        for r in recs {
            let c = &mut lc[r.lo as usize];
            local[*c] = r;
            *c += 1;
        }
        local
    }
}

/// Whether [`dense_rows`] builds the rows: a matrix of at most 2^20 cells
/// (4 MB, freed at once), and at most 32 cells per edge — reading a cell
/// costs a small fraction of what sorting a half-edge does.
fn is_dense(n: usize, edges: usize) -> bool {
    // In u64: on wasm32 `n * n` overflows a usize past 65,535 people.
    let cells = n as u64 * n as u64;
    cells <= 1 << 20 && cells <= 32 * edges as u64
}

/// Rows of a small, dense graph through an `n × n` matrix of edge numbers
/// and a bit per cell: writing them keeps the last edge of each pair
/// (upsert semantics) and reading the bits row by row lists the neighbours
/// in ascending order, so there is neither a sort nor a dedupe pass, and
/// the reading visits the edges, not every cell.
fn dense_rows(n: usize, edges: &[EdgeInput]) -> Rows {
    // Edge numbers in two bytes where they fit: half the matrix to zero and
    // to scatter into (117 KB instead of 234 KB for SocioPatterns' 242 people).
    if edges.len() <= 1 << 16 {
        dense_rows_with::<u16>(n, edges)
    } else {
        dense_rows_with::<u32>(n, edges)
    }
}

/// An edge's number in the dense build's matrix (`u16` or `u32`).
trait EdgeNumber: Copy + Default {
    /// `i` is below the type's bound (the caller picks the type by the
    /// number of edges).
    fn from_index(i: usize) -> Self;
    fn index(self) -> usize;
}

macro_rules! edge_number {
    ($($t:ty),*) => {$(
        impl EdgeNumber for $t {
            #[inline(always)]
            fn from_index(i: usize) -> Self {
                i as $t
            }
            #[inline(always)]
            fn index(self) -> usize {
                self as usize
            }
        }
    )*};
}
edge_number!(u16, u32);

fn dense_rows_with<C: EdgeNumber>(n: usize, edges: &[EdgeInput]) -> Rows {
    let words = n.div_ceil(64);
    let mut bits = vec![0u64; n * words];
    // The edge's number, where the bit is set.
    let mut cell = vec![C::default(); n * n];
    in_chunks(edges.len(), CHUNK, |r| {
        // Locals, not captured references: those are reloaded after every
        // store (LLVM cannot prove the stores leave them alone).
        let (cell, bits, n, words) = (&mut cell[..], &mut bits[..], n, words);
        for (i, e) in r.clone().zip(&edges[r]) {
            let (a, b) = (e.a as usize, e.b as usize);
            cell[a * n + b] = C::from_index(i);
            cell[b * n + a] = C::from_index(i);
            bits[a * words + b / 64] |= 1 << (b % 64);
            bits[b * words + a / 64] |= 1 << (a % 64);
        }
    });
    // The rows' total length is known from the bits, so the columns are
    // sized once and written in place, in one pass: no capacity test per
    // entry, and each half-edge's input is read once.
    let half: usize = bits.iter().map(|w| w.count_ones() as usize).sum();
    let mut offsets = vec![0u32; n + 1];
    let mut neighbours = vec![0u32; half];
    let mut strength = vec![0f32; half];
    let mut rel_type = vec![0u8; half];
    let mut edge_id = vec![0u32; half];
    let mut max_strength = Vec::with_capacity(n);
    let mut i = 0usize;
    in_chunks(n, (CHUNK / n.max(1)).max(1), |rows| {
        // Slices, not the captured vectors: through those every write
        // reloads the vector's pointer and length. One length for all
        // four, so that one bounds check covers each half-edge's writes.
        let (neighbours, strength, rel_type, edge_id) = (
            &mut neighbours[..half],
            &mut strength[..half],
            &mut rel_type[..half],
            &mut edge_id[..half],
        );
        // The write position too: captured, it lived in memory, and each
        // half-edge's writes waited on its store and reload.
        let (mut at, n, words) = (i, n, words);
        for u in rows {
            let row = &cell[u * n..(u + 1) * n];
            let mut m = 0f32;
            for (w, &word) in bits[u * words..(u + 1) * words].iter().enumerate() {
                let mut word = word;
                while word != 0 {
                    let v = w * 64 + word.trailing_zeros() as usize;
                    word &= word - 1;
                    let e = &edges[row[v].index()];
                    neighbours[at] = v as u32;
                    strength[at] = e.strength;
                    rel_type[at] = e.rel_type;
                    edge_id[at] = e.edge_id;
                    bump(&mut m, e.strength);
                    at += 1;
                }
            }
            offsets[u + 1] = at as u32;
            max_strength.push(m);
        }
        i = at;
    });
    Rows {
        offsets,
        neighbours,
        strength,
        rel_type,
        edge_id,
        max_strength,
    }
}

#[inline]
fn bump(m: &mut f32, s: f32) {
    if s > *m {
        *m = s;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(a: u32, b: u32, s: f32, id: u32) -> EdgeInput {
        EdgeInput {
            a,
            b,
            strength: s,
            rel_type: 0,
            edge_id: id,
        }
    }

    fn rows(idx: &CsrIndex) -> Vec<Vec<(u32, u32)>> {
        (0..idx.node_count())
            .map(|u| idx.neighbors_of(u).map(|x| (x.node, x.edge_id)).collect())
            .collect()
    }

    #[test]
    fn build_sorts_and_dedupes() {
        let idx = CsrIndex::build(
            4,
            &[
                e(3, 0, 0.1, 1),
                e(0, 1, 0.2, 2),
                e(2, 0, 0.3, 3),
                e(1, 0, 0.4, 4),
            ],
        )
        .unwrap();
        assert_eq!(idx.edge_count(), 3);
        assert_eq!(rows(&idx)[0], vec![(1, 4), (2, 3), (3, 1)]);
        assert_eq!(rows(&idx)[1], vec![(0, 4)]);
        assert_eq!(idx.max_strength(0), 0.4);
    }

    proptest::proptest! {
        /// Rows equal a sorted map of the input (last occurrence of a pair
        /// wins), by the sort and by the matrix, on both sides of the
        /// one-block bound of the sort (2^BLOCK_BITS people: pass 0 is
        /// skipped below it).
        #[test]
        fn build_equals_a_sorted_map(
            n in proptest::prop_oneof![2u32..40, 200u32..700],
            raw in proptest::collection::vec((0u32..700, 0u32..700, 0u8..6), 0..2000),
        ) {
            let mut want = vec![std::collections::BTreeMap::new(); n as usize];
            let mut input = Vec::new();
            for (i, &(a, b, rel)) in raw.iter().enumerate() {
                let (a, b) = (a % n, b % n);
                if a == b {
                    continue;
                }
                let strength = (i % 11) as f32 / 10.0;
                input.push(EdgeInput { a, b, strength, rel_type: rel, edge_id: i as u32 });
                want[a as usize].insert(b, (strength, rel, i as u32));
                want[b as usize].insert(a, (strength, rel, i as u32));
            }
            // `build` picks one of the three; each must give the same rows.
            let nodes = n as usize;
            for rows in [
                sparse_rows(nodes, &input),
                dense_rows_with::<u16>(nodes, &input),
                dense_rows_with::<u32>(nodes, &input),
            ] {
                let idx = CsrIndex::from_rows(n, rows);
                // Each row's maximum, taken while writing, is the one a pass computes.
                let mut again = idx.clone();
                again.recompute_max_strength();
                proptest::prop_assert_eq!(&idx.max_strength, &again.max_strength);
                for u in 0..n {
                    let got: Vec<_> = idx.neighbors_of(u).map(|x| (x.node, (x.strength, x.rel_type, x.edge_id))).collect();
                    let w: Vec<_> = want[u as usize].iter().map(|(&v, &x)| (v, x)).collect();
                    proptest::prop_assert_eq!(got, w, "row {}", u);
                }
                proptest::prop_assert_eq!(idx.edge_count(), input.iter().map(|e| (e.a.min(e.b), e.a.max(e.b))).collect::<std::collections::BTreeSet<_>>().len());
            }
        }
    }

    #[test]
    fn dense_only_below_2_to_20_cells_without_overflow() {
        assert!(is_dense(242, 8_317));
        assert!(!is_dense(1_025, 1 << 20));
        // Sparse: 100,000 cells per edge.
        assert!(!is_dense(1_000, 10));
        // 65,536² is 2^32: zero in a 32-bit usize product.
        assert!(!is_dense(1 << 16, 1 << 31));
        assert!(!is_dense(u32::MAX as usize, usize::MAX / 64));
    }

    #[test]
    fn build_rejects_bad_edges() {
        assert_eq!(
            CsrIndex::build(2, &[e(0, 2, 0.1, 0)]).unwrap_err(),
            GraphError::UnknownNode {
                field: "b",
                node: 2
            }
        );
        assert!(matches!(
            CsrIndex::build(2, &[e(1, 1, 0.1, 0)]),
            Err(GraphError::InvalidEdge { field: "b", .. })
        ));
        assert!(matches!(
            CsrIndex::build(2, &[e(0, 1, f32::NAN, 0)]),
            Err(GraphError::InvalidEdge {
                field: "strength",
                ..
            })
        ));
        let mut bad = e(0, 1, 0.5, 0);
        bad.rel_type = 6;
        assert!(matches!(
            CsrIndex::build(2, &[bad]),
            Err(GraphError::InvalidEdge {
                field: "rel_type",
                ..
            })
        ));
    }

    #[test]
    fn overlay_edits_and_compaction() {
        let mut idx = CsrIndex::build(5, &[e(0, 1, 0.5, 1), e(1, 2, 0.5, 2)]).unwrap();
        idx.set_compaction_min(1_000);
        assert!(idx.upsert_edge(e(0, 3, 0.9, 3)).unwrap());
        assert!(!idx.upsert_edge(e(3, 0, 0.8, 4)).unwrap());
        assert!(!idx.upsert_edge(e(1, 0, 0.7, 5)).unwrap());
        assert!(idx.remove_edge(1, 2).unwrap());
        assert!(!idx.remove_edge(1, 2).unwrap());
        assert!(idx.upsert_edge(e(2, 1, 0.6, 6)).unwrap());
        assert!(idx.remove_edge(2, 1).unwrap());
        assert_eq!(idx.edge_count(), 2);
        assert_eq!(idx.pending_delta(), 4);
        let before = rows(&idx);
        assert_eq!(before[0], vec![(1, 5), (3, 4)]);
        idx.compact();
        assert_eq!(idx.compactions(), 1);
        assert_eq!(idx.pending_delta(), 0);
        assert_eq!(rows(&idx), before);
        assert_eq!(idx.edge(3, 0).unwrap().strength, 0.8);
        // Automatic compaction once the delta passes the threshold.
        idx.set_compaction_min(4);
        let n = idx.add_node();
        for v in 0..4 {
            idx.upsert_edge(e(n, v, 0.5, 100 + v)).unwrap();
        }
        assert_eq!(idx.compactions(), 2);
        assert_eq!(idx.degree(n), 4);
        assert_eq!(idx.edge_count(), 6);
    }

    #[test]
    fn add_node_and_activity() {
        let mut idx = CsrIndex::new(64);
        let n = idx.add_node();
        assert_eq!(n, 64);
        assert!(idx.is_active(64));
        idx.set_node_active(64, false).unwrap();
        assert!(!idx.is_active(64));
        assert!(!idx.is_active(65));
        assert_eq!(
            idx.set_node_active(65, true).unwrap_err(),
            GraphError::UnknownNode {
                field: "node",
                node: 65
            }
        );
        assert!(idx.memory_bytes() > 0);
    }
}
