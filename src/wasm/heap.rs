//! The heap: dlmalloc (the allocator std uses on wasm32) over linear memory
//! grown by a quarter (at most 64 MiB) at a time.
//!
//! std's dlmalloc grows memory by just what each request needs (64 KiB
//! pages). Every `memory.grow` hands V8 a new `ArrayBuffer` of the whole
//! memory, and V8 answers a stream of them with full garbage collections:
//! loading 1,000,000 interactions (~1.5 GB of memory) ran 7,317 mark-compacts
//! in Node 20 (`--trace-gc`), more than half of the 34 s it took, and the
//! first `recomputeStrengths` after it took 45 s against 7 s for the next
//! one. Growing by a quarter (at most 64 MiB) makes it a few dozen grows:
//! 25 full collections for that load and the first recompute, against
//! 4,794 with the old heap, for the same final memory (2.69 GB; uncapped
//! quarters reached 2.86 GB).

use std::alloc::{GlobalAlloc, Layout};
use std::cell::UnsafeCell;

use core::arch::wasm32;
use dlmalloc::{Allocator, Dlmalloc};

const PAGE: usize = 64 * 1024;

/// Memory grows by `1 / GROWTH_DIVISOR` of its current size (never by
/// less than what is asked for)…
const GROWTH_DIVISOR: usize = 4;

/// …capped at this many pages (64 MiB), so that a large heap does not
/// reserve hundreds of megabytes it may never use (the runtime commits
/// grown pages: on Windows they count against the commit limit).
const MAX_STEP_PAGES: usize = 1024;

/// Linear memory as dlmalloc's system allocator.
struct GrowingMemory;

impl GrowingMemory {
    /// Pages to ask for when `size` bytes are needed and memory holds
    /// `current` pages: what is needed, or a quarter of what there is (at
    /// most 64 MiB).
    fn pages_for(size: usize, current: usize) -> (usize, usize) {
        let need = size.div_ceil(PAGE);
        (
            need.max((current / GROWTH_DIVISOR).min(MAX_STEP_PAGES)),
            need,
        )
    }
}

// SAFETY: regions come from `memory.grow`, which never hands out the same
// pages twice; nothing is ever returned to the system.
unsafe impl Allocator for GrowingMemory {
    fn alloc(&self, size: usize) -> (*mut u8, usize, u32) {
        let (want, need) = Self::pages_for(size, wasm32::memory_size(0));
        // Near the 4 GiB limit the generous grow fails where the exact one
        // may not.
        for pages in [want, need] {
            let prev = wasm32::memory_grow(0, pages);
            if prev == usize::MAX {
                continue;
            }
            let base = prev * PAGE;
            let size = pages * PAGE;
            // A region ending at the very top of the address space would
            // make `base + size` wrap to 0; keep its last bytes unused (as
            // dlmalloc's own wasm system allocator does).
            let size = if base.wrapping_add(size) == 0 {
                size - 16
            } else {
                size
            };
            return (base as *mut u8, size, 0);
        }
        (std::ptr::null_mut(), 0, 0)
    }

    fn remap(&self, _ptr: *mut u8, _old: usize, _new: usize, _can_move: bool) -> *mut u8 {
        std::ptr::null_mut()
    }

    fn free_part(&self, _ptr: *mut u8, _old: usize, _new: usize) -> bool {
        false
    }

    fn free(&self, _ptr: *mut u8, _size: usize) -> bool {
        false
    }

    fn can_release_part(&self, _flags: u32) -> bool {
        false
    }

    fn allocates_zeros(&self) -> bool {
        true
    }

    fn page_size(&self) -> usize {
        PAGE
    }
}

struct Heap(UnsafeCell<Dlmalloc<GrowingMemory>>);

// SAFETY: the module is built without the `atomics` feature, so it runs on
// one thread and the allocator is never entered twice at once.
#[cfg(not(target_feature = "atomics"))]
unsafe impl Sync for Heap {}

// SAFETY: forwards to dlmalloc, whose `malloc`/`free`/`realloc` have the
// contracts `GlobalAlloc` asks for; see `Sync` above for exclusivity.
unsafe impl GlobalAlloc for Heap {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        (*self.0.get()).malloc(layout.size(), layout.align())
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        (*self.0.get()).calloc(layout.size(), layout.align())
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        (*self.0.get()).free(ptr, layout.size(), layout.align())
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        (*self.0.get()).realloc(ptr, layout.size(), layout.align(), new_size)
    }
}

#[global_allocator]
static HEAP: Heap = Heap(UnsafeCell::new(Dlmalloc::new_with_allocator(GrowingMemory)));
