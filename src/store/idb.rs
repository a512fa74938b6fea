//! The IndexedDB backend (wasm only). One graph = one database; one
//! [`WriteSet`] = one readwrite transaction, so a closed tab or a quota error
//! never leaves half a call behind.
//!
//! IndexedDB is reached through the global scope (`globalThis.indexedDB`),
//! never `window`, so this works in pages, dedicated workers and extension
//! service workers alike.

use js_sys::{Array, Promise, Reflect, Uint8Array};
use wasm_bindgen::{closure::Closure, JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    IdbDatabase, IdbFactory, IdbObjectStore, IdbOpenDbRequest, IdbRequest, IdbTransaction,
    IdbTransactionMode,
};

use super::{Backend, MemoryBackend, StoreKey, StoreName, WriteSet};
use crate::error::{Error, ErrorCode, Result};

/// IndexedDB's own version: bump with a step in `upgrade` when stores change.
const IDB_VERSION: u32 = 1;

fn storage_error(context: &str, e: JsValue) -> Error {
    let name = Reflect::get(&e, &"name".into())
        .ok()
        .and_then(|v| v.as_string())
        .unwrap_or_default();
    let message = Reflect::get(&e, &"message".into())
        .ok()
        .and_then(|v| v.as_string())
        .or_else(|| e.as_string())
        .unwrap_or_else(|| format!("{e:?}"));
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
    let promise = Promise::new(&mut |resolve, reject| {
        let req = request.clone();
        let on_success = Closure::once_into_js(move |_: web_sys::Event| {
            let _ = resolve.call1(
                &JsValue::UNDEFINED,
                &req.result().unwrap_or(JsValue::UNDEFINED),
            );
        });
        let req = request.clone();
        let on_error = Closure::once_into_js(move |_: web_sys::Event| {
            let err = req
                .error()
                .ok()
                .flatten()
                .map(JsValue::from)
                .unwrap_or_else(|| "request failed".into());
            let _ = reject.call1(&JsValue::UNDEFINED, &err);
        });
        request.set_onsuccess(Some(on_success.unchecked_ref()));
        request.set_onerror(Some(on_error.unchecked_ref()));
    });
    JsFuture::from(promise)
}

/// Resolves when `tx` commits; rejects on error or abort.
fn transaction_done(tx: &IdbTransaction) -> JsFuture {
    let promise = Promise::new(&mut |resolve, reject| {
        let on_complete = Closure::once_into_js(move |_: web_sys::Event| {
            let _ = resolve.call0(&JsValue::UNDEFINED);
        });
        let t = tx.clone();
        let reject2 = reject.clone();
        let on_error = Closure::once_into_js(move |_: web_sys::Event| {
            let err = t
                .error()
                .map(JsValue::from)
                .unwrap_or_else(|| "transaction failed".into());
            let _ = reject.call1(&JsValue::UNDEFINED, &err);
        });
        let t = tx.clone();
        let on_abort = Closure::once_into_js(move |_: web_sys::Event| {
            let err = t
                .error()
                .map(JsValue::from)
                .unwrap_or_else(|| "transaction aborted".into());
            let _ = reject2.call1(&JsValue::UNDEFINED, &err);
        });
        tx.set_oncomplete(Some(on_complete.unchecked_ref()));
        tx.set_onerror(Some(on_error.unchecked_ref()));
        tx.set_onabort(Some(on_abort.unchecked_ref()));
    });
    JsFuture::from(promise)
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
/// numbers, sequence numbers, merge ids, meta names.
fn upgrade(db: &IdbDatabase) {
    let existing = db.object_store_names();
    for store in StoreName::ALL {
        if !existing.contains(store.name()) {
            let _ = db.create_object_store(store.name());
        }
    }
}

impl Backend for IdbBackend {
    async fn load(&self) -> Result<Vec<(StoreName, StoreKey, Vec<u8>)>> {
        let tx = self.transaction(&StoreName::ALL, IdbTransactionMode::Readonly)?;
        let mut requests = Vec::new();
        for store in StoreName::ALL {
            let os: IdbObjectStore = tx
                .object_store(store.name())
                .map_err(|e| storage_error("reading", e))?;
            // Only meta needs its keys: every other value carries its ids,
            // and asking for a million keys costs a second read.
            let keys = if store == StoreName::Meta {
                Some(
                    os.get_all_keys()
                        .map_err(|e| storage_error("reading keys", e))?,
                )
            } else {
                None
            };
            let values = os
                .get_all()
                .map_err(|e| storage_error("reading values", e))?;
            requests.push((store, keys, values));
        }
        transaction_done(&tx)
            .await
            .map_err(|e| storage_error("reading the graph", e))?;
        let mut out = Vec::new();
        for (store, keys, values) in requests {
            let keys: Option<Array> = keys
                .map(|k| k.result().map(JsCast::unchecked_into))
                .transpose()
                .map_err(|e| storage_error("reading keys", e))?;
            let values: Array = values
                .result()
                .map_err(|e| storage_error("reading values", e))?
                .unchecked_into();
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
                out.push((store, key, bytes.to_vec()));
            }
        }
        Ok(out)
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
    async fn load(&self) -> Result<Vec<(StoreName, StoreKey, Vec<u8>)>> {
        match self {
            WebBackend::IndexedDb(b) => b.load().await,
            WebBackend::Memory(b) => b.load().await,
        }
    }
    async fn write(&self, set: WriteSet) -> Result<()> {
        match self {
            WebBackend::IndexedDb(b) => b.write(set).await,
            WebBackend::Memory(b) => b.write(set).await,
        }
    }
}
