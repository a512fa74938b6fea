//! Long passes cut into calls of a non-inlined function.
//!
//! Why: V8 (Chrome, Node, extensions) first runs a WebAssembly function in
//! its baseline tier (Liftoff) and installs optimized code for *later calls*
//! once the function has run hot; it has no on-stack replacement for wasm.
//! A pass over a million records inside one call therefore runs baseline
//! code to its end: the first index build of a session took 2–3× as long as
//! the next ones (measured with `node --no-liftoff`). Cut into calls of a
//! few thousand items, a pass switches to optimized code after its first
//! chunks. Natively the cost is one call per chunk.

use core::ops::Range;

/// Items per call: large enough that the call is noise, small enough that
/// the baseline tier runs only the first few chunks of a large pass.
pub const CHUNK: usize = 4096;

/// Calls `f` with consecutive ranges covering `0..len`, each at most `chunk`
/// long, in order; each call enters a distinct non-inlined function.
///
/// ```
/// let mut seen = Vec::new();
/// wig_strength::chunked::in_chunks(10, 4, |r| seen.push(r));
/// assert_eq!(seen, vec![0..4, 4..8, 8..10]);
/// ```
pub fn in_chunks(len: usize, chunk: usize, mut f: impl FnMut(Range<usize>)) {
    let chunk = chunk.max(1);
    if len == 0 {
        return;
    }
    // Two call sites on purpose: `wasm-opt -Oz` inlines a function called
    // from one place, which folded the chunks back into one long loop (the
    // shipped module lost the effect: engine first call 0.68 s vs 0.45 s).
    let mut start = len.min(chunk);
    call(&mut f, 0..start);
    while start < len {
        let end = len.min(start + chunk);
        call(&mut f, start..end);
        start = end;
    }
}

/// Consumes `items` in order, `chunk` items per call, as [`in_chunks`] does
/// for index ranges (for owned collections drained in one pass).
///
/// ```
/// let mut sum = 0;
/// wig_strength::chunked::each_in_chunks(vec![1, 2, 3, 4, 5], 2, |x| sum += x);
/// assert_eq!(sum, 15);
/// ```
pub fn each_in_chunks<I>(items: I, chunk: usize, mut f: impl FnMut(I::Item))
where
    I: IntoIterator,
    I::IntoIter: ExactSizeIterator,
{
    let mut items = items.into_iter();
    in_chunks(items.len(), chunk, |r| {
        items.by_ref().take(r.len()).for_each(&mut f)
    });
}

/// One instance per closure type: the unit V8 tiers up.
#[inline(never)]
fn call<F: FnMut(Range<usize>)>(f: &mut F, r: Range<usize>) {
    f(r)
}
