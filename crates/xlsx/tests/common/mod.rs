//! Shared helpers: the catalog, a sample sheet, zip surgery, reading cells, LibreOffice.
#![allow(dead_code)]

use calamine::{Data, Reader, Xlsx};
use chrono::NaiveDate;
use kojo_catalog::Catalog;
use kojo_domain::{FiscalYear, Header, ItemAnswer, ItemNo, RawAnswer, Sheet};
use std::io::{Cursor, Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

pub fn catalog() -> &'static Catalog {
    kojo_catalog::builtin().expect("built-in catalog")
}

pub fn no(n: u16) -> ItemNo {
    ItemNo::new(n, catalog()).expect("item exists")
}

pub fn raw(mark: &str, fields: &[(&str, &str)]) -> ItemAnswer {
    let mut r = RawAnswer {
        mark: Some(mark.to_string()),
        ..Default::default()
    };
    for (k, v) in fields {
        let v = Some(v.to_string());
        match *k {
            "alternative" => r.alternative = v,
            "reason" => r.reason = v,
            "review_by" => r.review_by = v,
            "accepted_by" => r.accepted_by = v,
            "progress" => r.progress = v,
            "status" => r.status = v,
            "target_date" => r.target_date = v,
            "na_reason" => r.na_reason = v,
            "note" => r.note = v,
            other => panic!("unknown field {other}"),
        }
    }
    r.parse()
        .unwrap_or_else(|e| panic!("sample answer {mark}: {e}"))
}

/// A sheet with every mark, every field, unanswered items, awkward texts.
pub fn sample_sheet() -> Sheet {
    let c = catalog();
    let mut answers = std::collections::BTreeMap::new();
    // Label 1 (items 1–3): ○ ○(alternative) ×
    answers.insert(no(1), raw("○", &[]));
    answers.insert(
        no(2),
        raw(
            "○",
            &[
                ("alternative", "紙の台帳で代替"),
                ("note", "=SUM(A1) は数式ではなく文字"),
            ],
        ),
    );
    answers.insert(no(3), raw("×", &[]));
    // Label 2: □ with every field, △ with target date
    answers.insert(
        no(4),
        raw(
            "□",
            &[
                ("reason", "更新予算待ち\n来期に再申請"),
                ("review_by", "2027-03-31"),
                ("accepted_by", "工場長 山田"),
                ("progress", "見積取得済み, 稟議中"),
                ("note", "\"引用符\" と , を含む"),
            ],
        ),
    );
    answers.insert(
        no(5),
        raw(
            "△",
            &[
                ("status", "情報システム部と検討中"),
                ("target_date", "2026-12-01"),
            ],
        ),
    );
    answers.insert(no(6), raw("△", &[("status", "検討開始")]));
    // Not applicable, in two labels
    answers.insert(
        no(20),
        raw("－", &[("na_reason", "無線 LAN を使っていない")]),
    );
    answers.insert(no(21), raw("－", &[("na_reason", "001")]));
    for n in 30..=45 {
        answers.insert(no(n), raw("○", &[]));
    }
    answers.insert(
        no(50),
        raw(
            "□",
            &[("reason", "設備更新時に実施"), ("review_by", "2028-01-15")],
        ),
    );
    answers.insert(no(63), raw("×", &[("note", "次回検討")]));
    Sheet {
        catalog_id: c.id.clone(),
        header: Header {
            company: "株式会社サンプル部品".into(),
            site_code: "P01".into(),
            site_name: "浜松工場".into(),
            line_code: Some("L2".into()),
            line_name: Some("第2組立ライン".into()),
            period: FiscalYear::new(2026),
            assessor: Some("鈴木 花子".into()),
            date: NaiveDate::from_ymd_opt(2026, 6, 15),
        },
        answers,
    }
}

// ---------------------------------------------------------------------------------------------
// Zip surgery

pub fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("zip");
    let mut out = Vec::new();
    for i in 0..archive.len() {
        let mut f = archive.by_index(i).expect("entry");
        let mut data = Vec::new();
        f.read_to_end(&mut data).expect("read entry");
        out.push((f.name().expect("entry name").to_string(), data));
    }
    out
}

pub fn zip_entries(entries: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in entries {
        w.start_file(name.as_str(), opts).expect("start");
        w.write_all(data).expect("write");
    }
    w.finish().expect("finish").into_inner()
}

pub fn entry<'a>(entries: &'a [(String, Vec<u8>)], name: &str) -> &'a str {
    let data = &entries
        .iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no {name}"))
        .1;
    std::str::from_utf8(data).expect("utf-8 xml")
}

/// Replaces entry `name` by `f(old)`.
pub fn patch(bytes: &[u8], name: &str, f: impl FnOnce(&str) -> String) -> Vec<u8> {
    let mut entries = unzip(bytes);
    let e = entries
        .iter_mut()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no {name}"));
    let new = f(std::str::from_utf8(&e.1).expect("utf-8"));
    e.1 = new.into_bytes();
    zip_entries(&entries)
}

/// Finds the `<c r="REF" .../>` or `<c r="REF" ...>...</c>` element: (start, end, style attribute).
fn find_cell(xml: &str, cell: &str) -> (usize, usize, String) {
    let start = xml
        .find(&format!("<c r=\"{cell}\""))
        .unwrap_or_else(|| panic!("cell {cell} not in sheet"));
    let rest = &xml[start..];
    let open_end = rest.find('>').expect("tag end");
    let tag = &rest[..open_end];
    let end = if tag.ends_with('/') {
        open_end + 1
    } else {
        rest.find("</c>").expect("</c>") + 4
    };
    let style = tag
        .find(" s=\"")
        .map(|i| {
            let v = &tag[i + 4..];
            format!(" s=\"{}\"", &v[..v.find('"').expect("quote")])
        })
        .unwrap_or_default();
    (start, start + end, style)
}

/// A value written the way other spreadsheet writers do.
#[derive(Clone, Copy)]
pub enum Val<'a> {
    /// An inline string (`t="inlineStr"`), not a shared one.
    Inline(&'a str),
    /// A number (dates typed into cells are serial numbers).
    Num(f64),
    /// An empty cell.
    Empty,
    /// An error value such as `#N/A` (`t="e"`).
    Error(&'a str),
}

/// Rewrites cells of a sheet XML, keeping each cell's style.
pub fn set_cells(xml: &str, cells: &[(&str, Val<'_>)]) -> String {
    let mut xml = xml.to_string();
    for (cell, val) in cells {
        let (start, end, style) = find_cell(&xml, cell);
        let new = match val {
            Val::Inline(text) => {
                let esc = text
                    .replace('&', "&amp;")
                    .replace('<', "&lt;")
                    .replace('>', "&gt;");
                format!(
                    "<c r=\"{cell}\"{style} t=\"inlineStr\"><is><t xml:space=\"preserve\">{esc}</t></is></c>"
                )
            }
            Val::Num(v) => format!("<c r=\"{cell}\"{style}><v>{v}</v></c>"),
            Val::Empty => format!("<c r=\"{cell}\"{style}/>"),
            Val::Error(e) => format!("<c r=\"{cell}\"{style} t=\"e\"><v>{e}</v></c>"),
        };
        xml.replace_range(start..end, &new);
    }
    xml
}

/// Inserts a new cell `cell` holding inline text right after the existing cell `after` (same
/// row; cells of a row must stay in column order).
pub fn insert_cell_after(xml: &str, after: &str, cell: &str, text: &str) -> String {
    let (_, end, _) = find_cell(xml, after);
    let esc = text
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    let mut out = xml.to_string();
    out.insert_str(
        end,
        &format!(
            "<c r=\"{cell}\" t=\"inlineStr\"><is><t xml:space=\"preserve\">{esc}</t></is></c>"
        ),
    );
    out
}

/// Marks row `row` (1-based) hidden.
pub fn hide_row(xml: &str, row: u32) -> String {
    let tag = format!("<row r=\"{row}\"");
    assert!(xml.contains(&tag), "row {row} not in sheet");
    xml.replacen(&tag, &format!("{tag} hidden=\"1\""), 1)
}

/// The main sheet's XML entry (the first worksheet).
pub const MAIN_XML: &str = "xl/worksheets/sheet1.xml";
/// The summary sheet's XML entry (third worksheet).
pub const SUMMARY_XML: &str = "xl/worksheets/sheet3.xml";
/// The metadata sheet's XML entry (fourth worksheet).
pub const META_XML: &str = "xl/worksheets/sheet4.xml";

/// The Excel row (1-based) of item `n` in a checksheet kojo wrote (items in catalog order).
pub fn item_row(n: u16) -> u32 {
    u32::from(n) + 8
}

// ---------------------------------------------------------------------------------------------
// Reading

pub fn read_sheet(bytes: &[u8], name: &str) -> calamine::Range<Data> {
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes.to_vec())).expect("xlsx opens");
    wb.worksheet_range(name)
        .unwrap_or_else(|e| panic!("sheet {name}: {e}"))
}

pub fn sheet_names(bytes: &[u8]) -> Vec<String> {
    let wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes.to_vec())).expect("xlsx opens");
    wb.sheet_names()
}

pub fn text(range: &calamine::Range<Data>, row: u32, col: u32) -> String {
    match range.get_value((row, col)) {
        Some(Data::String(s)) => s.clone(),
        Some(Data::Float(f)) => f.to_string(),
        Some(Data::Int(i)) => i.to_string(),
        Some(Data::Empty) | None => String::new(),
        Some(other) => format!("{other:?}"),
    }
}

pub fn float(range: &calamine::Range<Data>, row: u32, col: u32) -> Option<f64> {
    match range.get_value((row, col)) {
        Some(Data::Float(f)) => Some(*f),
        Some(Data::Int(i)) => Some(*i as f64),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// LibreOffice

/// The LibreOffice binary; the checks that need it fail (never skip) when it is missing.
pub fn soffice() -> PathBuf {
    for name in ["soffice", "libreoffice"] {
        if let Some(path) = std::env::var_os("PATH")
            .into_iter()
            .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
        {
            return path;
        }
    }
    panic!(
        "LibreOffice is required for this test but neither `soffice` nor `libreoffice` is on PATH: \
         install it with `apt-get install -y libreoffice-calc-nogui`"
    );
}

static LIBREOFFICE: Mutex<()> = Mutex::new(());

pub fn scratch_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kojo-xlsx-test-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// A LibreOffice user profile that recalculates every formula on load (so converted files show
/// LibreOffice's own results, not the cached ones kojo wrote).
fn profile() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kojo-xlsx-lo-profile-{}", std::process::id()));
    let user = dir.join("user");
    std::fs::create_dir_all(&user).expect("profile dir");
    let xcu = r#"<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"#;
    std::fs::write(user.join("registrymodifications.xcu"), xcu).expect("xcu");
    dir
}

/// Converts `input` with `soffice --headless --convert-to FILTER`, returning the output file.
pub fn convert(input: &Path, filter: &str, ext: &str) -> PathBuf {
    let soffice = soffice();
    let _guard = LIBREOFFICE.lock().unwrap_or_else(|e| e.into_inner());
    let out_dir = input.parent().expect("dir").join(format!("out-{ext}"));
    std::fs::create_dir_all(&out_dir).expect("out dir");
    let profile = profile();
    let output = Command::new(&soffice)
        .arg(format!(
            "-env:UserInstallation=file://{}",
            profile.display()
        ))
        .args([
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--convert-to",
            filter,
            "--outdir",
        ])
        .arg(&out_dir)
        .arg(input)
        .output()
        .expect("run soffice");
    let _ = std::fs::remove_dir_all(&profile);
    let stem = input
        .file_stem()
        .expect("stem")
        .to_string_lossy()
        .to_string();
    let out = out_dir.join(format!("{stem}.{ext}"));
    assert!(
        out.is_file(),
        "LibreOffice did not convert {}: status {:?}\nstdout: {}\nstderr: {}",
        input.display(),
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    out
}

/// Re-saves xlsx bytes through LibreOffice (load, recalculate, save as xlsx).
pub fn libreoffice_resave(bytes: &[u8], tag: &str) -> Vec<u8> {
    let dir = scratch_dir(tag);
    let input = dir.join(format!("{tag}.xlsx"));
    std::fs::write(&input, bytes).expect("write input");
    let out = convert(&input, "xlsx:Calc MS Excel 2007 XML", "xlsx");
    let result = std::fs::read(out).expect("read converted");
    let _ = std::fs::remove_dir_all(&dir);
    result
}

pub mod hostile;

pub fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("date")
}

/// A date cell of a sheet read with calamine.
pub fn date_cell(range: &calamine::Range<Data>, row: u32, col: u32) -> Option<NaiveDate> {
    match range.get_value((row, col)) {
        Some(Data::DateTime(dt)) => {
            let (y, m, d, ..) = dt.to_ymd_hms_milli();
            NaiveDate::from_ymd_opt(i32::from(y), u32::from(m), u32::from(d))
        }
        Some(Data::Empty) | None => None,
        Some(other) => panic!("date cell holds {other:?}"),
    }
}
