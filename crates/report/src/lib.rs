//! Printable assessment reports: a standalone A4 HTML document, a PDF, and the radar chart.
//!
//! A report shows one assessment ([`Sheet`]) scored against its [`Catalog`] ([`Summary`]):
//!
//! - a cover with company, plant/line, fiscal year, dates, status and sign-off boxes
//!   (作成・確認・承認 / prepared, reviewed, approved: the names and dates of the latest sign-off
//!   since the last return, blank where a step has not been made; a note when the sign-off needs
//!   only two people);
//! - when some answers are carried from last year and not yet re-confirmed, a notice that they
//!   are provisional (暫定), listing the items;
//! - the overall achievement rate (kojo's measure, ○ ÷ (items − －), not a figure the guideline
//!   defines: the captions and a formula line on the summary and above the item list say so) and
//!   completion, the distribution of marks
//!   (○ □ △ × － and unanswered), the rate per label as a table and as a radar chart;
//! - with the yearly cycle ([`ReportInput::cycle`]), the comparison with the previous assessment
//!   (前年比: overall and per-label rates then and now, the items whose mark changed, regressions
//!   first);
//! - the residual risks (□ with reason, accepted-by and review-by date; △ with status and target
//!   date; ×);
//! - with the yearly cycle, the review of every □ △ × item (見直し結果, 「未実施」 where
//!   missing) and the action plan (対策計画, overdue actions marked). With the cycle, these
//!   three sections are always printed; one with nothing to show says so in a sentence;
//! - every item with its label, No., achievement condition, mark, the mark's fields and the note.
//!
//! Reports are Japanese by default; in English, guideline text is marked as kojo's unofficial
//! translation. Rates are percentages with one decimal, `—` where undefined (every item －).
//!
//! [`html`] escapes every text from data; [`radar_svg`] is plain SVG without script; [`pdf`]
//! is laid out by kojo and written with krilla using only the IPAex Gothic font embedded in this
//! crate (no system fonts, no files, no network), so the PDF looks the same everywhere and its text is extractable.
//!
//! Nothing here does I/O: callers write the returned bytes where they like.
#![deny(missing_docs)]

mod fmt;
mod html;
mod model;
mod pdf;
pub use pdf::{embedded_font, embedded_font_br};
mod portfolio;
mod radar;
mod trend;

pub use portfolio::PortfolioInput;

use chrono::NaiveDate;
use kojo_catalog::Catalog;
use kojo_domain::{Sheet, Status, Summary};
pub use kojo_i18n::Lang;

/// What a report is made of.
#[derive(Debug, Clone, Copy)]
pub struct ReportInput<'a> {
    /// The guideline the sheet was answered against.
    pub catalog: &'a Catalog,
    /// The assessment: header and answers.
    pub sheet: &'a Sheet,
    /// The sheet scored against the catalog (`Scorer::summarize`).
    pub summary: &'a Summary,
    /// The report's language (Japanese by default).
    pub lang: Lang,
    /// The date printed as the report's date (作成日); also the PDF's creation date.
    pub generated_on: NaiveDate,
    /// The assessment's lifecycle status, if known.
    pub status: Option<Status>,
    /// The yearly cycle: sign-offs, reviews, the previous assessment and the action plan.
    /// `None` prints empty sign-off boxes and leaves out the cycle's sections.
    pub cycle: Option<&'a kojo_domain::CycleReport>,
}

/// Why a PDF could not be produced.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The embedded font could not be read (a broken build).
    #[error("the embedded report font could not be loaded / 埋め込みフォントを読み込めません")]
    Font,
    /// A chart could not be read (a bug in kojo's chart code).
    #[error("a chart could not be drawn / グラフを描画できません: {0}")]
    Chart(String),
    /// The PDF could not be written.
    #[error("PDF export failed / PDF の出力に失敗しました: {0}")]
    Export(String),
}

/// The radar chart of the achievement rate per label as a standalone SVG document.
///
/// One axis per label of `summary` (17 for the factory guideline), labelled `1`..`17`, with grid
/// rings at 25, 50, 75 and 100 %; each label's rate is a vertex of the polygon, printed beside its
/// axis. An undefined rate (every item －) is drawn at 0 with a hollow diamond and a dotted axis.
/// The SVG has a `<title>` and a `<desc>` listing every rate, contains no script, has no XML
/// declaration (so it can be inlined in HTML) and is byte-for-byte deterministic.
pub fn radar_svg(catalog: &Catalog, summary: &Summary, lang: Lang) -> String {
    radar::svg(catalog, summary, lang)
}

/// The portfolio's trend chart (SVG, no script): companies and the `max_plants` weakest plants.
pub fn trend_svg(p: &kojo_domain::portfolio::Portfolio, lang: Lang, max_plants: usize) -> String {
    trend::svg(p, lang, max_plants)
}

/// The portfolio for management as an A4 landscape PDF (summary, heatmap, trend, rules).
pub fn portfolio_pdf(input: &PortfolioInput) -> Result<Vec<u8>, ReportError> {
    portfolio::pdf(input)
}

/// The stylesheet [`html`] puts inline in its one `<style>` element, so that a server can allow
/// exactly it in a Content-Security-Policy (`style-src 'sha256-…'`).
pub const HTML_STYLE: &str = html::CSS;

/// The report as one standalone HTML document: A4 portrait print layout, inline CSS and inline
/// SVG, no script and no external assets.
pub fn html(input: &ReportInput) -> String {
    let model = model::Model::new(input);
    let radar = radar_svg(input.catalog, input.summary, input.lang);
    html::render(&model, &radar)
}

/// The report as an A4 PDF with the IPAex Gothic font embedded (subset), text extractable.
pub fn pdf(input: &ReportInput) -> Result<Vec<u8>, ReportError> {
    let model = model::Model::new(input);
    let radar = radar_svg(input.catalog, input.summary, input.lang);
    pdf::render(&model, &radar)
}
