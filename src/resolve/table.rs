//! Column store: every field is interned into distinct prepared values; rows hold ids.

use super::compare::{matched_alternatives, FieldPlan};
use super::fold::{digits, fold, fold_compact};
use super::schema::{FieldType, Schema};
use super::similarity::MAX_SIM_CHARS;
use super::{FieldValue, Record};
use std::hash::{BuildHasherDefault, Hasher};

/// Id of a missing value.
pub(crate) const NULL_ID: u32 = u32::MAX;
/// Id of a query value that is not in the dictionary.
pub(crate) const UNSEEN_ID: u32 = u32::MAX - 1;

/// Small, deterministic (seed-free) hasher: results never depend on a random state.
#[derive(Default, Clone, Copy)]
pub(crate) struct FxHasher {
    hash: u64,
}

const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    #[inline]
    fn add(&mut self, w: u64) {
        self.hash = (self.hash.rotate_left(5) ^ w).wrapping_mul(K);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes([
                c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7],
            ]));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut buf = [0u8; 8];
            buf[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(buf) ^ ((rest.len() as u64) << 56));
        }
    }
    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(i as u64);
    }
    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(i as u64);
    }
    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }
    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    #[inline]
    fn finish(&self) -> u64 {
        // murmur3 finaliser for good high bits
        let mut h = self.hash;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^ (h >> 33)
    }
}

pub(crate) type FxBuild = BuildHasherDefault<FxHasher>;
pub(crate) type FxMap<K, V> = hashbrown::HashMap<K, V, FxBuild>;

/// One distinct, normalised value of a field, with everything the comparisons need.
#[derive(Clone, Debug, Default)]
pub(crate) struct Prepared {
    /// Canonical normalised form (the interning key; exact agreement = equal `norm`).
    pub norm: String,
    /// `norm` as characters, truncated to [`MAX_SIM_CHARS`].
    pub chars: Vec<char>,
    /// `Set` value: `norm` is its sorted elements joined by U+001F.
    pub is_set: bool,
    /// Hashes of the distinct tokens (set elements for `Set`), sorted (fast Jaccard /
    /// reordering checks); empty for types that are not token based.
    pub tok: Vec<u64>,
    /// For e-mails: number of chars before the last '@' (local part); else `chars.len()`.
    pub split: usize,
    /// Hash of `norm`.
    pub hash: u64,
    /// Character set of `chars` (see `similarity::char_set`).
    pub set: u64,
    /// For dates: (year, month, day) when the value parses.
    pub ymd: Option<(u32, u32, u32)>,
    /// A multi-valued field (a person's emails, phones, names): each value
    /// prepared on its own, sorted by `norm`, distinct. A pair's level is
    /// the best over every two alternatives (one shared email of three is
    /// an exact email match), and blocking keys come from each. Empty for
    /// a single value. `norm` is then the alternatives' joined by U+001E.
    pub alts: Vec<Prepared>,
    /// The raw value of an alternative (for explanations); empty otherwise.
    pub raw: String,
}

fn parse_date(raw: &str) -> (String, Option<(u32, u32, u32)>) {
    let groups: Vec<&str> = raw
        .split(|c: char| !c.is_ascii_digit())
        .filter(|g| !g.is_empty())
        .collect();
    let num = |s: &str| s.parse::<u32>().unwrap_or(0);
    let plausible_year = |y: u32| (1000..=2999).contains(&y);
    let ymd = match groups.as_slice() {
        [one] if one.len() == 8 => {
            let (y, m, d) = (num(&one[..4]), num(&one[4..6]), num(&one[6..]));
            if plausible_year(y) {
                Some((y, m, d))
            } else {
                let (d2, m2, y2) = (num(&one[..2]), num(&one[2..4]), num(&one[4..]));
                plausible_year(y2).then_some((y2, m2, d2))
            }
        }
        [a, b, c] if a.len() == 4 => Some((num(a), num(b), num(c))),
        [a, b, c] if c.len() == 4 => {
            let (x, y) = (num(a), num(b));
            if y > 12 && x <= 12 {
                Some((num(c), x, y)) // month/day/year
            } else {
                Some((num(c), y, x)) // day/month/year
            }
        }
        _ => None,
    };
    match ymd {
        Some((y, m, d)) if y < 10000 && m < 100 && d < 100 => {
            (format!("{y:04}{m:02}{d:02}"), Some((y, m, d)))
        }
        _ => (digits(raw), None),
    }
}

impl Prepared {
    /// Sorted, distinct tokens of the value (set elements for `Set`; the whole value
    /// for types without spaces).
    pub fn tokens(&self) -> Vec<&str> {
        let sep = if self.is_set { '\u{1f}' } else { ' ' };
        let mut t: Vec<&str> = self
            .norm
            .split([sep, ALT_SEP])
            .filter(|s| !s.is_empty())
            .collect();
        t.sort_unstable();
        t.dedup();
        t
    }
}

fn hash_bytes(b: &[u8]) -> u64 {
    let mut h = FxHasher::default();
    h.write(b);
    h.finish()
}

/// Separates the alternatives of a multi-valued field in its `norm`.
const ALT_SEP: char = '\u{1e}';

/// A multi-valued field's values prepared one by one (see
/// [`Prepared::alts`]); a single distinct value is returned as it is.
fn prepare_alternatives(ty: FieldType, values: &[String]) -> Option<Prepared> {
    let mut alts: Vec<Prepared> = values
        .iter()
        .filter_map(|v| {
            let mut p = prepare(ty, &FieldValue::Text(v.clone()))?;
            p.raw = v.clone();
            Some(p)
        })
        .collect();
    alts.sort_by(|a, b| a.norm.cmp(&b.norm));
    alts.dedup_by(|a, b| a.norm == b.norm);
    if alts.len() <= 1 {
        return alts.pop().map(|mut p| {
            p.raw = String::new();
            p
        });
    }
    let norm = alts
        .iter()
        .map(|a| a.norm.as_str())
        .collect::<Vec<_>>()
        .join(&ALT_SEP.to_string());
    let mut tok: Vec<u64> = alts.iter().flat_map(|a| a.tok.iter().copied()).collect();
    tok.sort_unstable();
    tok.dedup();
    let chars: Vec<char> = norm.chars().take(MAX_SIM_CHARS).collect();
    Some(Prepared {
        set: super::similarity::char_set(&chars),
        hash: hash_bytes(norm.as_bytes()),
        split: chars.len(),
        chars,
        norm,
        tok,
        alts,
        ..Prepared::default()
    })
}

/// Normalise one raw value for a field type. `None` when nothing is left.
pub(crate) fn prepare(ty: FieldType, v: &FieldValue) -> Option<Prepared> {
    if let (false, FieldValue::Many(xs)) = (ty == FieldType::Set, v) {
        return prepare_alternatives(ty, xs);
    }
    let mut p = Prepared::default();
    match ty {
        FieldType::Set => {
            let mut elems: Vec<String> = match v {
                FieldValue::Many(xs) => xs.iter().map(|x| fold(x)).collect(),
                FieldValue::Text(s) => s.split([';', '|', ',']).map(fold).collect(),
            };
            elems.retain(|e| !e.is_empty());
            elems.sort_unstable();
            elems.dedup();
            p.norm = elems.join("\u{1f}");
            p.is_set = true;
            p.tok = elems.iter().map(|e| hash_bytes(e.as_bytes())).collect();
        }
        _ => {
            let FieldValue::Text(raw) = v else {
                unreachable!("lists of values are prepared as alternatives")
            };
            match ty {
                FieldType::Email => {
                    p.norm = raw.trim().to_lowercase();
                    p.norm.retain(|c| !c.is_whitespace() && !c.is_control());
                }
                FieldType::Phone => p.norm = digits(raw),
                FieldType::Date => {
                    let (n, ymd) = parse_date(raw);
                    p.norm = n;
                    p.ymd = ymd;
                }
                FieldType::Postcode | FieldType::Identifier => p.norm = fold_compact(raw),
                _ => {
                    p.norm = fold(raw);
                    p.tok = p
                        .norm
                        .split(' ')
                        .filter(|t| !t.is_empty())
                        .map(|t| hash_bytes(t.as_bytes()))
                        .collect();
                }
            }
        }
    }
    if p.norm.is_empty() {
        return None;
    }
    p.chars = p.norm.chars().take(MAX_SIM_CHARS).collect();
    p.set = super::similarity::char_set(&p.chars);
    p.hash = hash_bytes(p.norm.as_bytes());
    p.tok.sort_unstable();
    p.tok.dedup();
    p.split = if ty == FieldType::Email {
        p.chars
            .iter()
            .rposition(|&c| c == '@')
            .unwrap_or(p.chars.len())
    } else {
        p.chars.len()
    };
    Some(p)
}

pub(crate) fn raw_display(v: &FieldValue) -> String {
    match v {
        FieldValue::Text(s) => s.clone(),
        FieldValue::Many(xs) => xs.join("; "),
    }
}

/// Order-independent fingerprint of a record from its normalised values.
pub(crate) fn fingerprint_of<'a>(norms: impl Iterator<Item = Option<&'a str>>) -> u64 {
    let mut fp = FxHasher::default();
    for n in norms {
        match n {
            None => fp.write_u8(0),
            Some(s) => fp.write(s.as_bytes()),
        }
        fp.write_u8(0xfe);
    }
    fp.finish()
}

/// One interned field.
#[derive(Clone, Debug, Default)]
pub(crate) struct Column {
    /// Value id of every row (`NULL_ID` when missing).
    pub ids: Vec<u32>,
    pub values: Vec<Prepared>,
    /// Rows holding each value, per side (side 1 is only used when linking two tables).
    pub counts: [Vec<u32>; 2],
    /// Non-null rows per side.
    pub non_null: [u64; 2],
    index: hashbrown::HashTable<u32>,
}

impl Column {
    fn new(ty: FieldType) -> Self {
        let _ = ty;
        Column::default()
    }

    /// Id of a normalised value if it is in the dictionary.
    pub fn lookup(&self, norm: &str) -> Option<u32> {
        let h = hash_bytes(norm.as_bytes());
        self.index
            .find(h, |&id| self.values[id as usize].norm == norm)
            .copied()
    }

    fn intern(&mut self, p: Prepared, side: usize) -> u32 {
        let values = &self.values;
        let found = self
            .index
            .find(p.hash, |&id| values[id as usize].norm == p.norm)
            .copied();
        let id = match found {
            Some(id) => id,
            None => {
                let id = self.values.len() as u32;
                let values = &self.values;
                self.index
                    .insert_unique(p.hash, id, |&i| values[i as usize].hash);
                self.values.push(p);
                self.counts[0].push(0);
                self.counts[1].push(0);
                id
            }
        };
        self.counts[side][id as usize] += 1;
        self.non_null[side] += 1;
        id
    }

    #[inline]
    pub fn get(&self, row: usize) -> Option<(u32, &Prepared)> {
        let id = self.ids[row];
        (id != NULL_ID).then(|| (id, &self.values[id as usize]))
    }

    /// Total count of a value over both sides.
    pub fn count(&self, id: u32) -> u64 {
        self.counts[0][id as usize] as u64 + self.counts[1][id as usize] as u64
    }
}

/// All records of one run (left table then right table when linking).
#[derive(Clone, Debug, Default)]
pub(crate) struct Table {
    pub cols: Vec<Column>,
    pub n: usize,
    /// Rows `0..n_left` are side 0, the others side 1.
    pub n_left: usize,
    /// Original values (for explanations): one buffer, spans row-major `n * fields`.
    raw_buf: String,
    raw_spans: Vec<(u32, u32)>,
    /// Order-independent fingerprint of each row's normalised content.
    pub fingerprint: Vec<u64>,
    // per-field cache: hash of raw text -> (id, span of its first occurrence)
    raw_index: Vec<FxMap<u64, (u32, u32, u32)>>,
}

const NO_SPAN: (u32, u32) = (u32::MAX, 0);

impl Table {
    pub fn new(schema: &Schema) -> Self {
        Table {
            cols: schema.fields.iter().map(|f| Column::new(f.ty)).collect(),
            raw_index: vec![FxMap::default(); schema.len()],
            ..Default::default()
        }
    }

    pub fn fields(&self) -> usize {
        self.cols.len()
    }

    fn push_raw(&mut self, s: &str) -> (u32, u32) {
        let start = self.raw_buf.len();
        self.raw_buf.push_str(s);
        (start as u32, s.len() as u32)
    }

    /// Append one record on `side` (0 = left / only table, 1 = right table).
    pub fn push(&mut self, schema: &Schema, rec: &Record, side: usize) -> usize {
        let row = self.n;
        for (f, spec) in schema.fields.iter().enumerate() {
            let v = rec.get(f).and_then(|v| v.as_ref());
            let (id, span) = match v {
                None => (NULL_ID, NO_SPAN),
                Some(FieldValue::Text(s)) => {
                    let mut h = FxHasher::default();
                    h.write(s.as_bytes());
                    let key = h.finish();
                    let cached = self.raw_index[f]
                        .get(&key)
                        .copied()
                        .filter(|&(_, st, len)| {
                            &self.raw_buf[st as usize..(st + len) as usize] == s.as_str()
                        });
                    let span = self.push_raw(s);
                    match cached {
                        Some((id, _, _)) => {
                            let col = &mut self.cols[f];
                            if id != NULL_ID {
                                col.counts[side][id as usize] += 1;
                                col.non_null[side] += 1;
                            }
                            (id, span)
                        }
                        None => {
                            let id = match prepare(spec.ty, v.unwrap_or(&FieldValue::Many(vec![])))
                            {
                                Some(p) => self.cols[f].intern(p, side),
                                None => NULL_ID,
                            };
                            if self.raw_index[f].len() < 1 << 22 {
                                self.raw_index[f].entry(key).or_insert((id, span.0, span.1));
                            }
                            (id, span)
                        }
                    }
                }
                Some(v @ FieldValue::Many(_)) => {
                    let id = match prepare(spec.ty, v) {
                        Some(p) => self.cols[f].intern(p, side),
                        None => NULL_ID,
                    };
                    (id, self.push_raw(&raw_display(v)))
                }
            };
            self.cols[f].ids.push(id);
            self.raw_spans.push(span);
        }
        let fp = fingerprint_of(
            self.cols
                .iter()
                .map(|c| c.get(row).map(|(_, p)| p.norm.as_str())),
        );
        self.fingerprint.push(fp);
        self.n += 1;
        if side == 0 {
            self.n_left = self.n;
        }
        row
    }

    /// Takes a row out of the statistics: its values no longer count
    /// towards term frequencies, and it reads as all-missing. Its number
    /// stays taken (rows are never reused).
    pub fn retire(&mut self, row: usize) {
        let side = usize::from(row >= self.n_left);
        for col in &mut self.cols {
            let id = std::mem::replace(&mut col.ids[row], NULL_ID);
            if id != NULL_ID {
                col.counts[side][id as usize] -= 1;
                col.non_null[side] -= 1;
            }
        }
    }

    pub fn build(schema: &Schema, left: &[Record], right: Option<&[Record]>) -> Self {
        let mut t = Table::new(schema);
        let total = left.len() + right.map_or(0, |r| r.len());
        t.raw_spans.reserve(total * schema.len());
        t.raw_buf.reserve(total * schema.len() * 8);
        t.fingerprint.reserve(total);
        for c in &mut t.cols {
            c.ids.reserve(total);
        }
        for r in left {
            t.push(schema, r, 0);
        }
        if let Some(right) = right {
            for r in right {
                t.push(schema, r, 1);
            }
        }
        t
    }

    pub fn raw(&self, row: usize, f: usize) -> Option<&str> {
        let (st, len) = self.raw_spans[row * self.fields() + f];
        (st != u32::MAX).then(|| &self.raw_buf[st as usize..(st + len) as usize])
    }

    /// The values an explanation shows for field `f` of rows `a` and `b`:
    /// each row's raw value, or, of a multi-valued field, the value that
    /// matched best.
    pub(crate) fn shown(
        &self,
        plan: &FieldPlan,
        f: usize,
        a: usize,
        b: usize,
    ) -> (Option<&str>, Option<&str>) {
        let (mut va, mut vb) = (self.raw(a, f), self.raw(b, f));
        if let (Some((_, pa)), Some((_, pb))) = (self.cols[f].get(a), self.cols[f].get(b)) {
            let (ma, mb) = matched_alternatives(plan, pa, pb);
            va = ma.or(va);
            vb = mb.or(vb);
        }
        (va, vb)
    }

    /// Rows ordered by content (fingerprint, then row): the order every sampling and
    /// tie-break uses, so results do not depend on the input order.
    pub fn content_order(&self, rows: std::ops::Range<usize>) -> Vec<u32> {
        let mut v: Vec<u32> = rows.map(|r| r as u32).collect();
        v.sort_unstable_by_key(|&r| (self.fingerprint[r as usize], r));
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_parse_in_common_formats() {
        assert_eq!(parse_date("19420127").1, Some((1942, 1, 27)));
        assert_eq!(parse_date("1942-01-27").1, Some((1942, 1, 27)));
        assert_eq!(parse_date("27/01/1942").1, Some((1942, 1, 27)));
        assert_eq!(parse_date("01/27/1942").1, Some((1942, 1, 27)));
        assert_eq!(parse_date("1942-01-27").0, "19420127");
        assert_eq!(parse_date("abc").1, None);
    }
}
