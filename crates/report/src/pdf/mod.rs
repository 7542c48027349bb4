//! The PDF report and the portfolio, laid out here and written with krilla.
//!
//! Layout is kojo's own and small: paragraphs broken into lines by Unicode's rules ([`text`]),
//! tables whose header repeats on every page and whose rows split between lines when they must
//! ([`table`]), and a flow of pages ([`flow`]). It uses exactly one font, IPAex Gothic, embedded
//! in the binary: no system fonts, no files, no network, no clock (dates come from the data),
//! so a PDF looks the same everywhere. Text from an assessment is only ever drawn as text; there
//! is no markup to interpret. The charts are kojo's own SVG ([`crate::radar_svg`]), drawn as
//! vectors with their text selectable.
//!
//! Why not a typesetter: Typst did this before and was most of the binary and of its build
//! (306 of 535 packages: bibliographies, WASM plugins, syntax highlighting the reports never
//! use). See ARCHITECTURE.md, "Size and build time".

mod emit;
mod flow;
mod portfolio;
mod report;
mod report_cycle;
mod report_front;
mod table;
mod text;

use crate::ReportError;
use crate::model::Model;
use std::sync::{Arc, OnceLock};
use text::Face;

/// IPAex Gothic 00401 (IPA Font License v1.0, see `fonts/`): Japanese and Latin glyphs,
/// brotli-compressed by `build.rs`.
static FONT_BR: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/ipaexg.ttf.br"));

/// The embedded Japanese font (IPAex Gothic, TrueType), for the web app's font stack too: one
/// copy in the binary, decompressed when first asked for (empty if the build broke it, which
/// the PDF reports as [`ReportError::Font`]).
pub fn embedded_font() -> &'static [u8] {
    static FONT: OnceLock<Vec<u8>> = OnceLock::new();
    FONT.get_or_init(|| {
        let mut out = Vec::with_capacity(6_200_000);
        match brotli::BrotliDecompress(&mut &FONT_BR[..], &mut out) {
            Ok(()) => out,
            Err(_) => Vec::new(),
        }
    })
}

/// [`embedded_font`] as brotli-compressed (`Content-Encoding: br`) bytes.
pub fn embedded_font_br() -> &'static [u8] {
    FONT_BR
}

struct Fonts {
    face: &'static Face,
    font: krilla::text::Font,
    /// The font for the charts' text.
    db: Arc<usvg::fontdb::Database>,
    family: String,
}

fn fonts() -> Result<&'static Fonts, ReportError> {
    static FONTS: OnceLock<Option<Fonts>> = OnceLock::new();
    FONTS
        .get_or_init(|| {
            let data = embedded_font();
            let face = Face::get(data)?;
            let font = krilla::text::Font::new(data.into(), 0)?;
            let mut db = usvg::fontdb::Database::new();
            db.load_font_source(usvg::fontdb::Source::Binary(Arc::new(data)));
            let family = db.faces().next()?.families.first()?.0.clone();
            Some(Fonts {
                face,
                font,
                db: Arc::new(db),
                family,
            })
        })
        .as_ref()
        .ok_or(ReportError::Font)
}

/// Parses one of kojo's charts; its text is set in the embedded font.
fn chart(fonts: &Fonts, svg: &str) -> Result<Arc<usvg::Tree>, ReportError> {
    let options = usvg::Options {
        font_family: fonts.family.clone(),
        fontdb: fonts.db.clone(),
        ..usvg::Options::default()
    };
    usvg::Tree::from_str(svg, &options)
        .map(Arc::new)
        .map_err(|e| ReportError::Chart(e.to_string()))
}

/// Lays the report out with the radar chart and writes the PDF.
pub fn render(model: &Model, radar: &str) -> Result<Vec<u8>, ReportError> {
    let fonts = fonts()?;
    let radar = chart(fonts, radar)?;
    let flow = flow::Flow::new(fonts.face, report::SETUP);
    let pages = report::layout(flow, model, radar);
    let d = &model.date;
    emit::pdf(
        fonts.face,
        &fonts.font,
        report::SETUP,
        &pages,
        &emit::Meta {
            title: format!("{} — {}", model.title, model.running_header),
            lang: model.lang,
            date: (d.year, d.month, d.day),
        },
    )
}

/// Lays the portfolio out with the trend chart and writes the PDF.
pub(crate) fn portfolio(
    model: &crate::portfolio::Model,
    trend: &str,
) -> Result<Vec<u8>, ReportError> {
    let fonts = fonts()?;
    let trend = chart(fonts, trend)?;
    let flow = flow::Flow::new(fonts.face, portfolio::SETUP);
    let pages = portfolio::layout(flow, model, Some(trend));
    emit::pdf(
        fonts.face,
        &fonts.font,
        portfolio::SETUP,
        &pages,
        &emit::Meta {
            title: model.title.clone(),
            lang: model.lang,
            date: model.date,
        },
    )
}
