//! Import bindings: `graph.importer(kind, options)` gives a `WasmImporter`
//! that the JS wrapper feeds byte chunks (`push`), writes batches from
//! (`flush`: one transaction per batch) and finishes (`finish`: the last
//! batch, strengths of the touched edges, duplicate suggestions → the
//! report). Conversion only; the work is in `store::import`.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::prelude::*;

use super::{borrow_err, closed_err, js_error, options_of, to_js, Shared, WasmGraph};
use crate::error::{Error, ErrorCode};
use crate::store::{ImportKind, ImportOptions, ImportSession, WriteContext};

#[wasm_bindgen]
extern "C" {
    /// The platform's Encoding Standard decoder (browsers, workers, Node).
    type TextDecoder;
    #[wasm_bindgen(constructor, catch)]
    fn new(label: &str) -> Result<TextDecoder, JsValue>;
    #[wasm_bindgen(method, catch)]
    fn decode(this: &TextDecoder, bytes: &[u8]) -> Result<String, JsValue>;
}

/// Multi-byte legacy charsets (Shift_JIS, GBK, Big5, …) for the import
/// parsers, by `TextDecoder`: its tables ship with every runtime, so the
/// package carries none. `None` when the runtime does not know the label.
fn decode_with_text_decoder(label: &str, bytes: &[u8]) -> Option<String> {
    TextDecoder::new(label).ok()?.decode(bytes).ok()
}

#[wasm_bindgen]
pub struct WasmImporter {
    db: Shared,
    /// The graph's: an import's writes and the graph's own get BUSY from
    /// each other instead of interleaving (each write set is computed
    /// against the state before it).
    writing: Rc<std::cell::Cell<bool>>,
    actor_id: Option<String>,
    /// Taken out while a call awaits: a second call meanwhile gets BUSY.
    session: RefCell<Option<ImportSession>>,
}

#[wasm_bindgen]
impl WasmGraph {
    /// Starts an import. `kind`: "contacts" or "interactions"; `options`:
    /// JSON of `{ format, mapping, sourceName, defaultRegion, ownerEmails, batchSize }`;
    /// `text_source`: the source is a JS string (text already, fed as UTF-8).
    pub fn importer(
        &self,
        kind: String,
        options: Option<String>,
        text_source: bool,
    ) -> Result<WasmImporter, JsValue> {
        let kind = match kind.as_str() {
            "contacts" => ImportKind::Contacts,
            "interactions" => ImportKind::Interactions,
            other => {
                return Err(js_error(Error::new(
                    ErrorCode::InvalidEnum,
                    "kind",
                    format!("'{other}' is not one of contacts, interactions"),
                )))
            }
        };
        let mut opts: ImportOptions = options_of(options)?;
        opts.text_source = text_source;
        {
            let guard = self.db.try_borrow().map_err(|_| borrow_err())?;
            guard.as_ref().ok_or_else(closed_err)?;
        }
        // Recurring events are expanded up to now: later occurrences have not
        // happened yet (importing again later adds them).
        let now = crate::model::Timestamp::from_millis(js_sys::Date::now() as i64);
        crate::import::text::set_platform_decoder(decode_with_text_decoder);
        let session = ImportSession::new(kind, opts, now).map_err(js_error)?;
        Ok(WasmImporter {
            db: self.db.clone(),
            writing: self.writing.clone(),
            actor_id: self.actor_id.clone(),
            session: RefCell::new(Some(session)),
        })
    }
}

impl WasmImporter {
    fn context(&self) -> WriteContext {
        WriteContext {
            now: crate::model::Timestamp::from_millis(js_sys::Date::now() as i64),
            actor_id: self.actor_id.clone(),
            correlation_id: None,
        }
    }

    fn take(&self) -> Result<ImportSession, JsValue> {
        self.session
            .try_borrow_mut()
            .map_err(|_| borrow_err())?
            .take()
            .ok_or_else(|| {
                js_error(Error::general(
                    ErrorCode::Busy,
                    "this import is busy (await the previous call) or has finished",
                ))
            })
    }

    fn put(&self, s: ImportSession) {
        if let Ok(mut slot) = self.session.try_borrow_mut() {
            *slot = Some(s);
        }
    }

    async fn write_batches(&self, session: &mut ImportSession) -> Result<(), JsValue> {
        loop {
            // Refused before a batch is taken (not only in `persist`): a
            // BUSY call loses nothing.
            super::refuse_if_writing(&self.writing)?;
            let Some(batch) = session.take_batch() else {
                return Ok(());
            };
            let ctx = self.context();
            let s: &ImportSession = session;
            let outcome = super::persist(&self.db, Some(&self.writing), |db| {
                db.prepare_import_batch(s, &batch, &ctx)
            })
            .await?;
            session.written(outcome);
        }
    }

    async fn finish_inner(&self, session: &mut ImportSession) -> Result<(), JsValue> {
        // Idempotent: after a BUSY below, finishing again ends nothing twice.
        session.end().map_err(js_error)?;
        self.write_batches(session).await?;
        let touches = {
            let mut guard = self.db.try_borrow_mut().map_err(|_| borrow_err())?;
            let db = guard.as_mut().ok_or_else(closed_err)?;
            db.import_touches_interactions(session)
        };
        let mut strengths = 0;
        if touches {
            let ctx = self.context();
            let r = super::persist(&self.db, Some(&self.writing), |db| {
                db.prepare_import_strengths(&ctx)
            })
            .await?;
            strengths = r.edges_updated + r.edges_created;
        }
        let duplicates = {
            let guard = self.db.try_borrow().map_err(|_| borrow_err())?;
            let db = guard.as_ref().ok_or_else(closed_err)?;
            db.import_duplicate_suggestions(session).map_err(js_error)?
        };
        session.set_followups(strengths, duplicates);
        Ok(())
    }
}

#[wasm_bindgen]
impl WasmImporter {
    /// Parses a chunk of the file; returns the records read so far.
    pub fn push(&self, chunk: &[u8]) -> Result<f64, JsValue> {
        let mut slot = self.session.try_borrow_mut().map_err(|_| borrow_err())?;
        let s = slot.as_mut().ok_or_else(|| {
            js_error(Error::general(
                ErrorCode::Busy,
                "this import is busy or has finished",
            ))
        })?;
        s.feed(chunk).map_err(js_error)?;
        Ok(s.report().records as f64)
    }

    /// Writes every full batch read so far (one transaction each).
    pub async fn flush(&self) -> Result<(), JsValue> {
        let mut s = self.take()?;
        let r = self.write_batches(&mut s).await;
        self.put(s);
        r
    }

    /// Ends the input: writes the rest, rescores the touched edges, counts
    /// the new duplicate suggestions; returns the report (JSON).
    pub async fn finish(&self) -> Result<JsValue, JsValue> {
        let mut s = self.take()?;
        let r = self.finish_inner(&mut s).await;
        let out = r.and_then(|_| to_js(s.report()));
        self.put(s);
        out
    }

    /// The report so far (JSON), e.g. after a cancelled import.
    pub fn report(&self) -> Result<JsValue, JsValue> {
        let slot = self.session.try_borrow().map_err(|_| borrow_err())?;
        match slot.as_ref() {
            Some(s) => to_js(s.report()),
            None => Err(borrow_err()),
        }
    }
}
