//! Host names and registrable domains.
//!
//! `normalize_domain` accepts a bare host or a URL and returns the lowercase
//! host without scheme, user-info, port, path, query, fragment, trailing dot
//! or leading `www.`/`www2.`. IP literals and single-label hosts are
//! rejected (they never identify an organisation). IDN hosts are kept in
//! Unicode (lowercased), not converted to punycode (no IDNA tables here), so
//! `bücher.de` and `xn--bcher-kva.de` do not compare equal.
//!
//! `registrable_domain` is a heuristic: the last two labels, or the last
//! three when the last two form one of the multi-label public suffixes listed
//! in `data/public_suffixes.txt` (co.uk, com.au, co.jp, com.br, github.io,
//! ... — ~200 entries, not the full Public Suffix List).

use std::collections::HashSet;
use std::sync::OnceLock;

use unicode_normalization::char::is_combining_mark;

use super::email::normalize_email;

/// Longest host name accepted (RFC 1035: 253 characters without the root dot).
const MAX_HOST_LEN: usize = 253;

static PUBLIC_SUFFIXES_TXT: &str = include_str!("data/public_suffixes.txt");

fn multi_label_suffixes() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| data_lines(PUBLIC_SUFFIXES_TXT).collect())
}

/// Non-empty, non-comment lines of an embedded table.
pub(crate) fn data_lines(txt: &'static str) -> impl Iterator<Item = &'static str> {
    txt.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

/// Extracts and normalises the host of a URL or bare host name.
///
/// `"HTTPS://WWW.Example.COM:8080/path?q#f"` → `Some("example.com")`.
/// Returns `None` for empty input, IP addresses, single-label hosts and
/// syntactically invalid hosts. Work is bounded: only the authority part is
/// inspected and hosts longer than 253 bytes are rejected.
pub fn normalize_domain(input: &str) -> Option<String> {
    let s = input.trim();
    // Scheme.
    let s = match s.find("://") {
        Some(i) if i <= 32 => &s[i + 3..],
        _ => s.strip_prefix("//").unwrap_or(s),
    };
    // Authority ends at the first path / query / fragment delimiter.
    let end = s.find(['/', '?', '#', '\\']).unwrap_or(s.len());
    let authority = &s[..end];
    // User-info (also makes "bob@acme.com" yield "acme.com").
    let host_port = match authority.rfind('@') {
        Some(i) => &authority[i + 1..],
        None => authority,
    };
    if host_port.starts_with('[') {
        return None; // IPv6 literal
    }
    let host = match host_port.find(':') {
        Some(i) => &host_port[..i],
        None => host_port,
    };
    if host.len() > 4 * MAX_HOST_LEN {
        return None; // cheap early exit before lowercasing
    }
    // IDNA alternative full stops, then lowercase.
    let mut host: String = host
        .chars()
        .map(|c| match c {
            '\u{3002}' | '\u{FF0E}' | '\u{FF61}' => '.',
            c => c,
        })
        .collect::<String>()
        .to_lowercase();
    while host.ends_with('.') {
        host.pop();
    }
    // Leading www / www2 ... labels (repeatedly, while two labels remain).
    while let Some(dot) = host.find('.') {
        let first = &host[..dot];
        let is_www = first
            .strip_prefix("www")
            .is_some_and(|rest| rest.len() <= 2 && rest.bytes().all(|b| b.is_ascii_digit()));
        if is_www && host[dot + 1..].contains('.') {
            host.drain(..=dot);
        } else {
            break;
        }
    }
    if is_valid_host(&host) {
        Some(host)
    } else {
        None
    }
}

/// Host syntax check used by [`normalize_domain`] and e-mail validation:
/// ≥ 2 labels, each 1–63 bytes of ASCII letters/digits/hyphens or non-ASCII
/// letters/digits/marks, no label starting or ending with `-`, top-level label
/// not all digits, total ≤ 253 bytes. Case-insensitive.
pub(crate) fn is_valid_host(host: &str) -> bool {
    if host.is_empty() || host.len() > MAX_HOST_LEN {
        return false;
    }
    let mut labels = 0usize;
    let mut last = "";
    for label in host.split('.') {
        if label.is_empty() || label.len() > 63 {
            return false;
        }
        if label.starts_with('-') || label.ends_with('-') {
            return false;
        }
        let ok = label.chars().all(|c| {
            if c.is_ascii() {
                c.is_ascii_alphanumeric() || c == '-'
            } else {
                c.is_alphanumeric() || is_combining_mark(c)
            }
        });
        if !ok {
            return false;
        }
        labels += 1;
        last = label;
    }
    labels >= 2 && !last.bytes().all(|b| b.is_ascii_digit())
}

/// The registrable ("organisational") domain of a host or URL:
/// `"mail.eu.acme.co.uk"` → `Some("acme.co.uk")`, `"https://www.acme.com/x"`
/// → `Some("acme.com")`. Heuristic: see module docs. Returns `None` when the
/// input is not a valid host or is itself a listed public suffix.
pub fn registrable_domain(input: &str) -> Option<String> {
    let host = normalize_domain(input)?;
    registrable_of_normalized(&host).map(str::to_owned)
}

/// [`registrable_domain`] for an already normalised host, borrowing.
pub(crate) fn registrable_of_normalized(host: &str) -> Option<&str> {
    // Byte offsets of (up to) the last three dots, right to left.
    let mut dots = [0usize; 3];
    let mut n = 0;
    for (i, _) in host.rmatch_indices('.').take(3) {
        dots[n] = i;
        n += 1;
    }
    // The last `k` labels of the host (k >= 1).
    let last_labels = |k: usize| -> &str {
        if n >= k {
            &host[dots[k - 1] + 1..]
        } else {
            host
        }
    };
    if n == 0 {
        return None;
    }
    let last_two = last_labels(2);
    if multi_label_suffixes().contains(last_two) {
        // The host is exactly a public suffix: nothing registrable.
        return (n >= 2).then(|| last_labels(3));
    }
    Some(last_two)
}

/// The organisation domain behind an e-mail address: its registrable domain,
/// or `None` for invalid addresses and free-mail/consumer providers (whose
/// domains never identify an organisation).
pub fn org_domain_from_email(email: &str) -> Option<String> {
    let e = normalize_email(email).ok()?;
    if e.is_free_mail {
        return None;
    }
    registrable_domain(&e.domain)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_domain_table() {
        let cases: &[(&str, Option<&str>)] = &[
            ("example.com", Some("example.com")),
            ("WWW.Example.COM.", Some("example.com")),
            (
                "https://user:pw@www.example.com:8443/a/b?c=d#e",
                Some("example.com"),
            ),
            (
                "http://www2.shop.example.co.uk/",
                Some("shop.example.co.uk"),
            ),
            ("//cdn.example.org/x.js", Some("cdn.example.org")),
            ("www.com", Some("www.com")),
            ("www.www.acme.io", Some("acme.io")),
            ("bob@Acme.com", Some("acme.com")),
            ("Bücher.DE", Some("bücher.de")),
            ("例え。テスト", Some("例え.テスト")),
            ("localhost", None),
            ("192.168.0.1", None),
            ("http://[::1]:80/", None),
            ("", None),
            ("   ", None),
            ("exa mple.com", None),
            ("-bad.com", None),
            ("a..b.com", None),
            ("\u{0000}.com", None),
            ("👍.com", None),
        ];
        for (input, want) in cases {
            assert_eq!(
                normalize_domain(input).as_deref(),
                *want,
                "normalize_domain({input:?})"
            );
        }
        let long = format!("{}.com", "a".repeat(10_000));
        assert_eq!(normalize_domain(&long), None);
    }

    #[test]
    fn registrable_table() {
        let cases: &[(&str, Option<&str>)] = &[
            ("acme.com", Some("acme.com")),
            ("mail.eu.acme.com", Some("acme.com")),
            ("mail.acme.co.uk", Some("acme.co.uk")),
            ("acme.co.uk", Some("acme.co.uk")),
            ("co.uk", None),
            ("www.shop.acme.com.au", Some("acme.com.au")),
            ("foo.bar.co.jp", Some("bar.co.jp")),
            ("https://alice.github.io/blog", Some("alice.github.io")),
            ("github.io", None),
            ("acme.de", Some("acme.de")),
            ("", None),
        ];
        for (input, want) in cases {
            assert_eq!(
                registrable_domain(input).as_deref(),
                *want,
                "registrable_domain({input:?})"
            );
        }
    }

    #[test]
    fn org_domain_from_email_table() {
        assert_eq!(
            org_domain_from_email("Jane.Doe@Sales.Acme.co.uk").as_deref(),
            Some("acme.co.uk")
        );
        assert_eq!(org_domain_from_email("jane@gmail.com"), None);
        assert_eq!(org_domain_from_email("jane@yahoo.co.uk"), None);
        assert_eq!(org_domain_from_email("jane@hotmail.fr"), None);
        assert_eq!(org_domain_from_email("not an email"), None);
    }
}
