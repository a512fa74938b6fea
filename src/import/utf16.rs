//! Whole files in UTF-16 — what Windows calls "Unicode": Excel's "Unicode
//! Text", some Outlook and address-book exports — are turned into UTF-8
//! before a parser sees them. Such a file is told by its byte order mark
//! or, without one, by the NUL byte each ASCII character carries in it (text
//! in UTF-8 or a legacy charset has no NUL bytes). The parsers then read it
//! as text, as they read a JS string: a `CHARSET=` label inside it no longer
//! says how its bytes are written.

use super::{Parsed, ParserOptions, PushParser};
use crate::error::Result;

/// Bytes looked at to tell UTF-16 without a byte order mark.
const SNIFF_BYTES: usize = 256;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endian {
    Little,
    Big,
}

/// What a file's first bytes say about UTF-16.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sniff {
    /// UTF-16 in this byte order; the first `skip` bytes are its mark.
    Utf16 { endian: Endian, skip: usize },
    /// Not UTF-16: bytes as they are.
    Bytes,
    /// Too few bytes yet to tell.
    NeedMore,
}

/// Reads a file's first bytes; `complete` when `head` is the whole file.
/// Without a mark, UTF-16 is told by NUL bytes: text in UTF-8 or a legacy
/// charset has none, while in UTF-16 every character below U+0100 (ASCII,
/// and the accented Latin letters) has one, on the high side. Taken when
/// at least one in eight of the first 128 units has its NUL on one side,
/// four times fewer on the other (a CJK character such as 一, U+4E00, has
/// its NUL on the low side), and at most one in eight is a control
/// character other than tab and line breaks (a binary file has many).
pub fn sniff(head: &[u8], complete: bool) -> Sniff {
    if head.len() < 3 && !complete {
        return Sniff::NeedMore;
    }
    match head {
        [0xEF, 0xBB, 0xBF, ..] => return Sniff::Bytes,
        // FF FE 00 00 would be UTF-32, which no contacts tool writes: its
        // first unit reads as U+0000 and fails as the format would anyway.
        [0xFF, 0xFE, ..] => {
            return Sniff::Utf16 {
                endian: Endian::Little,
                skip: 2,
            }
        }
        [0xFE, 0xFF, ..] => {
            return Sniff::Utf16 {
                endian: Endian::Big,
                skip: 2,
            }
        }
        _ => {}
    }
    if head.len() < SNIFF_BYTES && !complete {
        return Sniff::NeedMore;
    }
    let units: Vec<[u8; 2]> = head[..head.len().min(SNIFF_BYTES)]
        .chunks_exact(2)
        .map(|p| [p[0], p[1]])
        .collect();
    let zeros = |side: usize| units.iter().filter(|u| u[side] == 0).count();
    // A unit that is a control character in this byte order (a NUL
    // character, a byte below 0x20 other than tab, CR, LF).
    let controls = |high: usize| {
        units
            .iter()
            .filter(|u| u[high] == 0 && u[1 - high] < 0x20 && !matches!(u[1 - high], 9 | 10 | 13))
            .count()
    };
    let (even, odd) = (zeros(0), zeros(1));
    // Enough NULs to be a pattern (a stray NUL or two in a UTF-8 file is
    // not), and few controls (a vertical tab or an escape may be text).
    let many = |n: usize| n >= 2 && n * 8 >= units.len();
    let few = |n: usize| n * 8 <= units.len();
    if many(odd) && odd >= 4 * even && few(controls(1)) {
        Sniff::Utf16 {
            endian: Endian::Little,
            skip: 0,
        }
    } else if many(even) && even >= 4 * odd && few(controls(0)) {
        Sniff::Utf16 {
            endian: Endian::Big,
            skip: 0,
        }
    } else {
        Sniff::Bytes
    }
}

/// UTF-16 bytes in, UTF-8 out, fed in chunks split anywhere: an odd byte or
/// the first half of a surrogate pair waits for the next chunk. Unpaired
/// surrogates become U+FFFD (see [`Self::finish`] for the file's end).
pub struct Utf16ToUtf8 {
    endian: Endian,
    odd: Option<u8>,
    high: Option<u16>,
    out: Vec<u8>,
}

impl Utf16ToUtf8 {
    pub fn new(endian: Endian) -> Self {
        Utf16ToUtf8 {
            endian,
            odd: None,
            high: None,
            out: Vec::new(),
        }
    }

    /// The UTF-8 of `bytes` (as far as they complete characters).
    pub fn feed(&mut self, mut bytes: &[u8]) -> &[u8] {
        self.out.clear();
        if let Some(first) = self.odd.take() {
            match bytes.split_first() {
                Some((&second, rest)) => {
                    self.unit([first, second]);
                    bytes = rest;
                }
                None => self.odd = Some(first),
            }
        }
        let mut pairs = bytes.chunks_exact(2);
        for p in &mut pairs {
            self.unit([p[0], p[1]]);
        }
        if let [last] = pairs.remainder() {
            self.odd = Some(*last);
        }
        &self.out
    }

    /// What is left at the end of the file: an unpaired first half is a
    /// U+FFFD; a last odd byte (a file cut short) is dropped, not made a
    /// line of its own.
    pub fn finish(&mut self) -> &[u8] {
        self.out.clear();
        if self.high.take().is_some() {
            self.push(char::REPLACEMENT_CHARACTER);
        }
        self.odd = None;
        &self.out
    }

    /// Bytes held between calls: the output buffer (what bounds memory)
    /// and a waiting byte or surrogate.
    pub fn buffered(&self) -> usize {
        self.out.capacity() + usize::from(self.odd.is_some()) + 2 * usize::from(self.high.is_some())
    }

    fn unit(&mut self, pair: [u8; 2]) {
        let unit = match self.endian {
            Endian::Little => u16::from_le_bytes(pair),
            Endian::Big => u16::from_be_bytes(pair),
        };
        match unit {
            0xD800..=0xDBFF => {
                if self.high.replace(unit).is_some() {
                    self.push(char::REPLACEMENT_CHARACTER);
                }
            }
            0xDC00..=0xDFFF => {
                let c = match self.high.take() {
                    Some(high) => char::decode_utf16([high, unit])
                        .next()
                        .and_then(|c| c.ok())
                        .unwrap_or(char::REPLACEMENT_CHARACTER),
                    None => char::REPLACEMENT_CHARACTER,
                };
                self.push(c);
            }
            _ => {
                if self.high.take().is_some() {
                    self.push(char::REPLACEMENT_CHARACTER);
                }
                // Not a surrogate: always a char.
                self.push(char::from_u32(unit.into()).unwrap_or(char::REPLACEMENT_CHARACTER));
            }
        }
    }

    fn push(&mut self, c: char) {
        let mut buf = [0; 4];
        self.out
            .extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
    }
}

enum State {
    /// The first bytes, held until they tell whether the file is UTF-16.
    Sniffing(Vec<u8>),
    Bytes,
    Utf16(Utf16ToUtf8),
}

/// A format's parser behind the UTF-16 check: what it is fed is UTF-8 (or
/// the file's own bytes when it is not UTF-16).
pub struct Utf16Aware {
    inner: Box<dyn PushParser>,
    /// Builds the parser again, reading text, when the file is UTF-16.
    as_text: Box<dyn Fn() -> Result<Box<dyn PushParser>>>,
    state: State,
}

impl Utf16Aware {
    pub fn new(
        inner: Box<dyn PushParser>,
        as_text: Box<dyn Fn() -> Result<Box<dyn PushParser>>>,
    ) -> Self {
        Utf16Aware {
            inner,
            as_text,
            state: State::Sniffing(Vec::new()),
        }
    }

    /// Settles what the file is from `head` and feeds what was held.
    fn settle(&mut self, head: Vec<u8>, complete: bool, out: &mut Vec<Parsed>) -> Result<()> {
        match sniff(&head, complete) {
            Sniff::NeedMore => self.state = State::Sniffing(head),
            Sniff::Bytes => {
                self.state = State::Bytes;
                self.inner.feed(&head, out)?;
            }
            Sniff::Utf16 { endian, skip } => {
                self.inner = (self.as_text)()?;
                let mut utf8 = Utf16ToUtf8::new(endian);
                self.inner.feed(utf8.feed(&head[skip..]), out)?;
                self.state = State::Utf16(utf8);
            }
        }
        Ok(())
    }
}

impl PushParser for Utf16Aware {
    fn feed(&mut self, chunk: &[u8], out: &mut Vec<Parsed>) -> Result<()> {
        match &mut self.state {
            State::Bytes => self.inner.feed(chunk, out),
            State::Utf16(utf8) => self.inner.feed(utf8.feed(chunk), out),
            State::Sniffing(head) => {
                let mut head = std::mem::take(head);
                head.extend_from_slice(chunk);
                self.settle(head, false, out)
            }
        }
    }

    fn finish(&mut self, out: &mut Vec<Parsed>) -> Result<()> {
        if let State::Sniffing(head) = &mut self.state {
            let head = std::mem::take(head);
            self.settle(head, true, out)?;
        }
        if let State::Utf16(utf8) = &mut self.state {
            self.inner.feed(utf8.finish(), out)?;
        }
        self.inner.finish(out)
    }

    fn buffered_bytes(&self) -> usize {
        let own = match &self.state {
            State::Sniffing(head) => head.capacity(),
            State::Bytes => 0,
            State::Utf16(utf8) => utf8.buffered(),
        };
        own + self.inner.buffered_bytes()
    }
}

/// `options` as a parser reading text (a UTF-16 file, turned into UTF-8).
pub fn as_text(options: &ParserOptions) -> ParserOptions {
    ParserOptions {
        text_source: true,
        ..options.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16(text: &str, endian: Endian, bom: bool) -> Vec<u8> {
        let mut out = Vec::new();
        let units = (bom.then_some(0xFEFF))
            .into_iter()
            .chain(text.encode_utf16());
        for u in units {
            out.extend_from_slice(&match endian {
                Endian::Little => u.to_le_bytes(),
                Endian::Big => u.to_be_bytes(),
            });
        }
        out
    }

    #[test]
    fn sniffs_marks_and_nul_bytes() {
        let card = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Zoë 😀 Ng\r\nEND:VCARD\r\n";
        for endian in [Endian::Little, Endian::Big] {
            for bom in [true, false] {
                let bytes = utf16(card, endian, bom);
                let skip = if bom { 2 } else { 0 };
                assert_eq!(sniff(&bytes, true), Sniff::Utf16 { endian, skip });
                // Not told too early without a mark.
                let early = sniff(&bytes[..10], false);
                assert_eq!(early == Sniff::NeedMore, !bom, "{endian:?} {bom}");
            }
        }
        assert_eq!(sniff(card.as_bytes(), true), Sniff::Bytes);
        assert_eq!(sniff(b"\xEF\xBB\xBFBEGIN", true), Sniff::Bytes);
        assert_eq!(sniff(b"", true), Sniff::Bytes);
        assert_eq!(sniff(b"\xFF", false), Sniff::NeedMore);
        assert_eq!(sniff(b"\xFF", true), Sniff::Bytes);
        // Windows-1252 and Shift_JIS text has no NUL bytes.
        assert_eq!(
            sniff(b"Name,E-mail\r\nM\xfcller,m@x.de\r\n", true),
            Sniff::Bytes
        );
        assert_eq!(sniff(b"\x83\x5c\x83\x93,\x88\xa4\r\n", true), Sniff::Bytes);
        // A binary file with a few NULs is not text either way.
        assert_eq!(sniff(&[0, 1, 2, 3, 0, 0, 200, 7, 9, 9], true), Sniff::Bytes);
        assert_eq!(sniff(&[7, 0, 1, 0, 2, 0, 3, 0, 4, 0], true), Sniff::Bytes);
        // Two stray NULs in a UTF-8 file are no pattern; an escape or a
        // vertical tab in UTF-16 text does not hide one.
        let mut utf8 = b"Name,Email\r\n".repeat(10);
        utf8[3] = 0;
        utf8[7] = 0;
        assert_eq!(sniff(&utf8, true), Sniff::Bytes);
        let text = utf16(
            "Name,Email,Note\r\nAda,ada@example.org,a\u{b}b\u{1b}c\r\n",
            Endian::Little,
            false,
        );
        assert_eq!(
            sniff(&text, true),
            Sniff::Utf16 {
                endian: Endian::Little,
                skip: 0
            }
        );
        // Headers that are not ASCII, without a mark: French, Cyrillic,
        // Japanese (一 has its NUL on the low side).
        for header in [
            "Prénom,Nom,Société,Téléphone\r\n",
            "Имя,Фамилия,Почта\r\n",
            "氏名,一郎,メールアドレス,電話番号\r\n",
        ] {
            for endian in [Endian::Little, Endian::Big] {
                let bytes = utf16(header, endian, false);
                assert_eq!(
                    sniff(&bytes, true),
                    Sniff::Utf16 { endian, skip: 0 },
                    "{header} {endian:?}"
                );
            }
        }
    }

    #[test]
    fn transcodes_across_any_chunk_split() {
        let text = "Zoë 😀 Ng, 山田 太郎\r\n";
        for endian in [Endian::Little, Endian::Big] {
            let bytes = utf16(text, endian, false);
            for chunk in 1..=bytes.len() {
                let mut t = Utf16ToUtf8::new(endian);
                let mut out = Vec::new();
                for c in bytes.chunks(chunk) {
                    out.extend_from_slice(t.feed(c));
                }
                out.extend_from_slice(t.finish());
                assert_eq!(String::from_utf8(out).unwrap(), text, "{endian:?} {chunk}");
            }
        }
    }

    #[test]
    fn broken_units_become_replacement_characters() {
        let mut t = Utf16ToUtf8::new(Endian::Little);
        // A lone high surrogate before 'A', a lone low one, a dangling byte.
        let mut out = t.feed(&[0x3D, 0xD8, b'A', 0, 0x00, 0xDE, b'B']).to_vec();
        out.extend_from_slice(t.finish());
        assert_eq!(String::from_utf8(out).unwrap(), "\u{FFFD}A\u{FFFD}");
        // A file ending in a first half and an odd byte: the half is a
        // U+FFFD, the byte of a file cut short is dropped.
        let mut t = Utf16ToUtf8::new(Endian::Little);
        assert!(t.feed(&[b'A', 0, 0x3D, 0xD8, b'B']).starts_with(b"A"));
        assert_eq!(t.buffered() - t.out.capacity(), 3);
        assert_eq!(t.finish(), "\u{FFFD}".as_bytes());
    }
}
