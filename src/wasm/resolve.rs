//! Duplicate suggestions from JS.

use wasm_bindgen::prelude::*;

use super::{borrow_err, closed_err, js_error, options_of, to_js, WasmGraph};
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

#[derive(serde::Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
struct MatchOptions {
    limit: Option<JsNumber>,
    default_region: Option<String>,
}

#[wasm_bindgen]
impl WasmGraph {
    /// Incremental match of one person against everyone stored. `person` is
    /// a stored person's id, or person JSON (validated, not stored).
    #[wasm_bindgen(js_name = matchPerson)]
    pub fn match_person(
        &self,
        person_id: Option<String>,
        person: Option<String>,
        options: Option<String>,
    ) -> Result<JsValue, JsValue> {
        let opts: MatchOptions = options_of(options)?;
        let limit = opts.limit.map_or(10.0, |l| l.0);
        crate::model::validate::whole_number(limit, "limit", 1.0, None).map_err(js_error)?;
        let guard = self.db.try_borrow().map_err(|_| borrow_err())?;
        let db = guard.as_ref().ok_or_else(closed_err)?;
        let query = match (person_id, person) {
            (Some(id), _) => {
                let id = crate::model::validate::parse_id(&id, "id").map_err(js_error)?;
                db.live_person(id, "id").map_err(js_error)?.clone()
            }
            (None, Some(json)) => {
                let input: crate::model::PersonInput = super::from_json(&json, "person")?;
                crate::model::validate::person(&input, None, db.state(), self.now())
                    .map_err(js_error)?
            }
            (None, None) => {
                return Err(js_error(Error::new(
                    ErrorCode::Required,
                    "person",
                    "give a person id or a person",
                )))
            }
        };
        let region = opts
            .default_region
            .unwrap_or_else(|| DuplicateOptions::default().default_region);
        to_js(
            &db.match_person(&query, limit as usize, &region, &mut |_, _| true)
                .map_err(js_error)?,
        )
    }

    /// Suggested duplicate pairs with explanations. `on_progress(done, total)`
    /// is called during the run; returning `false` cancels (CANCELLED).
    #[wasm_bindgen(js_name = findDuplicates)]
    pub fn find_duplicates(
        &self,
        options: Option<String>,
        on_progress: Option<js_sys::Function>,
    ) -> Result<JsValue, JsValue> {
        let input: FindDuplicatesInput = options_of(options)?;
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
            Some(l) => crate::model::validate::whole_number(l, "limit", 1.0, None)
                .map_err(js_error)? as usize,
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
