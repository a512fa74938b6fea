//! E-mail addresses: pragmatic validation, canonical form for matching, and
//! free-mail detection.
//!
//! Canonical form (`Email::canonical`, for matching only, never for sending):
//! - whole address lowercased (local parts are case-sensitive per RFC 5321,
//!   but no mainstream provider treats them so);
//! - `gmail.com` / `googlemail.com`: dots removed from the local part,
//!   `+tag` removed, domain mapped to `gmail.com`;
//! - `+tag` removed (dots kept) for providers documented to deliver
//!   `user+tag@` to `user@`: outlook.com, hotmail.com, live.com, msn.com
//!   (Microsoft), icloud.com, me.com, mac.com (Apple), proton.me,
//!   protonmail.com, protonmail.ch, pm.me (Proton), fastmail.com,
//!   fastmail.fm, yandex.ru, yandex.com, ya.ru.
//! - Nothing else is rewritten. Deliberately excluded: Yahoo (uses `-`
//!   disposable addresses, and `+` is not a separator there), corporate
//!   domains (many support `+tag` but some use `+` in real mailbox names),
//!   Hotmail/Live ccTLD variants (not verified).
//!
//! Validation (`is_valid_email`) is pragmatic, not RFC 5322: exactly one `@`;
//! local part 1–64 bytes of atext (`A-Za-z0-9!#$%&'*+-/=?^_`{|}~`) or
//! non-ASCII characters (RFC 6531), dots allowed but not leading, trailing or
//! doubled; no quoted local parts, comments or IP-literal domains; domain is
//! a valid host with at least one dot (see `domain::is_valid_host`); whole
//! address ≤ 254 bytes.

use std::collections::HashSet;
use std::sync::OnceLock;

use super::domain::{data_lines, is_valid_host, registrable_of_normalized};
use super::fold::is_invisible;
use super::NormalizeError;

/// Inputs longer than this (bytes) are rejected before any parsing.
const MAX_INPUT_BYTES: usize = 1024;
/// RFC 5321 path limit minus the angle brackets.
const MAX_ADDRESS_BYTES: usize = 254;
const MAX_LOCAL_BYTES: usize = 64;

static FREE_MAIL_TXT: &str = include_str!("data/free_mail.txt");

/// Brand labels that are free mail under any public suffix
/// (`yahoo.co.uk`, `hotmail.fr`, `gmx.at`, `yandex.kz`, ...).
const FREE_MAIL_BRANDS: &[&str] = &[
    "gmail",
    "googlemail",
    "yahoo",
    "ymail",
    "hotmail",
    "outlook",
    "live",
    "gmx",
    "yandex",
    "aol",
    "protonmail",
];

/// Providers whose `+tag` suffix is stripped in the canonical form
/// (gmail.com/googlemail.com handled separately).
const PLUS_TAG_DOMAINS: &[&str] = &[
    "outlook.com",
    "hotmail.com",
    "live.com",
    "msn.com",
    "icloud.com",
    "me.com",
    "mac.com",
    "proton.me",
    "protonmail.com",
    "protonmail.ch",
    "pm.me",
    "fastmail.com",
    "fastmail.fm",
    "yandex.ru",
    "yandex.com",
    "ya.ru",
];

fn free_mail_set() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| data_lines(FREE_MAIL_TXT).collect())
}

/// A parsed, normalised e-mail address.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email {
    /// Matching key: lowercased, provider-specific aliases removed
    /// (see module docs). `normalize_email(&e.canonical)` yields the same
    /// canonical again.
    pub canonical: String,
    /// The address as entered: trimmed, `mailto:`/`Name <...>` wrapper
    /// removed, domain lowercased, local part case preserved.
    pub address: String,
    /// Local part as entered (case preserved).
    pub local: String,
    /// Domain, lowercased, without trailing dot.
    pub domain: String,
    /// Consumer/free-mail provider: the domain does not identify an
    /// organisation.
    pub is_free_mail: bool,
}

/// Pragmatic syntax check (see module docs). Case-insensitive; does not trim.
pub fn is_valid_email(s: &str) -> bool {
    if s.len() > MAX_ADDRESS_BYTES {
        return false;
    }
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    if domain.contains('@') {
        return false;
    }
    is_valid_local(local) && domain.contains('.') && is_valid_host(domain)
}

fn is_valid_local(local: &str) -> bool {
    if local.is_empty() || local.len() > MAX_LOCAL_BYTES {
        return false;
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return false;
    }
    local.chars().all(|c| {
        if c.is_ascii() {
            c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c)
        } else {
            !c.is_whitespace() && !c.is_control() && !is_invisible(c)
        }
    })
}

/// True when `domain` (or its registrable domain) is a free-mail/consumer
/// mailbox provider. Accepts any case and a trailing dot.
pub fn is_free_mail_domain(domain: &str) -> bool {
    let d = domain.trim().trim_end_matches('.').to_lowercase();
    let set = free_mail_set();
    if set.contains(d.as_str()) {
        return true;
    }
    let Some(reg) = registrable_of_normalized(&d) else {
        return false;
    };
    if set.contains(reg) {
        return true;
    }
    let brand = reg.split('.').next().unwrap_or("");
    FREE_MAIL_BRANDS.contains(&brand)
}

/// Parses and normalises an e-mail address.
///
/// Accepts surrounding whitespace, a `mailto:` prefix and the
/// `Display Name <addr>` form, and one trailing dot on the domain. Inputs over
/// 1,024 bytes are rejected with [`NormalizeError::TooLong`] before parsing.
pub fn normalize_email(input: &str) -> Result<Email, NormalizeError> {
    if input.len() > MAX_INPUT_BYTES {
        return Err(NormalizeError::TooLong);
    }
    let mut s = input.trim();
    if s.len() >= 7 && s.is_char_boundary(7) && s[..7].eq_ignore_ascii_case("mailto:") {
        s = s[7..].trim();
    }
    if let Some(inner) = s.strip_suffix('>') {
        if let Some(i) = inner.rfind('<') {
            s = inner[i + 1..].trim();
        }
    }
    if s.is_empty() {
        return Err(NormalizeError::Empty);
    }
    let (local, domain) = s.split_once('@').ok_or(NormalizeError::InvalidEmail)?;
    let domain = domain.strip_suffix('.').unwrap_or(domain).to_lowercase();
    let address = format!("{local}@{domain}");
    if !is_valid_email(&address) {
        return Err(NormalizeError::InvalidEmail);
    }

    let local_lc = local.to_lowercase();
    let (canon_local, canon_domain) = match domain.as_str() {
        "gmail.com" | "googlemail.com" => {
            let base = local_lc.split('+').next().unwrap_or("");
            let stripped: String = base.chars().filter(|&c| c != '.').collect();
            (non_empty_or(stripped, &local_lc), "gmail.com")
        }
        d if PLUS_TAG_DOMAINS.contains(&d) => {
            let base = local_lc.split('+').next().unwrap_or("");
            let base = base.trim_end_matches('.').to_owned();
            (non_empty_or(base, &local_lc), d)
        }
        d => (local_lc.clone(), d),
    };
    let canonical = format!("{canon_local}@{canon_domain}");
    // Lowercasing can lengthen non-ASCII text past the limits; refuse rather
    // than emit a canonical form that would not re-validate.
    if !is_valid_email(&canonical) {
        return Err(NormalizeError::InvalidEmail);
    }
    let is_free_mail = is_free_mail_domain(&domain);
    Ok(Email {
        canonical,
        address,
        local: local.to_owned(),
        domain,
        is_free_mail,
    })
}

fn non_empty_or(s: String, fallback: &str) -> String {
    if s.is_empty() {
        fallback.to_owned()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (input, Some((canonical, address, is_free_mail))) or None for errors.
    #[test]
    fn normalize_table() {
        type Case = (&'static str, Option<(&'static str, &'static str, bool)>);
        let cases: &[Case] = &[
            (
                "John.Smith@Example.COM",
                Some(("john.smith@example.com", "John.Smith@example.com", false)),
            ),
            (
                "  j.o.h.n+news@GoogleMail.com ",
                Some(("john@gmail.com", "j.o.h.n+news@googlemail.com", true)),
            ),
            (
                "John.Smith+x@gmail.com",
                Some(("johnsmith@gmail.com", "John.Smith+x@gmail.com", true)),
            ),
            (
                "jane.doe+shop@outlook.com",
                Some(("jane.doe@outlook.com", "jane.doe+shop@outlook.com", true)),
            ),
            (
                "Jane+a@icloud.com",
                Some(("jane@icloud.com", "Jane+a@icloud.com", true)),
            ),
            (
                "jane+a@yahoo.com",
                Some(("jane+a@yahoo.com", "jane+a@yahoo.com", true)),
            ),
            (
                "bob+sales@acme.com",
                Some(("bob+sales@acme.com", "bob+sales@acme.com", false)),
            ),
            (
                "mailto:Bob@Acme.com",
                Some(("bob@acme.com", "Bob@acme.com", false)),
            ),
            (
                "Bob Smith <bob@acme.com>",
                Some(("bob@acme.com", "bob@acme.com", false)),
            ),
            (
                "bob@acme.com.",
                Some(("bob@acme.com", "bob@acme.com", false)),
            ),
            (
                "+tag@gmail.com",
                Some(("+tag@gmail.com", "+tag@gmail.com", true)),
            ),
            (
                "x@yahoo.co.uk",
                Some(("x@yahoo.co.uk", "x@yahoo.co.uk", true)),
            ),
            ("x@gmx.de", Some(("x@gmx.de", "x@gmx.de", true))),
            ("x@web.de", Some(("x@web.de", "x@web.de", true))),
            ("x@mail.ru", Some(("x@mail.ru", "x@mail.ru", true))),
            ("x@qq.com", Some(("x@qq.com", "x@qq.com", true))),
            ("x@163.com", Some(("x@163.com", "x@163.com", true))),
            ("x@proton.me", Some(("x@proton.me", "x@proton.me", true))),
            (
                "Jörg@Bücher.DE",
                Some(("jörg@bücher.de", "Jörg@bücher.de", false)),
            ),
            ("", None),
            ("   ", None),
            ("plainaddress", None),
            ("a@b", None),
            ("a@@b.com", None),
            ("a@b@c.com", None),
            (".a@b.com", None),
            ("a.@b.com", None),
            ("a..b@c.com", None),
            ("a b@c.com", None),
            ("a@-c.com", None),
            ("a@c..com", None),
            ("a@1.2.3.4", None),
            ("a\u{0000}@c.com", None),
            ("a\u{200D}@c.com", None),
            ("\"quoted\"@c.com", None),
        ];
        for (input, want) in cases {
            let got = normalize_email(input);
            match want {
                Some((canonical, address, free)) => {
                    let e = got.unwrap_or_else(|e| panic!("{input:?}: {e}"));
                    assert_eq!(e.canonical, *canonical, "{input:?}");
                    assert_eq!(e.address, *address, "{input:?}");
                    assert_eq!(e.is_free_mail, *free, "{input:?}");
                }
                None => assert!(got.is_err(), "{input:?} should fail: {got:?}"),
            }
        }
    }

    #[test]
    fn parts() {
        let e = normalize_email("Jane.Doe@Example.org").unwrap();
        assert_eq!(e.local, "Jane.Doe");
        assert_eq!(e.domain, "example.org");
    }

    #[test]
    fn limits() {
        let local64 = "a".repeat(64);
        assert!(is_valid_email(&format!("{local64}@example.com")));
        assert!(!is_valid_email(&format!("a{local64}@example.com")));
        let long_domain = format!("x@{}.com", vec!["a".repeat(60); 5].join("."));
        assert!(long_domain.len() > 254);
        assert!(!is_valid_email(&long_domain));
        assert_eq!(
            normalize_email(&"a".repeat(10_000)),
            Err(NormalizeError::TooLong)
        );
        assert!(normalize_email(&"\u{0301}".repeat(500)).is_err());
        assert!(!is_valid_email(&format!("a@{}.com", "b".repeat(64))));
    }

    #[test]
    fn free_mail_domains() {
        for d in [
            "gmail.com",
            "GMAIL.COM.",
            "hotmail.co.uk",
            "yahoo.fr",
            "live.com",
            "msn.com",
            "me.com",
            "mac.com",
            "aol.com",
            "protonmail.com",
            "yandex.ru",
            "web.de",
            "mail.ru",
            "126.com",
        ] {
            assert!(is_free_mail_domain(d), "{d}");
        }
        for d in ["acme.com", "acme.co.uk", "mail.acme.com", "", "com"] {
            assert!(!is_free_mail_domain(d), "{d}");
        }
    }
}
