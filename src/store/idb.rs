//! The IndexedDB backend (wasm only). One graph = one database; one
//! [`WriteSet`] = one readwrite transaction, so a closed tab or a quota error
//! never leaves half a call behind.
//!
//! IndexedDB is reached through the global scope (`globalThis.indexedDB`),
//! never `window`, so this works in pages, dedicated workers and extension
//! service workers alike.

use js_sys::{Array, Reflect, Uint8Array};
use wasm_bindgen::{closure::Closure, JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    IdbDatabase, IdbFactory, IdbKeyRange, IdbObjectStore, IdbOpenDbRequest, IdbRequest,
    IdbTransaction, IdbTransactionMode,
};

use super::{Backend, MemoryBackend, StoreKey, StoreName, WriteSet};
use crate::error::{Error, ErrorCode, Result};

/// Bucket stores are read in ranges of this many bucket keys (see `load`).
const LOAD_CHUNK: u32 = 512;
/// Ranges cover buckets 0..LOAD_CHUNKS*LOAD_CHUNK; one more range takes the rest.
const LOAD_CHUNKS: u32 = 8;

/// IndexedDB's own version: bump with a step in `upgrade` when stores change.
/// 1: people, organizations, edges, interactions, merges, audit, outbox, meta.
/// 2: + rejections (review feedback "not the same").
pub const IDB_VERSION: u32 = 2;

fn storage_error(context: &str, e: JsValue) -> Error {
    let name = Reflect::get(&e, &"name".into())
        .ok()
        .and_then(|v| v.as_string())
        .unwrap_or_default();
    let message = Reflect::get(&e, &"message".into())
        .ok()
        .and_then(|v| v.as_string())
        .or_else(|| e.as_string())
        .unwrap_or_else(|| {
            if e.is_null() || e.is_undefined() {
                // An aborted transaction's `error` is null when the abort was
                // not caused by a failed request (tab closing, abort()).
                "the transaction was aborted with no error".to_string()
            } else {
                format!("{e:?}")
            }
        });
    let code = if name == "QuotaExceededError" {
        ErrorCode::QuotaExceeded
    } else {
        ErrorCode::Storage
    };
    Error::general(
        code,
        format!("{context}: {name} {message}")
            .trim_end()
            .to_string(),
    )
}

fn factory() -> Result<IdbFactory> {
    let global = js_sys::global();
    let idb = Reflect::get(&global, &"indexedDB".into())
        .map_err(|e| storage_error("reading globalThis.indexedDB", e))?;
    if idb.is_undefined() || idb.is_null() {
        return Err(Error::general(
            ErrorCode::Storage,
            "IndexedDB is not available in this environment (use { storage: 'memory' })",
        ));
    }
    Ok(idb.unchecked_into())
}

/// Resolves when `request` succeeds, rejects with its error.
fn request_done(request: &IdbRequest) -> JsFuture {
    JsFuture::from(idb_promises::request_done(request))
}

/// Resolves when `tx` commits; rejects on error or abort.
fn transaction_done(tx: &IdbTransaction) -> JsFuture {
    JsFuture::from(idb_promises::transaction_done(tx))
}

/// Promises over IndexedDB events, in plain JS: handlers made from Rust
/// closures that never fire (the `onerror` of a request that succeeded) are
/// leaked by wasm-bindgen together with what they capture — a request and
/// its whole result. JS closures are collected. (No `eval`: MV3-safe.)
mod idb_promises {
    use js_sys::Promise;
    use wasm_bindgen::prelude::*;
    use web_sys::{IdbRequest, IdbTransaction};

    #[wasm_bindgen(inline_js = "
export function requestDone(r) {
  return new Promise((ok, no) => { r.onsuccess = () => ok(r.result); r.onerror = () => no(r.error); });
}
export function transactionDone(t) {
  return new Promise((ok, no) => {
    t.oncomplete = () => ok();
    t.onerror = () => no(t.error);
    t.onabort = () => no(t.error ?? new DOMException('transaction aborted', 'AbortError'));
  });
}")]
    extern "C" {
        #[wasm_bindgen(js_name = requestDone)]
        pub fn request_done(request: &IdbRequest) -> Promise;
        #[wasm_bindgen(js_name = transactionDone)]
        pub fn transaction_done(tx: &IdbTransaction) -> Promise;
    }
}

fn key_to_js(key: &StoreKey) -> JsValue {
    match key {
        StoreKey::Num(n) => JsValue::from_f64(*n as f64),
        StoreKey::Text(s) => JsValue::from_str(s),
    }
}

fn key_from_js(v: &JsValue) -> Result<StoreKey> {
    if let Some(n) = v.as_f64() {
        return Ok(StoreKey::Num(n as u64));
    }
    v.as_string()
        .map(StoreKey::Text)
        .ok_or_else(|| Error::general(ErrorCode::Storage, "unexpected key type in the database"))
}

#[derive(Clone)]
pub struct IdbBackend {
    db: IdbDatabase,
}

impl IdbBackend {
    pub async fn open(name: &str) -> Result<IdbBackend> {
        let request: IdbOpenDbRequest = factory()?
            .open_with_u32(name, IDB_VERSION)
            .map_err(|e| storage_error("opening IndexedDB", e))?;
        let req = request.clone();
        let on_upgrade = Closure::once_into_js(move |_: web_sys::IdbVersionChangeEvent| {
            if let Ok(result) = req.result() {
                upgrade(&result.unchecked_into());
            }
        });
        request.set_onupgradeneeded(Some(on_upgrade.unchecked_ref()));
        let db: IdbDatabase = request_done(&request)
            .await
            .map_err(|e| storage_error("opening IndexedDB", e))?
            .unchecked_into();
        // Let another tab upgrade the schema instead of blocking it forever.
        let d = db.clone();
        let on_version_change = Closure::<dyn FnMut()>::new(move || d.close());
        db.set_onversionchange(Some(on_version_change.as_ref().unchecked_ref()));
        on_version_change.forget();
        Ok(IdbBackend { db })
    }

    pub async fn delete_database(name: &str) -> Result<()> {
        let request = factory()?
            .delete_database(name)
            .map_err(|e| storage_error("deleting IndexedDB", e))?;
        request_done(&request)
            .await
            .map_err(|e| storage_error("deleting IndexedDB", e))?;
        Ok(())
    }

    pub fn close(&self) {
        self.db.close();
    }

    fn transaction(
        &self,
        stores: &[StoreName],
        mode: IdbTransactionMode,
    ) -> Result<IdbTransaction> {
        let names = Array::new();
        for s in stores {
            names.push(&JsValue::from_str(s.name()));
        }
        self.db
            .transaction_with_str_sequence_and_mode(&names, mode)
            .map_err(|e| storage_error("starting a transaction", e))
    }
}

/// Creates the object stores a version lacks. Keys are out-of-line: bucket
/// numbers, sequence numbers, merge ids, meta names, "a|b" rejection pairs.
/// Every step so far only adds stores (1 → 2 adds `rejections`), so creating
/// whatever [`StoreName::ALL`] names and the database lacks is the upgrade
/// from any older version; a step that reshapes data would go here too.
fn upgrade(db: &IdbDatabase) {
    let existing = db.object_store_names();
    for store in StoreName::ALL {
        if !existing.contains(store.name()) {
            let _ = db.create_object_store(store.name());
        }
    }
}

impl Backend for IdbBackend {
    async fn generation(&self) -> Result<u64> {
        let tx = self.transaction(&[StoreName::Meta], IdbTransactionMode::Readonly)?;
        let v = read_generation(&tx)?
            .await
            .map_err(|e| storage_error("reading the generation", e))?;
        generation_of(v)
    }

    async fn load(&self, sink: &mut super::Sink<'_>) -> Result<()> {
        let tx = self.transaction(&StoreName::ALL, IdbTransactionMode::Readonly)?;
        // Every request is issued at once (IndexedDB reads them in the browser
        // process), meta first; bucket stores are read in key ranges, so the
        // first ranges are decoded here while later ones are still being read.
        let mut requests = Vec::new();
        let order = std::iter::once(StoreName::Meta)
            .chain(StoreName::ALL.into_iter().filter(|s| *s != StoreName::Meta));
        for store in order {
            let os: IdbObjectStore = tx
                .object_store(store.name())
                .map_err(|e| storage_error("reading", e))?;
            let ranges: Vec<Option<IdbKeyRange>> = match store {
                StoreName::People
                | StoreName::Organizations
                | StoreName::Edges
                | StoreName::Interactions => {
                    let mut r: Vec<Option<IdbKeyRange>> = (0..LOAD_CHUNKS)
                        .map(|i| {
                            IdbKeyRange::bound_with_lower_open_and_upper_open(
                                &JsValue::from(i * LOAD_CHUNK),
                                &JsValue::from((i + 1) * LOAD_CHUNK),
                                false,
                                true,
                            )
                            .ok()
                        })
                        .collect();
                    r.push(IdbKeyRange::lower_bound(&JsValue::from(LOAD_CHUNKS * LOAD_CHUNK)).ok());
                    r
                }
                _ => vec![None],
            };
            for range in ranges {
                let values = match &range {
                    Some(r) => os.get_all_with_key(r),
                    None => os.get_all(),
                }
                .map_err(|e| storage_error("reading values", e))?;
                // Only meta needs its keys: every other value carries its ids.
                let keys = if store == StoreName::Meta {
                    Some(
                        os.get_all_keys()
                            .map_err(|e| storage_error("reading keys", e))?,
                    )
                } else {
                    None
                };
                let done = request_done(&values);
                let keys_done = keys.as_ref().map(request_done);
                requests.push((store, done, keys_done));
            }
        }
        let mut buffer = Vec::new();
        for (store, values, keys) in requests {
            let values: Array = values
                .await
                .map_err(|e| storage_error("reading values", e))?
                .unchecked_into();
            let keys: Option<Array> = match keys {
                Some(k) => Some(
                    k.await
                        .map_err(|e| storage_error("reading keys", e))?
                        .unchecked_into(),
                ),
                None => None,
            };
            for i in 0..values.length() {
                let bytes: Uint8Array = values.get(i).dyn_into().map_err(|_| {
                    Error::general(
                        ErrorCode::Storage,
                        format!("a value in '{}' is not binary", store.name()),
                    )
                })?;
                let key = match &keys {
                    Some(keys) => key_from_js(&keys.get(i))?,
                    None => StoreKey::Num(u64::from(i)),
                };
                buffer.resize(bytes.length() as usize, 0);
                bytes.copy_to(&mut buffer);
                sink(store, key, &buffer)?;
            }
        }
        Ok(())
    }

    async fn write(&self, set: WriteSet) -> Result<()> {
        let mut stores: Vec<StoreName> = set
            .puts
            .iter()
            .map(|p| p.0)
            .chain(set.deletes.iter().map(|d| d.0))
            .collect();
        stores.sort();
        stores.dedup();
        if stores.is_empty() {
            return Ok(());
        }
        let tx = self.transaction(&stores, IdbTransactionMode::Readwrite)?;
        let done = transaction_done(&tx);
        // The generation check (see `WriteSet::expect_generation`): a read
        // queued before the writes of the same transaction. Requests run in
        // order, so it sees the graph as it was, and its answer comes while
        // the writes behind it are pending: refusing aborts them all.
        let check = match set.expect_generation {
            Some(expected) => Some((expected, read_generation(&tx)?)),
            None => None,
        };
        let result: Result<()> = (|| {
            for (store, key) in &set.deletes {
                let os = tx
                    .object_store(store.name())
                    .map_err(|e| storage_error("writing", e))?;
                os.delete(&key_to_js(key))
                    .map_err(|e| storage_error("deleting", e))?;
            }
            for (store, key, bytes) in &set.puts {
                let os = tx
                    .object_store(store.name())
                    .map_err(|e| storage_error("writing", e))?;
                let value = Uint8Array::new_with_length(bytes.len() as u32);
                value.copy_from(bytes);
                os.put_with_key(&value, &key_to_js(key))
                    .map_err(|e| storage_error("writing", e))?;
            }
            Ok(())
        })();
        let result = match (result, check) {
            (Ok(()), Some((expected, read))) => match read.await {
                Ok(v) => generation_of(v),
                Err(e) => Err(storage_error("reading the generation", e)),
            }
            .and_then(|stored| {
                if stored == expected {
                    Ok(())
                } else {
                    Err(super::stale(stored, expected))
                }
            }),
            (result, _) => result,
        };
        if let Err(e) = result {
            let _ = tx.abort();
            let _ = done.await;
            return Err(e);
        }
        done.await.map_err(|e| storage_error("committing", e))?;
        Ok(())
    }
}

/// The backend a wasm graph runs on, chosen when it is opened.
#[derive(Clone)]
pub enum WebBackend {
    IndexedDb(IdbBackend),
    Memory(MemoryBackend),
}

impl Backend for WebBackend {
    async fn load(&self, sink: &mut super::Sink<'_>) -> Result<()> {
        match self {
            WebBackend::IndexedDb(b) => b.load(sink).await,
            WebBackend::Memory(b) => b.load(sink).await,
        }
    }
    async fn write(&self, set: WriteSet) -> Result<()> {
        match self {
            WebBackend::IndexedDb(b) => b.write(set).await,
            WebBackend::Memory(b) => b.write(set).await,
        }
    }
    async fn generation(&self) -> Result<u64> {
        match self {
            WebBackend::IndexedDb(b) => b.generation().await,
            WebBackend::Memory(b) => b.generation().await,
        }
    }
}

/// The stored generation as IndexedDB hands it back (absent: 0).
fn generation_of(v: JsValue) -> Result<u64> {
    if v.is_undefined() {
        return Ok(0);
    }
    match v.dyn_into::<Uint8Array>() {
        Ok(bytes) => super::codec::decode::<u64>(&bytes.to_vec(), "generation"),
        Err(_) => Err(Error::general(
            ErrorCode::Storage,
            "the stored generation is not binary",
        )),
    }
}

/// The request that reads the stored generation in `tx`.
fn read_generation(tx: &IdbTransaction) -> Result<JsFuture> {
    let read = tx
        .object_store(StoreName::Meta.name())
        .and_then(|os| os.get(&key_to_js(&super::generation_key())))
        .map_err(|e| storage_error("reading the generation", e))?;
    Ok(request_done(&read))
}
