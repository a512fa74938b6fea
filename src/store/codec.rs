//! The stored form of records: postcard (compact, fast, no field names),
//! behind a one-byte format version so a later release can still read what an
//! earlier one wrote (the upgrade path decodes old versions and re-encodes).

use serde::{de::DeserializeOwned, Serialize};

use crate::error::{Error, ErrorCode, Result};

/// Version of the value encoding written by this release.
pub const FORMAT: u8 = 1;

pub fn encode<T: Serialize + ?Sized>(value: &T) -> Vec<u8> {
    let mut out = vec![FORMAT];
    // Serializing our own types into a Vec cannot fail.
    out.extend(postcard::to_allocvec(value).expect("postcard encoding of model types"));
    out
}

pub fn decode<T: DeserializeOwned>(bytes: &[u8], what: &str) -> Result<T> {
    match bytes.split_first() {
        Some((&FORMAT, body)) => postcard::from_bytes(body).map_err(|e| {
            Error::general(
                ErrorCode::Storage,
                format!("stored {what} is unreadable: {e}"),
            )
        }),
        Some((&v, _)) if v > FORMAT => Err(Error::general(
            ErrorCode::SchemaTooNew,
            format!("stored {what} uses format {v}; this release reads up to {FORMAT}"),
        )),
        _ => Err(Error::general(
            ErrorCode::Storage,
            format!("stored {what} has no format header"),
        )),
    }
}
