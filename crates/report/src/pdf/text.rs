//! Text: the one font's metrics, styles, and paragraphs broken into lines.
//!
//! Glyphs are the font's own (`cmap`, `hmtx`): IPAex Gothic needs no shaping for Japanese or
//! Latin text, so the widths measured here are exactly the advances drawn. Lines break where
//! Unicode's line breaking algorithm (UAX #14, ICU's rules for non-complex scripts, strict: no
//! line starts with 。、」 or a small kana) allows; a word wider than the line breaks between
//! characters.

use icu_segmenter::LineSegmenter;
use icu_segmenter::options::LineBreakOptions;
use skrifa::charmap::Charmap;
use skrifa::instance::{LocationRef, Size};
use skrifa::metrics::GlyphMetrics;
use skrifa::{FontRef, GlyphId, MetadataProvider};
use std::ops::Range;
use std::sync::OnceLock;

/// Line pitch as a multiple of the font size.
const LINE: f32 = 1.32;
/// The baseline's distance from a line's top, as a multiple of the font size.
const BASELINE: f32 = 0.98;

/// A colour as red, green and blue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    /// A grey (Typst's `luma`).
    pub(crate) const fn luma(v: u8) -> Self {
        Self(v, v, v)
    }

    /// `#rrggbb`; black for anything else (the callers pass constants).
    pub(crate) fn hex(s: &str) -> Self {
        let v = u32::from_str_radix(s.trim_start_matches('#'), 16).unwrap_or(0);
        let [_, r, g, b] = v.to_be_bytes();
        Self(r, g, b)
    }
}

/// How a run of text looks. IPAex Gothic has one weight: bold is drawn with a thin outline.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Style {
    pub size: f32,
    pub color: Rgb,
    pub bold: bool,
}

impl Style {
    pub(crate) const fn new(size: f32, color: Rgb) -> Self {
        Self {
            size,
            color,
            bold: false,
        }
    }

    pub(crate) const fn bold(self) -> Self {
        Self { bold: true, ..self }
    }

    pub(crate) const fn size(self, size: f32) -> Self {
        Self { size, ..self }
    }

    pub(crate) const fn color(self, color: Rgb) -> Self {
        Self { color, ..self }
    }
}

/// The font's metrics, read once.
pub(crate) struct Face {
    charmap: Charmap<'static>,
    metrics: GlyphMetrics<'static>,
    upem: f32,
}

impl Face {
    pub(crate) fn get(data: &'static [u8]) -> Option<&'static Face> {
        static FACE: OnceLock<Option<Face>> = OnceLock::new();
        FACE.get_or_init(|| {
            let font = FontRef::new(data).ok()?;
            let at = LocationRef::default();
            let upem = f32::from(font.metrics(Size::unscaled(), at).units_per_em);
            (upem > 0.0).then(|| Face {
                charmap: font.charmap(),
                metrics: font.glyph_metrics(Size::unscaled(), at),
                upem,
            })
        })
        .as_ref()
    }

    /// The glyph for `c` (`.notdef` when the font has none) and its advance at size 1.
    pub(crate) fn glyph(&self, c: char) -> (GlyphId, f32) {
        let c = if c == '\t' { ' ' } else { c };
        let id = self.charmap.map(c).unwrap_or(GlyphId::NOTDEF);
        let advance = self.metrics.advance_width(id).unwrap_or(0.0);
        (id, advance / self.upem)
    }

    /// The width of `s` in `style`.
    pub(crate) fn width(&self, s: &str, style: Style) -> f32 {
        s.chars().map(|c| self.glyph(c).1).sum::<f32>() * style.size
    }
}

/// A run of text in one style.
#[derive(Debug, Clone)]
pub(crate) struct Span {
    pub text: String,
    pub style: Style,
}

/// Horizontal alignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Align {
    #[default]
    Left,
    Center,
    Right,
}

/// A paragraph: runs of text, `\n` for a line break.
#[derive(Debug, Clone, Default)]
pub(crate) struct Para {
    pub spans: Vec<Span>,
    pub align: Align,
}

impl Para {
    pub(crate) fn new(text: impl Into<String>, style: Style) -> Self {
        Self::default().push(text, style)
    }

    /// Appends a run.
    pub(crate) fn push(mut self, text: impl Into<String>, style: Style) -> Self {
        self.spans.push(Span {
            text: text.into(),
            style,
        });
        self
    }

    /// Appends a line break and a run.
    pub(crate) fn line(self, text: impl Into<String>, style: Style) -> Self {
        let base = self.spans.last().map(|s| s.style).unwrap_or(style);
        self.push("\n", base).push(text, style)
    }

    pub(crate) fn align(self, align: Align) -> Self {
        Self { align, ..self }
    }
}

/// A run placed on a line.
#[derive(Debug, Clone)]
pub(crate) struct Piece {
    pub x: f32,
    pub text: String,
    pub style: Style,
}

/// One laid-out line.
#[derive(Debug, Clone)]
pub(crate) struct Line {
    pub pieces: Vec<Piece>,
    pub width: f32,
    pub height: f32,
    /// From the line's top to its baseline.
    pub ascent: f32,
    pub align: Align,
}

impl Line {
    fn empty(style: Style, align: Align) -> Self {
        Self {
            pieces: Vec::new(),
            width: 0.0,
            height: style.size * LINE,
            ascent: style.size * BASELINE,
            align,
        }
    }
}

fn segmenter() -> icu_segmenter::LineSegmenterBorrowed<'static> {
    LineSegmenter::new_for_non_complex_scripts(LineBreakOptions::default())
}

/// The paragraph's text as one string and the style of each byte range.
fn flatten(p: &Para) -> (String, Vec<(Range<usize>, Style)>) {
    let mut full = String::new();
    let mut styles = Vec::new();
    for s in &p.spans {
        let start = full.len();
        full.extend(s.text.chars().filter(|c| *c != '\r'));
        styles.push((start..full.len(), s.style));
    }
    (full, styles)
}

struct Breaker<'a> {
    face: &'a Face,
    full: &'a str,
    styles: &'a [(Range<usize>, Style)],
    align: Align,
}

impl Breaker<'_> {
    fn style_at(&self, at: usize) -> Style {
        self.styles
            .iter()
            .find(|(r, _)| r.contains(&at))
            .or(self.styles.last())
            .map(|(_, s)| *s)
            .unwrap_or(Style::new(9.0, Rgb::luma(0)))
    }

    fn width(&self, r: Range<usize>) -> f32 {
        self.full[r.clone()]
            .char_indices()
            .map(|(i, c)| self.face.glyph(c).1 * self.style_at(r.start + i).size)
            .sum()
    }

    /// A line of `r`, trailing white space left out.
    fn line(&self, r: Range<usize>) -> Line {
        let end = r.start + self.full[r.clone()].trim_end().len();
        let mut line = Line::empty(self.style_at(r.start), self.align);
        let mut x = 0.0;
        for (sr, style) in self.styles {
            let (a, b) = (sr.start.max(r.start), sr.end.min(end));
            if a >= b {
                continue;
            }
            let text = self.full[a..b].to_string();
            let w = self.face.width(&text, *style);
            line.height = line.height.max(style.size * LINE);
            line.ascent = line.ascent.max(style.size * BASELINE);
            line.pieces.push(Piece {
                x,
                text,
                style: *style,
            });
            x += w;
        }
        line.width = x;
        line
    }

    /// Breaks `r` (no hard breaks inside) into lines of at most `width`.
    fn lines(&self, r: Range<usize>, width: f32, out: &mut Vec<Line>) {
        let text = &self.full[r.clone()];
        let points: Vec<usize> = segmenter().segment_str(text).map(|i| r.start + i).collect();
        let mut start = r.start;
        let mut used = 0.0;
        for seg in points.windows(2) {
            let (a, b) = (seg[0], seg[1]);
            let trimmed = a + self.full[a..b].trim_end().len();
            let w = self.width(a..trimmed);
            if used + w > width && a > start {
                out.push(self.line(start..a));
                start = a;
                used = 0.0;
            }
            if w > width {
                // Wider than the line by itself: break between characters.
                for (i, c) in self.full[a..b].char_indices() {
                    let at = a + i;
                    let cw = self.face.glyph(c).1 * self.style_at(at).size;
                    if used + cw > width && at > start && !c.is_whitespace() {
                        out.push(self.line(start..at));
                        start = at;
                        used = 0.0;
                    }
                    used += cw;
                }
                continue;
            }
            used += self.width(a..b);
        }
        if start < r.end || out.is_empty() {
            out.push(self.line(start..r.end));
        }
    }
}

/// Lays `p` out in lines of at most `width` points.
pub(crate) fn lines(face: &Face, p: &Para, width: f32) -> Vec<Line> {
    let (full, styles) = flatten(p);
    let b = Breaker {
        face,
        full: &full,
        styles: &styles,
        align: p.align,
    };
    let mut out = Vec::new();
    let mut start = 0;
    for (i, _) in full.match_indices('\n').chain([(full.len(), "")]) {
        let before = out.len();
        if start < i {
            b.lines(start..i, width.max(1.0), &mut out);
        }
        if out.len() == before {
            out.push(Line::empty(b.style_at(start), p.align));
        }
        start = i + 1;
    }
    out
}

/// The width `p` takes unbroken: its widest hard line.
pub(crate) fn natural_width(face: &Face, p: &Para) -> f32 {
    lines(face, p, f32::INFINITY)
        .iter()
        .map(|l| l.width)
        .fold(0.0, f32::max)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn face() -> &'static Face {
        Face::get(super::super::embedded_font()).expect("font")
    }

    const STYLE: Style = Style::new(9.0, Rgb::luma(0));

    fn texts(ls: &[Line]) -> Vec<String> {
        ls.iter()
            .map(|l| l.pieces.iter().map(|p| p.text.as_str()).collect())
            .collect()
    }

    #[test]
    fn japanese_breaks_anywhere_but_before_closing_marks_and_loses_nothing() {
        let s = "重要度に応じた製造設備の情報機器、OS、ソフトウェアの情報（バージョン情報、管理者、管理部門、設置場所等）について、一覧を作成している。「例外」は、記録すること。";
        for width in [40.0, 61.0, 97.5, 150.0, 233.0] {
            let ls = lines(face(), &Para::new(s, STYLE), width);
            assert!(ls.len() > 1, "one line at {width}");
            let t = texts(&ls);
            assert_eq!(t.concat(), s, "text lost at {width}");
            for (l, text) in ls.iter().zip(&t) {
                assert!(l.width <= width + 0.01, "line wider than {width}: {text}");
                let first = text.chars().next().unwrap();
                assert!(
                    !"、。）」ー".contains(first),
                    "line starts with {first}: {t:?}"
                );
                let last = text.chars().last().unwrap();
                assert!(!"（「".contains(last), "line ends with {last}: {t:?}");
            }
        }
    }

    #[test]
    fn latin_words_break_at_spaces_and_a_long_word_between_characters() {
        let ls = lines(face(), &Para::new("alpha beta gamma", STYLE), 40.0);
        assert_eq!(texts(&ls), ["alpha", "beta", "gamma"]);
        let long = "x".repeat(400);
        let ls = lines(face(), &Para::new(&long, STYLE), 50.0);
        assert!(ls.len() > 10);
        assert!(ls.iter().all(|l| l.width <= 50.01));
        assert_eq!(texts(&ls).concat(), long);
    }

    #[test]
    fn line_breaks_are_kept_and_blank_lines_keep_their_height() {
        let ls = lines(face(), &Para::new("a\n\nb\r\n", STYLE), 200.0);
        assert_eq!(texts(&ls), ["a", "", "b", ""]);
        assert!(ls.iter().all(|l| l.height > 0.0));
        let empty = lines(face(), &Para::default(), 200.0);
        assert_eq!(empty.len(), 1);
    }

    #[test]
    fn runs_keep_their_styles_and_widths_add_up() {
        let p = Para::new("No.", STYLE.bold())
            .push("12 ", STYLE)
            .push("○", STYLE.size(11.0));
        let ls = lines(face(), &p, 500.0);
        assert_eq!(ls.len(), 1);
        let pieces = &ls[0].pieces;
        assert_eq!(pieces.len(), 3);
        assert!(pieces[0].style.bold && !pieces[1].style.bold);
        assert!((pieces[2].x - face().width("No.12 ", STYLE)).abs() < 0.01);
        assert!(ls[0].height >= 11.0 * LINE);
        assert_eq!(natural_width(face(), &p), ls[0].width);
    }
}
