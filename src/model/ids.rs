//! Record ids: UUID v4, made on the client.
//!
//! One OS random draw per thread seeds a keyed counter; each id is the
//! counter passed through a bijective 64-bit mixer under that key. Asking
//! the OS (in wasm: `crypto.getRandomValues` across the JS boundary) for every
//! id cost more than a second per million records; ids need uniqueness, not
//! secrecy, and 122 bits from a random key give that.

use std::cell::Cell;
use uuid::Uuid;

thread_local! {
    static STATE: Cell<Option<(u64, u64, u64)>> = const { Cell::new(None) };
}

fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

pub fn new_id() -> Uuid {
    STATE.with(|s| {
        let (k0, k1, counter) = s.get().unwrap_or_else(|| {
            let (a, b) = Uuid::new_v4().as_u64_pair();
            (a, b, 0)
        });
        let c = counter.wrapping_add(1);
        s.set(Some((k0, k1, c)));
        let hi = mix(k0 ^ c);
        let lo = mix(k1 ^ c.rotate_left(32) ^ hi);
        uuid::Builder::from_random_bytes(((u128::from(hi) << 64) | u128::from(lo)).to_be_bytes())
            .into_uuid()
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn ids_are_v4_and_distinct() {
        let ids: std::collections::HashSet<_> = (0..100_000).map(|_| super::new_id()).collect();
        assert_eq!(ids.len(), 100_000);
        assert!(ids.iter().all(|id| id.get_version_num() == 4));
    }
}
