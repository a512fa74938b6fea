//! Seeded generator of synthetic contacts for the 100k scale benchmark, shared by
//! `examples/scale.rs` (native) and `examples/scale_wasm.rs` (wasm under Node).
//!
//! People are drawn first (given name from the nickname table behind
//! `src/normalize`, surname from a common list or a syllable long tail, a company with
//! a shared e-mail domain, a US phone); then each person appears in 1 record, or —
//! with probability `DUP_RATE` — in 2–4 records (1–3 duplicates) "from other sources"
//! with nickname forms (Bob/Robert), typos, swapped first/last, missing fields, gmail
//! dots/+tags, personal vs work e-mail, phone formats, org-name variants.
//! The truth is every pair of records of the same person.
#![allow(dead_code)]

use wig_graph::normalize::{normalize_email, normalize_phone};
use wig_graph::resolve::{FieldValue, Record};

pub const DUP_RATE: f64 = 0.25;

static NICKNAMES: &str = include_str!("../../src/normalize/data/nicknames.txt");

const SURNAMES: &[&str] = &[
    "smith",
    "johnson",
    "williams",
    "brown",
    "jones",
    "garcia",
    "miller",
    "davis",
    "rodriguez",
    "martinez",
    "hernandez",
    "lopez",
    "gonzalez",
    "wilson",
    "anderson",
    "thomas",
    "taylor",
    "moore",
    "jackson",
    "martin",
    "lee",
    "perez",
    "thompson",
    "white",
    "harris",
    "sanchez",
    "clark",
    "ramirez",
    "lewis",
    "robinson",
    "walker",
    "young",
    "allen",
    "king",
    "wright",
    "scott",
    "torres",
    "nguyen",
    "hill",
    "flores",
    "green",
    "adams",
    "nelson",
    "baker",
    "hall",
    "rivera",
    "campbell",
    "mitchell",
    "carter",
    "roberts",
    "gomez",
    "phillips",
    "evans",
    "turner",
    "diaz",
    "parker",
    "cruz",
    "edwards",
    "collins",
    "reyes",
    "stewart",
    "morris",
    "morales",
    "murphy",
    "cook",
    "rogers",
    "gutierrez",
    "ortiz",
    "morgan",
    "cooper",
    "peterson",
    "bailey",
    "reed",
    "kelly",
    "howard",
    "ramos",
    "kim",
    "cox",
    "ward",
    "richardson",
    "watson",
    "brooks",
    "chavez",
    "wood",
    "james",
    "bennett",
    "gray",
    "mendoza",
    "ruiz",
    "hughes",
    "price",
    "alvarez",
    "castillo",
    "sanders",
    "patel",
    "myers",
    "long",
    "ross",
    "foster",
    "jimenez",
    "chen",
    "wang",
    "singh",
    "kumar",
    "muller",
    "schmidt",
    "schneider",
    "fischer",
    "weber",
    "meyer",
    "wagner",
    "becker",
    "schulz",
    "hoffmann",
    "rossi",
    "russo",
    "ferrari",
    "esposito",
    "bianchi",
    "romano",
    "dubois",
    "moreau",
    "laurent",
    "lefebvre",
];
const SYL: &[&str] = &[
    "al", "ber", "cor", "dan", "el", "fen", "gar", "hol", "ing", "jor", "kas", "lin", "mar", "nor",
    "os", "pel", "quin", "ros", "sten", "tor", "ul", "van", "wes", "yar", "zel", "bra", "cha",
    "dre", "fal", "gri", "har", "kov", "lund", "mor", "nik", "par",
];
const SURF: &[&str] = &[
    "son", "sen", "man", "berg", "stein", "ford", "ton", "ley", "ski", "ova", "ez", "ini", "er",
    "wood", "field", "by", "well", "ard", "ing", "holm",
];
const CO_A: &[&str] = &[
    "acme", "globex", "initech", "umbrella", "stark", "wayne", "hooli", "vandelay", "north",
    "blue", "red", "bright", "swift", "silver", "iron", "quantum", "pixel", "cloud", "river",
    "summit", "peak", "nova", "orbit", "atlas", "delta", "apex", "prime", "green", "solar",
    "cedar", "maple", "harbor", "lumen", "vertex", "zen", "echo",
];
const CO_B: &[&str] = &[
    "labs",
    "systems",
    "works",
    "logic",
    "data",
    "soft",
    "tech",
    "bio",
    "capital",
    "media",
    "health",
    "energy",
    "foods",
    "motors",
    "networks",
    "partners",
    "robotics",
    "analytics",
    "design",
    "ventures",
];
const CO_SUFFIX: &[&str] = &["Inc", "Inc.", "LLC", "Ltd", "Corp", "GmbH", ""];
const FREE_MAIL: &[&str] = &[
    "gmail.com",
    "yahoo.com",
    "outlook.com",
    "hotmail.com",
    "icloud.com",
];

/// splitmix64
pub struct Rng(u64);
impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed ^ 0x9e37_79b9_7f4a_7c15)
    }
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    pub fn f(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    pub fn chance(&mut self, p: f64) -> bool {
        self.f() < p
    }
    /// Skewed index in 0..n: a few common values and a long tail.
    pub fn zipf(&mut self, n: usize) -> usize {
        // 30% log-uniform (a heavy head: the commonest value gets ~3%), 70% uniform
        if self.chance(0.3) {
            let x = ((n as f64 + 1.0).powf(self.f()) - 1.0) as usize;
            x.min(n - 1)
        } else {
            self.below(n)
        }
    }
    pub fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len())]
    }
}

/// One true person.
#[derive(Clone)]
pub struct Person {
    pub given: String,
    /// Nickname forms of `given` (from the nickname table), maybe empty.
    pub nicks: Vec<String>,
    pub surname: String,
    pub company: usize,
    pub phone: [u16; 3],
    pub personal_local: String,
    pub free_mail: &'static str,
}

pub struct World {
    /// canonical given name → its nicknames
    pub given: Vec<(String, Vec<String>)>,
    pub surnames: Vec<String>,
    pub companies: Vec<(String, String)>, // (name, domain)
}

impl World {
    pub fn new(rng: &mut Rng) -> World {
        let mut given = Vec::new();
        for line in NICKNAMES.lines() {
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            let mut w = line.split_whitespace();
            let canon = w.next().unwrap().to_string();
            given.push((canon, w.map(str::to_string).collect::<Vec<String>>()));
        }
        // common names first (they carry most nicknames), then the rest shuffled
        given.sort_by_key(|(_, n)| std::cmp::Reverse(n.len().min(4)));
        let mut surnames: Vec<String> = SURNAMES.iter().map(|s| s.to_string()).collect();
        for _ in 0..6000 {
            let mut s = String::new();
            s.push_str(rng.pick(SYL));
            if rng.chance(0.5) {
                s.push_str(rng.pick(SYL));
            }
            s.push_str(rng.pick(SURF));
            surnames.push(s);
        }
        surnames.dedup();
        let mut companies = Vec::new();
        for a in CO_A {
            for b in CO_B {
                let name = format!("{}{}", cap(a), b);
                let domain = format!("{a}{b}.com");
                companies.push((name, domain));
            }
        }
        // shuffle so the Zipf head is not alphabetical
        for i in (1..companies.len()).rev() {
            let j = rng.below(i + 1);
            companies.swap(i, j);
        }
        World {
            given,
            surnames,
            companies,
        }
    }

    pub fn person(&self, rng: &mut Rng) -> Person {
        let (g, nicks) = &self.given[rng.zipf(self.given.len())];
        let surname = &self.surnames[rng.zipf(self.surnames.len())];
        let mut personal_local = format!("{g}{}{surname}", if rng.chance(0.5) { "." } else { "" });
        if rng.chance(0.6) {
            personal_local.push_str(&(rng.below(99) + 1).to_string());
        }
        Person {
            given: g.clone(),
            nicks: nicks.clone(),
            surname: surname.clone(),
            company: rng.zipf(self.companies.len()),
            phone: [
                200 + rng.below(800) as u16,
                200 + rng.below(800) as u16,
                rng.below(10000) as u16,
            ],
            personal_local,
            free_mail: FREE_MAIL[rng.below(FREE_MAIL.len())],
        }
    }

    /// One record of `p` as a source would hold it. `first` = the cleanest copy.
    pub fn record(&self, p: &Person, first: bool, rng: &mut Rng) -> [Option<String>; 4] {
        let noisy = if first { 0.3 } else { 1.0 };
        // name
        let mut given = p.given.clone();
        if !p.nicks.is_empty() && rng.chance(0.3 * noisy) {
            given = p.nicks[rng.below(p.nicks.len())].clone();
        }
        let mut surname = p.surname.clone();
        if rng.chance(0.15 * noisy) {
            if rng.chance(0.5) {
                given = typo(&given, rng);
            } else {
                surname = typo(&surname, rng);
            }
        }
        let name = if rng.chance(0.08 * noisy) {
            if rng.chance(0.5) {
                format!("{}, {}", cap(&surname), cap(&given))
            } else {
                format!("{} {}", cap(&surname), cap(&given))
            }
        } else if rng.chance(0.05 * noisy) {
            format!("{}. {}", cap(&given[..1]), cap(&surname))
        } else {
            format!("{} {}", cap(&given), cap(&surname))
        };
        // e-mail: work (shared company domain) or personal (free mail)
        let (co_name, domain) = &self.companies[p.company];
        let email = if rng.chance(0.15 + 0.1 * noisy) {
            None
        } else if rng.chance(0.55) {
            let local = match p.company % 3 {
                0 => format!("{}.{}", p.given, p.surname),
                1 => format!("{}{}", &p.given[..1], p.surname),
                _ => format!("{}{}", p.given, &p.surname[..1]),
            };
            Some(format!("{local}@{domain}"))
        } else {
            let mut local = p.personal_local.clone();
            if p.free_mail == "gmail.com" && rng.chance(0.4 * noisy) {
                if rng.chance(0.5) {
                    local = local.replace('.', "");
                    if local.len() > 3 {
                        local.insert(2, '.');
                    }
                } else {
                    local.push_str(["+news", "+work", "+crm"][rng.below(3)]);
                }
            }
            if rng.chance(0.2 * noisy) {
                local = local.to_uppercase();
            }
            Some(format!("{local}@{}", p.free_mail))
        };
        // phone in one of several formats
        let [a, b, c] = p.phone;
        let phone = if rng.chance(0.4 + 0.1 * noisy) {
            None
        } else {
            Some(match rng.below(5) {
                0 => format!("+1 {a} {b} {c:04}"),
                1 => format!("({a}) {b}-{c:04}"),
                2 => format!("{a}.{b}.{c:04}"),
                3 => format!("{a}{b}{c:04}"),
                _ => format!("+1-{a}-{b}-{c:04}"),
            })
        };
        let org = if rng.chance(0.25 + 0.1 * noisy) {
            None
        } else {
            let suf = CO_SUFFIX[rng.below(CO_SUFFIX.len())];
            Some(if suf.is_empty() {
                co_name.clone()
            } else {
                format!("{co_name} {suf}")
            })
        };
        [Some(name), email, phone, org]
    }
}

fn cap(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// One keyboard-ish typo: substitute, drop, duplicate or transpose a letter.
fn typo(s: &str, rng: &mut Rng) -> String {
    let mut v: Vec<char> = s.chars().collect();
    if v.len() < 3 {
        return s.to_string();
    }
    let i = 1 + rng.below(v.len() - 2);
    match rng.below(4) {
        0 => v[i] = (b'a' + rng.below(26) as u8) as char,
        1 => {
            v.remove(i);
        }
        2 => v.insert(i, v[i]),
        _ => v.swap(i, i + 1),
    }
    v.into_iter().collect()
}

pub struct Synth {
    /// Raw records: name, email, phone, org.
    pub raw: Vec<[Option<String>; 4]>,
    /// Person of each record.
    pub person: Vec<u32>,
    /// True duplicate pairs (i < j).
    pub truth: Vec<(u32, u32)>,
    /// New records for incremental matching (not in `raw`) and their person
    /// (`u32::MAX` for people not in `raw`).
    pub queries: Vec<[Option<String>; 4]>,
    pub query_person: Vec<u32>,
    pub people: usize,
    pub duplicated_people: usize,
}

pub fn generate(n: usize, queries: usize, seed: u64) -> Synth {
    let mut rng = Rng::new(seed);
    let world = World::new(&mut rng);
    let mut people = Vec::new();
    let mut raw = Vec::with_capacity(n);
    let mut person = Vec::with_capacity(n);
    let mut dup = 0;
    while raw.len() < n {
        let p = world.person(&mut rng);
        let copies = if rng.chance(DUP_RATE) {
            2 + rng.below(3)
        } else {
            1
        };
        if copies > 1 {
            dup += 1;
        }
        for k in 0..copies {
            if raw.len() < n {
                raw.push(world.record(&p, k == 0, &mut rng));
                person.push(people.len() as u32);
            }
        }
        people.push(p);
    }
    // shuffle records (sources interleave)
    let mut order: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        order.swap(i, rng.below(i + 1));
    }
    let raw: Vec<_> = order.iter().map(|&i| raw[i].clone()).collect();
    let person: Vec<u32> = order.iter().map(|&i| person[i]).collect();
    let mut by_person: Vec<Vec<u32>> = vec![Vec::new(); people.len()];
    for (i, &p) in person.iter().enumerate() {
        by_person[p as usize].push(i as u32);
    }
    let mut truth = Vec::new();
    for rs in &by_person {
        for (x, &a) in rs.iter().enumerate() {
            for &b in &rs[x + 1..] {
                truth.push((a.min(b), a.max(b)));
            }
        }
    }
    // queries: half new duplicates of existing people, half new people
    let mut qs = Vec::with_capacity(queries);
    let mut qp = Vec::with_capacity(queries);
    for k in 0..queries {
        if k % 2 == 0 {
            let pi = rng.below(people.len());
            qs.push(world.record(&people[pi], false, &mut rng));
            qp.push(pi as u32);
        } else {
            let p = world.person(&mut rng);
            qs.push(world.record(&p, true, &mut rng));
            qp.push(u32::MAX);
        }
    }
    Synth {
        raw,
        person,
        truth,
        queries: qs,
        query_person: qp,
        people: people.len(),
        duplicated_people: dup,
    }
}

/// A raw contact as a record of `Schema::person()` (name, email, phone, org), with
/// e-mail and phone through `src/normalize` (canonical e-mail: gmail dots and +tags
/// removed; phone: E.164 with US as the default region). This is part of the timed span.
pub fn person_record(r: &[Option<String>; 4]) -> Record {
    let email = r[1].as_deref().map(|e| match normalize_email(e) {
        Ok(x) => x.canonical,
        Err(_) => e.to_string(),
    });
    let phone = r[2]
        .as_deref()
        .map(|p| normalize_phone(p, "US").unwrap_or_else(|_| p.to_string()));
    vec![
        r[0].clone().map(FieldValue::Text),
        email.map(FieldValue::Text),
        phone.map(FieldValue::Text),
        r[3].clone().map(FieldValue::Text),
    ]
}

/// The configuration used at scale: `Schema::person()` with its default
/// `LinkConfig::for_schema` when `tuned` is false, else `LinkConfig::person()`.
pub fn person_config(
    schema: &wig_graph::resolve::Schema,
    tuned: bool,
) -> wig_graph::resolve::LinkConfig {
    use wig_graph::resolve::LinkConfig;
    if tuned {
        LinkConfig::person()
    } else {
        LinkConfig::for_schema(schema)
    }
}

/// Precision, recall, F1 of predicted pairs `(i < j)` against the truth.
pub fn score_pairs(pred: &[(usize, usize)], truth: &[(u32, u32)]) -> (f64, f64, f64) {
    let t: std::collections::HashSet<(u32, u32)> = truth.iter().copied().collect();
    let tp = pred
        .iter()
        .filter(|&&(a, b)| t.contains(&((a.min(b)) as u32, (a.max(b)) as u32)))
        .count() as f64;
    let p = if pred.is_empty() {
        0.0
    } else {
        tp / pred.len() as f64
    };
    let r = tp / t.len().max(1) as f64;
    (
        p,
        r,
        if p + r > 0.0 {
            2.0 * p * r / (p + r)
        } else {
            0.0
        },
    )
}
