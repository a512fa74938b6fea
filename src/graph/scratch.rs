//! Reusable, generation-stamped per-query buffers.
//!
//! Every "visited" array stores the generation of the query that last wrote
//! it, so starting a query is O(|avoid|) instead of O(V). The buffers live
//! in a thread-local and only ever grow to the largest index queried.

use super::csr::EdgeRef;
use super::dijkstra::LabelWork;
use super::indexed_heap::IndexedHeap;
use super::k_best_paths::KbWork;
use super::{CsrIndex, Filters, ALL_REL_TYPES};
use core::cmp::Ordering;
use std::cell::RefCell;

/// A compiled filter bound to one query generation.
#[derive(Clone, Copy)]
pub(crate) struct Q<'a> {
    pub idx: &'a CsrIndex,
    pub min_s: f32,
    pub mask: u8,
    pub gen: u32,
    /// No edge filter applies (min 0, all types, no tombstones).
    plain_edges: bool,
    /// Every node is usable (none inactive, nothing avoided).
    plain_nodes: bool,
    blocked: &'a [u32],
}

impl Q<'_> {
    /// Edge passes `min_strength` and `rel_types` (tombstones never do).
    #[inline(always)]
    pub fn edge_ok(&self, e: &EdgeRef) -> bool {
        self.edge_ok_parts(e.strength, e.rel_type)
    }

    /// [`Q::edge_ok`] of an edge given by its strength and type.
    #[inline(always)]
    pub fn edge_ok_parts(&self, strength: f32, rel_type: u8) -> bool {
        self.plain_edges || (strength >= self.min_s && (self.mask >> rel_type) & 1 != 0)
    }

    /// No edge filter applies (min 0, all types, no tombstones).
    #[inline(always)]
    pub fn plain_edges(&self) -> bool {
        self.plain_edges
    }

    /// Node is active and not avoided.
    #[inline(always)]
    pub fn node_ok(&self, v: u32) -> bool {
        self.plain_nodes || (self.blocked[v as usize] != self.gen && self.idx.is_active(v))
    }
}

/// Max-heap entry ordered by score, then smaller node first.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct ScoreNode {
    pub score: f64,
    pub node: u32,
}

impl Eq for ScoreNode {}
impl PartialOrd for ScoreNode {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for ScoreNode {
    fn cmp(&self, other: &Self) -> Ordering {
        self.score
            .total_cmp(&other.score)
            .then_with(|| other.node.cmp(&self.node))
    }
}

/// Work buffers; stamp arrays are valid where `stamp[v] == gen`.
#[derive(Default)]
pub(crate) struct Work {
    pub mark_f: Vec<u32>,
    pub mark_b: Vec<u32>,
    pub done_f: Vec<u32>,
    pub done_b: Vec<u32>,
    pub mark_t: Vec<u32>,
    pub par_f: Vec<u32>,
    pub par_b: Vec<u32>,
    pub val_f: Vec<f64>,
    pub val_b: Vec<f64>,
    pub q1: Vec<u32>,
    pub q2: Vec<u32>,
    pub q3: Vec<u32>,
    pub q4: Vec<u32>,
    /// Visited bits of the two sides of a bidirectional BFS (1 bit a node:
    /// the check made for every edge scanned hits L1 instead of a u32 mark
    /// array ~32x its size). All zero between queries: each query clears
    /// the words of the nodes in `seen_list`.
    pub seen_f: Vec<u64>,
    pub seen_b: Vec<u64>,
    pub seen_list: Vec<u32>,
    /// Set while a query may leave bits in `seen_*` (cleared in full by the
    /// next `begin` if a query never finished).
    pub seen_dirty: bool,
    pub heap_f: IndexedHeap,
    pub heap_b: IndexedHeap,
    pub kb: KbWork,
    pub lw: LabelWork,
}

#[derive(Default)]
pub(crate) struct Scratch {
    gen: u32,
    blocked: Vec<u32>,
    w: Work,
}

impl Scratch {
    /// Starts a query: new generation, buffers sized for `idx`, avoided
    /// nodes marked. `filters` must already be validated.
    pub fn begin<'a>(&'a mut self, idx: &'a CsrIndex, filters: &Filters) -> (Q<'a>, &'a mut Work) {
        let n = idx.node_count() as usize;
        let w = &mut self.w;
        if self.gen == u32::MAX {
            for s in [
                &mut self.blocked,
                &mut w.mark_f,
                &mut w.mark_b,
                &mut w.done_f,
                &mut w.done_b,
                &mut w.mark_t,
            ] {
                s.iter_mut().for_each(|x| *x = 0);
            }
            self.gen = 0;
        }
        self.gen += 1;
        if self.blocked.len() < n {
            for s in [
                &mut self.blocked,
                &mut w.mark_f,
                &mut w.mark_b,
                &mut w.done_f,
                &mut w.done_b,
                &mut w.mark_t,
                &mut w.par_f,
                &mut w.par_b,
            ] {
                s.resize(n, 0);
            }
            w.val_f.resize(n, 0.0);
            w.val_b.resize(n, 0.0);
        }
        let words = n.div_ceil(64);
        if w.seen_f.len() < words {
            w.seen_f.resize(words, 0);
            w.seen_b.resize(words, 0);
        }
        if w.seen_dirty {
            w.seen_f.iter_mut().for_each(|x| *x = 0);
            w.seen_b.iter_mut().for_each(|x| *x = 0);
            w.seen_dirty = false;
        }
        for &v in &filters.avoid {
            self.blocked[v as usize] = self.gen;
        }
        let q = Q {
            idx,
            min_s: filters.min_strength,
            mask: filters.rel_types,
            gen: self.gen,
            plain_edges: filters.min_strength <= 0.0
                && filters.rel_types & ALL_REL_TYPES == ALL_REL_TYPES
                && !idx.has_tombstones(),
            plain_nodes: filters.avoid.is_empty() && !idx.has_inactive(),
            blocked: &self.blocked,
        };
        (q, w)
    }
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// Frees this thread's query buffers (they are re-created on demand).
pub fn release_query_buffers() {
    SCRATCH.with(|cell| {
        if let Ok(mut s) = cell.try_borrow_mut() {
            *s = Scratch::default();
        }
    });
}

/// Runs `f` with the thread's scratch (or a fresh one if it is in use).
pub(crate) fn with_scratch<R>(f: impl FnOnce(&mut Scratch) -> R) -> R {
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut s) => f(&mut s),
        Err(_) => f(&mut Scratch::default()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generation_wraps_and_resets() {
        let idx = CsrIndex::new(4);
        let mut s = Scratch::default();
        let f = Filters {
            avoid: vec![2],
            ..Filters::default()
        };
        s.gen = u32::MAX - 1;
        {
            let (q, w) = s.begin(&idx, &f);
            assert_eq!(q.gen, u32::MAX);
            assert!(!q.node_ok(2));
            w.mark_f[1] = q.gen;
        }
        let (q, w) = s.begin(&idx, &Filters::default());
        assert_eq!(q.gen, 1);
        assert!(q.node_ok(2));
        assert!(w.mark_f.iter().all(|&x| x == 0));
    }
}
