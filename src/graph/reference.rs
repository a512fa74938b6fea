//! Deliberately simple reference implementations for the tests: an edge map,
//! adjacency lists rebuilt per query, plain BFS, Bellman-Ford and exhaustive
//! DFS over simple paths.

use super::Filters;
use std::collections::{BTreeMap, VecDeque};

#[derive(Clone, Debug, Default)]
pub struct RefGraph {
    pub n: u32,
    /// (min, max) -> (strength, rel_type, edge_id)
    pub edges: BTreeMap<(u32, u32), (f32, u8, u32)>,
    pub active: Vec<bool>,
}

fn key(a: u32, b: u32) -> (u32, u32) {
    (a.min(b), a.max(b))
}

impl RefGraph {
    pub fn new(n: u32) -> Self {
        RefGraph {
            n,
            edges: BTreeMap::new(),
            active: vec![true; n as usize],
        }
    }
    pub fn upsert(&mut self, a: u32, b: u32, s: f32, rel: u8, id: u32) {
        self.edges.insert(key(a, b), (s, rel, id));
    }
    pub fn remove(&mut self, a: u32, b: u32) {
        self.edges.remove(&key(a, b));
    }
    pub fn add_node(&mut self) -> u32 {
        self.n += 1;
        self.active.push(true);
        self.n - 1
    }
    pub fn edge(&self, a: u32, b: u32) -> Option<(f32, u8, u32)> {
        self.edges.get(&key(a, b)).copied()
    }
    pub fn node_ok(&self, v: u32, f: &Filters) -> bool {
        self.active[v as usize] && !f.avoid.contains(&v)
    }
    pub fn edge_ok(&self, s: f32, rel: u8, f: &Filters) -> bool {
        s >= f.min_strength && f.rel_types & (1 << rel) != 0
    }
    /// Usable adjacency: (neighbour, strength), sorted by neighbour.
    pub fn adj(&self, f: &Filters) -> Vec<Vec<(u32, f32)>> {
        let mut adj = vec![Vec::new(); self.n as usize];
        for (&(a, b), &(s, rel, _)) in &self.edges {
            if self.edge_ok(s, rel, f) && self.node_ok(a, f) && self.node_ok(b, f) {
                adj[a as usize].push((b, s));
                adj[b as usize].push((a, s));
            }
        }
        for l in &mut adj {
            l.sort_by_key(|x| x.0);
        }
        adj
    }
    pub fn bfs(&self, a: u32, f: &Filters) -> Vec<u32> {
        let mut dist = vec![u32::MAX; self.n as usize];
        if !self.node_ok(a, f) {
            return dist;
        }
        let adj = self.adj(f);
        dist[a as usize] = 0;
        let mut q = VecDeque::from([a]);
        while let Some(u) = q.pop_front() {
            for &(v, _) in &adj[u as usize] {
                if dist[v as usize] == u32::MAX {
                    dist[v as usize] = dist[u as usize] + 1;
                    q.push_back(v);
                }
            }
        }
        let max_h = f.max_hops.unwrap_or(u32::MAX);
        for d in &mut dist {
            if *d != u32::MAX && *d > max_h {
                *d = u32::MAX;
            }
        }
        dist
    }
    pub fn shortest_len(&self, a: u32, b: u32, f: &Filters) -> Option<u32> {
        let d = self.bfs(a, f)[b as usize];
        (d != u32::MAX && self.node_ok(b, f)).then_some(d)
    }
    /// Best product over walks with at most `max_hops` (or n) hops.
    pub fn best_score(&self, a: u32, b: u32, f: &Filters) -> Option<f64> {
        if !self.node_ok(a, f) || !self.node_ok(b, f) {
            return None;
        }
        let adj = self.adj(f);
        let rounds = f.max_hops.unwrap_or(self.n).min(self.n);
        let mut best = vec![-1.0f64; self.n as usize];
        best[a as usize] = 1.0;
        for _ in 0..rounds {
            let mut next = best.clone();
            for u in 0..self.n as usize {
                if best[u] < 0.0 {
                    continue;
                }
                for &(v, s) in &adj[u] {
                    let c = best[u] * f64::from(s);
                    if c > next[v as usize] {
                        next[v as usize] = c;
                    }
                }
            }
            best = next;
        }
        (best[b as usize] >= 0.0).then_some(best[b as usize])
    }
    /// Every simple path from `a` to a usable target (`!= a`) with at most
    /// `h` hops whose intermediates are not targets, with its score.
    pub fn simple_paths(
        &self,
        a: u32,
        targets: &[u32],
        h: u32,
        f: &Filters,
    ) -> Vec<(Vec<u32>, f64)> {
        let mut out = Vec::new();
        if !self.node_ok(a, f) {
            return out;
        }
        let adj = self.adj(f);
        let is_t: Vec<bool> = (0..self.n)
            .map(|v| v != a && targets.contains(&v) && self.node_ok(v, f))
            .collect();
        let mut path = vec![a];
        fn dfs(
            adj: &[Vec<(u32, f32)>],
            is_t: &[bool],
            h: u32,
            path: &mut Vec<u32>,
            score: f64,
            out: &mut Vec<(Vec<u32>, f64)>,
        ) {
            let u = *path.last().unwrap();
            for &(v, s) in &adj[u as usize] {
                if path.contains(&v) {
                    continue;
                }
                let sc = score * f64::from(s);
                path.push(v);
                if is_t[v as usize] {
                    out.push((path.clone(), sc));
                } else if (path.len() as u32) <= h {
                    dfs(adj, is_t, h, path, sc, out);
                }
                path.pop();
            }
        }
        dfs(&adj, &is_t, h, &mut path, 1.0, &mut out);
        out
    }
    pub fn mutual(&self, a: u32, b: u32, f: &Filters) -> Vec<(u32, f32, f32)> {
        if !self.node_ok(a, f) || !self.node_ok(b, f) || f.max_hops == Some(1) {
            return Vec::new();
        }
        let adj = self.adj(f);
        let mut out = Vec::new();
        for &(m, sa) in &adj[a as usize] {
            if m == a || m == b {
                continue;
            }
            if let Some(&(_, sb)) = adj[b as usize].iter().find(|x| x.0 == m) {
                out.push((m, sa, sb));
            }
        }
        out.sort_by(|x, y| y.1.min(y.2).total_cmp(&x.1.min(x.2)).then(x.0.cmp(&y.0)));
        out
    }
    pub fn neighbors(&self, a: u32, depth: u32, f: &Filters) -> Vec<Vec<u32>> {
        let dist = self.bfs(a, f);
        let lim = depth.min(f.max_hops.unwrap_or(u32::MAX));
        let mut out: Vec<Vec<u32>> = Vec::new();
        for v in 0..self.n {
            let d = dist[v as usize];
            if d != u32::MAX && d <= lim {
                while out.len() <= d as usize {
                    out.push(Vec::new());
                }
                out[d as usize].push(v);
            }
        }
        out
    }
}
