//! The Febrl benchmark as a WebAssembly module (no wasm-bindgen): the host copies the
//! CSV texts into linear memory, calls `run`, and measures the time itself
//! (see bench/resolution/febrl_wasm.mjs). Build:
//! cargo build --release --target wasm32-unknown-unknown --example febrl_wasm

#[path = "../bench/resolution/febrl_common.rs"]
mod common;

use common::*;
use std::collections::HashSet;
use wig_graph::resolve::*;

/// Allocate `n` bytes for the host to write into (leaked; the module is short-lived).
#[no_mangle]
pub extern "C" fn alloc(n: usize) -> *mut u8 {
    let mut v = Vec::<u8>::with_capacity(n);
    let p = v.as_mut_ptr();
    std::mem::forget(v);
    p
}

unsafe fn text<'a>(p: *const u8, n: usize) -> &'a str {
    if n == 0 {
        return "";
    }
    // SAFETY: the host wrote `n` bytes of UTF-8 at `p`, allocated by `alloc`.
    std::str::from_utf8(unsafe { std::slice::from_raw_parts(p, n) }).unwrap_or("")
}

/// Dedupe (`b_len == 0`) or link the tables, compare with the truth; returns
/// `predicted_pairs << 32 | true_positives`.
///
/// # Safety
/// Each `(ptr, len)` must describe bytes written by the host into memory from `alloc`.
#[no_mangle]
pub unsafe extern "C" fn run(
    a: *const u8,
    a_len: usize,
    b: *const u8,
    b_len: usize,
    t: *const u8,
    t_len: usize,
) -> u64 {
    let (a, b, t) = unsafe { (text(a, a_len), text(b, b_len), text(t, t_len)) };
    let truth = truth_from_csv(t);
    let schema = febrl_schema();
    let linker = Linker::new(schema.clone(), febrl_config(&schema, 0.5)).expect("config");
    let pred: HashSet<(String, String)> = if b.is_empty() {
        let d = records_from_csv(a);
        let res = linker.dedupe(&d.records, &mut |_, _| true).expect("dedupe");
        res.linked_pairs()
            .into_iter()
            .map(|(x, y)| ordered(&d.ids[x], &d.ids[y]))
            .collect()
    } else {
        let (da, db) = (records_from_csv(a), records_from_csv(b));
        let res = linker
            .link(&da.records, &db.records, &mut |_, _| true)
            .expect("link");
        res.linked_pairs()
            .into_iter()
            .map(|(x, y)| (da.ids[x].clone(), db.ids[y].clone()))
            .collect()
    };
    let truth: HashSet<(String, String)> = if b.is_empty() {
        truth.iter().map(|(x, y)| ordered(x, y)).collect()
    } else {
        truth
    };
    let tp = pred.intersection(&truth).count() as u64;
    (pred.len() as u64) << 32 | tp
}
