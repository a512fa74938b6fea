//! Graph queries and tie strength, for JS. Inputs and outputs are JSON text,
//! like the rest of the binding; the logic is in `store::graph_view` and
//! `store::strength_sync`.

use wasm_bindgen::prelude::*;

use super::{borrow_err, closed_err, js_error, options_of, to_js, WasmGraph};
use crate::model::{validate, Timestamp, Uuid};
use crate::store::{NodeAnswer, QueryOptions, RecomputeOptions};

fn pid(value: &str, field: &str) -> Result<Uuid, JsValue> {
    validate::parse_id(value, field).map_err(js_error)
}

type Db = crate::store::Db<crate::store::idb::WebBackend>;

/// Ids as one string, 36 characters each (split by the JS wrapper).
fn concat_ids(ids: &[Uuid]) -> String {
    let mut out = String::with_capacity(ids.len() * 36);
    let mut buf = Uuid::encode_buffer();
    for id in ids {
        out.push_str(id.hyphenated().encode_lower(&mut buf));
    }
    out
}

impl WasmGraph {
    /// A read query between two ids: parses them (naming `fields`) and the
    /// options, runs `query`, returns its JSON.
    fn two_id_query<T: serde::Serialize>(
        &self,
        ids: (&str, &str),
        fields: (&str, &str),
        options: Option<String>,
        query: impl FnOnce(&Db, Uuid, Uuid, &QueryOptions) -> crate::error::Result<T>,
    ) -> Result<JsValue, JsValue> {
        let (a, b) = (pid(ids.0, fields.0)?, pid(ids.1, fields.1)?);
        let o: QueryOptions = options_of(options)?;
        read!(self, db => to_js(&query(db, a, b, &o).map_err(js_error)?))
    }
}

#[wasm_bindgen]
impl WasmGraph {
    /// Fewest hops from `from` to `to`, or null. `options`: filters.
    #[wasm_bindgen(js_name = shortestPath)]
    pub fn shortest_path(
        &self,
        from: String,
        to: String,
        options: Option<String>,
    ) -> Result<JsValue, JsValue> {
        self.two_id_query((&from, &to), ("from", "to"), options, |db, a, b, o| {
            db.shortest_path(a, b, o)
        })
    }

    /// Person ids along a fewest-hops path, concatenated (36 characters
    /// each), or undefined: `shortestPath` without edge records and factors,
    /// for callers that need only the route (no JSON either way).
    #[wasm_bindgen(js_name = shortestPathIds)]
    pub fn shortest_path_ids(
        &self,
        from: String,
        to: String,
        options: Option<String>,
    ) -> Result<Option<String>, JsValue> {
        let (a, b) = (pid(&from, "from")?, pid(&to, "to")?);
        let o: QueryOptions = options_of(options)?;
        read!(self, db => Ok(db.shortest_path_ids(a, b, &o).map_err(js_error)?.map(|ids| concat_ids(&ids))))
    }

    /// `shortestPathIds` without options, by node index, for the wrapper's
    /// cached node table of index `epoch` (`graphIndexEpoch`,
    /// `graphNodeIds`): the nodes along the path; `[]`: no path;
    /// `[0xFFFFFFFF]`: ask by id (another numbering, or an endpoint unknown
    /// or not a live person). No id strings cross the boundary.
    #[wasm_bindgen(js_name = shortestPathNodes)]
    pub fn shortest_path_nodes(&self, epoch: f64, a: u32, b: u32) -> Result<Vec<u32>, JsValue> {
        read!(self, db => Ok(match db.shortest_path_nodes(epoch as u64, a, b).map_err(js_error)? {
            NodeAnswer::Path(nodes) => nodes,
            NodeAnswer::NoPath => Vec::new(),
            NodeAnswer::AskById => vec![u32::MAX],
        }))
    }

    /// Hops from `from` to every node, by node index (0xFFFFFFFF:
    /// unreachable), as a `Uint32Array`; `graphNodeIds` maps indices to ids.
    #[wasm_bindgen(js_name = distancesFrom)]
    pub fn distances_from(
        &self,
        from: String,
        options: Option<String>,
    ) -> Result<Vec<u32>, JsValue> {
        let a = pid(&from, "from")?;
        let o: QueryOptions = options_of(options)?;
        read!(self, db => Ok(db.distances(a, &o).map_err(js_error)?.1))
    }

    /// Identifies the current node numbering (changes only if the index
    /// is rebuilt, e.g. on reopen; new people extend it).
    #[wasm_bindgen(js_name = graphIndexEpoch)]
    pub fn graph_index_epoch(&self) -> Result<f64, JsValue> {
        read!(self, db => Ok(db.node_ids(u32::MAX).map_err(js_error)?.0 as f64))
    }

    /// The person ids of nodes `start..`, concatenated (36 characters each):
    /// one string crosses the boundary instead of one value per id.
    #[wasm_bindgen(js_name = graphNodeIds)]
    pub fn graph_node_ids(&self, start: u32) -> Result<String, JsValue> {
        read!(self, db => Ok(concat_ids(db.node_ids(start).map_err(js_error)?.1)))
    }

    /// The strongest path (largest product of strengths), or null.
    #[wasm_bindgen(js_name = bestPath)]
    pub fn best_path(
        &self,
        from: String,
        to: String,
        options: Option<String>,
    ) -> Result<JsValue, JsValue> {
        self.two_id_query((&from, &to), ("from", "to"), options, |db, a, b, o| {
            db.best_path(a, b, o)
        })
    }

    /// The k strongest intro paths. `options`: `{ k, maxHops, minStrength, avoid, relationshipTypes }`.
    #[wasm_bindgen(js_name = introPaths)]
    pub fn intro_paths(
        &self,
        from: String,
        to: String,
        options: Option<String>,
    ) -> Result<JsValue, JsValue> {
        self.two_id_query((&from, &to), ("from", "to"), options, |db, a, b, o| {
            db.intro_paths(a, b, o)
        })
    }

    #[wasm_bindgen(js_name = introPathsToOrganization)]
    pub fn intro_paths_to_organization(
        &self,
        from: String,
        organization_id: String,
        options: Option<String>,
    ) -> Result<JsValue, JsValue> {
        self.two_id_query(
            (&from, &organization_id),
            ("from", "organizationId"),
            options,
            |db, a, org, o| db.intro_paths_to_organization(a, org, o),
        )
    }

    #[wasm_bindgen(js_name = mutualConnections)]
    pub fn mutual_connections(
        &self,
        a: String,
        b: String,
        options: Option<String>,
    ) -> Result<JsValue, JsValue> {
        self.two_id_query((&a, &b), ("a", "b"), options, |db, a, b, o| {
            db.mutual_connections(a, b, o)
        })
    }

    /// `options`: `{ depth, ...filters }`.
    pub fn neighbors(&self, a: String, options: Option<String>) -> Result<JsValue, JsValue> {
        let a = pid(&a, "from")?;
        let o: QueryOptions = options_of(options)?;
        read!(self, db => to_js(&db.neighbors(a, &o).map_err(js_error)?))
    }

    /// A person's live edges, strongest first. `options`: `{ minStrength, relationshipTypes }`.
    #[wasm_bindgen(js_name = edgesOf)]
    pub fn edges_of(&self, person_id: String, options: Option<String>) -> Result<JsValue, JsValue> {
        let a = pid(&person_id, "personId")?;
        let o: QueryOptions = options_of(options)?;
        read!(self, db => to_js(&db.edges_of(a, &o).map_err(js_error)?))
    }

    /// Benchmark hook, not part of the package API (`Graph` does not expose
    /// it; bench/strength/wasm.mjs calls the module directly): times the
    /// phases of a full strength recompute, writing nothing.
    /// `options`: `{ now? }` → `StrengthPhases` as JSON.
    #[doc(hidden)]
    #[wasm_bindgen(js_name = benchStrengthPhases)]
    pub fn bench_strength_phases(&self, options: Option<String>) -> Result<JsValue, JsValue> {
        let o: RecomputeOptions = options_of(options)?;
        let now = Timestamp::from_millis(o.now.map_or_else(js_sys::Date::now, |n| n.0) as i64);
        let clock = || js_sys::Date::now() / 1000.0;
        read!(self, db => to_js(&db.strength_phases(now, &clock).map_err(js_error)?))
    }

    /// Recomputes tie strengths from interactions in one transaction.
    /// `options`: `{ now?, halfLifeDays?, embeddednessWeight?, only?: 'all' | 'touched' }`.
    #[wasm_bindgen(js_name = recomputeStrengths)]
    pub async fn recompute_strengths(&self, options: Option<String>) -> Result<JsValue, JsValue> {
        let o: RecomputeOptions = options_of(options)?;
        // `o.now` is only the time strengths are scored at (checked there);
        // the write is stamped with the clock of every other write.
        let out = write_op!(self, db, ctx => db.prepare_recompute_strengths(&ctx, &o))?;
        to_js(&out)
    }
}
