//! Normalisers used by entity resolution (duplicate detection).
//!
//! Everything here is pure, deterministic and total: no I/O, no clocks, no
//! global mutable state other than lazily-parsed embedded tables
//! (`include_str!` + `OnceLock`). Every public function accepts arbitrary
//! input (empty, huge, control characters, combining-mark floods, emoji,
//! RTL text, NUL) without panicking and in (near-)linear time; overlong input
//! is truncated or rejected up front, as documented on each function.
//!
//! Sub-modules:
//! - [`fold`]: Unicode folding (NFKD, mark stripping, lowercase, Latin
//!   transliteration, whitespace collapsing).
//! - [`email`]: e-mail validation and canonicalisation, free-mail detection.
//! - [`phone`]: table-driven E.164 normalisation (no libphonenumber).
//! - [`person_name`]: person-name parsing, nickname table, name comparison.
//! - [`org_name`]: organisation names without legal-form suffixes.
//! - [`domain`]: host / registrable-domain extraction.
//! - [`phonetic`]: Double Metaphone keys for blocking.
//!
//! wasm32 size (cdylib, `opt-level="z"`, `lto=true`, `codegen-units=1`,
//! `panic="abort"`, measured against a 45.7 KB raw / 19.7 KB gzip baseline
//! that only lowercases/splits a string): the whole module adds ~281 KB raw /
//! ~124 KB gzip, of which `unicode-normalization` ~129 KB / ~60 KB,
//! `rphonetic` ~36 KB / ~12.5 KB, the nickname table and name code ~52 KB /
//! ~20 KB. The `phonenumber` crate alone would add ~1.98 MB / ~517 KB gzip,
//! hence the table-driven [`phone`] module.

pub mod domain;
pub mod email;
pub mod fold;
pub mod org_name;
pub mod person_name;
pub mod phone;
pub mod phonetic;

#[cfg(test)]
mod proptests;

use std::fmt;

pub use domain::{normalize_domain, org_domain_from_email, registrable_domain};
pub use email::{is_free_mail_domain, is_valid_email, normalize_email, Email};
pub use fold::{fold, has_visible};
pub use org_name::{normalize_org_name, OrgName};
pub use person_name::{
    given_name_keys, likely_full_names, names_compatible, parse_person_name, swapped, NameRelation,
    PersonName, NOT_NICKNAMES,
};
pub use phone::{is_known_region, normalize_phone};
pub use phonetic::{phonetic_key, phonetic_keys};

/// Why a value could not be normalised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NormalizeError {
    /// Nothing usable in the input (empty or only whitespace/separators).
    Empty,
    /// Input longer than the hard cap of the normaliser.
    TooLong,
    /// Not a syntactically acceptable e-mail address.
    InvalidEmail,
    /// Characters that cannot be part of a phone number.
    InvalidPhoneCharacter,
    /// International number whose country calling code is not assigned.
    UnknownCallingCode,
    /// National-format number and the default region is unknown/empty.
    UnknownRegion,
    /// Too few digits for the region (or for any region).
    PhoneTooShort,
    /// Too many digits for the region (or more than E.164's 15 digits).
    PhoneTooLong,
    /// Digits present but the number is not plausible (e.g. NANP area code 0xx).
    InvalidPhoneNumber,
}

impl fmt::Display for NormalizeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            NormalizeError::Empty => "empty input",
            NormalizeError::TooLong => "input too long",
            NormalizeError::InvalidEmail => "invalid e-mail address",
            NormalizeError::InvalidPhoneCharacter => "invalid character in phone number",
            NormalizeError::UnknownCallingCode => "unknown country calling code",
            NormalizeError::UnknownRegion => "unknown default region for national number",
            NormalizeError::PhoneTooShort => "phone number too short",
            NormalizeError::PhoneTooLong => "phone number too long",
            NormalizeError::InvalidPhoneNumber => "implausible phone number",
        };
        f.write_str(s)
    }
}

impl std::error::Error for NormalizeError {}

/// Returns the prefix of `s` holding at most `max_chars` characters, cut at a
/// char boundary. Used to cap work on overlong input before parsing.
pub(crate) fn truncate_chars(s: &str, max_chars: usize) -> &str {
    match s.char_indices().nth(max_chars) {
        Some((idx, _)) => &s[..idx],
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncate_chars_is_boundary_safe() {
        assert_eq!(truncate_chars("héllo", 2), "hé");
        assert_eq!(truncate_chars("héllo", 50), "héllo");
        assert_eq!(truncate_chars("", 3), "");
        assert_eq!(truncate_chars("👩‍👩‍👧", 1), "👩");
    }

    #[test]
    fn error_display() {
        assert_eq!(NormalizeError::Empty.to_string(), "empty input");
    }
}
