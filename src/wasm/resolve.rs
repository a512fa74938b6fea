//! Duplicate suggestions from JS.

use wasm_bindgen::prelude::*;

use super::{borrow_err, closed_err, js_error, optional, to_js, WasmGraph};
use crate::error::{Error, ErrorCode};
use crate::model::JsNumber;
use crate::store::{DuplicateKind, DuplicateOptions};

#[derive(serde::Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
struct FindDuplicatesInput {
    /// "people" (default) or "organizations".
    kind: Option<String>,
    threshold: Option<JsNumber>,
    limit: Option<JsNumber>,
    default_region: Option<String>,
}

#[wasm_bindgen]
impl WasmGraph {
    /// Suggested duplicate pairs with explanations. `on_progress(done, total)`
    /// is called during the run; returning `false` cancels (CANCELLED).
    #[wasm_bindgen(js_name = findDuplicates)]
    pub fn find_duplicates(
        &self,
        options: Option<String>,
        on_progress: Option<js_sys::Function>,
    ) -> Result<JsValue, JsValue> {
        let input: FindDuplicatesInput = optional(options, "options")?;
        let defaults = DuplicateOptions::default();
        let kind = match input.kind.as_deref() {
            None | Some("people") => DuplicateKind::People,
            Some("organizations") => DuplicateKind::Organizations,
            Some(other) => {
                return Err(js_error(Error::new(
                    ErrorCode::InvalidEnum,
                    "kind",
                    format!("'{other}' is not one of people, organizations"),
                )))
            }
        };
        let limit = match input.limit.map(|n| n.0) {
            None => defaults.limit,
            Some(l) if l.is_finite() && l >= 1.0 && l.fract() == 0.0 => l as usize,
            Some(l) => {
                return Err(js_error(Error::new(
                    ErrorCode::InvalidInput,
                    "limit",
                    format!("{l} is not a whole number ≥ 1"),
                )))
            }
        };
        let opts = DuplicateOptions {
            kind,
            threshold: input.threshold.map_or(defaults.threshold, |t| t.0),
            limit,
            default_region: input.default_region.unwrap_or(defaults.default_region),
        };
        let mut progress = |done: usize, total: usize| match &on_progress {
            None => true,
            Some(f) => f
                .call2(
                    &JsValue::NULL,
                    &JsValue::from(done as f64),
                    &JsValue::from(total as f64),
                )
                .map(|v| v.as_bool() != Some(false))
                .unwrap_or(false),
        };
        let guard = self.db.try_borrow().map_err(|_| borrow_err())?;
        let db = guard.as_ref().ok_or_else(closed_err)?;
        to_js(
            &db.suggest_duplicates(&opts, &mut progress)
                .map_err(js_error)?,
        )
    }
}
