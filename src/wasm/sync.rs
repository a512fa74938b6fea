//! The wasm-bindgen methods of sync (`crate::sync`): the batch to push as
//! JSON text, the server's answers in as JSON text. HTTP, retries, locks and
//! events are `pkg/sync.js`'s.

use super::*;
use crate::sync::PushItem;

#[wasm_bindgen]
impl WasmGraph {
    /// The next push batch of at most `limit` records, as
    /// `{ body, items, count }` JSON text (`body`: the `wig_push` request;
    /// `items`: what `syncAck` needs back), or undefined when the outbox is
    /// empty. Writes nothing. `in_flight`: JSON array of the record ids of
    /// batches sent but not acknowledged yet; they are left out.
    #[wasm_bindgen(js_name = syncPushBatch)]
    pub fn sync_push_batch(
        &self,
        limit: u32,
        in_flight: Option<String>,
        max_bytes: Option<u32>,
    ) -> Result<JsValue, JsValue> {
        let in_flight: rustc_hash::FxHashSet<crate::model::Uuid> = match in_flight {
            Some(json) => from_json(&json, "inFlight")?,
            None => Default::default(),
        };
        read!(self, db => {
            match db.prepare_push_excluding(
                limit as usize,
                &in_flight,
                max_bytes.map_or(crate::sync::PUSH_BODY_BYTES, |b| b as usize),
            ).map_err(js_error)? {
                None => Ok(JsValue::UNDEFINED),
                Some(batch) => {
                    let items = serde_json::to_string(&batch.items).map_err(|e| {
                        js_error(Error::general(ErrorCode::InvalidInput, e.to_string()))
                    })?;
                    Ok(JsValue::from(format!(
                        "{{\"count\":{},\"items\":{items},\"body\":{}}}",
                        batch.items.len(),
                        serde_json::Value::String(batch.body)
                    )))
                }
            }
        })
    }

    /// Applies the server's answer (`wig_push` response text) to the batch
    /// whose `items` (JSON text) were sent, in one transaction.
    #[wasm_bindgen(js_name = syncAck)]
    pub async fn sync_ack(&self, items: String, response: String) -> Result<JsValue, JsValue> {
        let items: Vec<PushItem> = from_json(&items, "items")?;
        let batch = crate::sync::PushBatch {
            items,
            body: String::new(),
        };
        let out = write_op!(self, db, ctx => db.prepare_ack(&batch, &response, &ctx))?;
        to_js(&out)
    }

    /// Applies the answers to several consecutive batches (`items[k]`, the
    /// batch's items as JSON text, answered by `responses[k]`) in one
    /// transaction.
    #[wasm_bindgen(js_name = syncAcks)]
    pub async fn sync_acks(
        &self,
        items: Vec<String>,
        responses: Vec<String>,
    ) -> Result<JsValue, JsValue> {
        if items.len() != responses.len() {
            return Err(js_error(Error::new(
                ErrorCode::InvalidInput,
                "responses",
                format!("{} responses for {} batches", responses.len(), items.len()),
            )));
        }
        let batches = items
            .iter()
            .enumerate()
            .map(|(k, json)| {
                Ok(crate::sync::PushBatch {
                    items: from_json(json, &format!("items[{k}]"))?,
                    body: String::new(),
                })
            })
            .collect::<Result<Vec<_>, JsValue>>()?;
        let acks: Vec<(&crate::sync::PushBatch, &str)> = batches
            .iter()
            .zip(responses.iter().map(String::as_str))
            .collect();
        let out = write_op!(self, db, ctx => db.prepare_acks(&acks, &ctx))?;
        to_js(&out)
    }

    /// Applies consecutive `wig_pull` pages (response texts) with the last
    /// one's checkpoint, in one transaction.
    #[wasm_bindgen(js_name = syncPull)]
    pub async fn sync_pull(&self, pages: Vec<String>) -> Result<JsValue, JsValue> {
        let out = write_op!(self, db, ctx => db.prepare_pull_owned(pages.into_iter(), &ctx))?;
        to_js(&out)
    }

    /// `{ rows, checkpoint, more }` of a `wig_pull` page, without applying
    /// it (the wrapper decides how many pages go into one transaction).
    #[wasm_bindgen(js_name = syncPageInfo)]
    pub fn sync_page_info(&self, page: String) -> Result<JsValue, JsValue> {
        #[derive(serde::Deserialize)]
        struct Info {
            changes: Vec<serde::de::IgnoredAny>,
            checkpoint: u64,
            more: bool,
        }
        let info: Info = serde_json::from_str(&page).map_err(|e| {
            js_error(Error::new(
                ErrorCode::SyncProtocol,
                "response",
                format!("not a wig_pull page: {e}"),
            ))
        })?;
        Ok(JsValue::from(format!(
            "{{\"rows\":{},\"checkpoint\":{},\"more\":{}}}",
            info.changes.len(),
            info.checkpoint,
            info.more
        )))
    }

    /// The checkpoint the next pull starts after (0: never pulled).
    #[wasm_bindgen(js_name = syncCheckpoint)]
    pub fn sync_checkpoint(&self) -> Result<f64, JsValue> {
        read!(self, db => Ok(db.sync_checkpoint() as f64))
    }

    /// Reads the graph again from its storage: another tab (or worker)
    /// wrote to the same IndexedDB database. Returns whether it did: a copy
    /// whose generation is the stored one is current, and kept (two
    /// announcements of one write, a sync's and the graph's, read it once).
    pub async fn reload(&self) -> Result<bool, JsValue> {
        super::refuse_if_writing(&self.writing)?;
        let (backend, generation) =
            read!(self, db => Ok::<_, JsValue>((db.backend().clone(), db.state().generation)))?;
        self.writing.set(true);
        let stored = backend.generation().await;
        if stored.as_ref().is_ok_and(|g| *g == generation) {
            self.writing.set(false);
            return Ok(false);
        }
        let fresh = Db::open(backend).await;
        self.writing.set(false);
        let mut fresh = fresh.map_err(js_error)?;
        let mut guard = self.db.try_borrow_mut().map_err(|_| borrow_err())?;
        if let Some(old) = guard.as_ref() {
            fresh.share_commits(old.shares_commits());
            *guard = Some(fresh);
        }
        Ok(true)
    }

    /// Starts encoding this graph's writes for its other instances (tabs,
    /// workers): the JS wrapper does when it can tell them
    /// (`BroadcastChannel`).
    #[wasm_bindgen(js_name = shareCommits)]
    pub fn share_commits(&self, on: bool) -> Result<(), JsValue> {
        let mut guard = self.db.try_borrow_mut().map_err(|_| borrow_err())?;
        guard.as_mut().ok_or_else(closed_err)?.share_commits(on);
        Ok(())
    }

    /// The writes since the last call, encoded for the other instances;
    /// undefined when there were none, or one was too large to send (they
    /// then read the graph again).
    #[wasm_bindgen(js_name = takeShared)]
    pub fn take_shared(&self) -> Result<Option<Vec<u8>>, JsValue> {
        let mut guard = self.db.try_borrow_mut().map_err(|_| borrow_err())?;
        Ok(guard.as_mut().ok_or_else(closed_err)?.take_shared())
    }

    /// Applies another instance's writes (its `takeShared`): true when this
    /// copy is then current with them; false when they do not follow on
    /// from it (read the graph again instead), or a write is in flight.
    #[wasm_bindgen(js_name = applyShared)]
    pub fn apply_shared(&self, frames: &[u8]) -> Result<bool, JsValue> {
        if self.writing.get() {
            return Ok(false);
        }
        let mut guard = self.db.try_borrow_mut().map_err(|_| borrow_err())?;
        guard
            .as_mut()
            .ok_or_else(closed_err)?
            .apply_shared(frames)
            .map_err(js_error)
    }
}
