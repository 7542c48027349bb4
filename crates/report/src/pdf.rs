//! The PDF report, typeset by Typst in a sealed world.
//!
//! The world holds exactly the template (`/main.typ`: the report's or the portfolio's), the
//! data as JSON (`/data.json`) and the charts (`/radar.svg`, `/trend.svg`) — and exactly one
//! font, IPAex Gothic,
//! embedded in the binary. It never reads the file system, system fonts or packages, and has no
//! clock (the date comes from the data). Data reaches the template through `json()`, so no text
//! from an assessment is ever parsed as Typst markup.

use crate::ReportError;
use crate::model::Model;
use serde::Serialize;
use std::sync::OnceLock;
use typst::diag::{FileError, FileResult, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime, Duration};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};
use typst_layout::PagedDocument;

/// IPAex Gothic 00401 (IPA Font License v1.0, see `fonts/`): Japanese and Latin glyphs.
static FONT_DATA: &[u8] = include_bytes!("../fonts/ipaexg.ttf");

/// The embedded Japanese font (IPAex Gothic, TrueType), for the web app's font stack too: one
/// copy in the binary.
pub fn embedded_font() -> &'static [u8] {
    FONT_DATA
}
/// The Typst template.
const TEMPLATE: &str = include_str!("report.typ");

struct Fonts {
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
    family: String,
}

fn fonts() -> Option<&'static Fonts> {
    static FONTS: OnceLock<Option<Fonts>> = OnceLock::new();
    FONTS
        .get_or_init(|| {
            let fonts: Vec<Font> = Font::iter(Bytes::new(FONT_DATA)).collect();
            let family = fonts.first()?.info().family.clone();
            Some(Fonts {
                book: LazyHash::new(FontBook::from_fonts(&fonts)),
                fonts,
                family,
            })
        })
        .as_ref()
}

fn library() -> &'static LazyHash<Library> {
    static LIBRARY: OnceLock<LazyHash<Library>> = OnceLock::new();
    LIBRARY.get_or_init(|| LazyHash::new(Library::default()))
}

fn file_id(path: &str) -> Option<FileId> {
    VirtualPath::new(path)
        .ok()
        .map(|p| RootedPath::new(VirtualRoot::Project, p).intern())
}

struct ReportWorld {
    main: Source,
    files: Vec<(FileId, Bytes)>,
    fonts: &'static Fonts,
}

impl World for ReportWorld {
    fn library(&self) -> &LazyHash<Library> {
        library()
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &self.fonts.book
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            Ok(self.main.clone())
        } else {
            Err(FileError::NotSource)
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.main.id() {
            return Ok(Bytes::from_string(self.main.text().to_string()));
        }
        self.files
            .iter()
            .find(|(fid, _)| *fid == id)
            .map(|(_, b)| b.clone())
            .ok_or_else(|| FileError::NotFound(id.get().vpath().get_with_slash().into()))
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.fonts.fonts.get(index).cloned()
    }

    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        // Reports are deterministic: the template takes its date from the data.
        None
    }
}

#[derive(Serialize)]
struct Data<'a, M: Serialize> {
    #[serde(flatten)]
    model: &'a M,
    font: &'a str,
}

fn messages(diags: &[SourceDiagnostic]) -> String {
    diags
        .iter()
        .map(|d| d.message.to_string())
        .collect::<Vec<_>>()
        .join("; ")
}

/// Typesets the model with the radar chart and exports the PDF.
pub fn render(model: &Model, radar: &str) -> Result<Vec<u8>, ReportError> {
    typeset(TEMPLATE, model, &[("/radar.svg", radar)])
}

/// Typesets `template` (the world's main file) with `model` as `/data.json` (plus the font
/// family as `font`) and `svgs` as further files, and exports the PDF.
pub(crate) fn typeset<M: Serialize>(
    template: &str,
    model: &M,
    svgs: &[(&str, &str)],
) -> Result<Vec<u8>, ReportError> {
    let fonts = fonts().ok_or(ReportError::Font)?;
    let data = serde_json::to_vec(&Data {
        model,
        font: &fonts.family,
    })?;
    let (Some(main_id), Some(data_id)) = (file_id("/main.typ"), file_id("/data.json")) else {
        return Err(ReportError::Typeset("invalid virtual path".into()));
    };
    let mut files = vec![(data_id, Bytes::new(data))];
    for (path, svg) in svgs {
        let id =
            file_id(path).ok_or_else(|| ReportError::Typeset("invalid virtual path".into()))?;
        files.push((id, Bytes::new(svg.as_bytes().to_vec())));
    }
    let world = ReportWorld {
        main: Source::new(main_id, template.to_string()),
        files,
        fonts,
    };
    let document = typst::compile::<PagedDocument>(&world)
        .output
        .map_err(|e| ReportError::Typeset(messages(&e)));
    let result = document.and_then(|doc| {
        typst_pdf::pdf(&doc, &typst_pdf::PdfOptions::default())
            .map_err(|e| ReportError::Export(messages(&e)))
    });
    // Bound the memoisation cache of long-running processes that render many reports.
    typst::comemo::evict(10);
    result
}
