//! The conflict rules: two versions of one record → one record, the same on
//! every device whichever version it holds and whichever arrives first.
//!
//! - A deletion wins: `deletedAt` is the later of the two present values.
//! - A merge wins: `mergedInto` stays set if either version has it (two
//!   different survivors: the larger id, so every device picks the same).
//!   Per record this cannot see a cycle (A merged p2 into p1 while B merged
//!   p1 into p2): the sync steps break those afterwards, over the whole
//!   table (`super::break_merge_cycles`).
//! - Otherwise the version with the later `updatedAt` wins every scalar
//!   field (title, organizationId, strength…). A tie on `updatedAt` goes to
//!   the version whose scalar fields, as canonical JSON, compare larger.
//! - Arrays (names, emails, phones, sources, participants…) are unioned,
//!   the winner's items first; maps (socialHandles, metadata objects) are
//!   unioned key by key, the winner's value on a shared key. When neither
//!   version wins (same `updatedAt`, same scalars) each array puts the
//!   larger one (compared item by item) first and each shared map key takes
//!   the larger value.
//! - `createdAt` is the earlier, `updatedAt` and `syncVersion` the later.
//!
//! So `resolve(a, b) == resolve(b, a)`, `resolve(a, a) == a`,
//! `resolve(resolve(a, b), b) == resolve(a, b)`, and no array item of
//! either version is lost (`tests/sync.rs` checks these as properties).
//!
//! Tombstones (a hard erase) are not records: the caller applies them before
//! resolving anything, so an erase beats every edit.

use serde::{de::DeserializeOwned, Serialize};
use serde_json::{Map, Value};
use std::cmp::Ordering;

use crate::model::*;
use crate::store::table::Record;

/// A record kind that sync can resolve: which of its fields are unioned.
pub trait SyncRecord: Record + Serialize + DeserializeOwned + PartialEq {
    /// Array fields unioned item by item.
    const UNIONS: &'static [&'static str];
    /// Object fields unioned key by key (scalars when either is not an object).
    const MAPS: &'static [&'static str];
    fn updated_at(&self) -> Timestamp;
    fn merged_into(&self) -> Option<Uuid> {
        None
    }
    /// Sets `mergedInto` (kinds without it: nothing). Sync uses it only to
    /// break a merge cycle (`super::break_merge_cycles`).
    fn set_merged_into(&mut self, _into: Option<Uuid>) {}
    fn sync_version(&self) -> u64;
    fn set_sync_version(&mut self, v: u64);
}

macro_rules! sync_record {
    ($t:ty, unions: [$($u:literal),*], maps: [$($m:literal),*] $(, $merged:ident)?) => {
        impl SyncRecord for $t {
            const UNIONS: &'static [&'static str] = &[$($u),*];
            const MAPS: &'static [&'static str] = &[$($m),*];
            fn updated_at(&self) -> Timestamp {
                self.updated_at
            }
            $(fn merged_into(&self) -> Option<Uuid> {
                self.$merged
            }
            fn set_merged_into(&mut self, into: Option<Uuid>) {
                self.$merged = into;
            })?
            fn sync_version(&self) -> u64 {
                self.sync_version
            }
            fn set_sync_version(&mut self, v: u64) {
                self.sync_version = v;
            }
        }
    };
}

sync_record!(Person, unions: ["names", "emails", "phones", "addresses", "previousIds"],
    maps: ["socialHandles", "metadata"], merged_into);
sync_record!(Organization, unions: ["previousIds"], maps: ["metadata"], merged_into);
// strengthFactors is one scalar: its contributions sum to `strength`, so
// mixing two lists would explain a score nobody computed.
sync_record!(Edge, unions: ["sources", "channels"], maps: ["metadata"]);
sync_record!(Interaction, unions: ["participants"], maps: ["metadata"]);

/// Fields with a rule of their own (not "winner's scalar").
const SPECIAL: &[&str] = &[
    "id",
    "createdAt",
    "updatedAt",
    "deletedAt",
    "mergedInto",
    "syncVersion",
];

fn object<T: Serialize>(r: &T) -> Map<String, Value> {
    match serde_json::to_value(r) {
        Ok(Value::Object(m)) => m,
        _ => unreachable!("records serialize to JSON objects"),
    }
}

/// The scalar fields as canonical JSON (serde_json's map is ordered by key).
fn scalars<T: SyncRecord>(m: &Map<String, Value>) -> String {
    let mut out = Map::new();
    for (k, v) in m {
        let k = k.as_str();
        if !SPECIAL.contains(&k) && !T::UNIONS.contains(&k) && !T::MAPS.contains(&k) {
            out.insert(k.to_string(), v.clone());
        }
    }
    Value::Object(out).to_string()
}

/// Canonical JSON text (serde_json's maps are ordered by key): the order
/// the tie rules compare values in.
fn canonical(v: &Value) -> String {
    v.to_string()
}

fn items(v: Option<&Value>) -> Vec<Value> {
    match v {
        Some(Value::Array(a)) => a.clone(),
        _ => Vec::new(),
    }
}

/// Item-by-item comparison of two arrays as canonical JSON (a proper
/// prefix is smaller): `union(x, y)` with x ≥ y stays ≥ both, which keeps
/// the tie rule idempotent.
fn cmp_items(a: &[Value], b: &[Value]) -> Ordering {
    let a: Vec<String> = a.iter().map(Value::to_string).collect();
    let b: Vec<String> = b.iter().map(Value::to_string).collect();
    a.cmp(&b)
}

fn union(first: Vec<Value>, second: &[Value]) -> Vec<Value> {
    let mut seen: std::collections::HashSet<String> = first.iter().map(Value::to_string).collect();
    let mut out = first;
    for x in second {
        if seen.insert(x.to_string()) {
            out.push(x.clone());
        }
    }
    out
}

fn max_opt<T: Ord + Copy>(a: Option<T>, b: Option<T>) -> Option<T> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.max(y)),
        (x, None) => x,
        (None, y) => y,
    }
}

/// Two versions of the same record (same id) → the resolved record.
pub fn resolve<T: SyncRecord>(a: &T, b: &T) -> T {
    if a == b {
        return a.clone();
    }
    let (ma, mb) = (object(a), object(b));
    let (sa, sb) = (scalars::<T>(&ma), scalars::<T>(&mb));
    // Some(true): a wins; Some(false): b wins; None: neither.
    let a_wins = match a.updated_at().cmp(&b.updated_at()).then(sa.cmp(&sb)) {
        Ordering::Greater => Some(true),
        Ordering::Less => Some(false),
        Ordering::Equal => None,
    };
    let (w, l) = if a_wins == Some(false) {
        (&mb, &ma)
    } else {
        (&ma, &mb)
    };
    let mut out = w.clone();
    for f in T::UNIONS {
        let (x, y) = (items(w.get(*f)), items(l.get(*f)));
        let merged = if a_wins.is_none() && cmp_items(&x, &y) == Ordering::Less {
            union(y, &x)
        } else {
            union(x, &y)
        };
        out.insert((*f).to_string(), Value::Array(merged));
    }
    for f in T::MAPS {
        let merged = match (w.get(*f), l.get(*f)) {
            (Some(Value::Object(x)), Some(Value::Object(y))) => {
                let mut m = x.clone();
                for (k, v) in y {
                    match m.get(k) {
                        None => {
                            m.insert(k.clone(), v.clone());
                        }
                        Some(mine) if a_wins.is_none() && canonical(mine) < canonical(v) => {
                            m.insert(k.clone(), v.clone());
                        }
                        Some(_) => {}
                    }
                }
                Value::Object(m)
            }
            (x, y) => {
                let (x, y) = (
                    x.cloned().unwrap_or(Value::Null),
                    y.cloned().unwrap_or(Value::Null),
                );
                if a_wins.is_none() && canonical(&x) < canonical(&y) {
                    y
                } else {
                    x
                }
            }
        };
        out.insert((*f).to_string(), merged);
    }
    let mut r: T = serde_json::from_value(Value::Object(out))
        .expect("a union of two valid records is a valid record");
    // The fields with rules of their own, set on the typed record.
    set_special(&mut r, a, b);
    r
}

fn set_special<T: SyncRecord>(r: &mut T, a: &T, b: &T) {
    r.set_sync_version(a.sync_version().max(b.sync_version()));
    // Typed access to the remaining special fields goes through JSON once
    // more: they differ per kind only in presence (mergedInto).
    let mut m = object(r);
    let (ma, mb) = (object(a), object(b));
    let ts = |m: &Map<String, Value>, k: &str| -> Option<Timestamp> {
        m.get(k)
            .and_then(|v| serde_json::from_value::<Option<Timestamp>>(v.clone()).ok())
            .flatten()
    };
    let created = match (ts(&ma, "createdAt"), ts(&mb, "createdAt")) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, y) => x.or(y),
    };
    let updated = max_opt(ts(&ma, "updatedAt"), ts(&mb, "updatedAt"));
    let deleted = max_opt(ts(&ma, "deletedAt"), ts(&mb, "deletedAt"));
    let merged = max_opt(a.merged_into(), b.merged_into());
    let set = |m: &mut Map<String, Value>, k: &str, v: Value| {
        if m.contains_key(k) {
            m.insert(k.to_string(), v);
        }
    };
    set(
        &mut m,
        "createdAt",
        serde_json::to_value(created).unwrap_or(Value::Null),
    );
    set(
        &mut m,
        "updatedAt",
        serde_json::to_value(updated).unwrap_or(Value::Null),
    );
    set(
        &mut m,
        "deletedAt",
        serde_json::to_value(deleted).unwrap_or(Value::Null),
    );
    set(
        &mut m,
        "mergedInto",
        serde_json::to_value(merged).unwrap_or(Value::Null),
    );
    *r = serde_json::from_value(Value::Object(m)).expect("special fields keep the record valid");
}

/// Applies an edit made to a person who was merged away (`edit`) to the
/// survivor: the edit's non-empty scalars and its array items, under the
/// conflict rules (its `updatedAt` decides against the survivor's). The
/// survivor keeps its own id, identity links and deletion state.
pub fn redirect_person(survivor: &Person, edit: &Person) -> Person {
    let mut as_survivor = survivor.clone();
    as_survivor.names = edit.names.clone();
    as_survivor.emails = edit.emails.clone();
    as_survivor.phones = edit.phones.clone();
    as_survivor.addresses = edit.addresses.clone();
    as_survivor.social_handles = edit.social_handles.clone();
    if edit.title.is_some() {
        as_survivor.title = edit.title.clone();
    }
    if edit.organization_id.is_some() {
        as_survivor.organization_id = edit.organization_id;
    }
    if edit.birth_date.is_some() {
        as_survivor.birth_date = edit.birth_date.clone();
    }
    if !edit.metadata.is_null() {
        as_survivor.metadata = edit.metadata.clone();
    }
    as_survivor.updated_at = edit.updated_at;
    resolve(survivor, &as_survivor)
}
