//! WIG — Warm Intro Graph.
//!
//! A local-first relationship graph: people, organizations, who knows whom and
//! how well, and the interactions behind it. The core (everything but [`wasm`])
//! is plain Rust and runs natively; `src/wasm` is a thin wasm-bindgen layer.
//!
//! ```
//! use wig_graph::model::{PersonInput, Timestamp};
//! use wig_graph::store::{Db, MemoryBackend, WriteContext};
//!
//! let mut db = futures_lite_block_on(Db::open(MemoryBackend::default())).unwrap();
//! let ctx = WriteContext::at(Timestamp::from_millis(1_700_000_000_000));
//! let ada = futures_lite_block_on(db.upsert_people(
//!     vec![PersonInput { names: vec!["Ada Lovelace".into()], emails: vec!["ada@example.org".into()], ..Default::default() }],
//!     &ctx,
//! )).unwrap();
//! assert_eq!(db.state().people.len(), 1);
//! assert_eq!(ada[0].emails, vec!["ada@example.org".to_string()]);
//! # fn futures_lite_block_on<F: std::future::Future>(f: F) -> F::Output { wig_graph::store::block_on(f) }
//! ```

pub mod error;
/// Graph search. A crate of its own (`src/graph`, `wig-search`) so the
/// release build compiles it at opt-level 3.
pub use wig_search as graph;
pub mod import;
pub mod model;
pub mod normalize;
pub mod resolve;
pub mod store;
/// Tie strength per pair of people. A crate of its own (`src/strength`,
/// `wig-strength`) so the release build compiles it at opt-level 3.
pub use wig_strength as strength;
pub mod sync;

#[cfg(target_arch = "wasm32")]
pub mod wasm;

pub use error::{Error, ErrorCode};
