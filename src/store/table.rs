//! In-memory tables, ordered by (bucket, id).
//!
//! Why buckets: IndexedDB pays per record read, not per byte — reading a
//! million small records takes seconds. So records are stored packed, one
//! IndexedDB value per bucket (a hash of the id picks it), and a write
//! rewrites only the buckets it touches. Ordering the in-memory map by
//! (bucket, id) makes a bucket a contiguous range, and gives list paging a
//! stable order.

use std::collections::BTreeMap;
use std::ops::Bound;

use crate::model::{EntityKind, Uuid};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Key {
    pub bucket: u16,
    pub id: Uuid,
}

/// A record kind stored in a table.
pub trait Record: Clone + serde::Serialize + serde::de::DeserializeOwned {
    const KIND: EntityKind;
    fn id(&self) -> Uuid;
    fn is_deleted(&self) -> bool;
}

pub fn bucket_of(id: Uuid, bits: u8) -> u16 {
    // Ids are usually random (v4), but mixing keeps non-random ids (v7,
    // sequential imports) spread evenly too.
    let v = id.as_u128();
    let h = ((v as u64) ^ ((v >> 64) as u64)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    (h >> (64 - u32::from(bits))) as u16
}

#[derive(Debug, Clone)]
pub struct Table<T> {
    bits: u8,
    map: BTreeMap<Key, T>,
}

impl<T: Record> Table<T> {
    pub fn new(bits: u8) -> Self {
        assert!((1..=16).contains(&bits));
        Table { bits, map: BTreeMap::new() }
    }

    pub fn bits(&self) -> u8 {
        self.bits
    }

    pub fn key(&self, id: Uuid) -> Key {
        Key { bucket: bucket_of(id, self.bits), id }
    }

    pub fn get(&self, id: Uuid) -> Option<&T> {
        self.map.get(&self.key(id))
    }

    pub fn insert(&mut self, record: T) -> Option<T> {
        let k = self.key(record.id());
        self.map.insert(k, record)
    }

    pub fn remove(&mut self, id: Uuid) -> Option<T> {
        let k = self.key(id);
        self.map.remove(&k)
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    pub fn values(&self) -> impl Iterator<Item = &T> {
        self.map.values()
    }

    pub fn bucket(&self, bucket: u16) -> impl Iterator<Item = (&Key, &T)> {
        let lo = Key { bucket, id: Uuid::nil() };
        let hi = Key { bucket, id: Uuid::max() };
        self.map.range(lo..=hi)
    }

    /// Records after `after` in table order.
    pub fn after(&self, after: Option<Key>) -> impl Iterator<Item = (&Key, &T)> {
        let lower = match after {
            Some(k) => Bound::Excluded(k),
            None => Bound::Unbounded,
        };
        self.map.range((lower, Bound::Unbounded))
    }

    /// Replaces the content from sorted records (fast bulk build on open).
    pub fn fill(&mut self, records: Vec<T>) {
        let bits = self.bits;
        self.map = records.into_iter().map(|r| (Key { bucket: bucket_of(r.id(), bits), id: r.id() }, r)).collect();
    }
}
