//! Person id → node number, for the search index ([`super::GraphView`]).
//!
//! Open addressing over node numbers: a slot holds `node + 1` (0: empty),
//! and a probe compares the id through the view's node → id table, so each
//! id is held once. Why not a `HashMap<Uuid, u32>`: an index build resolves
//! both people of every edge, and in wasm hashbrown's probe (hash, load a
//! control group, match it, then load the bucket) is longer than this one's
//! hash → slot → id: the SocioPatterns build took 0.361 ms with the map and
//! 0.305 ms with this table (Node, alternating builds). It is also 4 bytes
//! a slot at most half full, where the map held 21 bytes a bucket (1.0 MB
//! against 2.75 MB for 100,000 people).

use crate::model::Uuid;

#[derive(Debug, Clone)]
pub(crate) struct NodeIndex {
    /// `64 − log2(slots.len())`: a hash's top bits pick the first slot.
    shift: u32,
    /// `node + 1`, or 0 where empty; at most half full.
    slots: Vec<u32>,
}

/// The first slots there are, at least (a power of two).
const MIN_SLOTS: usize = 8;

impl NodeIndex {
    /// The index of `ids` (node `i` is `ids[i]`; the ids are distinct but
    /// for nil ones, erased people's nodes, which are left out).
    pub fn new(ids: &[Uuid]) -> NodeIndex {
        let len = (ids.len() * 2).next_power_of_two().max(MIN_SLOTS);
        let mut index = NodeIndex {
            shift: 64 - len.trailing_zeros(),
            slots: vec![0; len],
        };
        for (node, id) in ids.iter().enumerate() {
            if !id.is_nil() {
                index.place(id, node as u32);
            }
        }
        index
    }

    /// The node of `id`, if it has one.
    #[inline]
    pub fn get(&self, ids: &[Uuid], id: &Uuid) -> Option<u32> {
        let mask = self.slots.len() - 1;
        let mut i = self.first_slot(id);
        loop {
            let node = self.slots[i].checked_sub(1)?;
            if ids[node as usize] == *id {
                return Some(node);
            }
            i = (i + 1) & mask;
        }
    }

    /// Adds the last node of `ids` (a new id, just pushed).
    pub fn push(&mut self, ids: &[Uuid]) {
        if ids.len() * 2 > self.slots.len() {
            *self = NodeIndex::new(ids);
        } else if let Some(id) = ids.last() {
            self.place(id, ids.len() as u32 - 1);
        }
    }

    /// Bytes held.
    pub fn memory_bytes(&self) -> usize {
        self.slots.capacity() * core::mem::size_of::<u32>()
    }

    fn place(&mut self, id: &Uuid, node: u32) {
        let mask = self.slots.len() - 1;
        let mut i = self.first_slot(id);
        while self.slots[i] != 0 {
            i = (i + 1) & mask;
        }
        self.slots[i] = node + 1;
    }

    /// Both halves of the id mixed by multiplication, the top bits kept.
    /// Read little-endian: `Uuid::as_u64_pair` is big-endian, and wasm has
    /// no byte swap (about thirty instructions a half).
    #[inline]
    fn first_slot(&self, id: &Uuid) -> usize {
        let b = id.as_bytes();
        let (lo, hi) = b.split_at(8);
        let lo = u64::from_le_bytes(lo.try_into().expect("8 bytes"));
        let hi = u64::from_le_bytes(hi.try_into().expect("8 bytes"));
        let h = (hi.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ lo).wrapping_mul(0xD6E8_FEB8_6659_FD93);
        (h >> self.shift) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn id(x: u128) -> Uuid {
        Uuid::from_u128(x)
    }

    #[test]
    fn finds_every_node_and_nothing_else() {
        let ids: Vec<Uuid> = (1..=300)
            .map(|i| id(0x4000_8000_0000_0000_0000 + i))
            .collect();
        let index = NodeIndex::new(&ids);
        for (node, x) in ids.iter().enumerate() {
            assert_eq!(index.get(&ids, x), Some(node as u32));
        }
        assert_eq!(index.get(&ids, &id(7)), None);
        assert_eq!(NodeIndex::new(&[]).get(&[], &id(1)), None);
    }

    proptest::proptest! {
        /// Built at once or node by node (growing), the index answers as a
        /// map of the same ids does, for ids present and absent; ids that
        /// differ in one half only are the hash's hard case.
        #[test]
        fn answers_as_a_map_does(
            raw in proptest::collection::hash_set((0u64..64, proptest::num::u64::ANY), 0..200),
            absent in proptest::collection::vec((0u64..64, proptest::num::u64::ANY), 0..50),
        ) {
            let ids: Vec<Uuid> = raw.iter().map(|&(hi, lo)| id(u128::from(hi) << 64 | u128::from(lo))).collect();
            let map: HashMap<Uuid, u32> = ids.iter().enumerate().map(|(n, &x)| (x, n as u32)).collect();
            let mut grown = NodeIndex::new(&[]);
            for n in 1..=ids.len() {
                grown.push(&ids[..n]);
            }
            let built = NodeIndex::new(&ids);
            let probes = ids.iter().copied().chain(absent.iter().map(|&(hi, lo)| id(u128::from(hi) << 64 | u128::from(lo))));
            for x in probes {
                let want = map.get(&x).copied();
                proptest::prop_assert_eq!(built.get(&ids, &x), want);
                proptest::prop_assert_eq!(grown.get(&ids, &x), want);
            }
            proptest::prop_assert!(built.slots.iter().filter(|&&s| s != 0).count() * 2 <= built.slots.len());
        }
    }
}
