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
mod table;
mod text;

use crate::ReportError;
use crate::model::Model;
use std::sync::{Arc, OnceLock};
use text::Face;

/// IPAex Gothic 00401 (IPA Font License v1.0, see `fonts/`): Japanese and Latin glyphs.
static FONT_DATA: &[u8] = include_bytes!("../../fonts/ipaexg.ttf");

/// The embedded Japanese font (IPAex Gothic, TrueType), for the web app's font stack too: one
/// copy in the binary.
pub fn embedded_font() -> &'static [u8] {
    FONT_DATA
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
            let face = Face::get(FONT_DATA)?;
            let font = krilla::text::Font::new(FONT_DATA.into(), 0)?;
            let mut db = usvg::fontdb::Database::new();
            db.load_font_source(usvg::fontdb::Source::Binary(Arc::new(FONT_DATA)));
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
