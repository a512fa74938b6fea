//! Whole files in a legacy charset the caller names (`encoding` import
//! option): Outlook and Excel write CSV in the system's code page —
//! Shift_JIS on a Japanese Windows, GBK on a Chinese one, Windows-1251 on a
//! Russian one — with no label in the file. Unlabeled bytes that are not
//! UTF-8 are otherwise read as Windows-1252 (see [`text::decode_charset`]),
//! which is right for Western exports and garbles these. The file is turned
//! into UTF-8 a line at a time and its parser reads text, as it reads a JS
//! string.
//!
//! Cut at line breaks: in every charset this accepts but UTF-16 (which
//! files announce themselves, see [`super::utf16`]), bytes 0x0A and 0x0D
//! are line breaks and never the second byte of a character, so no
//! character is split. Decoded as the Encoding Standard reads the label
//! (`latin1` is Windows-1252 there), as a browser would read the file.

use super::{text, Parsed, PushParser};
use crate::error::{Error, ErrorCode, Result};

/// Bytes held without a line break before they are decoded anyway: a line
/// this long is no contact or event (the parsers refuse records over
/// 1 MiB), and memory stays bounded.
const MAX_HELD: usize = 4 << 20;

/// What an `encoding` option asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8, or UTF-16 (told by the file itself): no transcoding.
    AsIs,
    /// A legacy charset, by its label.
    Legacy(String),
}

/// Labels of UTF-8 and UTF-16 in the Encoding Standard.
const UNICODE_LABELS: &[&str] = &[
    "unicode-1-1-utf-8",
    "unicode11utf8",
    "unicode20utf8",
    "utf-8",
    "utf8",
    "x-unicode20utf8",
    "csunicode",
    "iso-10646-ucs-2",
    "ucs-2",
    "unicode",
    "unicodefeff",
    "unicodefffe",
    "utf-16",
    "utf-16le",
    "utf-16be",
];

/// Checks an `encoding` option: a label of the WHATWG Encoding Standard
/// (`shift_jis`, `gbk`, `big5`, `euc-kr`, `windows-1251`, `iso-8859-2`, …).
pub fn encoding(label: &str) -> Result<Encoding> {
    let label = label.trim().to_ascii_lowercase();
    if UNICODE_LABELS.contains(&label.as_str()) {
        return Ok(Encoding::AsIs);
    }
    if label.len() <= 40 && text::decode_by_standard(&label, b"").is_some() {
        return Ok(Encoding::Legacy(label));
    }
    Err(Error::new(
        ErrorCode::InvalidEnum,
        "encoding",
        format!(
            "'{}' is not a character encoding (a label of the Encoding Standard, such as \
             'shift_jis', 'gbk', 'big5', 'euc-kr', 'windows-1251' or 'iso-8859-2')",
            label.chars().take(40).collect::<String>()
        ),
    ))
}

/// A parser fed the file turned into UTF-8, a line at a time.
pub struct Transcoded {
    label: String,
    inner: Box<dyn PushParser>,
    held: Vec<u8>,
    /// Set once the file's first bytes are seen: a UTF-8 byte order mark
    /// says the file is UTF-8 whatever the option said (as a browser reads
    /// it), so its bytes pass as they are.
    utf8: Option<bool>,
}

impl Transcoded {
    /// `inner` reads text (its options say `text_source`).
    pub fn new(label: String, inner: Box<dyn PushParser>) -> Self {
        Transcoded {
            label,
            inner,
            held: Vec::new(),
            utf8: None,
        }
    }

    fn pass(&mut self, bytes: &[u8], out: &mut Vec<Parsed>) -> Result<()> {
        if bytes.is_empty() {
            return Ok(());
        }
        if self.utf8 == Some(true) {
            return self.inner.feed(bytes, out);
        }
        let text = text::decode_standard_or_own(&self.label, bytes);
        self.inner.feed(text.as_bytes(), out)
    }
}

impl PushParser for Transcoded {
    fn feed(&mut self, chunk: &[u8], out: &mut Vec<Parsed>) -> Result<()> {
        self.held.extend_from_slice(chunk);
        if self.utf8.is_none() {
            if self.held.len() < 3 && self.held.starts_with(&[0xEF, 0xBB][..self.held.len()]) {
                return Ok(()); // perhaps a mark, not all of it here yet
            }
            self.utf8 = Some(self.held.starts_with(&[0xEF, 0xBB, 0xBF]));
        }
        // A line feed, or a carriage return alone (old Mac files): neither
        // byte is ever part of a character in these charsets.
        let cut = match self.held.iter().rposition(|&b| b == b'\n' || b == b'\r') {
            Some(p) => p + 1,
            None if self.held.len() >= MAX_HELD => self.held.len(),
            None => return Ok(()),
        };
        let rest = self.held.split_off(cut);
        let lines = std::mem::replace(&mut self.held, rest);
        self.pass(&lines, out)
    }

    fn finish(&mut self, out: &mut Vec<Parsed>) -> Result<()> {
        let rest = std::mem::take(&mut self.held);
        self.pass(&rest, out)?;
        self.inner.finish(out)
    }

    fn buffered_bytes(&self) -> usize {
        self.held.capacity() + self.inner.buffered_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::super::{parse_all, Format, Parsed, ParserOptions};
    use super::*;

    fn names(out: &[Parsed]) -> Vec<String> {
        out.iter()
            .filter_map(|p| match p {
                Parsed::Contact(c) => c.names.first().cloned(),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn labels_are_checked() {
        assert_eq!(
            encoding(" Shift_JIS ").unwrap(),
            Encoding::Legacy("shift_jis".into())
        );
        assert_eq!(encoding("UTF-8").unwrap(), Encoding::AsIs);
        assert_eq!(encoding("utf-16le").unwrap(), Encoding::AsIs);
        let e = encoding("klingon").unwrap_err();
        assert_eq!(
            (e.code, e.field.as_deref()),
            (ErrorCode::InvalidEnum, Some("encoding"))
        );
        assert!(
            encoding("replacement").is_err(),
            "not a decoder a browser offers"
        );
    }

    #[test]
    fn a_shift_jis_csv_reads_in_any_chunks() {
        // "名前,メール\r\n山田 太郎,taro@x.example\r\n" in Shift_JIS.
        let (bytes, _, _) = encoding_rs::SHIFT_JIS
            .encode("名前,メール\r\n山田 太郎,taro@x.example\r\n佐藤 花子,hanako@x.example");
        let options = ParserOptions {
            mapping: [("名前", "name"), ("メール", "email")]
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .into(),
            encoding: Some("shift_jis".into()),
            ..Default::default()
        };
        for chunk in [1, 2, 3, 7, 4096] {
            let out = parse_all(Format::Csv, &options, &bytes, chunk).unwrap();
            assert_eq!(names(&out), ["山田 太郎", "佐藤 花子"], "chunk {chunk}");
        }
        // Without the option: the Western reading every unlabeled file had,
        // with no column named 名前.
        let western = ParserOptions {
            encoding: None,
            ..options.clone()
        };
        assert!(parse_all(Format::Csv, &western, &bytes, 4096).is_err());
    }

    #[test]
    fn quoted_printable_values_without_a_charset_take_the_files() {
        // 山田 in Shift_JIS, quoted-printable, as old phones export it.
        let vcf =
            "BEGIN:VCARD\r\nVERSION:2.1\r\nFN;ENCODING=QUOTED-PRINTABLE:=8ER=93c\r\nEND:VCARD\r\n";
        let options = ParserOptions {
            encoding: Some("shift_jis".into()),
            ..Default::default()
        };
        let out = parse_all(Format::VCard, &options, vcf.as_bytes(), 7).unwrap();
        assert_eq!(names(&out), ["山田"]);
    }

    #[test]
    fn labels_read_as_a_browser_reads_them_and_old_mac_line_breaks_cut_too() {
        // `latin1` is Windows-1252 in the Encoding Standard: 0x80 is €.
        let csv = b"Name\rJ\x80rg\rZo\xeb\r";
        let options = ParserOptions {
            mapping: [("Name".to_string(), "name".to_string())].into(),
            encoding: Some("latin1".into()),
            ..Default::default()
        };
        for chunk in [1, 3, 4096] {
            let out = parse_all(Format::Csv, &options, csv, chunk).unwrap();
            assert_eq!(names(&out), ["J€rg", "Zoë"], "chunk {chunk}");
        }
        // A file with carriage returns only is cut at them, not at 4 MiB.
        let mut t = Transcoded::new("shift_jis".into(), Box::new(Counting(0)));
        let mut out = Vec::new();
        t.feed(b"a\rb\rc", &mut out).unwrap();
        assert_eq!(t.held, b"c");
    }

    /// A parser that only counts the bytes it is fed.
    struct Counting(usize);

    impl PushParser for Counting {
        fn feed(&mut self, chunk: &[u8], _: &mut Vec<Parsed>) -> Result<()> {
            self.0 += chunk.len();
            Ok(())
        }
        fn finish(&mut self, _: &mut Vec<Parsed>) -> Result<()> {
            Ok(())
        }
        fn buffered_bytes(&self) -> usize {
            0
        }
    }

    #[test]
    fn a_utf8_mark_wins_over_the_option() {
        let vcf = "\u{feff}BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Jürgen Müller\r\nEND:VCARD\r\n";
        let options = ParserOptions {
            encoding: Some("windows-1251".into()),
            ..Default::default()
        };
        for chunk in [1, 2, 4096] {
            let out = parse_all(Format::VCard, &options, vcf.as_bytes(), chunk).unwrap();
            assert_eq!(names(&out), ["Jürgen Müller"], "chunk {chunk}");
        }
        // Without a mark, the option holds: Windows-1251 bytes.
        let (bytes, _, _) = encoding_rs::WINDOWS_1251
            .encode("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Иван Петров\r\nEND:VCARD\r\n");
        let out = parse_all(Format::VCard, &options, &bytes, 5).unwrap();
        assert_eq!(names(&out), ["Иван Петров"]);
    }
}
