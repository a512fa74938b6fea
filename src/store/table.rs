//! In-memory tables, ordered by (bucket, id).
//!
//! Why buckets: IndexedDB pays per record read, not per byte — reading a
//! million small records takes seconds. So records are stored packed, one
//! IndexedDB value per bucket (a hash of the id picks it), and a write
//! rewrites only the buckets it touches. Ordering the in-memory map by
//! (bucket, id) makes a bucket a contiguous range, and gives list paging a
//! stable order.

use rustc_hash::FxHashMap;
use std::cell::OnceCell;
use std::collections::BTreeSet;
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
    /// Merged into another record: stored (for unmerge), out of queries.
    fn is_merged_away(&self) -> bool {
        false
    }
}

pub fn bucket_of(id: Uuid, bits: u8) -> u16 {
    // Ids are usually random (v4), but mixing keeps non-random ids (v7,
    // sequential imports) spread evenly too.
    let v = id.as_u128();
    let h = ((v as u64) ^ ((v >> 64) as u64)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    (h >> (64 - u32::from(bits))) as u16
}

/// Records in a dense arena (a `Vec`: open appends decoded buckets to it,
/// and iteration is a linear scan), an id → slot index, and the ordered set
/// of small (bucket, id) keys for bucket ranges and paging. Records are a
/// few hundred bytes; keeping them out of hash and tree nodes keeps inserts
/// and rehashes from moving them around.
///
/// A record keeps its slot while it is in the table (a removal leaves the
/// slot empty for the next insert), so the search index can name edges by
/// slot instead of holding a copy of every edge id (16 bytes an edge).
#[derive(Debug, Clone)]
pub struct Table<T> {
    bits: u8,
    /// `None`: a slot emptied by a removal (`Option<T>` costs no space: the
    /// records hold `String`s and `Vec`s, whose pointers give it a niche).
    records: Vec<Option<T>>,
    /// Empty slots, reused by inserts.
    vacant: Vec<u32>,
    slots: FxHashMap<Uuid, u32>,
    /// Built on first use: opening a graph to read and query it never pays
    /// for it, the first write or page does (~0.1 s per million records).
    order: OnceCell<BTreeSet<Key>>,
    /// Inside a large [`Table::batch`]: the new keys, merged into `order`
    /// at its end.
    pending: Option<Vec<Key>>,
}

/// A batch adding at least this many records, and an eighth of the table,
/// adds their keys to the order in one merge.
const BULK_MIN: usize = 1024;

impl<T: Record> Table<T> {
    pub fn new(bits: u8) -> Self {
        assert!((1..=16).contains(&bits));
        Table {
            bits,
            records: Vec::new(),
            vacant: Vec::new(),
            slots: FxHashMap::default(),
            order: OnceCell::new(),
            pending: None,
        }
    }

    /// Changes the bucket size; only before the key order is built (on load).
    pub fn set_bits(&mut self, bits: u8) {
        assert!((1..=16).contains(&bits));
        self.bits = bits;
        self.order = OnceCell::new();
    }

    pub fn bits(&self) -> u8 {
        self.bits
    }

    pub fn key(&self, id: Uuid) -> Key {
        Key {
            bucket: bucket_of(id, self.bits),
            id,
        }
    }

    fn order(&self) -> &BTreeSet<Key> {
        self.order.get_or_init(|| {
            let mut keys: Vec<Key> = self.values().map(|r| self.key(r.id())).collect();
            keys.sort_unstable();
            keys.into_iter().collect()
        })
    }

    pub fn reserve(&mut self, additional: usize) {
        self.records.reserve(additional);
        self.slots.reserve(additional);
    }

    /// How many of `ids` are not in the table: the records inserting them
    /// all would add.
    pub fn count_absent<'a>(&self, ids: impl Iterator<Item = &'a Uuid>) -> usize {
        ids.filter(|id| !self.slots.contains_key(id)).count()
    }

    /// Runs `f`, which inserts `new` records not yet in the table (and may
    /// update and remove others). Room is made for just those: reserving
    /// for every change made a recompute that updates 1.41 M edges double
    /// the record array and the id map, and keep them (+383 MB, counted
    /// natively). When they are many, their keys join the order in one
    /// merge at the end (sorted, then `BTreeSet::append`, which rebuilds
    /// the tree in one pass) instead of one tree insert each, a cache miss
    /// per level: in wasm those inserts were 9 % of a first
    /// `recomputeStrengths` of 1.41 M edges. `f` must not read the order
    /// (`bucket_keys`, `after`).
    pub fn batch<R>(&mut self, new: usize, f: impl FnOnce(&mut Self) -> R) -> R {
        self.reserve(new.saturating_sub(self.vacant.len()));
        let bulk = self
            .order
            .get()
            .is_some_and(|o| new >= BULK_MIN && new >= o.len() / 8);
        if bulk {
            self.pending = Some(Vec::with_capacity(new));
        }
        let r = f(self);
        if let Some(mut keys) = self.pending.take() {
            if let Some(order) = self.order.get_mut() {
                keys.sort_unstable();
                // From sorted keys: built in one pass, no search per key.
                let mut new: BTreeSet<Key> = keys.into_iter().collect();
                order.append(&mut new);
            }
        }
        r
    }

    pub fn get(&self, id: Uuid) -> Option<&T> {
        self.slots
            .get(&id)
            .and_then(|&i| self.records[i as usize].as_ref())
    }

    pub fn insert(&mut self, record: T) -> Option<T> {
        self.insert_at(record).1
    }

    /// [`Table::insert`], with the slot the record is in.
    pub fn insert_at(&mut self, record: T) -> (u32, Option<T>) {
        let id = record.id();
        match self.slots.get(&id) {
            Some(&i) => (i, self.records[i as usize].replace(record)),
            None => {
                let i = match self.vacant.pop() {
                    Some(i) => {
                        self.records[i as usize] = Some(record);
                        i
                    }
                    None => {
                        self.records.push(Some(record));
                        (self.records.len() - 1) as u32
                    }
                };
                self.slots.insert(id, i);
                let key = self.key(id);
                if let Some(order) = self.order.get_mut() {
                    match &mut self.pending {
                        Some(keys) => keys.push(key),
                        None => {
                            order.insert(key);
                        }
                    }
                }
                (i, None)
            }
        }
    }

    pub fn remove(&mut self, id: Uuid) -> Option<T> {
        self.remove_at(id).map(|(_, r)| r)
    }

    /// [`Table::remove`], with the slot the record was in.
    pub fn remove_at(&mut self, id: Uuid) -> Option<(u32, T)> {
        let i = self.slots.remove(&id)?;
        let key = self.key(id);
        if let Some(order) = self.order.get_mut() {
            order.remove(&key);
        }
        self.vacant.push(i);
        self.records[i as usize].take().map(|r| (i, r))
    }

    pub fn len(&self) -> usize {
        self.slots.len()
    }

    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// All records, in no particular order.
    pub fn values(&self) -> impl Iterator<Item = &T> {
        self.records.iter().flatten()
    }

    /// Every slot in order, `None` where a removal emptied it (for passes
    /// that cut the work into chunks, and indexes that name records by slot).
    pub fn by_slot(&self) -> &[Option<T>] {
        &self.records
    }

    /// The slot of a record (stable while the record is in the table).
    pub fn slot_of(&self, id: Uuid) -> Option<u32> {
        self.slots.get(&id).copied()
    }

    /// The record in a slot, if the slot holds one.
    pub fn at_slot(&self, slot: u32) -> Option<&T> {
        self.records.get(slot as usize).and_then(Option::as_ref)
    }

    /// The record in a slot, to change in place: its id must stay (the
    /// id map and the key order hold it).
    pub fn at_slot_mut(&mut self, slot: u32) -> Option<&mut T> {
        self.records.get_mut(slot as usize).and_then(Option::as_mut)
    }

    /// The keys of one bucket, in order.
    pub fn bucket_keys(&self, bucket: u16) -> impl Iterator<Item = &Key> {
        let lo = Key {
            bucket,
            id: Uuid::nil(),
        };
        let hi = Key {
            bucket,
            id: Uuid::max(),
        };
        self.order().range(lo..=hi)
    }

    /// Records after `after` in table order.
    pub fn after(&self, after: Option<Key>) -> impl Iterator<Item = (&Key, &T)> {
        let lower = match after {
            Some(k) => Bound::Excluded(k),
            None => Bound::Unbounded,
        };
        self.order()
            .range((lower, Bound::Unbounded))
            .map(|k| (k, self.get(k.id).expect("ordered keys are in the table")))
    }

    /// Room for `count` records, and an eighth more, before the buckets are
    /// loaded (a stored hint, see `RecordCounts`; bounded, so a wrong one
    /// cannot exhaust memory by itself). The eighth: with no room to spare,
    /// the first record a later write adds would double the array (a
    /// million edges: 200 MB copied into 400 MB).
    pub fn reserve_for_load(&mut self, count: u64) {
        let count = count.min(1 << 26) as usize;
        self.records
            .reserve_exact((count + count / 8).saturating_sub(self.records.len()));
    }

    /// The room the record array has (tests: a stored count's exactness).
    pub fn capacity(&self) -> usize {
        self.records.capacity()
    }

    /// Appends decoded records of one stored bucket (on open). Call
    /// [`Table::finish_load`] once all buckets are in.
    pub fn load_bucket(&mut self, records: &mut Vec<T>) {
        self.records.extend(records.drain(..).map(Some));
    }

    /// Builds the indexes over the loaded records. A record stored twice
    /// (which our writes never do) keeps its last copy.
    pub fn finish_load(&mut self) {
        self.records.retain(Option::is_some);
        self.vacant.clear();
        let id = |r: &Option<T>| r.as_ref().map_or(Uuid::nil(), Record::id);
        self.slots = FxHashMap::with_capacity_and_hasher(self.records.len(), Default::default());
        for (i, r) in self.records.iter().enumerate() {
            self.slots.insert(id(r), i as u32);
        }
        if self.slots.len() != self.records.len() {
            let slots = &self.slots;
            let mut i = 0u32;
            self.records.retain(|r| {
                let keep = slots[&id(r)] == i;
                i += 1;
                keep
            });
            self.slots = self
                .records
                .iter()
                .enumerate()
                .map(|(i, r)| (id(r), i as u32))
                .collect();
        }
        self.order = OnceCell::new();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Edge, Interaction, Organization, Person};
    use core::mem::size_of;

    #[test]
    fn an_empty_slot_costs_no_space() {
        // The records' `String`/`Vec` pointers give `Option` a niche.
        assert_eq!(size_of::<Option<Person>>(), size_of::<Person>());
        assert_eq!(size_of::<Option<Organization>>(), size_of::<Organization>());
        assert_eq!(size_of::<Option<Edge>>(), size_of::<Edge>());
        assert_eq!(size_of::<Option<Interaction>>(), size_of::<Interaction>());
    }

    #[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct R {
        id: Uuid,
        v: u32,
    }
    impl Record for R {
        const KIND: EntityKind = EntityKind::Person;
        fn id(&self) -> Uuid {
            self.id
        }
        fn is_deleted(&self) -> bool {
            false
        }
    }

    #[test]
    fn a_record_keeps_its_slot_and_an_emptied_slot_is_reused() {
        let ids: Vec<Uuid> = (1..=4).map(Uuid::from_u128).collect();
        let mut t = Table::new(4);
        for (v, &id) in ids.iter().enumerate() {
            assert!(t.insert(R { id, v: v as u32 }).is_none());
        }
        let slots: Vec<u32> = ids.iter().map(|&id| t.slot_of(id).unwrap()).collect();
        // Removing one leaves every other record where it was.
        assert_eq!(t.remove(ids[1]).map(|r| r.v), Some(1));
        assert_eq!(t.len(), 3);
        assert_eq!(t.at_slot(slots[1]), None);
        for i in [0, 2, 3] {
            assert_eq!(t.slot_of(ids[i]), Some(slots[i]));
            assert_eq!(t.at_slot(slots[i]).map(|r| r.v), Some(i as u32));
        }
        // An update stays in place; a new record takes the emptied slot.
        t.insert(R { id: ids[2], v: 20 });
        assert_eq!(t.slot_of(ids[2]), Some(slots[2]));
        let new = Uuid::from_u128(9);
        t.insert(R { id: new, v: 9 });
        assert_eq!(t.slot_of(new), Some(slots[1]));
        assert_eq!(t.by_slot().len(), 4);
        let mut seen: Vec<u32> = t.values().map(|r| r.v).collect();
        seen.sort();
        assert_eq!(seen, vec![0, 3, 9, 20]);
        // Paging order is unaffected by slots.
        assert_eq!(t.after(None).count(), 4);
    }

    /// The order after a batch, large (one merge) or small (a tree insert
    /// each), is the sorted keys of what the table holds: updates, removals
    /// and new records mixed, as a commit applies them.
    #[test]
    fn a_batch_keeps_the_order_whole() {
        let key_order = |t: &Table<R>| t.after(None).map(|(k, _)| *k).collect::<Vec<_>>();
        let sorted_keys = |t: &Table<R>| {
            let mut keys: Vec<Key> = t.values().map(|r| t.key(r.id)).collect();
            keys.sort();
            keys
        };
        let mut t = Table::new(6);
        let mut next = 1u128;
        let mut fresh = |n: usize| -> Vec<Uuid> {
            (0..n)
                .map(|_| {
                    next += 1;
                    Uuid::from_u128(next.wrapping_mul(0x9E37_79B9_7F4A_7C15_F39C_C060_5CED_C835))
                })
                .collect()
        };
        let first = fresh(3000);
        t.batch(t.count_absent(first.iter()), |t| {
            for &id in &first {
                t.insert(R { id, v: 0 });
            }
        });
        // The order is built now (the first read builds it).
        assert_eq!(key_order(&t), sorted_keys(&t));
        // Large (5000 changes on 3000 records) and small (10 on ~7000).
        for (n_new, n_removed) in [(4000, 500), (6, 4)] {
            let new = fresh(n_new);
            let old: Vec<Uuid> = t.values().map(|r| r.id).take(n_removed + 500).collect();
            t.batch(t.count_absent(new.iter()), |t| {
                for (i, &id) in old.iter().enumerate() {
                    if i < n_removed {
                        t.remove(id);
                    } else {
                        t.insert(R { id, v: 1 });
                    }
                }
                for &id in &new {
                    t.insert(R { id, v: 2 });
                }
            });
            assert_eq!(key_order(&t), sorted_keys(&t));
            for b in [0u16, 17, 63] {
                let in_bucket: Vec<Key> = sorted_keys(&t)
                    .into_iter()
                    .filter(|k| k.bucket == b)
                    .collect();
                assert_eq!(t.bucket_keys(b).copied().collect::<Vec<_>>(), in_bucket);
            }
        }
        assert_eq!(t.len(), 3000 + 4000 - 500 + 6 - 4);
        // Updates alone make no room: the record array keeps its size.
        let cap = t.records.capacity();
        let all: Vec<Uuid> = t.values().map(|r| r.id).collect();
        t.batch(t.count_absent(all.iter()), |t| {
            for &id in &all {
                t.insert(R { id, v: 3 });
            }
        });
        assert_eq!(t.records.capacity(), cap);
        assert_eq!(key_order(&t), sorted_keys(&t));
    }
}
