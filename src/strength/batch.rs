//! Interactions in the flat form the engine ingests.

use super::{Channel, InteractionInput};

/// Marks "no sender" in [`Head::sender`].
const NO_SENDER: u32 = u32::MAX;

/// The fixed-size part of one interaction.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Head {
    pub timestamp_ms: i64,
    /// End of this interaction's participants in [`InteractionBatch::parts`].
    pub end: u32,
    pub sender: u32,
    /// Minutes; NaN when unknown.
    pub duration: f32,
    pub channel: Channel,
    pub two_way: Option<bool>,
}

impl Head {
    pub fn sender(&self) -> Option<u32> {
        (self.sender != NO_SENDER).then_some(self.sender)
    }

    pub fn duration_minutes(&self) -> Option<f32> {
        (!self.duration.is_nan()).then_some(self.duration)
    }
}

/// Interactions as one head each and every participant list in one buffer:
/// a million interactions are two allocations, not a million and one, and
/// the engine reads them in order without chasing a pointer per
/// interaction. Participants are kept sorted and deduplicated.
///
/// ```
/// use wig_strength::{Channel, InteractionBatch};
/// let mut batch = InteractionBatch::default();
/// batch.push(1_000, [3, 1, 3], Some(3), Channel::Email, None, None);
/// assert_eq!(batch.len(), 1);
/// assert_eq!(batch.participants(0), &[1, 3]);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct InteractionBatch {
    heads: Vec<Head>,
    parts: Vec<u32>,
}

impl InteractionBatch {
    pub fn with_capacity(interactions: usize, participants: usize) -> Self {
        InteractionBatch {
            heads: Vec::with_capacity(interactions),
            parts: Vec::with_capacity(participants),
        }
    }

    /// Appends one interaction. `sender` is ignored later unless it is one
    /// of the participants.
    pub fn push(
        &mut self,
        timestamp_ms: i64,
        participants: impl IntoIterator<Item = u32>,
        sender: Option<u32>,
        channel: Channel,
        two_way: Option<bool>,
        duration_minutes: Option<f32>,
    ) {
        let start = self.parts.len();
        self.parts.extend(participants);
        let mine = &mut self.parts[start..];
        mine.sort_unstable();
        let mut kept = 0;
        for i in 0..mine.len() {
            if i == 0 || mine[i] != mine[kept - 1] {
                mine[kept] = mine[i];
                kept += 1;
            }
        }
        self.parts.truncate(start + kept);
        self.heads.push(Head {
            timestamp_ms,
            end: self.parts.len() as u32,
            sender: sender.filter(|&s| s != NO_SENDER).unwrap_or(NO_SENDER),
            duration: duration_minutes.filter(|d| !d.is_nan()).unwrap_or(f32::NAN),
            channel,
            two_way,
        });
    }

    pub fn len(&self) -> usize {
        self.heads.len()
    }

    pub fn is_empty(&self) -> bool {
        self.heads.is_empty()
    }

    fn start(&self, i: usize) -> usize {
        if i == 0 {
            0
        } else {
            self.heads[i - 1].end as usize
        }
    }

    /// Participants of interaction `i`, sorted and distinct.
    pub fn participants(&self, i: usize) -> &[u32] {
        &self.parts[self.start(i)..self.heads[i].end as usize]
    }

    pub(crate) fn head(&self, i: usize) -> &Head {
        &self.heads[i]
    }

    /// Interactions `range` as a batch of their own (the engine ingests
    /// bounded chunks).
    pub(crate) fn slice(&self, range: std::ops::Range<usize>) -> BatchSlice<'_> {
        BatchSlice { batch: self, range }
    }
}

/// A run of consecutive interactions of a batch.
pub(crate) struct BatchSlice<'a> {
    batch: &'a InteractionBatch,
    range: std::ops::Range<usize>,
}

impl BatchSlice<'_> {
    pub fn len(&self) -> usize {
        self.range.len()
    }

    pub fn head(&self, i: usize) -> &Head {
        self.batch.head(self.range.start + i)
    }

    pub fn participants(&self, i: usize) -> &[u32] {
        self.batch.participants(self.range.start + i)
    }
}

impl From<&[InteractionInput]> for InteractionBatch {
    fn from(items: &[InteractionInput]) -> Self {
        let n = items.iter().map(|i| i.participants.len()).sum();
        let mut b = InteractionBatch::with_capacity(items.len(), n);
        for it in items {
            b.push(
                it.timestamp_ms,
                it.participants.iter().copied(),
                it.sender,
                it.channel,
                it.two_way,
                it.duration_minutes,
            );
        }
        b
    }
}
