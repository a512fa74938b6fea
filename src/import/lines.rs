//! Lines out of byte chunks, and RFC 5545 / RFC 6350 content-line unfolding.

/// Longest line (or unfolded content line, or header) kept: longer ones are
/// cut here and reported, so one hostile line cannot exhaust memory.
pub const MAX_LINE: usize = 1 << 20;

/// One physical line: its number (1-based), its bytes without the line
/// break, and whether it was cut at [`MAX_LINE`].
pub struct Line<'a> {
    pub number: u64,
    pub bytes: &'a [u8],
    pub cut: bool,
}

/// Splits byte chunks into lines at `\n` (a `\r` before it is dropped; a
/// lone `\r` stays inside the line: old Mac files are not a target).
#[derive(Default)]
pub struct LineSplitter {
    buf: Vec<u8>,
    /// Number of the line being assembled.
    number: u64,
    cut: bool,
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

impl LineSplitter {
    pub fn new() -> Self {
        LineSplitter {
            number: 1,
            ..Default::default()
        }
    }

    pub fn buffered(&self) -> usize {
        self.buf.capacity()
    }

    pub fn feed(&mut self, mut chunk: &[u8], f: &mut dyn FnMut(Line)) {
        while let Some(pos) = chunk.iter().position(|&b| b == b'\n') {
            let (head, rest) = chunk.split_at(pos);
            chunk = &rest[1..];
            if self.buf.is_empty() && !self.cut {
                // The common case: the whole line is in this chunk, no copy.
                let line = head.strip_suffix(b"\r").unwrap_or(head);
                let line = self.without_bom(line);
                if line.len() <= MAX_LINE {
                    f(Line {
                        number: self.number,
                        bytes: line,
                        cut: false,
                    });
                    self.number += 1;
                    continue;
                }
            }
            self.push(head);
            self.emit(f);
        }
        self.push(chunk);
    }

    pub fn finish(&mut self, f: &mut dyn FnMut(Line)) {
        if !self.buf.is_empty() || self.cut {
            self.emit(f);
        }
    }

    /// A UTF-8 byte order mark at the start of the file is not content.
    fn without_bom<'b>(&self, line: &'b [u8]) -> &'b [u8] {
        if self.number == 1 {
            line.strip_prefix(BOM).unwrap_or(line)
        } else {
            line
        }
    }

    fn push(&mut self, bytes: &[u8]) {
        let room = MAX_LINE + 1 - self.buf.len().min(MAX_LINE + 1);
        if bytes.len() > room {
            self.buf.extend_from_slice(&bytes[..room]);
            self.cut = true;
        } else {
            self.buf.extend_from_slice(bytes);
        }
    }

    fn emit(&mut self, f: &mut dyn FnMut(Line)) {
        let mut end = self.buf.len().min(MAX_LINE + 1);
        if end > 0 && self.buf[end - 1] == b'\r' {
            end -= 1;
        }
        let cut = self.cut || end > MAX_LINE;
        let start = if self.number == 1 && self.buf.starts_with(BOM) {
            3
        } else {
            0
        };
        f(Line {
            number: self.number,
            bytes: &self.buf[start.min(end)..end.min(MAX_LINE)],
            cut,
        });
        self.number += 1;
        self.buf.clear();
        if self.buf.capacity() > 64 * 1024 {
            self.buf.shrink_to(64 * 1024);
        }
        self.cut = false;
    }
}

/// A logical content line after unfolding: where it began, its bytes.
pub struct ContentLine<'a> {
    pub first_line: u64,
    pub bytes: &'a [u8],
    pub cut: bool,
}

/// Joins folded lines: a line starting with a space or tab continues the
/// previous one (the break and that one character are removed). vCard 2.1
/// quoted-printable values also continue when a line ends with `=`.
#[derive(Default)]
pub struct Unfolder {
    pending: Vec<u8>,
    first_line: u64,
    cut: bool,
    has_pending: bool,
    /// The pending line is a quoted-printable value ending with `=`.
    qp_soft_break: bool,
}

impl Unfolder {
    pub fn buffered(&self) -> usize {
        self.pending.capacity()
    }

    pub fn push(&mut self, line: Line, f: &mut dyn FnMut(ContentLine)) {
        let continues = (line.bytes.first().is_some_and(|&b| b == b' ' || b == b'\t')
            && self.has_pending)
            || self.qp_soft_break;
        if continues {
            let rest = if self.qp_soft_break {
                // Soft line break: drop the trailing '=' of the previous line.
                self.pending.pop();
                line.bytes
            } else {
                &line.bytes[1..]
            };
            let room = MAX_LINE.saturating_sub(self.pending.len());
            if rest.len() > room {
                self.pending.extend_from_slice(&rest[..room]);
                self.cut = true;
            } else {
                self.pending.extend_from_slice(rest);
            }
            self.cut |= line.cut;
        } else {
            self.flush(f);
            self.pending.clear();
            self.pending.extend_from_slice(line.bytes);
            self.first_line = line.number;
            self.cut = line.cut;
            self.has_pending = true;
        }
        self.qp_soft_break = self.pending.ends_with(b"=") && is_quoted_printable(&self.pending);
    }

    pub fn flush(&mut self, f: &mut dyn FnMut(ContentLine)) {
        if self.has_pending {
            self.has_pending = false;
            self.qp_soft_break = false;
            f(ContentLine {
                first_line: self.first_line,
                bytes: &self.pending,
                cut: self.cut,
            });
            if self.pending.capacity() > 64 * 1024 {
                self.pending = Vec::new();
            }
        }
    }
}

/// An unfolded content line copied out of the unfolder's buffer, so that a
/// parser can handle it while mutating itself.
pub struct OwnedContentLine {
    pub first_line: u64,
    pub bytes: Vec<u8>,
    pub cut: bool,
}

impl OwnedContentLine {
    fn of(cl: ContentLine) -> Self {
        OwnedContentLine {
            first_line: cl.first_line,
            bytes: cl.bytes.to_vec(),
            cut: cl.cut,
        }
    }

    pub fn as_content_line(&self) -> ContentLine<'_> {
        ContentLine {
            first_line: self.first_line,
            bytes: &self.bytes,
            cut: self.cut,
        }
    }
}

/// Byte chunks in, unfolded content lines out: [`LineSplitter`] then
/// [`Unfolder`], as the vCard and iCalendar parsers both read.
pub struct ContentLines {
    lines: LineSplitter,
    unfolder: Unfolder,
}

impl Default for ContentLines {
    fn default() -> Self {
        ContentLines {
            lines: LineSplitter::new(),
            unfolder: Unfolder::default(),
        }
    }
}

impl ContentLines {
    pub fn buffered(&self) -> usize {
        self.lines.buffered() + self.unfolder.buffered()
    }

    /// The content lines completed by `chunk` (the last one may still continue).
    pub fn feed(&mut self, chunk: &[u8]) -> Vec<OwnedContentLine> {
        let mut out = Vec::new();
        let unfolder = &mut self.unfolder;
        self.lines.feed(chunk, &mut |l| {
            unfolder.push(l, &mut |cl| out.push(OwnedContentLine::of(cl)))
        });
        out
    }

    /// The content lines left at the end of the input.
    pub fn finish(&mut self) -> Vec<OwnedContentLine> {
        let mut out = Vec::new();
        let unfolder = &mut self.unfolder;
        self.lines
            .finish(&mut |l| unfolder.push(l, &mut |cl| out.push(OwnedContentLine::of(cl))));
        unfolder.flush(&mut |cl| out.push(OwnedContentLine::of(cl)));
        out
    }
}

/// Whether a content line's parameters say ENCODING=QUOTED-PRINTABLE (or
/// the vCard 2.1 bare `;QUOTED-PRINTABLE`).
fn is_quoted_printable(line: &[u8]) -> bool {
    let head = match line.iter().position(|&b| b == b':') {
        Some(p) => &line[..p],
        None => return false,
    };
    head.windows(16)
        .any(|w| w.eq_ignore_ascii_case(b"QUOTED-PRINTABLE"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines_of(input: &[u8], chunk: usize) -> Vec<(u64, Vec<u8>, bool)> {
        let mut s = LineSplitter::new();
        let mut out = Vec::new();
        for c in input.chunks(chunk) {
            s.feed(c, &mut |l| out.push((l.number, l.bytes.to_vec(), l.cut)));
        }
        s.finish(&mut |l| out.push((l.number, l.bytes.to_vec(), l.cut)));
        out
    }

    #[test]
    fn lines_are_the_same_whatever_the_chunking() {
        let input = b"\xEF\xBB\xBFa\r\nbb\n\nccc";
        let expected = vec![
            (1, b"a".to_vec(), false),
            (2, b"bb".to_vec(), false),
            (3, b"".to_vec(), false),
            (4, b"ccc".to_vec(), false),
        ];
        for chunk in 1..input.len() + 1 {
            assert_eq!(lines_of(input, chunk), expected, "chunk {chunk}");
        }
    }

    #[test]
    fn an_overlong_line_is_cut_and_flagged() {
        let mut input = vec![b'x'; MAX_LINE + 10];
        input.extend_from_slice(b"\nnext\n");
        let out = lines_of(&input, 4096);
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].1.len(), MAX_LINE);
        assert!(out[0].2);
        assert_eq!(out[1], (2, b"next".to_vec(), false));
    }

    #[test]
    fn folded_lines_are_joined_with_the_first_line_number() {
        let input = b"FN:Ada\r\n  Lovelace\r\nNOTE:a\r\n\tb\r\nX:y\r\n";
        let mut s = LineSplitter::new();
        let mut u = Unfolder::default();
        let mut out = Vec::new();
        s.feed(input, &mut |l| {
            u.push(l, &mut |c| {
                out.push((c.first_line, String::from_utf8_lossy(c.bytes).into_owned()))
            })
        });
        u.flush(&mut |c| out.push((c.first_line, String::from_utf8_lossy(c.bytes).into_owned())));
        assert_eq!(
            out,
            vec![
                (1, "FN:Ada Lovelace".to_string()),
                (3, "NOTE:ab".to_string()),
                (5, "X:y".to_string())
            ]
        );
    }
}
