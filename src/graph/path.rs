//! The [`Path`] result type.

use super::CsrIndex;

/// A simple path `nodes[0] -> ... -> nodes[last]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Path {
    /// Visited nodes, source first (`hops + 1` entries).
    pub nodes: Vec<u32>,
    /// Caller edge ids of the hops (`hops` entries).
    pub edge_ids: Vec<u32>,
    /// Strength of each hop (`hops` entries).
    pub hop_strengths: Vec<f32>,
    /// Product of `hop_strengths` (multiplied in order, in `f64`); 1 for a
    /// zero-hop path.
    pub score: f64,
    /// Index into `hop_strengths` of the weakest hop (first one on ties);
    /// 0 for a zero-hop path.
    pub weakest_hop: usize,
}

impl Path {
    /// Number of hops (edges).
    pub fn hops(&self) -> usize {
        self.edge_ids.len()
    }

    /// The zero-hop path `[a]`.
    pub(crate) fn trivial(a: u32) -> Path {
        Path {
            nodes: vec![a],
            edge_ids: Vec::new(),
            hop_strengths: Vec::new(),
            score: 1.0,
            weakest_hop: 0,
        }
    }

    /// Assembles a path and derives `score` and `weakest_hop`.
    pub(crate) fn from_parts(nodes: Vec<u32>, edge_ids: Vec<u32>, hop_strengths: Vec<f32>) -> Path {
        let mut p = Path {
            nodes,
            edge_ids,
            hop_strengths,
            score: 1.0,
            weakest_hop: 0,
        };
        p.finish();
        p
    }

    /// Builds a path from its node sequence, looking each hop up in `idx`
    /// (every consecutive pair must be a live edge).
    pub(crate) fn from_nodes(idx: &CsrIndex, nodes: Vec<u32>) -> Path {
        let mut edge_ids = Vec::with_capacity(nodes.len().saturating_sub(1));
        let mut hop_strengths = Vec::with_capacity(nodes.len().saturating_sub(1));
        for w in nodes.windows(2) {
            let e = idx.edge(w[0], w[1]).expect("path hop must be a live edge");
            edge_ids.push(e.edge_id);
            hop_strengths.push(e.strength);
        }
        Path::from_parts(nodes, edge_ids, hop_strengths)
    }

    /// Reverses the direction of the path.
    pub(crate) fn reversed(mut self) -> Path {
        self.nodes.reverse();
        self.edge_ids.reverse();
        self.hop_strengths.reverse();
        self.finish();
        self
    }

    fn finish(&mut self) {
        let mut score = 1.0f64;
        let mut weakest = 0usize;
        for (i, &s) in self.hop_strengths.iter().enumerate() {
            score *= f64::from(s);
            if s < self.hop_strengths[weakest] {
                weakest = i;
            }
        }
        self.score = score;
        self.weakest_hop = weakest;
    }
}
