//! Writes shared between the instances of one stored graph (tabs, a page
//! and a worker, an extension's service worker): the instance that wrote
//! encodes each commit it applied, and another instance that holds the
//! graph as it was before that write applies the same commit — a few
//! milliseconds — instead of reading the whole graph again (1–4 s at
//! 100,000 people, during which it could not write).
//!
//! Generations make this safe: every write checks and bumps the stored
//! generation in its own transaction, so the history of a stored graph is
//! one line, and a commit made at generation g applies exactly to a copy at
//! g. A copy anywhere else (behind by a commit it never heard of, or a
//! write too large to share) reads the graph again, as before.
//!
//! Slots are an instance's own (its load order): an edge rescored in place
//! travels as its whole new record.

use std::borrow::Cow;
use std::collections::BTreeMap;

use super::commit::{Changes, Commit, OutboxEntry, Rewrite};
use super::GraphState;
use crate::model::{
    AuditEntry, Edge, Interaction, MergeRecord, Organization, Person, Rejection, Uuid,
};
use crate::sync::SyncMeta;

/// First byte of an encoded commit: a copy running other code (a tab not
/// yet reloaded after an upgrade) reads the graph again instead.
const WIRE_FORMAT: u8 = 1;
/// Records in one commit beyond which it is not shared: the others read
/// the graph again (a full recompute or a bulk load is cheaper to read
/// than to encode, send and apply).
pub const SHARE_MAX_RECORDS: usize = 20_000;
/// Bytes of encoded commits held between two takes.
pub const SHARE_MAX_BYTES: usize = 16 << 20;

type Wire<'a> = (
    u8,
    Cow<'a, Changes<Person>>,
    Cow<'a, Changes<Organization>>,
    Cow<'a, Changes<Edge>>,
    Cow<'a, Changes<Interaction>>,
    Cow<'a, BTreeMap<Uuid, Option<MergeRecord>>>,
    Cow<'a, BTreeMap<(Uuid, Uuid), Option<Rejection>>>,
    Cow<'a, Vec<AuditEntry>>,
    Cow<'a, Vec<u64>>,
    Cow<'a, Vec<OutboxEntry>>,
    Cow<'a, Vec<u64>>,
    Cow<'a, Option<SyncMeta>>,
    Cow<'a, BTreeMap<u64, Option<Vec<Vec<Uuid>>>>>,
    u64,
);

/// Commits applied since the last [`ShareLog::take`], encoded, each
/// prefixed by its length (u32, little-endian).
#[derive(Debug, Default)]
pub struct ShareLog {
    frames: Vec<u8>,
    /// A commit was not shared: the others must read the graph again.
    overflow: bool,
}

impl ShareLog {
    /// Notes `commit`, about to be applied to `state` (which it was made
    /// against). A commit that wrote nothing is not shared.
    pub fn record(&mut self, commit: &Commit, state: &GraphState) {
        let Some(generation) = commit.generation else {
            return;
        };
        if self.overflow {
            return;
        }
        match encode(commit, state, generation) {
            Some(bytes) if self.frames.len() + bytes.len() + 4 <= SHARE_MAX_BYTES => {
                self.frames
                    .extend_from_slice(&(bytes.len() as u32).to_le_bytes());
                self.frames.extend_from_slice(&bytes);
            }
            _ => {
                self.overflow = true;
                self.frames = Vec::new();
            }
        }
    }

    /// The commits since the last take, framed; None when there were none,
    /// or when one was not shared (then the others read the graph again).
    pub fn take(&mut self) -> Option<Vec<u8>> {
        let log = std::mem::take(self);
        (!log.overflow && !log.frames.is_empty()).then_some(log.frames)
    }
}

fn encode(c: &Commit, state: &GraphState, generation: u64) -> Option<Vec<u8>> {
    let records = c.people.len()
        + c.organizations.len()
        + c.edges.len()
        + c.edge_rescores.len()
        + c.interactions.len()
        + c.merges.len()
        + c.rejections.len()
        + c.audit.len()
        + c.outbox.len();
    if records > SHARE_MAX_RECORDS {
        return None;
    }
    let edges = if c.edge_rescores.is_empty() {
        Cow::Borrowed(&c.edges)
    } else {
        let mut edges = c.edges.clone();
        for r in &c.edge_rescores {
            if let Some(old) = state.edges.at_slot(r.slot) {
                let mut new = old.clone();
                r.write(&mut new);
                edges.insert(new.id, Some(new));
            }
        }
        Cow::Owned(edges)
    };
    let wire: Wire = (
        WIRE_FORMAT,
        Cow::Borrowed(&c.people),
        Cow::Borrowed(&c.organizations),
        edges,
        Cow::Borrowed(&c.interactions),
        Cow::Borrowed(&c.merges),
        Cow::Borrowed(&c.rejections),
        Cow::Borrowed(&c.audit),
        Cow::Borrowed(&c.audit_removed),
        Cow::Borrowed(&c.outbox),
        Cow::Borrowed(&c.outbox_removed),
        Cow::Borrowed(&c.sync),
        Cow::Borrowed(&c.strength_lost),
        generation,
    );
    postcard::to_allocvec(&wire).ok()
}

/// One encoded commit back; None when it is not one this code reads.
fn decode(bytes: &[u8]) -> Option<Commit> {
    let wire: Wire = postcard::from_bytes(bytes).ok()?;
    let (
        format,
        people,
        organizations,
        edges,
        interactions,
        merges,
        rejections,
        audit,
        audit_removed,
        outbox,
        outbox_removed,
        sync,
        strength_lost,
        generation,
    ) = wire;
    (format == WIRE_FORMAT).then(|| Commit {
        people: people.into_owned(),
        organizations: organizations.into_owned(),
        edges: edges.into_owned(),
        edge_rescores: Vec::new(),
        interactions: interactions.into_owned(),
        merges: merges.into_owned(),
        rejections: rejections.into_owned(),
        audit: audit.into_owned(),
        audit_removed: audit_removed.into_owned(),
        outbox: outbox.into_owned(),
        outbox_removed: outbox_removed.into_owned(),
        sync: sync.into_owned(),
        strength_lost: strength_lost.into_owned(),
        generation: Some(generation),
    })
}

/// The commits of `frames` in order, each with its generation; None when
/// the frames are malformed or not this code's.
pub fn decode_frames(mut frames: &[u8]) -> Option<Vec<Commit>> {
    let mut out = Vec::new();
    while !frames.is_empty() {
        let len = u32::from_le_bytes(frames.get(..4)?.try_into().ok()?) as usize;
        let bytes = frames.get(4..4 + len)?;
        out.push(decode(bytes)?);
        frames = &frames[4 + len..];
    }
    Some(out)
}
