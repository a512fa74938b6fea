//! The 100k synthetic-contacts benchmark as a bare wasm module (no wasm-bindgen),
//! driven and timed by bench/resolution/scale_wasm.mjs under Node:
//! `generate` (untimed) → `dedupe` (timed: normalise e-mail/phone → Linker::dedupe
//! with `Schema::person()` → linked pairs) → `score` → `build_index` →
//! `match_one(k)` per new record (timed one by one by the host).
//! Build: cargo build --release --target wasm32-unknown-unknown --example scale_wasm

#[path = "../bench/resolution/synth.rs"]
mod synth;

use std::cell::RefCell;
use synth::*;
use wig_graph::resolve::*;

struct State {
    synth: Option<Synth>,
    recs: Vec<Record>,
    cfg: Option<LinkConfig>,
    res: Option<Resolution>,
    pairs: Vec<(usize, usize)>,
    index: Option<MatchIndex>,
    out: String,
}

thread_local! {
    static ST: RefCell<State> = const { RefCell::new(State {
        synth: None, recs: Vec::new(), cfg: None, res: None, pairs: Vec::new(), index: None,
        out: String::new(),
    }) };
}

/// Generate `n` records and `queries` new records from `seed`; returns the true pairs.
#[no_mangle]
pub extern "C" fn gen(n: u32, queries: u32, seed: u32) -> u32 {
    let s = generate_synth(n, queries, seed);
    let t = s.truth.len() as u32;
    ST.with(|st| st.borrow_mut().synth = Some(s));
    t
}

fn generate_synth(n: u32, q: u32, seed: u32) -> Synth {
    generate(n as usize, q as usize, seed as u64)
}

/// Normalise and dedupe (`tuned` = 0: the default blocking of `Schema::person()`);
/// returns the number of candidate pairs, or -1 when blocking refused (too many pairs).
#[no_mangle]
pub extern "C" fn dedupe(tuned: u32) -> i64 {
    ST.with(|st| {
        let mut st = st.borrow_mut();
        let recs: Vec<Record> = st
            .synth
            .as_ref()
            .unwrap()
            .raw
            .iter()
            .map(person_record)
            .collect();
        let schema = Schema::person();
        let cfg = person_config(&schema, tuned != 0);
        let linker = Linker::new(schema, cfg.clone()).unwrap();
        match linker.dedupe(&recs, &mut |_, _| true) {
            Ok(res) => {
                st.pairs = res.linked_pairs();
                let c = res.blocking.candidate_pairs as i64;
                st.res = Some(res);
                st.recs = recs;
                st.cfg = Some(cfg);
                c
            }
            Err(_) => -1,
        }
    })
}

/// Score the last dedupe; returns a pointer to a JSON text (length from `out_len`).
#[no_mangle]
pub extern "C" fn score() -> *const u8 {
    ST.with(|st| {
        let mut st = st.borrow_mut();
        let s = st.synth.as_ref().unwrap();
        let (p, r, f) = score_pairs(&st.pairs, &s.truth);
        let res = st.res.as_ref().unwrap();
        st.out = format!(
            "{{\"records\":{},\"people\":{},\"duplicated_people\":{},\"true_pairs\":{},\"candidate_pairs\":{},\"predicted_pairs\":{},\"precision\":{p:.6},\"recall\":{r:.6},\"f1\":{f:.6},\"lambda\":{:e}}}",
            s.raw.len(), s.people, s.duplicated_people, s.truth.len(),
            res.blocking.candidate_pairs, st.pairs.len(), res.model.lambda
        );
        st.out.as_ptr()
    })
}

#[no_mangle]
pub extern "C" fn out_len() -> u32 {
    ST.with(|st| st.borrow().out.len() as u32)
}

/// Build the incremental index over the records with the trained model; drops the
/// batch result first.
#[no_mangle]
pub extern "C" fn build_index() -> u32 {
    ST.with(|st| {
        let mut st = st.borrow_mut();
        let model = st.res.take().unwrap().model;
        let cfg = st.cfg.clone().unwrap();
        let idx =
            MatchIndex::build(&Schema::person(), &cfg, model, &st.recs, &mut |_, _| true).unwrap();
        let n = idx.len() as u32;
        st.index = Some(idx);
        n
    })
}

/// Match new record `k` (normalised here, inside the timed call); returns
/// `candidates << 1 | top-is-correct` (correct: the best match is the same person, or
/// there is no match for a new person).
#[no_mangle]
pub extern "C" fn match_one(k: u32) -> u32 {
    ST.with(|st| {
        let st = st.borrow();
        let s = st.synth.as_ref().unwrap();
        let rec = person_record(&s.queries[k as usize]);
        let c = st.index.as_ref().unwrap().match_one(&rec);
        let top = c.first().filter(|c| c.is_match);
        let want = s.query_person[k as usize];
        let ok = match top {
            Some(t) => s.person[t.index] == want,
            None => want == u32::MAX,
        };
        (c.len() as u32) << 1 | ok as u32
    })
}
