//! The search index over the stored graph: person ids ↔ dense `u32` nodes
//! and a [`CsrIndex`] of the live edges, plus the read-only queries on
//! [`Db`] that run on it.
//!
//! Every person record gets a node (never reused); a soft-deleted or
//! merged-away person is an *inactive* node, which the graph module never
//! visits, so its edges drop out of every answer without being removed (and
//! come back if the person is restored). Soft-deleted edges are removed from
//! the index. The view is built on the first query and then patched by
//! [`GraphState::apply`] (see [`GraphView::patch`]), never rebuilt.

use serde::{Deserialize, Serialize};

use super::commit::Commit;
use super::node_index::NodeIndex;
use super::ops::Db;
use super::state::GraphState;
use super::table::Table;
use super::Backend;
use crate::error::{Error, ErrorCode, Result};
use crate::graph::{
    self, in_chunks, CsrIndex, EdgeInput as CsrEdge, Filters, GraphError, Path, ALL_REL_TYPES,
    CHUNK,
};
use crate::model::{
    pair_key, validate, Edge, JsNumber, Person, RelationshipType, StrengthFactor, Uuid,
};

/// The type's position in `RelationshipType::ALL`, which lists the variants
/// in declaration order (`rel_index_is_the_position_in_all` checks it): a
/// cast, not a search per edge of an index build.
fn rel_index(t: RelationshipType) -> u8 {
    t as u8
}

/// An answer by node index (see [`Db::shortest_path_nodes`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NodeAnswer {
    /// The nodes along the path, from the first endpoint to the second.
    Path(Vec<u32>),
    NoPath,
    /// Not answerable by node: ask by id.
    AskById,
}

#[derive(Debug, Clone)]
pub struct GraphView {
    /// Node → person id, and the index back (probed through `people`).
    people: Vec<Uuid>,
    node_of: NodeIndex,
    /// The CSR's edge handle is the edge's slot in the edge table (stable
    /// while the record is stored): the view holds no edge ids, which saves
    /// 16 bytes an edge and the copying on every build.
    csr: CsrIndex,
    /// Distinguishes this view from any other (e.g. after a reopen): node
    /// indices handed out (see [`Db::node_ids`]) are stable within a view.
    epoch: u64,
}

/// An edge in [`GraphView::snapshot`]: (person, person, strength bits,
/// type, edge id).
pub type SnapshotEdge = (Uuid, Uuid, u32, u8, Uuid);

static NEXT_EPOCH: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

impl GraphView {
    pub fn build(state: &GraphState) -> GraphView {
        // Passes over all records run in chunks (see `graph::in_chunks`):
        // a one-off pass in one wasm call would never leave V8's baseline tier.
        let records = state.people.by_slot();
        let mut people = Vec::with_capacity(records.len());
        // Soft-deleted and merged-away people, noted in the same pass (a
        // second pass over the person records cost a cache miss each).
        let mut inactive = Vec::new();
        in_chunks(records.len(), CHUNK, |r| {
            for p in records[r].iter().flatten() {
                let node = people.len() as u32;
                people.push(p.id);
                if !p.is_live() {
                    inactive.push(node);
                }
            }
        });
        let node_of = NodeIndex::new(&people);
        let slots = state.edges.by_slot();
        let mut inputs = Vec::with_capacity(slots.len());
        in_chunks(slots.len(), CHUNK, |r| {
            for (slot, e) in r.clone().zip(&slots[r]) {
                let Some(e) = e.as_ref().filter(|e| e.deleted_at.is_none()) else {
                    continue;
                };
                let (Some(a), Some(b)) = (
                    node_of.get(&people, &e.from_person_id),
                    node_of.get(&people, &e.to_person_id),
                ) else {
                    continue;
                };
                inputs.push(CsrEdge {
                    a,
                    b,
                    strength: e.strength as f32,
                    rel_type: rel_index(e.relationship_type),
                    edge_id: slot as u32,
                });
            }
        });
        // Stored edges were validated when written (`validate::edge`); the
        // endpoints are nodes handed out above, distinct since an edge's
        // people are.
        let mut csr =
            CsrIndex::build_trusted(people.len() as u32, &inputs).expect("stored edges are valid");
        drop(inputs);
        for node in inactive {
            let _ = csr.set_node_active(node, false);
        }
        GraphView {
            people,
            node_of,
            csr,
            epoch: NEXT_EPOCH.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        }
    }

    /// Bytes held by the view: the CSR arrays and the node ↔ person id
    /// tables. The query scratch buffers (~45 bytes per node,
    /// thread-local) are not included.
    pub fn memory_bytes(&self) -> usize {
        use core::mem::size_of;
        size_of::<Self>()
            + self.people.capacity() * size_of::<Uuid>()
            + self.node_of.memory_bytes()
            + self.csr.memory_bytes()
    }

    fn node(&mut self, id: Uuid) -> u32 {
        if let Some(n) = self.node_of(id) {
            return n;
        }
        let n = self.csr.add_node();
        debug_assert_eq!(n as usize, self.people.len());
        self.people.push(id);
        self.node_of.push(&self.people);
        n
    }

    /// First half of bringing the view up to date with a commit, before it
    /// is applied (`edges` still holds the old records, for an edge's old
    /// pair): people's activity, and every changed edge leaves the CSR.
    pub(crate) fn patch_before(&mut self, edges: &Table<Edge>, commit: &Commit) {
        for (id, change) in &commit.people {
            let n = self.node(*id);
            let live = change.as_ref().is_some_and(Person::is_live);
            let _ = self.csr.set_node_active(n, live);
        }
        for id in commit.edges.keys() {
            if let Some(old) = edges.get(*id) {
                if let (Some(a), Some(b)) = (
                    self.node_of(old.from_person_id),
                    self.node_of(old.to_person_id),
                ) {
                    let _ = self.csr.remove_edge(a, b);
                }
            }
        }
        // An erased person's node stays (numbers are never reused) but no
        // longer names her, and node tables handed out before are void (a
        // new epoch), so that her id leaves memory with her record. Last:
        // her edges were found above through her id.
        let mut erased = false;
        for (id, change) in &commit.people {
            if change.is_none() {
                if let Some(n) = self.node_of(*id) {
                    self.people[n as usize] = Uuid::nil();
                    erased = true;
                }
            }
        }
        if erased {
            self.epoch = NEXT_EPOCH.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
    }

    /// Second half, once the commit is applied: the changed edges that are
    /// live come back under their (new) pair, named by their table slot.
    pub(crate) fn patch_after(&mut self, edges: &Table<Edge>, changed: &[Uuid]) {
        for id in changed {
            if let Some(slot) = edges.slot_of(*id) {
                self.put_edge(edges, slot);
            }
        }
    }

    /// Edges rewritten in place (same pair, same slot), once applied: their
    /// new strength, over the old one (`patch_before` left them in).
    pub(crate) fn rescore(&mut self, edges: &Table<Edge>, slots: impl Iterator<Item = u32>) {
        for slot in slots {
            self.put_edge(edges, slot);
        }
    }

    /// The edge in `slot`, if live, into the CSR under its pair.
    fn put_edge(&mut self, edges: &Table<Edge>, slot: u32) {
        let Some(e) = edges.at_slot(slot).filter(|e| e.deleted_at.is_none()) else {
            return;
        };
        let a = self.node(e.from_person_id);
        let b = self.node(e.to_person_id);
        let _ = self.csr.upsert_edge(CsrEdge {
            a,
            b,
            strength: e.strength as f32,
            rel_type: rel_index(e.relationship_type),
            edge_id: slot,
        });
    }

    /// See the field; equal epochs mean equal node numbering (extended only).
    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    pub fn csr(&self) -> &CsrIndex {
        &self.csr
    }
    pub fn node_of(&self, id: Uuid) -> Option<u32> {
        self.node_of.get(&self.people, &id)
    }
    pub fn person_id(&self, node: u32) -> Uuid {
        self.people[node as usize]
    }
    /// The id of the edge a CSR handle names (its slot in `edges`).
    pub fn edge_id(&self, edges: &Table<Edge>, handle: u32) -> Uuid {
        edges
            .at_slot(handle)
            .expect("the index names only stored edges")
            .id
    }

    /// A canonical dump: every usable edge as (person, person, strength,
    /// type, edge id), sorted, and the active people. Two views that answer
    /// every query alike have equal snapshots.
    pub fn snapshot(&self, state: &GraphState) -> (Vec<SnapshotEdge>, Vec<Uuid>) {
        let mut edges = Vec::new();
        let mut active = Vec::new();
        for n in 0..self.csr.node_count() {
            if !self.csr.is_active(n) {
                continue;
            }
            active.push(self.person_id(n));
            for e in self.csr.neighbors_of(n) {
                if e.strength >= 0.0
                    && self.person_id(n) < self.person_id(e.node)
                    && self.csr.is_active(e.node)
                {
                    edges.push((
                        self.person_id(n),
                        self.person_id(e.node),
                        e.strength.to_bits(),
                        e.rel_type,
                        self.edge_id(&state.edges, e.edge_id),
                    ));
                }
            }
        }
        edges.sort();
        active.sort();
        (edges, active)
    }
}

// ---------------------------------------------------------------------------
// Query inputs and outputs (JSON, camelCase).

/// Options of every graph query; each call accepts the fields that make sense
/// for it and refuses the others (INVALID_INPUT naming the field).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct QueryOptions {
    pub k: Option<JsNumber>,
    pub depth: Option<JsNumber>,
    pub max_hops: Option<JsNumber>,
    pub min_strength: Option<JsNumber>,
    /// Person ids; kept as JSON values so that an item that is no string
    /// is refused as an id (INVALID_ID; a missing one REQUIRED), not as
    /// malformed options.
    pub avoid: Vec<serde_json::Value>,
    pub relationship_types: Option<Vec<String>>,
}

/// One hop and why it is strong: the edge's top strength factors.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Hop {
    pub from_person_id: Uuid,
    pub to_person_id: Uuid,
    pub edge_id: Uuid,
    pub strength: f64,
    pub relationship_type: RelationshipType,
    /// Up to 3 factors by contribution, largest first (empty for a declared
    /// strength with no factors).
    pub why: Vec<StrengthFactor>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WeakestHop {
    pub index: usize,
    pub from_person_id: Uuid,
    pub to_person_id: Uuid,
    pub strength: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IntroPath {
    pub person_ids: Vec<Uuid>,
    pub edge_ids: Vec<Uuid>,
    pub hop_strengths: Vec<f64>,
    /// Product of the hop strengths (1 for a zero-hop path).
    pub score: f64,
    /// None for a zero-hop path.
    pub weakest_hop: Option<WeakestHop>,
    pub hops: Vec<Hop>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MutualConnection {
    pub person_id: Uuid,
    pub strength_a: f64,
    pub strength_b: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NeighborLevel {
    pub degree: usize,
    pub count: usize,
    pub person_ids: Vec<Uuid>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Neighborhood {
    pub person_id: Uuid,
    /// Levels 1..=depth that hold anyone (the person itself is not listed).
    pub degrees: Vec<NeighborLevel>,
    pub total: usize,
}

const MAX_K: f64 = 100.0;
const MAX_HOPS: f64 = 10.0;
const MAX_DEPTH: f64 = 6.0;

fn whole(n: &JsNumber, field: &str, lo: f64, hi: f64) -> Result<u32> {
    Ok(crate::model::validate::whole_number(n.0, field, lo, Some(hi))? as u32)
}

fn refuse(present: bool, field: &str, call: &str) -> Result<()> {
    if present {
        return Err(Error::new(
            ErrorCode::InvalidInput,
            field,
            format!("{call} does not take `{field}`"),
        ));
    }
    Ok(())
}

fn graph_error(e: GraphError) -> Error {
    match e {
        GraphError::UnknownNode { field, .. } => {
            Error::new(ErrorCode::NotFound, field, e.to_string())
        }
        GraphError::InvalidFilter { field, reason } => {
            Error::new(ErrorCode::InvalidInput, field, reason)
        }
        GraphError::InvalidEdge { field, reason } => {
            Error::new(ErrorCode::InvalidInput, field, reason)
        }
        GraphError::SearchTooLarge { field, .. } => {
            Error::new(ErrorCode::TooLarge, field, e.to_string())
        }
    }
}

impl<B: Backend> Db<B> {
    /// The search index, built on first use and patched on every write.
    pub fn graph_view(&self) -> &GraphView {
        self.state().graph_view()
    }

    /// A live person's node; NOT_FOUND / MERGED_AWAY naming `field`.
    fn endpoint(&self, id: Uuid, field: &str) -> Result<u32> {
        self.live_person(id, field)?;
        Ok(self
            .graph_view()
            .node_of(id)
            .expect("every person has a node"))
    }

    /// A person neither deleted nor merged away; NOT_FOUND / MERGED_AWAY
    /// naming `field`.
    pub fn live_person(&self, id: Uuid, field: &str) -> Result<&Person> {
        match self.state().people.get(id) {
            None => Err(Error::new(
                ErrorCode::NotFound,
                field,
                format!("no person {id}"),
            )),
            Some(p) if p.merged_into.is_some() => Err(Error::new(
                ErrorCode::MergedAway,
                field,
                format!(
                    "person {id} was merged into {}",
                    p.merged_into.unwrap_or(id)
                ),
            )),
            Some(p) if p.deleted_at.is_some() => Err(Error::new(
                ErrorCode::NotFound,
                field,
                format!("person {id} is deleted"),
            )),
            Some(p) => Ok(p),
        }
    }

    fn filters(&self, o: &QueryOptions, endpoints: &[u32]) -> Result<Filters> {
        let mut f = Filters::default();
        if let Some(m) = &o.min_strength {
            if !(0.0..=1.0).contains(&m.0) {
                return Err(Error::new(
                    ErrorCode::InvalidStrength,
                    "minStrength",
                    format!("{m} is not a number in [0, 1]"),
                ));
            }
            f.min_strength = m.0 as f32;
        }
        if let Some(h) = &o.max_hops {
            f.max_hops = Some(whole(h, "maxHops", 1.0, MAX_HOPS)?);
        }
        if let Some(types) = &o.relationship_types {
            if types.is_empty() {
                return Err(Error::new(
                    ErrorCode::InvalidInput,
                    "relationshipTypes",
                    "an empty list accepts no edge; omit it to accept every type",
                ));
            }
            let mut mask = 0u8;
            for (i, t) in types.iter().enumerate() {
                let rt = RelationshipType::parse(t).ok_or_else(|| {
                    Error::new(
                        ErrorCode::InvalidEnum,
                        format!("relationshipTypes[{i}]"),
                        format!(
                            "'{}' is not one of {}",
                            t.chars().take(40).collect::<String>(),
                            RelationshipType::expected()
                        ),
                    )
                })?;
                mask |= 1 << rel_index(rt);
            }
            f.rel_types = mask & ALL_REL_TYPES;
        }
        for (i, v) in o.avoid.iter().enumerate() {
            let field = format!("avoid[{i}]");
            let given = match v {
                serde_json::Value::String(s) => validate::parse_id(s, &field)?,
                serde_json::Value::Null => {
                    return Err(Error::new(ErrorCode::Required, field, "a person id"))
                }
                _ => {
                    return Err(Error::new(
                        ErrorCode::InvalidId,
                        field,
                        "an id is a UUID string",
                    ))
                }
            };
            // Avoiding a person merged into another avoids her survivor:
            // the same human, whose record is now the survivor's.
            let id = crate::sync::survivor(given, |x| self.state().people.get(x))
                .map_or(given, |p| p.id);
            let node = match self.state().people.get(id) {
                None => {
                    return Err(Error::new(
                        ErrorCode::NotFound,
                        field,
                        format!("no person {id}"),
                    ))
                }
                Some(_) => self
                    .graph_view()
                    .node_of(id)
                    .expect("every person has a node"),
            };
            // The endpoints are excepted (a list built from a group, say
            // everyone at a company, may hold them).
            if !endpoints.contains(&node) {
                f.avoid.push(node);
            }
        }
        Ok(f)
    }

    /// The k best paths as answers, best first by their reported (stored
    /// precision) scores: paths the f32 index ranks equal may differ there.
    fn intro_paths_ranked(&self, paths: &[Path]) -> Vec<IntroPath> {
        let mut out: Vec<IntroPath> = paths.iter().map(|p| self.intro_path(p)).collect();
        out.sort_by(|x, y| y.score.total_cmp(&x.score));
        out
    }

    fn intro_path(&self, p: &Path) -> IntroPath {
        let v = self.graph_view();
        let person_ids: Vec<Uuid> = p.nodes.iter().map(|&n| v.person_id(n)).collect();
        let edges = &self.state().edges;
        let edge_ids: Vec<Uuid> = p.edge_ids.iter().map(|&h| v.edge_id(edges, h)).collect();
        // The index ranks by strengths held as f32; the answer reports the
        // stored strengths, and the score and weakest hop computed from them.
        let hop_strengths: Vec<f64> = edge_ids
            .iter()
            .zip(&p.hop_strengths)
            .map(|(eid, &s)| edges.get(*eid).map_or(s as f64, |e| e.strength))
            .collect();
        let hops = edge_ids
            .iter()
            .enumerate()
            .map(|(i, eid)| {
                let e = edges.get(*eid);
                let mut why: Vec<StrengthFactor> =
                    e.map(|e| e.strength_factors.clone()).unwrap_or_default();
                why.sort_by(|a, b| b.contribution.total_cmp(&a.contribution));
                why.truncate(3);
                Hop {
                    from_person_id: person_ids[i],
                    to_person_id: person_ids[i + 1],
                    edge_id: *eid,
                    strength: e.map_or(hop_strengths[i], |e| e.strength),
                    relationship_type: e.map_or(RelationshipType::Knows, |e| e.relationship_type),
                    why,
                }
            })
            .collect();
        // The first of equally weak hops, as the search picks it.
        let weakest_hop = hop_strengths
            .iter()
            .enumerate()
            .min_by(|x, y| x.1.total_cmp(y.1))
            .map(|(i, &strength)| WeakestHop {
                index: i,
                from_person_id: person_ids[i],
                to_person_id: person_ids[i + 1],
                strength,
            });
        IntroPath {
            person_ids,
            edge_ids,
            score: hop_strengths.iter().product(),
            hop_strengths,
            weakest_hop,
            hops,
        }
    }

    /// Fewest hops from `from` to `to` (ties: any one); `None` if no path.
    pub fn shortest_path(
        &self,
        from: Uuid,
        to: Uuid,
        o: &QueryOptions,
    ) -> Result<Option<IntroPath>> {
        self.ensure_open()?;
        refuse(o.k.is_some(), "k", "shortestPath")?;
        refuse(o.depth.is_some(), "depth", "shortestPath")?;
        let (a, b) = (self.endpoint(from, "from")?, self.endpoint(to, "to")?);
        let f = self.filters(o, &[a, b])?;
        let p = graph::shortest_path(self.graph_view().csr(), a, b, &f).map_err(graph_error)?;
        Ok(p.map(|p| self.intro_path(&p)))
    }

    /// The lean twin of [`Db::shortest_path`]: only the person ids along a
    /// fewest-hops path (no edge records, no factors), or `None`.
    pub fn shortest_path_ids(
        &self,
        from: Uuid,
        to: Uuid,
        o: &QueryOptions,
    ) -> Result<Option<Vec<Uuid>>> {
        self.ensure_open()?;
        refuse(o.k.is_some(), "k", "shortestPathIds")?;
        refuse(o.depth.is_some(), "depth", "shortestPathIds")?;
        let (a, b) = (self.endpoint(from, "from")?, self.endpoint(to, "to")?);
        let f = self.filters(o, &[a, b])?;
        let v = self.graph_view();
        let p = graph::shortest_path(v.csr(), a, b, &f).map_err(graph_error)?;
        Ok(p.map(|p| p.nodes.iter().map(|&n| v.person_id(n)).collect()))
    }

    /// [`Db::shortest_path_ids`] without filters, by node index, for a
    /// caller that holds the node table of view `epoch` (see
    /// [`Db::node_ids`]) and so passes no id strings. [`NodeAnswer::AskById`]
    /// when the numbering is not that view's, or an endpoint is unknown or
    /// no longer a live person: the query by id then answers or raises the
    /// typed error (an endpoint's node is active exactly while its person
    /// is live, see [`GraphView::patch_before`]).
    pub fn shortest_path_nodes(&self, epoch: u64, a: u32, b: u32) -> Result<NodeAnswer> {
        self.ensure_open()?;
        let v = self.graph_view();
        let csr = v.csr();
        // `is_active`: the node exists and is active.
        if v.epoch() != epoch || !csr.is_active(a) || !csr.is_active(b) {
            return Ok(NodeAnswer::AskById);
        }
        let p = graph::shortest_path(csr, a, b, &Filters::default()).map_err(graph_error)?;
        Ok(p.map_or(NodeAnswer::NoPath, |p| NodeAnswer::Path(p.nodes)))
    }

    /// Hops from `from` to every node of the index, by node index
    /// (`u32::MAX`: not reachable under the filters / within `maxHops`;
    /// deleted and merged-away people are never reached). Node `i` is
    /// person `node_ids(..)[i]` of the view with the returned epoch.
    pub fn distances(&self, from: Uuid, o: &QueryOptions) -> Result<(u64, Vec<u32>)> {
        self.ensure_open()?;
        refuse(o.k.is_some(), "k", "distancesFrom")?;
        refuse(o.depth.is_some(), "depth", "distancesFrom (use maxHops)")?;
        let a = self.endpoint(from, "from")?;
        let f = self.filters(o, &[a])?;
        let v = self.graph_view();
        let d = graph::bfs_distances(v.csr(), a, &f).map_err(graph_error)?;
        Ok((v.epoch(), d))
    }

    /// The view's epoch and the person ids of nodes `start..` (node order).
    pub fn node_ids(&self, start: u32) -> Result<(u64, &[Uuid])> {
        self.ensure_open()?;
        let v = self.graph_view();
        let start = (start as usize).min(v.people.len());
        Ok((v.epoch(), &v.people[start..]))
    }

    /// The strongest path (largest product of strengths); `None` if no path.
    pub fn best_path(&self, from: Uuid, to: Uuid, o: &QueryOptions) -> Result<Option<IntroPath>> {
        self.ensure_open()?;
        refuse(o.k.is_some(), "k", "bestPath")?;
        refuse(o.depth.is_some(), "depth", "bestPath")?;
        let (a, b) = (self.endpoint(from, "from")?, self.endpoint(to, "to")?);
        let f = self.filters(o, &[a, b])?;
        let p = graph::best_path(self.graph_view().csr(), a, b, &f).map_err(graph_error)?;
        Ok(p.map(|p| self.intro_path(&p)))
    }

    fn k(o: &QueryOptions) -> Result<usize> {
        Ok(o.k
            .as_ref()
            .map(|k| whole(k, "k", 1.0, MAX_K))
            .transpose()?
            .unwrap_or(3) as usize)
    }

    /// The `k` (default 3, at most 100) strongest simple paths within
    /// `maxHops` (default 4), strongest first.
    pub fn intro_paths(&self, from: Uuid, to: Uuid, o: &QueryOptions) -> Result<Vec<IntroPath>> {
        self.ensure_open()?;
        refuse(o.depth.is_some(), "depth", "introPaths")?;
        let k = Self::k(o)?;
        let (a, b) = (self.endpoint(from, "from")?, self.endpoint(to, "to")?);
        let f = self.filters(o, &[a, b])?;
        let paths =
            graph::intro_paths(self.graph_view().csr(), a, b, k, &f).map_err(graph_error)?;
        Ok(self.intro_paths_ranked(&paths))
    }

    /// The `k` strongest paths from `from` to anyone (live) at the
    /// organization; a path ends at the first such person it reaches.
    pub fn intro_paths_to_organization(
        &self,
        from: Uuid,
        organization_id: Uuid,
        o: &QueryOptions,
    ) -> Result<Vec<IntroPath>> {
        self.ensure_open()?;
        refuse(o.depth.is_some(), "depth", "introPathsToOrganization")?;
        let k = Self::k(o)?;
        let a = self.endpoint(from, "from")?;
        match self.state().organizations.get(organization_id) {
            None => {
                return Err(Error::new(
                    ErrorCode::NotFound,
                    "organizationId",
                    format!("no organization {organization_id}"),
                ))
            }
            Some(org) if org.merged_into.is_some() => {
                return Err(Error::new(
                    ErrorCode::MergedAway,
                    "organizationId",
                    format!(
                        "organization {organization_id} was merged into {}",
                        org.merged_into.unwrap_or(organization_id)
                    ),
                ))
            }
            Some(org) if org.deleted_at.is_some() => {
                return Err(Error::new(
                    ErrorCode::NotFound,
                    "organizationId",
                    format!("organization {organization_id} is deleted"),
                ))
            }
            Some(_) => {}
        }
        let f = self.filters(o, &[a])?;
        let v = self.graph_view();
        let mut targets: Vec<u32> = self
            .state()
            .people
            .values()
            .filter(|p| p.organization_id == Some(organization_id) && p.is_live() && p.id != from)
            .filter_map(|p| v.node_of(p.id))
            .filter(|n| !f.avoid.contains(n))
            .collect();
        targets.sort_unstable();
        let paths = graph::intro_paths_to_set(v.csr(), a, &targets, k, &f).map_err(graph_error)?;
        Ok(self.intro_paths_ranked(&paths))
    }

    /// People joined to both `a` and `b`, strongest (by the weaker of the
    /// two ties) first.
    pub fn mutual_connections(
        &self,
        a: Uuid,
        b: Uuid,
        o: &QueryOptions,
    ) -> Result<Vec<MutualConnection>> {
        self.ensure_open()?;
        refuse(o.k.is_some(), "k", "mutualConnections")?;
        refuse(o.depth.is_some(), "depth", "mutualConnections")?;
        refuse(o.max_hops.is_some(), "maxHops", "mutualConnections")?;
        let (na, nb) = (self.endpoint(a, "a")?, self.endpoint(b, "b")?);
        if a == b {
            return Err(Error::new(
                ErrorCode::InvalidInput,
                "b",
                "mutual connections are between two different people",
            ));
        }
        let f = self.filters(o, &[na, nb])?;
        let v = self.graph_view();
        let m = graph::mutual_connections(v.csr(), na, nb, &f).map_err(graph_error)?;
        Ok(m.iter()
            .map(|m| {
                // The stored strengths (the index holds f32 copies).
                let stored = |x: Uuid, y: Uuid, indexed: f32| {
                    self.state()
                        .edge_for_pair(pair_key(x, y))
                        .map_or(indexed as f64, |e| e.strength)
                };
                let person_id = v.person_id(m.node);
                MutualConnection {
                    person_id,
                    strength_a: stored(a, person_id, m.strength_a),
                    strength_b: stored(b, person_id, m.strength_b),
                }
            })
            .collect())
    }

    /// Everyone within `depth` (default 2, at most 6) hops, by degree.
    pub fn neighbors(&self, a: Uuid, o: &QueryOptions) -> Result<Neighborhood> {
        self.ensure_open()?;
        refuse(o.k.is_some(), "k", "neighbors")?;
        refuse(o.max_hops.is_some(), "maxHops", "neighbors (use depth)")?;
        let depth = o
            .depth
            .as_ref()
            .map(|d| whole(d, "depth", 1.0, MAX_DEPTH))
            .transpose()?
            .unwrap_or(2);
        let na = self.endpoint(a, "from")?;
        let f = self.filters(o, &[na])?;
        let v = self.graph_view();
        let n = graph::neighbors(v.csr(), na, depth, &f).map_err(graph_error)?;
        let degrees: Vec<NeighborLevel> = n
            .by_depth
            .iter()
            .enumerate()
            .skip(1)
            .map(|(d, nodes)| NeighborLevel {
                degree: d,
                count: nodes.len(),
                person_ids: nodes.iter().map(|&x| v.person_id(x)).collect(),
            })
            .collect();
        let total = degrees.iter().map(|l| l.count).sum();
        Ok(Neighborhood {
            person_id: a,
            degrees,
            total,
        })
    }

    /// A person's live edges to live people, strongest first (ties: edge
    /// id), with their strength factors: the person page and the network
    /// view. Read from the index's adjacency row, so it costs the person's
    /// degree, not the graph's size. Takes `minStrength` and
    /// `relationshipTypes`.
    pub fn edges_of(&self, a: Uuid, o: &QueryOptions) -> Result<Vec<Edge>> {
        self.ensure_open()?;
        refuse(o.k.is_some(), "k", "edgesOf")?;
        refuse(o.depth.is_some(), "depth", "edgesOf")?;
        refuse(o.max_hops.is_some(), "maxHops", "edgesOf")?;
        refuse(!o.avoid.is_empty(), "avoid", "edgesOf")?;
        let na = self.endpoint(a, "personId")?;
        let f = self.filters(o, &[na])?;
        let v = self.graph_view();
        let csr = v.csr();
        let mut edges: Vec<Edge> = csr
            .neighbors_of(na)
            .filter(|r| r.strength >= f.min_strength && (f.rel_types >> r.rel_type) & 1 != 0)
            .filter(|r| csr.is_active(r.node))
            .filter_map(|r| self.state().edges.at_slot(r.edge_id))
            // The index's f32 strength let through an edge just under the
            // bound (0.2999999999 for 0.3): the stored one decides.
            .filter(|e| o.min_strength.is_none_or(|m| e.strength >= m.0))
            .cloned()
            .collect();
        edges.sort_by(|x, y| y.strength.total_cmp(&x.strength).then(x.id.cmp(&y.id)));
        Ok(edges)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rel_index_is_the_position_in_all() {
        for (i, t) in RelationshipType::ALL.iter().enumerate() {
            assert_eq!(usize::from(rel_index(*t)), i, "{t:?}");
        }
    }
}
