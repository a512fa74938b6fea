//! The stored form of records: postcard (compact, fast, no field names),
//! behind a one-byte format version so a later release can still read what an
//! earlier one wrote (the upgrade path decodes old versions and re-encodes).

use serde::{de::DeserializeOwned, Serialize};

use crate::error::{Error, ErrorCode, Result};

/// Version of the value encoding written by this release. 2: the engine's
/// strength-factor names as one-character codes (see
/// `model::factor_name_code`). A format-1 value reads with the same code
/// (its names are whole), so both are read; a release that reads only 1
/// refuses a 2 with `SCHEMA_TOO_NEW` instead of showing the codes as names.
pub const FORMAT: u8 = 2;

/// The oldest version this release reads.
const OLDEST_FORMAT: u8 = 1;

pub fn encode<T: Serialize + ?Sized>(value: &T) -> Vec<u8> {
    encode_sized(value, 0)
}

/// [`encode`] into a buffer that starts with `capacity` bytes: a bucket of
/// hundreds of records otherwise grows (and is copied) a dozen times.
pub fn encode_sized<T: Serialize + ?Sized>(value: &T, capacity: usize) -> Vec<u8> {
    // postcard writes a tuple as its fields back to back and a u8 as one
    // raw byte: this is `[FORMAT] ++ postcard(value)` in one buffer, without
    // copying the (up to hundreds of MB for a big write) body once more.
    // Serializing our own types into a Vec cannot fail.
    let mut bytes =
        postcard::serialize_with_flavor(&(FORMAT, value), Buffer(Vec::with_capacity(capacity)))
            .expect("postcard encoding of model types");
    // A stored value is kept as it is (the memory backend holds it): not
    // with the estimate's spare capacity (up to an eighth, 130 MB over a
    // million scored edges). Shrinking frees the tail in place.
    bytes.shrink_to_fit();
    bytes
}

/// postcard's `AllocVec` flavor, but starting from a buffer of our size,
/// and in wasm copying short writes byte by byte: postcard hands over a few
/// bytes at a time (a field, a length), and `Vec::extend_from_slice` is a
/// call per write in wasm (at opt-level "s" it stays out of line), 16 % of
/// a whole `recomputeStrengths` in Node's profile. Natively it is inlined
/// and the byte loop measured 3-5 % slower, so it is wasm's only.
struct Buffer(Vec<u8>);

impl postcard::ser_flavors::Flavor for Buffer {
    type Output = Vec<u8>;

    #[inline(always)]
    fn try_extend(&mut self, data: &[u8]) -> postcard::Result<()> {
        if cfg!(target_arch = "wasm32") && data.len() <= 16 {
            for &b in data {
                self.0.push(b);
            }
        } else {
            self.0.extend_from_slice(data);
        }
        Ok(())
    }

    #[inline(always)]
    fn try_push(&mut self, data: u8) -> postcard::Result<()> {
        self.0.push(data);
        Ok(())
    }

    fn finalize(self) -> postcard::Result<Vec<u8>> {
        Ok(self.0)
    }
}

pub fn decode<T: DeserializeOwned>(bytes: &[u8], what: &str) -> Result<T> {
    match bytes.split_first() {
        Some((&v, body)) if (OLDEST_FORMAT..=FORMAT).contains(&v) => postcard::from_bytes(body)
            .map_err(|e| {
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

#[cfg(test)]
mod tests {
    #[test]
    fn the_format_byte_then_the_plain_body() {
        let v = (7u32, "x".to_string(), vec![1.5f64]);
        let mut expected = vec![super::FORMAT];
        expected.extend(postcard::to_allocvec(&v).unwrap());
        assert_eq!(super::encode(&v), expected);
        let back: (u32, String, Vec<f64>) = super::decode(&expected, "t").unwrap();
        assert_eq!(back, v);
    }
}
