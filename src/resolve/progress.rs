//! Progress reporting and cancellation.
//!
//! Long operations take `&mut dyn FnMut(done, total) -> bool`. `total` is fixed for the
//! whole run ([`PROGRESS_TOTAL`]) and `done` never decreases; the stages (prepare,
//! blocking, u sampling, comparing, EM, clustering) each own a share of it. Returning
//! `false` cancels: the operation stops at its next check and returns
//! `Err(ResolveError::Cancelled)`. Checks happen at least every 4,096 units of work.

use super::ResolveError;

/// The `total` passed to progress callbacks.
pub const PROGRESS_TOTAL: usize = 10_000;

/// The callback type.
pub type ProgressFn<'a> = &'a mut dyn FnMut(usize, usize) -> bool;

/// A callback that never cancels.
pub fn no_progress() -> impl FnMut(usize, usize) -> bool {
    |_, _| true
}

pub(crate) struct Progress<'a> {
    cb: &'a mut dyn FnMut(usize, usize) -> bool,
    /// stage start and width, in PROGRESS_TOTAL units
    base: usize,
    width: usize,
    last: usize,
}

impl<'a> Progress<'a> {
    pub fn new(cb: &'a mut dyn FnMut(usize, usize) -> bool) -> Self {
        Progress {
            cb,
            base: 0,
            width: 0,
            last: 0,
        }
    }

    /// Enter the next stage, which owns `share` of the total (in per-ten-thousand).
    pub fn stage(&mut self, share: usize) -> Result<(), ResolveError> {
        self.base += self.width;
        self.width = share.min(PROGRESS_TOTAL - self.base.min(PROGRESS_TOTAL));
        self.report(self.base)
    }

    /// `done` of `total` items of the current stage are finished.
    pub fn step(&mut self, done: usize, total: usize) -> Result<(), ResolveError> {
        let frac = if total == 0 {
            self.width
        } else {
            (self.width as u128 * done.min(total) as u128 / total as u128) as usize
        };
        self.report(self.base + frac)
    }

    pub fn finish(&mut self) -> Result<(), ResolveError> {
        self.report(PROGRESS_TOTAL)
    }

    fn report(&mut self, v: usize) -> Result<(), ResolveError> {
        let v = v.clamp(self.last, PROGRESS_TOTAL);
        self.last = v;
        if (self.cb)(v, PROGRESS_TOTAL) {
            Ok(())
        } else {
            Err(ResolveError::Cancelled)
        }
    }
}
