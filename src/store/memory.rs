//! The in-memory backend (Node, tests). It stores the same encoded values as
//! IndexedDB would, so reopening exercises the real load path.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use super::{Backend, StoreKey, StoreName, WriteSet};
use crate::error::{Error, ErrorCode, Result};

type Values = BTreeMap<(StoreName, StoreKey), Vec<u8>>;

/// The stored generation (`meta/generation`; 0 if absent).
fn stored_generation(values: &Values) -> Result<u64> {
    values
        .get(&(StoreName::Meta, super::generation_key()))
        .map_or(Ok(0), |b| super::codec::decode::<u64>(b, "generation"))
}

#[derive(Clone, Default)]
pub struct MemoryBackend {
    values: Rc<RefCell<Values>>,
    fail_writes: Rc<Cell<bool>>,
    quota_bytes: Rc<Cell<Option<usize>>>,
    /// Set by [`Self::delete_named`]: a handle still open on the deleted
    /// graph has its writes refused, as IndexedDB refuses them, instead of
    /// keeping them where no later open would find them.
    deleted: Rc<Cell<bool>>,
}

thread_local! {
    static NAMED: RefCell<HashMap<String, MemoryBackend>> = RefCell::new(HashMap::new());
}

impl MemoryBackend {
    /// The backend registered under `name` in this thread: opening the same
    /// name twice sees the same data, like an IndexedDB database would.
    pub fn named(name: &str) -> MemoryBackend {
        NAMED.with(|m| m.borrow_mut().entry(name.to_string()).or_default().clone())
    }

    /// Forgets a named backend (the memory analogue of deleting a database).
    pub fn delete_named(name: &str) {
        if let Some(gone) = NAMED.with(|m| m.borrow_mut().remove(name)) {
            gone.deleted.set(true);
        }
    }

    /// Makes every following write fail, as a full disk or a closed tab
    /// would: tests use it to check that nothing is half-written.
    pub fn set_fail_writes(&self, fail: bool) {
        self.fail_writes.set(fail);
    }

    /// Caps the bytes stored, as a browser's storage quota does: a write
    /// that would exceed it fails with QUOTA_EXCEEDED and changes nothing.
    pub fn set_quota_bytes(&self, quota: Option<usize>) {
        self.quota_bytes.set(quota);
    }

    pub fn stored_bytes(&self) -> usize {
        self.values.borrow().values().map(Vec::len).sum()
    }

    pub fn stored_values(&self, store: StoreName) -> usize {
        self.values
            .borrow()
            .keys()
            .filter(|(s, _)| *s == store)
            .count()
    }
}

impl Backend for MemoryBackend {
    async fn load(&self, sink: &mut super::Sink<'_>) -> Result<()> {
        let values = self.values.borrow();
        let meta_first = values
            .iter()
            .filter(|((s, _), _)| *s == StoreName::Meta)
            .chain(values.iter().filter(|((s, _), _)| *s != StoreName::Meta));
        for ((s, k), v) in meta_first {
            sink(*s, k.clone(), v)?;
        }
        Ok(())
    }

    async fn generation(&self) -> Result<u64> {
        stored_generation(&self.values.borrow())
    }

    async fn write(&self, set: WriteSet) -> Result<()> {
        if self.deleted.get() {
            return Err(Error::general(
                ErrorCode::Storage,
                "the graph was deleted while this handle was open; open it again",
            ));
        }
        if self.fail_writes.get() {
            return Err(Error::general(
                ErrorCode::Storage,
                "write refused (simulated failure)",
            ));
        }
        let mut values = self.values.borrow_mut();
        if let Some(expected) = set.expect_generation {
            let stored = stored_generation(&values)?;
            if stored != expected {
                return Err(super::stale(stored, expected));
            }
        }
        if let Some(quota) = self.quota_bytes.get() {
            // Keys are either put or deleted in one set, never both.
            let replaced: usize = set
                .deletes
                .iter()
                .map(|(s, k)| (s, k))
                .chain(set.puts.iter().map(|(s, k, _)| (s, k)))
                .filter_map(|(s, k)| values.get(&(*s, k.clone())).map(Vec::len))
                .sum();
            let current: usize = values.values().map(Vec::len).sum();
            let after = current - replaced.min(current) + set.bytes();
            if after > quota {
                return Err(Error::general(
                    ErrorCode::QuotaExceeded,
                    format!("the write needs {after} bytes of storage; the quota is {quota}"),
                ));
            }
        }
        for (s, k) in set.deletes {
            values.remove(&(s, k));
        }
        for (s, k, v) in set.puts {
            values.insert((s, k), v);
        }
        Ok(())
    }
}

/// Runs a future to completion on this thread. The core's futures only wait
/// on the backend; with [`MemoryBackend`] they never pend, so no runtime is
/// needed for native use and tests.
pub fn block_on<F: Future>(f: F) -> F::Output {
    let mut f = std::pin::pin!(f);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
        std::thread::yield_now();
    }
}
