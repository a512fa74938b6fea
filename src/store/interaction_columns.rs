//! The interactions as a strength recompute reads them, kept current by
//! every commit once built.
//!
//! Participant texts are interned: a million interactions name a few
//! thousand people, so a recompute resolves each distinct text to a person
//! once and maps every interaction with array lookups, instead of hashing
//! two and a half million strings and chasing a heap pointer for each.
//! Resolution itself (ids through `mergedInto`, emails through live people)
//! runs at every recompute, over the distinct texts, so merges, deletions
//! and email edits need no bookkeeping here.

use rustc_hash::FxHashMap as HashMap;

use super::table::Table;
use crate::graph::{in_chunks, CHUNK};
use crate::model::{Channel, Direction, Interaction};

/// Marks "no sender" in [`Row::sender`].
pub(crate) const NO_SENDER: u32 = u32::MAX;

/// One interaction-table slot.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Row {
    /// Holds a record that is not soft-deleted.
    pub live: bool,
    pub timestamp_ms: i64,
    pub updated_ms: i64,
    /// The row's participant keys: `keys[start .. start + len]`, in the
    /// record's order.
    pub start: u32,
    pub len: u32,
    /// Position of the sender among the participants, or [`NO_SENDER`].
    pub sender: u32,
    pub duration_minutes: Option<f32>,
    pub channel: Channel,
    pub direction: Option<Direction>,
}

const EMPTY: Row = Row {
    live: false,
    timestamp_ms: 0,
    updated_ms: 0,
    start: 0,
    len: 0,
    sender: NO_SENDER,
    duration_minutes: None,
    channel: Channel::Other,
    direction: None,
};

#[derive(Debug, Clone, Default)]
pub(crate) struct InteractionColumns {
    key_of: HashMap<Box<str>, u32>,
    texts: Vec<Box<str>>,
    /// By interaction-table slot.
    rows: Vec<Row>,
    keys: Vec<u32>,
    /// Entries of `keys` no row points at any more.
    garbage: usize,
}

impl InteractionColumns {
    pub fn build(table: &Table<Interaction>) -> Self {
        let slots = table.by_slot();
        let mut c = InteractionColumns {
            rows: vec![EMPTY; slots.len()],
            ..Default::default()
        };
        in_chunks(slots.len(), CHUNK, |r| {
            for slot in r {
                if let Some(i) = &slots[slot] {
                    c.rows[slot] = c.row_of(i);
                }
            }
        });
        c
    }

    /// Follows a change of `slot` (its record now, `None` once removed).
    pub fn set(&mut self, slot: u32, record: Option<&Interaction>) {
        let slot = slot as usize;
        if self.rows.len() <= slot {
            self.rows.resize(slot + 1, EMPTY);
        }
        self.garbage += self.rows[slot].len as usize;
        self.rows[slot] = match record {
            Some(i) => self.row_of(i),
            None => EMPTY,
        };
        // Updates leave their old keys behind; past half, pack the rest.
        if self.garbage > 1024 && self.garbage * 2 > self.keys.len() {
            self.compact();
        }
    }

    fn row_of(&mut self, i: &Interaction) -> Row {
        let start = self.keys.len();
        for text in &i.participants {
            let k = match self.key_of.get(text.as_str()) {
                Some(&k) => k,
                None => {
                    let k = self.texts.len() as u32;
                    self.texts.push(text.as_str().into());
                    self.key_of.insert(text.as_str().into(), k);
                    k
                }
            };
            self.keys.push(k);
        }
        let sender = i
            .sender
            .as_deref()
            .and_then(|s| i.participants.iter().position(|p| p == s))
            .map_or(NO_SENDER, |p| p as u32);
        Row {
            live: i.deleted_at.is_none(),
            timestamp_ms: i.timestamp.millis(),
            updated_ms: i.updated_at.millis(),
            start: start as u32,
            len: i.participants.len() as u32,
            sender,
            duration_minutes: i.duration_minutes.map(|d| d as f32),
            channel: i.channel,
            direction: i.direction,
        }
    }

    fn compact(&mut self) {
        let mut keys = Vec::with_capacity(self.keys.len() - self.garbage);
        for row in &mut self.rows {
            let (s, n) = (row.start as usize, row.len as usize);
            row.start = keys.len() as u32;
            keys.extend_from_slice(&self.keys[s..s + n]);
        }
        self.keys = keys;
        self.garbage = 0;
    }

    /// Rows by interaction-table slot.
    pub fn rows(&self) -> &[Row] {
        &self.rows
    }

    /// A row's participant keys.
    pub fn keys(&self, row: &Row) -> &[u32] {
        &self.keys[row.start as usize..(row.start + row.len) as usize]
    }

    /// The key of a participant text, if some interaction names it.
    pub fn key(&self, text: &str) -> Option<u32> {
        self.key_of.get(text).copied()
    }

    /// Participant texts by key.
    pub fn texts(&self) -> &[Box<str>] {
        &self.texts
    }
}
