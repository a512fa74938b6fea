//! String similarity primitives: allocation-free Jaro–Winkler (same results as
//! `strsim::jaro_winkler`), edit-distance predicates, Soundex, token Jaccard.

/// Characters considered by the fuzzy comparisons; longer values are compared on
/// their first `MAX_SIM_CHARS` characters (exact comparison always uses the whole value).
pub const MAX_SIM_CHARS: usize = 256;

/// Jaro–Winkler similarity of two character slices (prefix scale 0.1, prefix ≤ 4,
/// boost only above 0.7), identical to `strsim::generic_jaro_winkler`.
pub fn jaro_winkler(a: &[char], b: &[char]) -> f64 {
    let (la, lb) = (a.len(), b.len());
    if la == 0 && lb == 0 {
        return 1.0;
    }
    if la == 0 || lb == 0 {
        return 0.0;
    }
    if la > 64 || lb > 64 {
        return strsim::generic_jaro_winkler(&a.to_vec(), &b.to_vec());
    }
    let range = (la.max(lb) / 2).saturating_sub(1);
    let mut aflags: u64 = 0;
    let mut bflags: u64 = 0;
    let mut m = 0usize;
    for (i, ca) in a.iter().enumerate() {
        let lo = i.saturating_sub(range);
        let hi = lb.min(i + range + 1);
        for (j, cb) in b.iter().enumerate().take(hi).skip(lo) {
            if bflags >> j & 1 == 0 && ca == cb {
                aflags |= 1 << i;
                bflags |= 1 << j;
                m += 1;
                break;
            }
        }
    }
    if m == 0 {
        return 0.0;
    }
    let mut t = 0usize;
    let (mut af, mut bf) = (aflags, bflags);
    while af != 0 {
        let i = af.trailing_zeros() as usize;
        af &= af - 1;
        let j = bf.trailing_zeros() as usize;
        bf &= bf - 1;
        if a[i] != b[j] {
            t += 1;
        }
    }
    t /= 2;
    let mf = m as f64;
    let jaro = (mf / la as f64 + mf / lb as f64 + (m - t) as f64 / mf) / 3.0;
    if jaro > 0.7 {
        let p = a.iter().take(4).zip(b).take_while(|(x, y)| x == y).count();
        jaro + 0.1 * p as f64 * (1.0 - jaro)
    } else {
        jaro
    }
}

/// Bit of a character in a 64-bit character set (letters and digits exact, others
/// hashed into the remaining bits).
#[inline]
pub fn char_bit(c: char) -> u32 {
    match c {
        'a'..='z' => c as u32 - 'a' as u32,
        '0'..='9' => 26 + (c as u32 - '0' as u32),
        _ => 36 + (c as u32 % 28),
    }
}

/// The set of characters of a string as a 64-bit mask (see [`char_bit`]).
pub fn char_set(chars: &[char]) -> u64 {
    chars.iter().fold(0, |s, &c| s | 1 << char_bit(c))
}

/// Cheap upper bound of [`jaro_winkler`] from the character sets `sa`, `sb` of `a`, `b`:
/// matching characters can only be characters present in the other string.
#[inline]
pub fn jaro_winkler_bound(a: &[char], sa: u64, b: &[char], sb: u64) -> f64 {
    let (la, lb) = (a.len(), b.len());
    if la == 0 || lb == 0 {
        return if la == lb { 1.0 } else { 0.0 };
    }
    let ma = a.iter().filter(|&&c| sb >> char_bit(c) & 1 == 1).count();
    let mb = b.iter().filter(|&&c| sa >> char_bit(c) & 1 == 1).count();
    let m = ma.min(mb) as f64;
    if m == 0.0 {
        return 0.0;
    }
    let j = (m / la as f64 + m / lb as f64 + 1.0) / 3.0;
    if j > 0.7 {
        let p = a.iter().take(4).zip(b).take_while(|(x, y)| x == y).count();
        j + 0.1 * p as f64 * (1.0 - j)
    } else {
        j
    }
}

/// O(1) upper bound of [`jaro_winkler`] from lengths and character sets: a character
/// of `a` can match only if its bit is in `sb`, so at most |common bits| distinct
/// characters plus the repeats of `a` match.
#[inline]
pub fn quick_bound(la: usize, sa: u64, lb: usize, sb: u64) -> f64 {
    if la == 0 || lb == 0 {
        return if la == lb { 1.0 } else { 0.0 };
    }
    let common = (sa & sb).count_ones() as usize;
    let m = (common + la.saturating_sub(sa.count_ones() as usize))
        .min(common + lb.saturating_sub(sb.count_ones() as usize))
        .min(la)
        .min(lb);
    if m == 0 {
        return 0.0;
    }
    let j = (m as f64 / la as f64 + m as f64 / lb as f64 + 1.0) / 3.0;
    if j > 0.7 {
        j + 0.4 * (1.0 - j)
    } else {
        j
    }
}

/// [`jaro_winkler`] when it can reach `t`, else 0.0 (skips the full computation
/// whenever [`jaro_winkler_bound`] is below `t`).
#[inline]
pub fn jaro_winkler_min(a: &[char], sa: u64, b: &[char], sb: u64, t: f64) -> f64 {
    if quick_bound(a.len(), sa, b.len(), sb) < t || jaro_winkler_bound(a, sa, b, sb) < t {
        0.0
    } else {
        jaro_winkler(a, b)
    }
}

/// Lower bound of the edit distance from two character sets: one edit changes the
/// set difference by at most two characters.
#[inline]
pub fn edit_lower_bound(sa: u64, sb: u64) -> usize {
    ((sa ^ sb).count_ones() as usize).div_ceil(2)
}

/// True when `a` and `b` differ by exactly one substitution, insertion or deletion.
pub fn is_one_edit<T: PartialEq>(a: &[T], b: &[T]) -> bool {
    let (la, lb) = (a.len(), b.len());
    if la == lb {
        a.iter().zip(b).filter(|(x, y)| x != y).count() == 1
    } else if la + 1 == lb || lb + 1 == la {
        let (s, l) = if la < lb { (a, b) } else { (b, a) };
        let p = s.iter().zip(l).take_while(|(x, y)| x == y).count();
        s[p..] == l[p + 1..]
    } else {
        false
    }
}

/// True when `b` is `a` with exactly one pair of adjacent, different elements swapped.
pub fn is_adjacent_transposition<T: PartialEq>(a: &[T], b: &[T]) -> bool {
    if a.len() != b.len() || a.len() < 2 {
        return false;
    }
    let Some(i) = a.iter().zip(b).position(|(x, y)| x != y) else {
        return false;
    };
    i + 1 < a.len() && a[i] == b[i + 1] && a[i + 1] == b[i] && a[i + 2..] == b[i + 2..]
}

/// Optimal-string-alignment distance (Damerau–Levenshtein without repeated edits of a
/// substring), or `None` when it exceeds `max`.
pub fn osa_within<T: PartialEq>(a: &[T], b: &[T], max: usize) -> Option<usize> {
    let (la, lb) = (a.len(), b.len());
    if la.abs_diff(lb) > max {
        return None;
    }
    if la == 0 || lb == 0 {
        let d = la.max(lb);
        return (d <= max).then_some(d);
    }
    // rows hold distances capped at max + 1 (u16; `max` above 65,000 is treated as
    // 65,000, far beyond MAX_SIM_CHARS)
    let max = max.min(65_000);
    let cap = max + 1;
    let w = lb + 1;
    let mut stack = [[0u16; 65]; 3];
    let mut heap;
    let [mut prev2, mut prev, mut cur]: [&mut [u16]; 3] = if w <= 65 {
        let [x, y, z] = &mut stack;
        [&mut x[..w], &mut y[..w], &mut z[..w]]
    } else {
        heap = vec![vec![0u16; w]; 3];
        let (x, rest) = heap.split_at_mut(1);
        let (y, z) = rest.split_at_mut(1);
        [&mut x[0][..], &mut y[0][..], &mut z[0][..]]
    };
    for (j, v) in prev.iter_mut().enumerate() {
        *v = j.min(cap) as u16;
    }
    for i in 1..=la {
        cur[0] = i.min(cap) as u16;
        let mut row_min = cur[0];
        for j in 1..=lb {
            let cost = u16::from(a[i - 1] != b[j - 1]);
            let mut v = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(prev2[j - 2] + 1);
            }
            let v = v.min(cap as u16);
            cur[j] = v;
            row_min = row_min.min(v);
        }
        if row_min as usize > max {
            return None;
        }
        // rotate rows: prev2 <- prev, prev <- cur, cur <- old prev2
        let old = prev2;
        prev2 = prev;
        prev = cur;
        cur = old;
    }
    let d = prev[lb] as usize;
    (d <= max).then_some(d)
}

/// American Soundex of the ASCII letters of `s` ("robert" → "r163"); `None` when
/// `s` has no ASCII letter.
pub fn soundex(s: &str) -> Option<String> {
    fn code(c: u8) -> u8 {
        match c {
            b'b' | b'f' | b'p' | b'v' => b'1',
            b'c' | b'g' | b'j' | b'k' | b'q' | b's' | b'x' | b'z' => b'2',
            b'd' | b't' => b'3',
            b'l' => b'4',
            b'm' | b'n' => b'5',
            b'r' => b'6',
            b'h' | b'w' => b'-', // transparent
            _ => b'0',           // vowels and y separate equal codes
        }
    }
    let mut letters = s
        .bytes()
        .map(|b| b.to_ascii_lowercase())
        .filter(u8::is_ascii_lowercase);
    let first = letters.next()?;
    let mut out = vec![first];
    let mut last = code(first);
    for c in letters {
        let k = code(c);
        if k == b'-' {
            continue;
        }
        if k != b'0' && k != last {
            out.push(k);
            if out.len() == 4 {
                break;
            }
        }
        last = k;
    }
    while out.len() < 4 {
        out.push(b'0');
    }
    Some(String::from_utf8(out).unwrap_or_default())
}

/// Jaccard similarity of two sorted, de-duplicated token lists.
pub fn jaccard_sorted<T: Ord>(a: &[T], b: &[T]) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    let (mut i, mut j, mut inter) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                inter += 1;
                i += 1;
                j += 1;
            }
        }
    }
    inter as f64 / (a.len() + b.len() - inter) as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn c(s: &str) -> Vec<char> {
        s.chars().collect()
    }

    #[test]
    fn jaro_winkler_known_values() {
        assert!((jaro_winkler(&c("martha"), &c("marhta")) - 0.9611).abs() < 1e-3);
        assert!((jaro_winkler(&c("dixon"), &c("dicksonx")) - 0.8133).abs() < 1e-3);
        assert_eq!(jaro_winkler(&c(""), &c("")), 1.0);
        assert_eq!(jaro_winkler(&c("a"), &c("")), 0.0);
    }

    #[test]
    fn edit_predicates() {
        assert!(is_one_edit(&c("1234567"), &c("1234667")));
        assert!(is_one_edit(&c("1234567"), &c("123567")));
        assert!(!is_one_edit(&c("1234567"), &c("1234576")));
        assert!(is_adjacent_transposition(&c("1234567"), &c("1234576")));
        assert!(!is_adjacent_transposition(&c("1234567"), &c("1234567")));
        assert_eq!(osa_within(&c("ca"), &c("abc"), 3), Some(3));
        assert_eq!(osa_within(&c("abcdef"), &c("abdcef"), 2), Some(1));
        assert_eq!(osa_within(&c("abcdef"), &c("xyzdef"), 2), None);
    }

    #[test]
    fn soundex_codes() {
        assert_eq!(soundex("robert").as_deref(), Some("r163"));
        assert_eq!(soundex("rupert").as_deref(), Some("r163"));
        assert_eq!(soundex("ashcraft").as_deref(), Some("a261"));
        assert_eq!(soundex("tymczak").as_deref(), Some("t522"));
        assert_eq!(soundex("pfister").as_deref(), Some("p236"));
        assert_eq!(soundex("lee").as_deref(), Some("l000"));
        assert_eq!(soundex("123"), None);
    }

    #[test]
    fn jaccard() {
        assert_eq!(jaccard_sorted(&["a", "b"], &["b", "c"]), 1.0 / 3.0);
    }

    proptest! {
        #[test]
        fn jw_matches_strsim(a in "[a-e]{0,12}", b in "[a-e]{0,12}") {
            let x = jaro_winkler(&c(&a), &c(&b));
            let y = strsim::jaro_winkler(&a, &b);
            prop_assert!((x - y).abs() < 1e-12, "{} {} {} {}", a, b, x, y);
        }

        #[test]
        fn jw_bound_is_an_upper_bound(a in "[a-f ]{0,14}", b in "[a-f ]{0,14}") {
            let (x, y) = (c(&a), c(&b));
            let jw = jaro_winkler(&x, &y);
            prop_assert!(jaro_winkler_bound(&x, char_set(&x), &y, char_set(&y)) >= jw - 1e-12);
            prop_assert!(quick_bound(x.len(), char_set(&x), y.len(), char_set(&y)) >= jw - 1e-12);
            let m = jaro_winkler_min(&x, char_set(&x), &y, char_set(&y), 0.88);
            let ok = if jw >= 0.88 { m == jw } else { m < 0.88 };
            prop_assert!(ok);
        }

        #[test]
        fn osa_matches_strsim(a in "[a-d]{0,9}", b in "[a-d]{0,9}") {
            let d = strsim::osa_distance(&a, &b);
            prop_assert_eq!(osa_within(&c(&a), &c(&b), 3), (d <= 3).then_some(d));
            prop_assert_eq!(is_one_edit(&c(&a), &c(&b)), strsim::levenshtein(&a, &b) == 1);
        }
    }
}
