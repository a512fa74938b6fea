//! What callers send. Deliberately loose (strings and numbers) so that
//! `validate` — not serde — decides, and can answer with a precise code and
//! field. System fields (`createdAt`, `previousIds`, …) are accepted so that a
//! record read from the graph can be edited and written back, and ignored.
//! Unknown fields are refused: a typo must not silently drop data.

use serde::de::{Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::marker::PhantomData;

/// A number as sent. JSON has no NaN or Infinity; the JS wrapper sends them
/// as the string `"\u0000nonfinite:NaN"` so that validation can refuse them
/// by name instead of seeing `null`.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct JsNumber(pub f64);

pub const NON_FINITE_PREFIX: &str = "\u{0}nonfinite:";

impl<'de> Deserialize<'de> for JsNumber {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = JsNumber;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a number")
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<JsNumber, E> {
                Ok(JsNumber(v))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<JsNumber, E> {
                Ok(JsNumber(v as f64))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<JsNumber, E> {
                Ok(JsNumber(v as f64))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<JsNumber, E> {
                match v.strip_prefix(NON_FINITE_PREFIX) {
                    Some("NaN") => Ok(JsNumber(f64::NAN)),
                    Some("Infinity") => Ok(JsNumber(f64::INFINITY)),
                    Some("-Infinity") => Ok(JsNumber(f64::NEG_INFINITY)),
                    _ => Err(E::invalid_type(serde::de::Unexpected::Str(v), &self)),
                }
            }
        }
        d.deserialize_any(V)
    }
}

/// As JavaScript writes it (`NaN`, `Infinity`), for error messages that
/// echo what the caller sent.
impl std::fmt::Display for JsNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        match self.0 {
            v if v.is_nan() => f.write_str("NaN"),
            v if v == f64::INFINITY => f.write_str("Infinity"),
            v if v == f64::NEG_INFINITY => f.write_str("-Infinity"),
            // As JS writes it: 1e+308, not 309 digits; 1e-7, not 0.0000001.
            v if v != 0.0 && (v.abs() >= 1e21 || v.abs() < 1e-6) => {
                let e = format!("{v:e}");
                match e.split_once('e') {
                    Some((m, x)) if !x.starts_with('-') => write!(f, "{m}e+{x}"),
                    _ => f.write_str(&e),
                }
            }
            v => write!(f, "{v}"),
        }
    }
}

impl From<f64> for JsNumber {
    fn from(v: f64) -> Self {
        JsNumber(v)
    }
}

/// A timestamp as sent: an RFC 3339 string or epoch milliseconds.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum TimeInput {
    Text(String),
    Millis(f64),
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct PersonInput {
    pub id: Option<String>,
    pub names: Vec<String>,
    pub emails: Vec<String>,
    pub phones: Vec<String>,
    pub social_handles: BTreeMap<String, String>,
    pub title: Option<String>,
    pub organization_id: Option<String>,
    pub addresses: Vec<String>,
    pub birth_date: Option<String>,
    pub metadata: Option<serde_json::Value>,
    // System fields: accepted, ignored.
    pub merge_explanation: Option<serde::de::IgnoredAny>,
    pub previous_ids: Option<serde::de::IgnoredAny>,
    pub merged_into: Option<serde::de::IgnoredAny>,
    pub created_at: Option<serde::de::IgnoredAny>,
    pub updated_at: Option<serde::de::IgnoredAny>,
    pub deleted_at: Option<serde::de::IgnoredAny>,
    pub sync_version: Option<serde::de::IgnoredAny>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct OrganizationInput {
    pub id: Option<String>,
    pub name: Option<String>,
    pub domain: Option<String>,
    pub metadata: Option<serde_json::Value>,
    pub merge_explanation: Option<serde::de::IgnoredAny>,
    pub previous_ids: Option<serde::de::IgnoredAny>,
    pub merged_into: Option<serde::de::IgnoredAny>,
    pub created_at: Option<serde::de::IgnoredAny>,
    pub updated_at: Option<serde::de::IgnoredAny>,
    pub deleted_at: Option<serde::de::IgnoredAny>,
    pub sync_version: Option<serde::de::IgnoredAny>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StrengthFactorInput {
    pub name: String,
    pub value: JsNumber,
    pub contribution: JsNumber,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct EdgeInput {
    pub id: Option<String>,
    pub from_person_id: Option<String>,
    pub to_person_id: Option<String>,
    pub relationship_type: Option<String>,
    pub strength: Option<JsNumber>,
    #[serde(deserialize_with = "objects")]
    pub strength_factors: Vec<StrengthFactorInput>,
    pub sources: Vec<String>,
    pub channels: Vec<String>,
    pub first_seen_at: Option<TimeInput>,
    pub last_seen_at: Option<TimeInput>,
    pub interaction_count: Option<JsNumber>,
    pub metadata: Option<serde_json::Value>,
    pub created_at: Option<serde::de::IgnoredAny>,
    pub updated_at: Option<serde::de::IgnoredAny>,
    pub deleted_at: Option<serde::de::IgnoredAny>,
    pub sync_version: Option<serde::de::IgnoredAny>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct InteractionInput {
    pub id: Option<String>,
    pub source_name: Option<String>,
    pub source_id: Option<String>,
    pub timestamp: Option<TimeInput>,
    pub participants: Vec<String>,
    pub channel: Option<String>,
    pub direction: Option<String>,
    pub sender: Option<String>,
    pub duration_minutes: Option<JsNumber>,
    pub metadata: Option<serde_json::Value>,
    pub created_at: Option<serde::de::IgnoredAny>,
    pub updated_at: Option<serde::de::IgnoredAny>,
    pub deleted_at: Option<serde::de::IgnoredAny>,
    pub sync_version: Option<serde::de::IgnoredAny>,
}

/// Several kinds in one call, written in one transaction.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct BatchInput {
    #[serde(deserialize_with = "objects")]
    pub organizations: Vec<OrganizationInput>,
    #[serde(deserialize_with = "objects")]
    pub people: Vec<PersonInput>,
    #[serde(deserialize_with = "objects")]
    pub edges: Vec<EdgeInput>,
    #[serde(deserialize_with = "objects")]
    pub interactions: Vec<InteractionInput>,
}

/// A record read from an object only. A derived struct also reads an array,
/// by position: `["Ada", "ada@x.org"]` would become a record whose fields
/// are whatever the array's order happens to give.
#[derive(Debug, Clone, PartialEq)]
pub struct Object<T>(pub T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Object<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Fields<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for Fields<T> {
            type Value = T;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object (a record), not an array")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
                T::deserialize(serde::de::value::MapAccessDeserializer::new(map))
            }
        }
        d.deserialize_map(Fields(PhantomData)).map(Object)
    }
}

/// A list of records, each read from an object only (see [`Object`]).
fn objects<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Vec<T>, D::Error> {
    let list = Vec::<Object<T>>::deserialize(d)?;
    Ok(list.into_iter().map(|o| o.0).collect())
}
