//! Graded comparison levels per field type.
//!
//! Every field type has an ordered list of levels, strongest agreement first and a
//! final "different" level; the first level whose condition holds is the result.
//! A missing value on either side gives no level at all (no information, weight 0).
//!
//! | type | levels |
//! |---|---|
//! | Name | exact · same tokens reordered · JW ≥ high · JW ≥ low · initials compatible · shared token · different |
//! | GivenName / FamilyName | exact · same tokens reordered · JW ≥ high · swapped with partner field (if configured) · JW ≥ low · initial match · different |
//! | Email | exact · same local part · local part JW ≥ high or one edit · different |
//! | Phone | exact · same number ignoring prefix (one a suffix of the other with ≥ 7 digits, or same last 8) · one edit or transposition · different |
//! | Date | exact · day/month swapped · transposed digits · one digit typo · one of y/m/d differs · year within 1 · different |
//! | Address | exact · same tokens reordered · JW ≥ high · token Jaccard ≥ 0.5 · different |
//! | Postcode | exact · one edit or transposition · same leading half · different |
//! | Identifier | exact · one edit · adjacent transposition · two edits · different |
//! | FreeText | exact · same tokens reordered · token Jaccard ≥ 0.5 · JW ≥ high · different |
//! | Set | same set · Jaccard ≥ 0.5 · shares an element · disjoint |

use super::schema::{CompareOptions, FieldType, Schema};
use super::similarity::{
    edit_lower_bound, is_adjacent_transposition, is_one_edit, jaccard_sorted, jaro_winkler,
    jaro_winkler_min, osa_within,
};
use super::table::{prepare, Prepared};
use super::FieldValue;

/// Level code meaning "no information" (a value is missing).
pub const NULL_LEVEL: u8 = u8::MAX;

/// The comparison plan of one field (type, thresholds, partner, level labels).
#[derive(Clone, Debug)]
pub(crate) struct FieldPlan {
    pub ty: FieldType,
    pub jw_high: f64,
    pub jw_low: f64,
    pub partner: Option<usize>,
    pub tf: bool,
    pub labels: Vec<String>,
}

/// Level labels of a field type (`partner`: name of the swap partner field, if any).
pub fn level_labels(ty: FieldType, opts: &CompareOptions, partner: Option<&str>) -> Vec<String> {
    let h = format!("jaro-winkler ≥ {}", opts.jw_high);
    let l = format!("jaro-winkler ≥ {}", opts.jw_low);
    let v: Vec<String> = match ty {
        FieldType::Name => vec![
            "exact".into(),
            "same tokens, reordered".into(),
            h,
            l,
            "initials compatible".into(),
            "shared token".into(),
            "different".into(),
        ],
        FieldType::GivenName | FieldType::FamilyName => {
            let mut v = vec!["exact".into(), "same tokens, reordered".into(), h];
            if let Some(p) = partner {
                v.push(format!("swapped with {p}"));
            }
            v.extend([l, "initial match".into(), "different".into()]);
            v
        }
        FieldType::Email => vec![
            "exact".into(),
            "same local part".into(),
            "similar local part".into(),
            "different".into(),
        ],
        FieldType::Phone => vec![
            "exact".into(),
            "same number ignoring prefix".into(),
            "one digit edit or transposition".into(),
            "different".into(),
        ],
        FieldType::Date => vec![
            "exact".into(),
            "day and month swapped".into(),
            "transposed digits".into(),
            "one digit typo".into(),
            "one of year/month/day differs".into(),
            "year within 1".into(),
            "different".into(),
        ],
        FieldType::Address => vec![
            "exact".into(),
            "same tokens, reordered".into(),
            h,
            "token overlap ≥ 0.5".into(),
            "different".into(),
        ],
        FieldType::Postcode => vec![
            "exact".into(),
            "one edit or transposition".into(),
            "same leading half".into(),
            "different".into(),
        ],
        FieldType::Identifier => vec![
            "exact".into(),
            "one edit".into(),
            "adjacent transposition".into(),
            "two edits".into(),
            "different".into(),
        ],
        FieldType::FreeText => vec![
            "exact".into(),
            "same tokens, reordered".into(),
            "token overlap ≥ 0.5".into(),
            h,
            "different".into(),
        ],
        FieldType::Set => vec![
            "same set".into(),
            "overlap ≥ 0.5".into(),
            "shares an element".into(),
            "disjoint".into(),
        ],
    };
    v
}

pub(crate) fn plans(schema: &Schema) -> Vec<FieldPlan> {
    schema
        .fields
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let partner = match f.ty {
                FieldType::GivenName | FieldType::FamilyName | FieldType::Name => {
                    schema.swap_partner(i)
                }
                _ => None,
            };
            let pname = partner.map(|p| schema.fields[p].name.as_str());
            FieldPlan {
                ty: f.ty,
                jw_high: f.options.jw_high,
                jw_low: f.options.jw_low,
                partner: if matches!(f.ty, FieldType::Name) {
                    None
                } else {
                    partner
                },
                tf: f.options.term_frequency,
                labels: level_labels(
                    f.ty,
                    &f.options,
                    if matches!(f.ty, FieldType::Name) {
                        None
                    } else {
                        pname
                    },
                ),
            }
        })
        .collect()
}

#[inline]
fn sorted_tokens_equal(a: &Prepared, b: &Prepared) -> bool {
    a.tok.len() > 1 && a.tok == b.tok
}

fn initials_compatible(a: &Prepared, b: &Prepared) -> bool {
    // every token of the shorter name equals, or is the initial of, a distinct token of
    // the longer one, and at least one full token agrees
    let (ta, tb) = (a.tokens(), b.tokens());
    let (s, l) = if ta.len() <= tb.len() {
        (ta, tb)
    } else {
        (tb, ta)
    };
    if s.is_empty() {
        return false;
    }
    let mut used = vec![false; l.len()];
    let mut full = false;
    for t in &s {
        let mut ok = false;
        for (k, u) in l.iter().enumerate() {
            if used[k] {
                continue;
            }
            let init = |x: &str, y: &str| x.chars().count() == 1 && y.starts_with(x);
            if t == u {
                full = true;
                ok = true;
            } else if init(t, u) || init(u, t) {
                ok = true;
            }
            if ok {
                used[k] = true;
                break;
            }
        }
        if !ok {
            return false;
        }
    }
    full
}

/// Level of two non-missing values. `same` tells whether the values are identical
/// (same interned id); `pa`/`pb` are the partner-field values of each record (swap).
/// Multi-valued fields take the best level of any two of their values.
#[inline]
pub(crate) fn level(
    plan: &FieldPlan,
    same: bool,
    a: &Prepared,
    b: &Prepared,
    pa: Option<&Prepared>,
    pb: Option<&Prepared>,
) -> u8 {
    if same {
        return 0;
    }
    if a.alts.is_empty() && b.alts.is_empty() {
        return level_of_values(plan, a, b, pa, pb);
    }
    best_alternatives(plan, a, b, pa, pb).0
}

/// The values of a field: its alternatives, or the one value.
fn values_of(p: &Prepared) -> &[Prepared] {
    if p.alts.is_empty() {
        std::slice::from_ref(p)
    } else {
        &p.alts
    }
}

/// The best level of any value of `a` with any value of `b`, and which two
/// (their positions in [`values_of`]).
pub(crate) fn best_alternatives(
    plan: &FieldPlan,
    a: &Prepared,
    b: &Prepared,
    pa: Option<&Prepared>,
    pb: Option<&Prepared>,
) -> (u8, usize, usize) {
    let mut best = (u8::MAX, 0, 0);
    for (i, x) in values_of(a).iter().enumerate() {
        for (j, y) in values_of(b).iter().enumerate() {
            let l = if x.hash == y.hash && x.norm == y.norm {
                0
            } else {
                level_of_values(plan, x, y, pa, pb)
            };
            if l < best.0 {
                best = (l, i, j);
                if l == 0 {
                    return best;
                }
            }
        }
    }
    best
}

/// For an explanation: the raw values of a multi-valued field that gave a
/// pair its level (`None` for a side with a single value: show it whole).
pub(crate) fn matched_alternatives<'a>(
    plan: &FieldPlan,
    a: &'a Prepared,
    b: &'a Prepared,
) -> (Option<&'a str>, Option<&'a str>) {
    if a.alts.is_empty() && b.alts.is_empty() {
        return (None, None);
    }
    let (_, i, j) = best_alternatives(plan, a, b, None, None);
    let raw = |p: &'a Prepared, k: usize| (!p.alts.is_empty()).then(|| p.alts[k].raw.as_str());
    (raw(a, i), raw(b, j))
}

/// Level of two single values that are not identical.
fn level_of_values(
    plan: &FieldPlan,
    a: &Prepared,
    b: &Prepared,
    pa: Option<&Prepared>,
    pb: Option<&Prepared>,
) -> u8 {
    let (ca, cb) = (&a.chars[..], &b.chars[..]);
    match plan.ty {
        FieldType::Name => {
            if sorted_tokens_equal(a, b) {
                return 1;
            }
            let jw = jaro_winkler_min(ca, a.set, cb, b.set, plan.jw_low);
            if jw >= plan.jw_high {
                2
            } else if jw >= plan.jw_low {
                3
            } else if initials_compatible(a, b) {
                4
            } else if jaccard_sorted(&a.tok, &b.tok) > 0.0 {
                5
            } else {
                6
            }
        }
        FieldType::GivenName | FieldType::FamilyName => {
            if sorted_tokens_equal(a, b) {
                return 1;
            }
            let jw = jaro_winkler_min(ca, a.set, cb, b.set, plan.jw_low);
            if jw >= plan.jw_high {
                return 2;
            }
            let shift = u8::from(plan.partner.is_some());
            if plan.partner.is_some() {
                let cross = |x: &Prepared, y: Option<&Prepared>| {
                    y.is_some_and(|y| {
                        (x.hash == y.hash && x.norm == y.norm)
                            || jaro_winkler_min(&x.chars, x.set, &y.chars, y.set, plan.jw_high)
                                >= plan.jw_high
                    })
                };
                if cross(a, pb) || cross(b, pa) {
                    return 3;
                }
            }
            if jw >= plan.jw_low {
                3 + shift
            } else if (ca.len() == 1 || cb.len() == 1) && ca[0] == cb[0] {
                4 + shift
            } else {
                5 + shift
            }
        }
        FieldType::Email => {
            let (la, lb) = (&ca[..a.split], &cb[..b.split]);
            if !la.is_empty() && la == lb {
                1
            } else if !la.is_empty()
                && !lb.is_empty()
                && (is_one_edit(la, lb) || jaro_winkler(la, lb) >= plan.jw_high)
            {
                2
            } else {
                3
            }
        }
        FieldType::Phone => {
            let (s, l) = if ca.len() <= cb.len() {
                (ca, cb)
            } else {
                (cb, ca)
            };
            if (s.len() >= 7 && l.ends_with(s))
                || (s.len() >= 8 && l[l.len() - 8..] == s[s.len() - 8..])
            {
                1
            } else if is_one_edit(ca, cb) || is_adjacent_transposition(ca, cb) {
                2
            } else {
                3
            }
        }
        FieldType::Date => {
            if let (Some((ya, ma, da)), Some((yb, mb, db))) = (a.ymd, b.ymd) {
                if ya == yb && ma == db && da == mb {
                    return 1;
                }
                if is_adjacent_transposition(ca, cb) {
                    return 2;
                }
                if ca.len() == cb.len() && is_one_edit(ca, cb) {
                    return 3;
                }
                let agree = u8::from(ya == yb) + u8::from(ma == mb) + u8::from(da == db);
                if agree == 2 {
                    4
                } else if ya.abs_diff(yb) <= 1 {
                    5
                } else {
                    6
                }
            } else if is_adjacent_transposition(ca, cb) {
                2
            } else if is_one_edit(ca, cb) {
                3
            } else {
                6
            }
        }
        FieldType::Address => {
            if sorted_tokens_equal(a, b) {
                1
            } else if jaro_winkler_min(ca, a.set, cb, b.set, plan.jw_high) >= plan.jw_high {
                2
            } else if jaccard_sorted(&a.tok, &b.tok) >= 0.5 {
                3
            } else {
                4
            }
        }
        FieldType::Postcode => {
            if is_one_edit(ca, cb) || is_adjacent_transposition(ca, cb) {
                1
            } else {
                let half = ca.len().max(cb.len()).div_ceil(2).max(1);
                if ca.len() >= half && cb.len() >= half && ca[..half] == cb[..half] {
                    2
                } else {
                    3
                }
            }
        }
        FieldType::Identifier => {
            if edit_lower_bound(a.set, b.set) > 2 || ca.len().abs_diff(cb.len()) > 2 {
                4
            } else if is_one_edit(ca, cb) {
                1
            } else if is_adjacent_transposition(ca, cb) {
                2
            } else if osa_within(ca, cb, 2).is_some() {
                3
            } else {
                4
            }
        }
        FieldType::FreeText => {
            if sorted_tokens_equal(a, b) {
                1
            } else if jaccard_sorted(&a.tok, &b.tok) >= 0.5 {
                2
            } else if jaro_winkler_min(ca, a.set, cb, b.set, plan.jw_high) >= plan.jw_high {
                3
            } else {
                4
            }
        }
        FieldType::Set => {
            // equal sets have equal `norm` and were caught by `same`
            let j = jaccard_sorted(&a.tok, &b.tok);
            if j >= 0.5 {
                1
            } else if j > 0.0 {
                2
            } else {
                3
            }
        }
    }
}

/// A comparison level: index in the field's level list and its label.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Level {
    pub index: u8,
    pub label: String,
}

/// Compare two raw values of a field type (no swap partner). `None` when either value
/// is missing or normalises to nothing.
pub fn compare_values(ty: FieldType, opts: &CompareOptions, a: &str, b: &str) -> Option<Level> {
    let pa = prepare(ty, &FieldValue::Text(a.to_string()))?;
    let pb = prepare(ty, &FieldValue::Text(b.to_string()))?;
    let labels = level_labels(ty, opts, None);
    let plan = FieldPlan {
        ty,
        jw_high: opts.jw_high,
        jw_low: opts.jw_low,
        partner: None,
        tf: false,
        labels,
    };
    let idx = level(&plan, pa.norm == pb.norm, &pa, &pb, None, None);
    Some(Level {
        index: idx,
        label: plan.labels[idx as usize].clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lv(ty: FieldType, a: &str, b: &str) -> Option<String> {
        compare_values(ty, &CompareOptions::default(), a, b).map(|l| l.label)
    }
    fn is(ty: FieldType, a: &str, b: &str, want: &str) {
        assert_eq!(lv(ty, a, b).as_deref(), Some(want), "{ty:?} {a:?} vs {b:?}");
    }

    #[test]
    fn null_and_empty_give_no_level() {
        assert_eq!(lv(FieldType::Name, "", "john"), None);
        assert_eq!(lv(FieldType::Phone, "n/a", "555"), None);
        assert_eq!(lv(FieldType::Set, " ; ", "a"), None);
    }

    #[test]
    fn name_levels() {
        use FieldType::Name as N;
        is(N, "John Smith", "john  SMITH", "exact");
        is(N, "Smith John", "John Smith", "same tokens, reordered");
        is(N, "Jonathan Smith", "Jonathon Smith", "jaro-winkler ≥ 0.94");
        is(N, "Jon Smyth", "John Smith", "jaro-winkler ≥ 0.88");
        is(N, "J Smith", "Smith Anne John", "initials compatible");
        is(N, "Mary Brown", "Anne Brown-Walker Xu", "shared token");
        is(N, "Alice", "Zoe", "different");
        is(N, "José", "jose", "exact");
    }

    #[test]
    fn name_part_levels() {
        use FieldType::GivenName as G;
        is(G, "katherine", "katherine", "exact");
        is(G, "mary ann", "ann mary", "same tokens, reordered");
        is(G, "katherine", "katharine", "jaro-winkler ≥ 0.94");
        is(G, "jon", "john", "jaro-winkler ≥ 0.88");
        is(G, "j", "john", "initial match");
        is(G, "peter", "john", "different");
        is(
            FieldType::FamilyName,
            "smith",
            "smyth",
            "jaro-winkler ≥ 0.88",
        );
    }

    #[test]
    fn email_levels() {
        use FieldType::Email as E;
        is(E, "A.Smith@Example.com", "a.smith@example.com", "exact");
        is(
            E,
            "a.smith@example.com",
            "a.smith@gmail.com",
            "same local part",
        );
        is(
            E,
            "a.smith@example.com",
            "a.smiht@gmail.com",
            "similar local part",
        );
        is(E, "bob@example.com", "alice@example.com", "different");
    }

    #[test]
    fn phone_levels() {
        use FieldType::Phone as P;
        is(P, "+61 2 9999 1234", "61299991234", "exact");
        is(
            P,
            "+61 2 9999 1234",
            "(02) 9999 1234",
            "same number ignoring prefix",
        );
        is(
            P,
            "9999 1234",
            "9999 1243",
            "one digit edit or transposition",
        );
        is(
            P,
            "9999 1234",
            "9999 1235",
            "one digit edit or transposition",
        );
        is(P, "9999 1234", "5555 0000", "different");
    }

    #[test]
    fn date_levels() {
        use FieldType::Date as D;
        is(D, "19560409", "1956-04-09", "exact");
        is(D, "19560409", "19560904", "day and month swapped");
        is(D, "19560409", "19650409", "transposed digits");
        is(D, "19560409", "19560408", "one digit typo");
        is(D, "19560409", "19561209", "one of year/month/day differs");
        is(D, "19560409", "19571122", "year within 1");
        is(D, "19560409", "19801122", "different");
        is(D, "1956040x", "19560401", "one digit typo");
    }

    #[test]
    fn identifier_levels() {
        use FieldType::Identifier as I;
        is(I, "530-4218", "5304218", "exact");
        is(I, "5304218", "5304219", "one edit");
        is(I, "5304218", "530418", "one edit");
        is(I, "5304218", "5302418", "adjacent transposition");
        is(I, "5304218", "5314208", "two edits");
        is(I, "5304218", "1111111", "different");
    }

    #[test]
    fn postcode_levels() {
        use FieldType::Postcode as P;
        is(P, "SW1A 1AA", "sw1a1aa", "exact");
        is(P, "2283", "2238", "one edit or transposition");
        is(P, "2283", "2257", "same leading half");
        is(P, "2283", "3172", "different");
    }

    #[test]
    fn address_and_text_levels() {
        use FieldType::{Address as A, FreeText as T};
        is(A, "12 Were Street", "12 were street", "exact");
        is(
            A,
            "street were 12",
            "12 were street",
            "same tokens, reordered",
        );
        is(
            A,
            "kingsford smith drive",
            "kingsford smyth drive",
            "jaro-winkler ≥ 0.94",
        );
        is(
            A,
            "1 main road north",
            "main road 9 north",
            "token overlap ≥ 0.5",
        );
        is(A, "were street", "pike place", "different");
        is(T, "big red dog", "dog big red", "same tokens, reordered");
        is(T, "big red dog", "big red cat", "token overlap ≥ 0.5");
        is(T, "abcdefghij", "abcdefghik", "jaro-winkler ≥ 0.94");
        is(T, "one", "two", "different");
    }

    #[test]
    fn set_levels() {
        use FieldType::Set as S;
        is(S, "a;b", "b|a", "same set");
        is(S, "a;b;c", "a;b", "overlap ≥ 0.5");
        is(S, "a;b;c;d", "a;x;y", "shares an element");
        is(S, "a", "b", "disjoint");
    }
}
