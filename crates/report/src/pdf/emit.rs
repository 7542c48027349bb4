//! Writes laid-out pages as a PDF with krilla: the font embedded as a subset with a ToUnicode
//! map (so the text is extractable), charts as vectors.

use super::flow::{Op, PageSetup};
use super::text::{Face, Rgb, Style};
use crate::ReportError;
use krilla::Document;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect, Size, Transform};
use krilla::metadata::{DateTime, Metadata};
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use krilla::text::{Font, GlyphId, KrillaGlyph};
use krilla_svg::{SurfaceExt, SvgSettings};

/// The document's metadata.
pub(crate) struct Meta {
    pub title: String,
    pub lang: &'static str,
    pub date: (i32, u32, u32),
}

fn color(c: Rgb) -> rgb::Color {
    rgb::Color::new(c.0, c.1, c.2)
}

fn fill(c: Rgb) -> Fill {
    Fill {
        paint: color(c).into(),
        ..Fill::default()
    }
}

fn stroke(width: f32, c: Rgb) -> Stroke {
    Stroke {
        paint: color(c).into(),
        width,
        ..Stroke::default()
    }
}

/// The PDF of `pages`, every text in `font` (`face`'s data).
pub(crate) fn pdf(
    face: &Face,
    font: &Font,
    setup: PageSetup,
    pages: &[Vec<Op>],
    meta: &Meta,
) -> Result<Vec<u8>, ReportError> {
    let mut doc = Document::new();
    let (y, m, d) = meta.date;
    let mut date = DateTime::new(u16::try_from(y).unwrap_or(2000));
    if let (Ok(m), Ok(d)) = (u8::try_from(m), u8::try_from(d)) {
        date = date.month(m).day(d);
    }
    doc.set_metadata(
        Metadata::new()
            .title(meta.title.clone())
            .authors(vec!["kojo".into()])
            .creator("kojo".into())
            .language(meta.lang.into())
            .creation_date(date),
    );
    let settings = PageSettings::from_wh(setup.width, setup.height)
        .ok_or_else(|| ReportError::Export("invalid page size".into()))?;
    for ops in pages {
        let mut page = doc.start_page_with(settings.clone());
        let mut s = page.surface();
        for op in ops {
            draw(&mut s, face, font, op);
        }
        s.finish();
        page.finish();
    }
    doc.finish()
        .map_err(|e| ReportError::Export(format!("{e:?}")))
}

fn draw(s: &mut Surface, face: &Face, font: &Font, op: &Op) {
    match op {
        Op::Text { x, y, text, style } => text_run(s, face, font, *x, *y, text, *style),
        Op::Rect {
            x,
            y,
            w,
            h,
            fill: f,
            stroke: st,
        } => {
            let Some(r) = Rect::from_xywh(*x, *y, w.max(0.01), h.max(0.01)) else {
                return;
            };
            let mut pb = PathBuilder::new();
            pb.push_rect(r);
            let Some(path) = pb.finish() else { return };
            s.set_fill(f.map(fill));
            s.set_stroke(st.map(|(w, c)| stroke(w, c)));
            s.draw_path(&path);
        }
        Op::Rule {
            x1,
            y1,
            x2,
            y2,
            width,
            color: c,
        } => {
            let mut pb = PathBuilder::new();
            pb.move_to(*x1, *y1);
            pb.line_to(*x2, *y2);
            let Some(path) = pb.finish() else { return };
            s.set_fill(None);
            s.set_stroke(Some(stroke(*width, *c)));
            s.draw_path(&path);
        }
        Op::Svg { tree, x, y, w, h } => {
            let Some(size) = Size::from_wh(*w, *h) else {
                return;
            };
            s.push_transform(&Transform::from_translate(*x, *y));
            s.draw_svg(tree, size, SvgSettings::default());
            s.pop();
        }
    }
}

fn text_run(s: &mut Surface, face: &Face, font: &Font, x: f32, y: f32, text: &str, style: Style) {
    let glyphs: Vec<KrillaGlyph> = text
        .char_indices()
        .map(|(i, c)| {
            let (id, adv) = face.glyph(c);
            KrillaGlyph::new(
                GlyphId::new(id.to_u32()),
                adv,
                0.0,
                0.0,
                0.0,
                i..i + c.len_utf8(),
                None,
            )
        })
        .collect();
    s.set_fill(Some(fill(style.color)));
    // IPAex Gothic has one weight: bold text gets a thin outline of its own colour (the HTML
    // report leaves bold to the browser).
    s.set_stroke(style.bold.then(|| stroke(0.28, style.color)));
    s.draw_glyphs(
        Point::from_xy(x, y),
        &glyphs,
        font.clone(),
        text,
        style.size,
        false,
    );
}
