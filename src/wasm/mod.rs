//! The wasm-bindgen API. It converts at the boundary (JS values ⇄ model
//! types), reads the clock, and maps errors to JS `Error`s with a stable
//! `code` and `field`. No logic lives here.

mod heap;
mod resolve;

use std::cell::RefCell;
use std::rc::Rc;

use serde::{de::DeserializeOwned, Serialize};
use wasm_bindgen::prelude::*;

use crate::error::{Error, ErrorCode};
use crate::model::{
    validate, BatchInput, EdgeInput, EntityKind, InteractionInput, JsNumber, Object,
    OrganizationInput, PersonInput, Timestamp, Uuid,
};
use crate::store::idb::{IdbBackend, WebBackend};
use crate::store::{Backend, Db, ListOptions, MemoryBackend, Prepared, WriteContext};

pub(crate) fn js_error(e: Error) -> JsValue {
    let err = js_sys::Error::new(&e.to_string());
    err.set_name("WigError");
    let set = |k: &str, v: JsValue| {
        let _ = js_sys::Reflect::set(&err, &JsValue::from_str(k), &v);
    };
    set("code", JsValue::from_str(e.code.as_str()));
    set(
        "field",
        e.field
            .as_deref()
            .map(JsValue::from_str)
            .unwrap_or(JsValue::NULL),
    );
    set("reason", JsValue::from_str(&e.reason));
    err.into()
}

/// Reads JSON text (made by the JS wrapper, see `pkg/graph.js`) into an
/// input type. JSON rather than walking JS objects because serde can then
/// refuse unknown fields (a typo must not drop data silently), and because
/// parsing text in wasm is faster than crossing the boundary per property.
pub(crate) fn from_json<T: DeserializeOwned>(json: &str, what: &str) -> Result<T, JsValue> {
    let de = &mut serde_json::Deserializer::from_str(json);
    let value = read_json(de, what)?;
    // One JSON document: text after it (a second document, a stray comma)
    // is refused, as JSON.parse refuses it, not dropped.
    de.end().map_err(|e| {
        js_error(Error::new(
            ErrorCode::InvalidInput,
            what,
            format!("not one JSON value: {}", without_position(&e.to_string())),
        ))
    })?;
    Ok(value)
}

/// serde_json's message without its " at line L column C" (the text is
/// ours, made by the wrapper: the field path says where).
fn without_position(message: &str) -> &str {
    message.split(" at line ").next().unwrap_or(message)
}

fn read_json<T: DeserializeOwned>(
    de: &mut serde_json::Deserializer<serde_json::de::StrRead<'_>>,
    what: &str,
) -> Result<T, JsValue> {
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let mut message = without_position(&e.inner().to_string()).to_string();
        // JSON.stringify writes a lone surrogate of a JS string as `\ud800`,
        // which serde_json refuses in its own words ("unexpected end of hex
        // escape", "lone leading surrogate").
        if message.contains("surrogate") || message.contains("hex escape") {
            message = "contains an unpaired UTF-16 surrogate (U+D800..U+DFFF), which is \
                       no character: send well-formed text (String.prototype.toWellFormed)"
                .to_string();
        }
        let last = path.rsplit('.').next().unwrap_or("");
        let code = if message.contains("untagged enum TimeInput")
            || ((last.ends_with("At") || last == "timestamp") && message.contains("untagged"))
        {
            ErrorCode::InvalidTimestamp
        } else {
            ErrorCode::InvalidInput
        };
        // `?` is a key the parser never read (the text broke off before it).
        let known = path.trim_end_matches('?').trim_end_matches('.');
        let field = if known.is_empty() {
            what.to_string()
        } else {
            known.to_string()
        };
        js_error(Error::new(
            code,
            field,
            message.replace(
                "untagged enum TimeInput",
                "a timestamp (RFC 3339 string or epoch milliseconds)",
            ),
        ))
    })
}

pub(crate) fn optional<T: DeserializeOwned + Default>(
    json: Option<String>,
    what: &str,
) -> Result<T, JsValue> {
    match json.as_deref() {
        None | Some("null") | Some("") => Ok(T::default()),
        Some(j) => from_json(j, what),
    }
}

/// An options argument: absent, null or a JSON object. An array would be
/// read field by field in declaration order (serde accepts both), so that
/// `[2, null, 1]` meant k = 2, maxHops = 1: refused instead.
pub(crate) fn options_of<T: DeserializeOwned + Default>(
    json: Option<String>,
) -> Result<T, JsValue> {
    if json
        .as_deref()
        .is_some_and(|j| !(j.trim_start().starts_with('{') || matches!(j.trim(), "null" | "")))
    {
        return Err(js_error(Error::new(
            ErrorCode::InvalidInput,
            "options",
            "options are an object, e.g. { k: 3 }",
        )));
    }
    optional(json, "options")
}

/// Results go out as JSON text too; the wrapper's `JSON.parse` is faster
/// than building objects property by property from wasm.
pub(crate) fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, JsValue> {
    serde_json::to_string(value)
        .map(JsValue::from)
        .map_err(|e| {
            js_error(Error::general(
                ErrorCode::InvalidInput,
                format!("could not convert the result: {e}"),
            ))
        })
}

fn id(value: &str) -> Result<Uuid, JsValue> {
    validate::parse_id(value, "id").map_err(js_error)
}

#[derive(serde::Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
struct OpenOptions {
    /// "indexeddb" (default) or "memory".
    storage: Option<String>,
    actor_id: Option<String>,
    /// Memory storage only: a cap on stored bytes (QUOTA_EXCEEDED beyond it).
    quota_bytes: Option<JsNumber>,
}

#[derive(serde::Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
struct ListInput {
    limit: Option<JsNumber>,
    cursor: Option<String>,
    include_deleted: bool,
}

#[derive(serde::Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
struct AuditInput {
    limit: Option<JsNumber>,
    before: Option<JsNumber>,
}

/// `n` as a whole number in `min..=max`, or INVALID_INPUT naming `field`.
fn whole_number(n: f64, field: &str, min: f64, max: f64) -> Result<f64, JsValue> {
    crate::model::validate::whole_number(n, field, min, Some(max)).map_err(js_error)
}

fn list_options(json: Option<String>) -> Result<ListOptions, JsValue> {
    let input: ListInput = options_of(json)?;
    let limit = match input.limit {
        None => None,
        Some(l) => Some(
            crate::model::validate::whole_number(l.0, "limit", 0.0, None).map_err(js_error)?
                as usize,
        ),
    };
    Ok(ListOptions {
        limit,
        cursor: input.cursor,
        include_deleted: input.include_deleted,
    })
}

type Shared = Rc<RefCell<Option<Db<WebBackend>>>>;

/// A graph opened from IndexedDB (or memory). Wrapped by `Graph` in the JS
/// package, which queues writes; a second write while one is in flight
/// fails with code BUSY rather than interleaving. Reads never wait.
#[wasm_bindgen]
pub struct WasmGraph {
    pub(crate) db: Shared,
    /// Set while a write of this graph awaits its storage; shared with the
    /// graph's importers, whose writes are writes of the same graph.
    writing: Rc<std::cell::Cell<bool>>,
    actor_id: Option<String>,
    name: String,
}

pub(crate) fn borrow_err() -> JsValue {
    js_error(Error::general(
        ErrorCode::Busy,
        "another call on this graph is still running; await it first",
    ))
}

pub(crate) fn closed_err() -> JsValue {
    js_error(Error::general(ErrorCode::Closed, "the graph is closed"))
}

macro_rules! read {
    ($self:ident, $db:ident => $body:expr) => {{
        let guard = $self.db.try_borrow().map_err(|_| borrow_err())?;
        let $db = guard.as_ref().ok_or_else(closed_err)?;
        $body
    }};
}

/// BUSY while a write of the graph (its own, its importer's, a reload)
/// awaits its storage.
pub(crate) fn refuse_if_writing(writing: &std::cell::Cell<bool>) -> Result<(), JsValue> {
    if writing.get() {
        return Err(borrow_err());
    }
    Ok(())
}

/// A write: prepare against the state (validation, the write set), persist
/// with no borrow held (reads stay available meanwhile), then apply. With
/// `writing`, it is refused (BUSY) while another write of the graph is in
/// flight, and the flag is set while the backend works.
pub(crate) async fn persist<T>(
    db: &Shared,
    writing: Option<&std::cell::Cell<bool>>,
    prepare: impl FnOnce(&Db<WebBackend>) -> crate::error::Result<Prepared<T>>,
) -> Result<T, JsValue> {
    if let Some(w) = writing {
        refuse_if_writing(w)?;
    }
    let (prepared, backend) = {
        let guard = db.try_borrow().map_err(|_| borrow_err())?;
        let db = guard.as_ref().ok_or_else(closed_err)?;
        (prepare(db).map_err(js_error)?, db.backend().clone())
    };
    let Prepared {
        commit,
        set,
        output,
    } = prepared;
    if !set.is_empty() {
        if let Some(w) = writing {
            w.set(true);
        }
        let written = backend.write(set).await;
        if let Some(w) = writing {
            w.set(false);
        }
        written.map_err(js_error)?;
    }
    if let Some(db) = db.try_borrow_mut().map_err(|_| borrow_err())?.as_mut() {
        db.apply(commit);
    }
    Ok(output)
}

/// [`persist`] for a call of the graph, refused with BUSY while another
/// write of it is in flight.
macro_rules! write_op {
    ($self:ident, $db:ident, $ctx:ident => $prepare:expr) => {{
        let $ctx = $self.context();
        $crate::wasm::persist(&$self.db, Some(&$self.writing), |$db| $prepare).await
    }};
}

// After the macros: `merge` uses `read!` and `write_op!` (textual scope).
mod merge;

#[wasm_bindgen]
impl WasmGraph {
    /// Opens the graph `name`. `options.storage`: "indexeddb" (default) or "memory".
    pub async fn open(name: String, options: Option<String>) -> Result<WasmGraph, JsValue> {
        let opts: OpenOptions = options_of(options)?;
        if name.is_empty() || name.len() > 200 {
            return Err(js_error(Error::new(
                ErrorCode::InvalidInput,
                "name",
                "a graph name has 1 to 200 characters",
            )));
        }
        if opts.quota_bytes.is_some() && opts.storage.as_deref() != Some("memory") {
            return Err(js_error(Error::new(
                ErrorCode::InvalidInput,
                "quotaBytes",
                "only with storage 'memory' (the browser sets IndexedDB's quota)",
            )));
        }
        let backend = match opts.storage.as_deref() {
            None | Some("indexeddb") => {
                WebBackend::IndexedDb(IdbBackend::open(&name).await.map_err(js_error)?)
            }
            Some("memory") => {
                let backend = MemoryBackend::named(&name);
                // The stored graph's cap: an open that names none leaves it.
                if let Some(quota) = opts.quota_bytes {
                    let max = Some(9_007_199_254_740_991.0);
                    let bytes = validate::whole_number(quota.0, "quotaBytes", 0.0, max);
                    backend.set_quota_bytes(Some(bytes.map_err(js_error)? as usize));
                }
                WebBackend::Memory(backend)
            }
            Some(other) => {
                return Err(js_error(Error::new(
                    ErrorCode::InvalidEnum,
                    "storage",
                    format!("'{other}' is not one of indexeddb, memory"),
                )))
            }
        };
        let db = Db::open(backend).await.map_err(js_error)?;
        Ok(WasmGraph {
            db: Rc::new(RefCell::new(Some(db))),
            writing: Default::default(),
            actor_id: opts.actor_id,
            name,
        })
    }

    /// Deletes a graph's database entirely (all its data).
    #[wasm_bindgen(js_name = deleteGraph)]
    pub async fn delete_graph(name: String, options: Option<String>) -> Result<(), JsValue> {
        let opts: OpenOptions = options_of(options)?;
        match opts.storage.as_deref() {
            Some("memory") => {
                MemoryBackend::delete_named(&name);
                Ok(())
            }
            _ => IdbBackend::delete_database(&name).await.map_err(js_error),
        }
    }

    pub(crate) fn now(&self) -> Timestamp {
        Timestamp::from_millis(js_sys::Date::now() as i64)
    }

    fn context(&self) -> WriteContext {
        WriteContext {
            now: Timestamp::from_millis(js_sys::Date::now() as i64),
            actor_id: self.actor_id.clone(),
            correlation_id: None,
        }
    }

    #[wasm_bindgen(getter)]
    pub fn name(&self) -> String {
        self.name.clone()
    }

    #[wasm_bindgen(js_name = upsertPerson)]
    pub async fn upsert_person(&self, person: String) -> Result<JsValue, JsValue> {
        let input: PersonInput = from_json(&person, "person")?;
        let out = write_op!(self, db, ctx => db.prepare_upsert_person(input, &ctx))?;
        to_js(&out)
    }

    #[wasm_bindgen(js_name = upsertPeople)]
    pub async fn upsert_people(&self, people: String) -> Result<JsValue, JsValue> {
        let input: Vec<PersonInput> = from_json(&people, "people")?;
        let out = write_op!(self, db, ctx => db.prepare_upsert_people(input, &ctx))?;
        to_js(&out)
    }

    #[wasm_bindgen(js_name = upsertOrganization)]
    pub async fn upsert_organization(&self, org: String) -> Result<JsValue, JsValue> {
        let input: OrganizationInput = from_json(&org, "organization")?;
        let out = write_op!(self, db, ctx => db.prepare_upsert_organization(input, &ctx))?;
        to_js(&out)
    }

    #[wasm_bindgen(js_name = upsertOrganizations)]
    pub async fn upsert_organizations(&self, orgs: String) -> Result<JsValue, JsValue> {
        let input: Vec<OrganizationInput> = from_json(&orgs, "organizations")?;
        let out = write_op!(self, db, ctx => db.prepare_upsert_organizations(input, &ctx))?;
        to_js(&out)
    }

    #[wasm_bindgen(js_name = upsertEdge)]
    pub async fn upsert_edge(&self, edge: String) -> Result<JsValue, JsValue> {
        let input: EdgeInput = from_json(&edge, "edge")?;
        let out = write_op!(self, db, ctx => db.prepare_upsert_edge(input, &ctx))?;
        to_js(&out)
    }

    #[wasm_bindgen(js_name = upsertEdges)]
    pub async fn upsert_edges(&self, edges: String) -> Result<JsValue, JsValue> {
        let input: Vec<EdgeInput> = from_json(&edges, "edges")?;
        let out = write_op!(self, db, ctx => db.prepare_upsert_edges(input, &ctx))?;
        to_js(&out)
    }

    #[wasm_bindgen(js_name = upsertInteraction)]
    pub async fn upsert_interaction(&self, interaction: String) -> Result<JsValue, JsValue> {
        let input: InteractionInput = from_json(&interaction, "interaction")?;
        let out = write_op!(self, db, ctx => db.prepare_upsert_interaction(input, &ctx))?;
        to_js(&out)
    }

    #[wasm_bindgen(js_name = upsertInteractions)]
    pub async fn upsert_interactions(&self, interactions: String) -> Result<JsValue, JsValue> {
        let input: Vec<InteractionInput> = from_json(&interactions, "interactions")?;
        let out = write_op!(self, db, ctx => db.prepare_upsert_interactions(input, &ctx))?;
        to_js(&out)
    }

    /// `{ organizations, people, edges, interactions }` in one transaction.
    pub async fn batch(&self, batch: String) -> Result<JsValue, JsValue> {
        let Object(input): Object<BatchInput> = from_json(&batch, "batch")?;
        let out = write_op!(self, db, ctx => db.prepare_batch(input, &ctx))?;
        to_js(&out)
    }

    /// Soft delete. `kind`: person, organization, edge or interaction.
    pub async fn delete(&self, kind: String, record_id: String) -> Result<(), JsValue> {
        let kind = match kind.as_str() {
            "person" => EntityKind::Person,
            "organization" => EntityKind::Organization,
            "edge" => EntityKind::Edge,
            "interaction" => EntityKind::Interaction,
            other => {
                return Err(js_error(Error::new(
                    ErrorCode::InvalidEnum,
                    "kind",
                    format!("'{other}' is not one of person, organization, edge, interaction"),
                )))
            }
        };
        let rid = id(&record_id)?;
        write_op!(self, db, ctx => db.prepare_delete(kind, rid, &ctx))
    }

    #[wasm_bindgen(js_name = erasePerson)]
    pub async fn erase_person(&self, person_id: String) -> Result<JsValue, JsValue> {
        let pid = id(&person_id)?;
        let out = write_op!(self, db, ctx => db.prepare_erase_person(pid, &ctx))?;
        to_js(&out)
    }

    #[wasm_bindgen(js_name = exportPerson)]
    pub fn export_person(&self, person_id: String) -> Result<JsValue, JsValue> {
        let pid = id(&person_id)?;
        read!(self, db => to_js(&db.export_person(pid).map_err(js_error)?))
    }

    #[wasm_bindgen(js_name = getPerson)]
    pub fn get_person(&self, record_id: String) -> Result<JsValue, JsValue> {
        let rid = id(&record_id)?;
        read!(self, db => db.person(rid).map_or(Ok(JsValue::UNDEFINED), to_js))
    }

    #[wasm_bindgen(js_name = getOrganization)]
    pub fn get_organization(&self, record_id: String) -> Result<JsValue, JsValue> {
        let rid = id(&record_id)?;
        read!(self, db => db.organization(rid).map_or(Ok(JsValue::UNDEFINED), to_js))
    }

    #[wasm_bindgen(js_name = getEdge)]
    pub fn get_edge(&self, record_id: String) -> Result<JsValue, JsValue> {
        let rid = id(&record_id)?;
        read!(self, db => db.edge(rid).map_or(Ok(JsValue::UNDEFINED), to_js))
    }

    #[wasm_bindgen(js_name = getInteraction)]
    pub fn get_interaction(&self, record_id: String) -> Result<JsValue, JsValue> {
        let rid = id(&record_id)?;
        read!(self, db => db.interaction(rid).map_or(Ok(JsValue::UNDEFINED), to_js))
    }

    #[wasm_bindgen(js_name = listPeople)]
    pub fn list_people(&self, options: Option<String>) -> Result<JsValue, JsValue> {
        let opts = list_options(options)?;
        read!(self, db => to_js(&db.list_people(&opts).map_err(js_error)?))
    }

    #[wasm_bindgen(js_name = listOrganizations)]
    pub fn list_organizations(&self, options: Option<String>) -> Result<JsValue, JsValue> {
        let opts = list_options(options)?;
        read!(self, db => to_js(&db.list_organizations(&opts).map_err(js_error)?))
    }

    #[wasm_bindgen(js_name = listEdges)]
    pub fn list_edges(&self, options: Option<String>) -> Result<JsValue, JsValue> {
        let opts = list_options(options)?;
        read!(self, db => to_js(&db.list_edges(&opts).map_err(js_error)?))
    }

    #[wasm_bindgen(js_name = listInteractions)]
    pub fn list_interactions(&self, options: Option<String>) -> Result<JsValue, JsValue> {
        let opts = list_options(options)?;
        read!(self, db => to_js(&db.list_interactions(&opts).map_err(js_error)?))
    }

    /// Audit entries, newest first. `options`: `{ limit, before }` (a seq).
    pub fn audit(&self, options: Option<String>) -> Result<JsValue, JsValue> {
        let opts: AuditInput = options_of(options)?;
        let limit = whole_number(opts.limit.map_or(100.0, |l| l.0), "limit", 1.0, 10_000.0)?;
        let before = match opts.before {
            Some(b) => Some(whole_number(b.0, "before", 0.0, 9_007_199_254_740_991.0)? as u64),
            None => None,
        };
        read!(self, db => to_js(&db.audit(limit as usize, before)))
    }

    pub fn stats(&self) -> Result<JsValue, JsValue> {
        read!(self, db => to_js(&db.stats()))
    }

    /// Closes the graph; later calls fail with code CLOSED.
    pub fn close(&self) -> Result<(), JsValue> {
        let mut guard = self.db.try_borrow_mut().map_err(|_| borrow_err())?;
        if let Some(mut db) = guard.take() {
            db.close();
            if let WebBackend::IndexedDb(b) = db.backend() {
                b.close();
            }
        }
        Ok(())
    }
}

/// Every error code the API can raise (stable strings).
#[wasm_bindgen(js_name = errorCodes)]
pub fn error_codes() -> Vec<String> {
    ErrorCode::ALL
        .iter()
        .map(|c| c.as_str().to_string())
        .collect()
}

mod graph;
mod import;
mod sync;
