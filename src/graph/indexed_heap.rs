//! Max-heap of nodes keyed by score, with increase-key.
//!
//! Dijkstra with a plain binary heap pushes a node again whenever its label
//! improves and skips the stale copies when they surface. On dense graphs
//! with many near-equal strengths (SocioPatterns: ~16 improvements per node
//! settled) the stale copies were most of the heap and most of the time;
//! here a node is in the heap at most once and an improvement moves it up.

use super::scratch::ScoreNode;

const ABSENT: u32 = u32::MAX;

/// Entries are [`ScoreNode`]s (higher score first, then the smaller node);
/// `pos[v]` is `v`'s index in `heap` or `ABSENT`.
#[derive(Default)]
pub(crate) struct IndexedHeap {
    heap: Vec<ScoreNode>,
    pos: Vec<u32>,
}

impl IndexedHeap {
    /// Empties the heap and sizes it for nodes `0..n`.
    pub fn reset(&mut self, n: usize) {
        for e in &self.heap {
            self.pos[e.node as usize] = ABSENT;
        }
        self.heap.clear();
        if self.pos.len() < n {
            self.pos.resize(n, ABSENT);
        }
    }

    #[inline]
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    #[inline]
    pub fn peek(&self) -> Option<ScoreNode> {
        self.heap.first().copied()
    }

    /// Inserts `node` with `score`, or raises its score if it is present
    /// (a lower score than the present one is ignored).
    pub fn push_or_raise(&mut self, node: u32, score: f64) {
        let entry = ScoreNode { score, node };
        let i = match self.pos[node as usize] {
            ABSENT => {
                self.heap.push(entry);
                self.heap.len() - 1
            }
            i if entry > self.heap[i as usize] => i as usize,
            _ => return,
        };
        self.sift_up(i, entry);
    }

    pub fn pop(&mut self) -> Option<ScoreNode> {
        let top = *self.heap.first()?;
        self.pos[top.node as usize] = ABSENT;
        let last = self.heap.pop().expect("the heap is not empty");
        if !self.heap.is_empty() {
            self.sift_down(0, last);
        }
        Some(top)
    }

    /// Puts `entry` at hole `i` or above it.
    fn sift_up(&mut self, mut i: usize, entry: ScoreNode) {
        while i > 0 {
            let parent = (i - 1) / 2;
            let p = self.heap[parent];
            if p >= entry {
                break;
            }
            self.put(i, p);
            i = parent;
        }
        self.put(i, entry);
    }

    /// Puts `entry` at hole `i` or below it.
    fn sift_down(&mut self, mut i: usize, entry: ScoreNode) {
        let len = self.heap.len();
        loop {
            let left = 2 * i + 1;
            if left >= len {
                break;
            }
            let right = left + 1;
            let c = if right < len && self.heap[right] > self.heap[left] {
                right
            } else {
                left
            };
            let child = self.heap[c];
            if entry >= child {
                break;
            }
            self.put(i, child);
            i = c;
        }
        self.put(i, entry);
    }

    /// Stores `entry` at index `i` and records where it is.
    #[inline(always)]
    fn put(&mut self, i: usize, entry: ScoreNode) {
        self.heap[i] = entry;
        self.pos[entry.node as usize] = i as u32;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Pops come out in the order of a sort of each node's best score.
        #[test]
        fn pops_in_score_order(ops in proptest::collection::vec((0u32..20, 0u32..1000), 0..200)) {
            let mut h = IndexedHeap::default();
            h.reset(20);
            let mut best = std::collections::BTreeMap::new();
            for &(node, s) in &ops {
                let score = f64::from(s) / 1000.0;
                h.push_or_raise(node, score);
                let b = best.entry(node).or_insert(score);
                if score > *b { *b = score; }
            }
            let mut expected: Vec<ScoreNode> = best.iter().map(|(&node, &score)| ScoreNode { score, node }).collect();
            expected.sort_by(|x, y| y.cmp(x));
            prop_assert_eq!(h.len(), expected.len());
            let mut got = Vec::new();
            while let Some(e) = h.pop() { got.push(e); }
            prop_assert_eq!(got, expected);
            // Reusable after a reset, with entries left in it.
            h.push_or_raise(3, 0.5);
            h.reset(20);
            prop_assert_eq!(h.len(), 0);
            h.push_or_raise(3, 0.25);
            prop_assert_eq!(h.pop(), Some(ScoreNode { score: 0.25, node: 3 }));
        }
    }
}
