//! The wasm-bindgen methods of merges, unmerge and review feedback: the
//! same thin conversion as `super` (JSON text in, JSON text out, errors as
//! `WigError`s naming their field), over `crate::store::merge`.

use super::*;

#[derive(serde::Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
struct MergeOptions {
    /// Why these records are one (e.g. the match explanation); a JSON object.
    explanation: Option<serde_json::Value>,
}

fn field_id(value: &str, field: &str) -> Result<Uuid, JsValue> {
    validate::parse_id(value, field).map_err(js_error)
}

/// `sourceIds` as JSON text: an array of UUID strings (REQUIRED when
/// missing, INVALID_ID naming the item that is not an id).
fn source_ids(json: Option<String>) -> Result<Vec<Uuid>, JsValue> {
    let raw: Option<Vec<serde_json::Value>> = optional(json, "sourceIds")?;
    let Some(raw) = raw else {
        return Err(js_error(Error::new(
            ErrorCode::Required,
            "sourceIds",
            "the ids of the records to merge into the target",
        )));
    };
    raw.iter()
        .enumerate()
        .map(|(i, v)| {
            let field = format!("sourceIds[{i}]");
            match v {
                serde_json::Value::String(s) => field_id(s, &field),
                serde_json::Value::Null => Err(js_error(Error::new(
                    ErrorCode::Required,
                    field,
                    "the id of a record to merge",
                ))),
                _ => Err(js_error(Error::new(
                    ErrorCode::InvalidId,
                    field,
                    "an id is a UUID string",
                ))),
            }
        })
        .collect()
}

/// The arguments both merges take: target id, source ids, explanation.
fn merge_args(
    target_id: &str,
    source_ids_json: Option<String>,
    options: Option<String>,
) -> Result<(Uuid, Vec<Uuid>, serde_json::Value), JsValue> {
    let target = field_id(target_id, "targetId")?;
    let sources = source_ids(source_ids_json)?;
    let opts: MergeOptions = options_of(options)?;
    Ok((target, sources, opts.explanation.unwrap_or_default()))
}

#[wasm_bindgen]
impl WasmGraph {
    /// Merges the people `sourceIds` (JSON array) into `targetId`. Returns the MergeRecord.
    pub async fn merge(
        &self,
        target_id: String,
        source_ids_json: Option<String>,
        options: Option<String>,
    ) -> Result<JsValue, JsValue> {
        let (target, sources, explanation) = merge_args(&target_id, source_ids_json, options)?;
        let out = write_op!(self, db, ctx => db.prepare_merge_people(target, &sources, explanation, &ctx))?;
        to_js(&out)
    }

    /// Merges the organizations `sourceIds` (JSON array) into `targetId`.
    #[wasm_bindgen(js_name = mergeOrganizations)]
    pub async fn merge_organizations(
        &self,
        target_id: String,
        source_ids_json: Option<String>,
        options: Option<String>,
    ) -> Result<JsValue, JsValue> {
        let (target, sources, explanation) = merge_args(&target_id, source_ids_json, options)?;
        let out = write_op!(self, db, ctx => db.prepare_merge_organizations(target, &sources, explanation, &ctx))?;
        to_js(&out)
    }

    /// Undoes a merge exactly (UNMERGE_CONFLICT if later changes depend on it).
    pub async fn unmerge(&self, merge_id: String) -> Result<(), JsValue> {
        let mid = field_id(&merge_id, "mergeId")?;
        write_op!(self, db, ctx => db.prepare_unmerge(mid, &ctx))
    }

    /// Records that `a` and `b` are not the same person (or organization).
    #[wasm_bindgen(js_name = rejectMatch)]
    pub async fn reject_match(&self, a: String, b: String) -> Result<JsValue, JsValue> {
        let (a, b) = (field_id(&a, "a")?, field_id(&b, "b")?);
        let out = write_op!(self, db, ctx => db.prepare_reject_match(a, b, &ctx))?;
        to_js(&out)
    }

    #[wasm_bindgen(js_name = isRejected)]
    pub fn is_rejected(&self, a: String, b: String) -> Result<bool, JsValue> {
        let (a, b) = (field_id(&a, "a")?, field_id(&b, "b")?);
        read!(self, db => Ok(db.is_rejected(a, b)))
    }

    #[wasm_bindgen(js_name = rejectedPairs)]
    pub fn rejected_pairs(&self) -> Result<JsValue, JsValue> {
        read!(self, db => to_js(&db.rejected_pairs()))
    }

    /// Merge records, newest first.
    #[wasm_bindgen(js_name = listMerges)]
    pub fn list_merges(&self) -> Result<JsValue, JsValue> {
        read!(self, db => to_js(&db.merges()))
    }
}
