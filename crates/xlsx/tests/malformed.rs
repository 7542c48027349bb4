//! A corpus of broken or hostile files: each is refused with its specific message and cell.

mod common;

use common::*;
use kojo_xlsx::{CellError, ImportErrors, Lang, MAX_FILE_BYTES, blank, import};
use std::io::Write;

fn refuse(bytes: &[u8]) -> ImportErrors {
    match import(bytes, catalog()) {
        Ok(sheet) => panic!("accepted a bad file: {sheet:?}"),
        Err(e) => {
            assert!(!e.is_empty());
            e
        }
    }
}

/// The only problem, checked for location and Japanese message.
fn only(e: &ImportErrors) -> &CellError {
    assert_eq!(e.len(), 1, "exactly one problem expected:\n{e}");
    &e.errors()[0]
}

fn assert_file_error(e: &ImportErrors, ja: &str, en: &str) {
    let err = only(e);
    assert_eq!(
        (err.sheet.as_str(), err.cell.as_deref()),
        ("", None),
        "{err}"
    );
    assert!(err.message_ja.starts_with(ja), "ja: {}", err.message_ja);
    assert!(err.message_en.starts_with(en), "en: {}", err.message_en);
}

fn assert_cell(err: &CellError, sheet: &str, cell: &str, ja: &str, en: &str) {
    assert_eq!(
        (err.sheet.as_str(), err.cell.as_deref()),
        (sheet, Some(cell)),
        "{err}"
    );
    assert_eq!(err.message_ja, ja);
    assert_eq!(err.message_en, en);
}

fn blank_ja() -> Vec<u8> {
    blank(catalog(), Lang::Ja).expect("blank")
}

fn edit_main(cells: &[(&str, Val<'_>)]) -> Vec<u8> {
    patch(&blank_ja(), MAIN_XML, |xml| set_cells(xml, cells))
}

const MAIN: &str = "チェックシート";

#[test]
fn not_a_zip() {
    let e = refuse(b"company,plant\nACME,P1\n");
    assert_file_error(
        &e,
        "xlsx ファイルではありません（ZIP 形式ではありません）",
        "not an xlsx file (not a ZIP archive)",
    );
    assert_eq!(
        e.to_string(),
        "xlsx ファイルではありません（ZIP 形式ではありません） / not an xlsx file (not a ZIP archive)"
    );
    // An old binary .xls is not an xlsx either.
    let e = refuse(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0, 0, 0]);
    assert_file_error(
        &e,
        "xlsx ファイルではありません（ZIP",
        "not an xlsx file (not a ZIP",
    );
}

#[test]
fn empty_file() {
    assert_file_error(&refuse(b""), "ファイルが空です", "the file is empty");
}

#[test]
fn truncated_zip() {
    let bytes = blank_ja();
    let e = refuse(&bytes[..bytes.len() / 2]);
    assert_file_error(
        &e,
        "xlsx ファイルが壊れているか途中で切れています",
        "the xlsx file is damaged or truncated",
    );
}

#[test]
fn corrupt_entry_data() {
    // Central directory intact, compressed data of the entries overwritten.
    let mut bytes = blank_ja();
    for b in bytes.iter_mut().skip(200).take(2000) {
        *b = 0x55;
    }
    let e = refuse(&bytes);
    assert_file_error(
        &e,
        "xlsx ファイルが壊れているか途中で切れています",
        "the xlsx file is damaged or truncated",
    );
}

#[test]
fn oversize() {
    let mut bytes = vec![0u8; MAX_FILE_BYTES + 1];
    bytes[..4].copy_from_slice(b"PK\x03\x04");
    let e = refuse(&bytes);
    let expected_ja = format!(
        "ファイルが大きすぎます（{} バイト、上限 {MAX_FILE_BYTES} バイト）",
        MAX_FILE_BYTES + 1
    );
    assert_file_error(&e, &expected_ja, "the file is too large");
}

#[test]
fn zip_without_workbook() {
    let bytes = zip_entries(&[("hello.txt".to_string(), b"hello".to_vec())]);
    assert_file_error(
        &refuse(&bytes),
        "xlsx ファイルではありません（ブック xl/workbook.xml がありません）",
        "not an xlsx file (no workbook",
    );
}

#[test]
fn zip_bomb_with_many_entries() {
    let mut entries = unzip(&blank_ja());
    for i in 0..200 {
        entries.push((format!("xl/media/pad{i}.bin"), vec![0u8; 8]));
    }
    let e = refuse(&zip_entries(&entries));
    assert_file_error(
        &e,
        "xlsx ファイル内の要素が多すぎます",
        "the xlsx file has too many parts",
    );
    assert!(only(&e).message_ja.contains("上限 200 個"), "{e}");
}

/// A workbook with one extra entry of 101 MiB of zeros (about 100 KiB compressed).
fn bomb() -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(false);
    for (name, data) in unzip(&blank_ja()) {
        w.start_file(name.as_str(), opts).expect("start");
        w.write_all(&data).expect("write");
    }
    w.start_file("xl/media/zeros.bin", opts).expect("start");
    let chunk = vec![0u8; 1 << 20];
    for _ in 0..101 {
        w.write_all(&chunk).expect("write");
    }
    w.finish().expect("finish").into_inner()
}

#[test]
fn zip_bomb_declaring_its_size() {
    let bytes = bomb();
    assert!(bytes.len() < 2 << 20, "the bomb is small: {}", bytes.len());
    let e = refuse(&bytes);
    assert_file_error(
        &e,
        "xlsx ファイルを展開すると大きすぎます",
        "the xlsx file expands to too much data",
    );
}

#[test]
fn zip_bomb_lying_about_its_size() {
    // The same bomb with its uncompressed size rewritten to 100 bytes in the local header and
    // the central directory: the central directory looks harmless, decompressing finds the lie
    // (kojo decompresses every entry with a cap before the xlsx parser sees the file).
    let mut bytes = bomb();
    let name = b"xl/media/zeros.bin";
    let mut patched = 0;
    for i in 0..bytes.len().saturating_sub(46 + name.len()) {
        let local =
            bytes[i..].starts_with(b"PK\x03\x04") && &bytes[i + 30..i + 30 + name.len()] == name;
        let central =
            bytes[i..].starts_with(b"PK\x01\x02") && &bytes[i + 46..i + 46 + name.len()] == name;
        let offset = if local {
            22
        } else if central {
            24
        } else {
            continue;
        };
        bytes[i + offset..i + offset + 4].copy_from_slice(&100u32.to_le_bytes());
        patched += 1;
    }
    assert_eq!(patched, 2, "both size fields rewritten");
    let e = refuse(&bytes);
    assert_file_error(
        &e,
        "xlsx ファイルが壊れているか途中で切れています",
        "the xlsx file is damaged or truncated",
    );
}

#[test]
fn not_a_kojo_checksheet() {
    let mut wb = rust_xlsxwriter::Workbook::new();
    wb.add_worksheet()
        .write_string(0, 0, "hello")
        .expect("write");
    let bytes = wb.save_to_buffer().expect("save");
    assert_file_error(
        &refuse(&bytes),
        "kojo のチェックシートではありません（シート「kojo」がありません）",
        "not a kojo checksheet",
    );
}

#[test]
fn wrong_catalog_version() {
    let bytes = patch(&blank_ja(), META_XML, |xml| {
        set_cells(
            xml,
            &[
                ("B3", Val::Inline("jama-japia-factory@1.0")),
                ("B4", Val::Inline("1.0")),
            ],
        )
    });
    let e = refuse(&bytes);
    assert_cell(
        only(&e),
        "kojo",
        "B4",
        "このチェックシートはガイドライン 1.0 版用です（kojo が使うのは 0.9 版）。0.9 版のチェックシートを書き出して記入し直してください",
        "this checksheet is for guideline version 1.0 (kojo uses version 0.9); export a version 0.9 checksheet and fill it in again",
    );
}

#[test]
fn wrong_catalog() {
    let bytes = patch(&blank_ja(), META_XML, |xml| {
        set_cells(xml, &[("B3", Val::Inline("jama-japia-enterprise@2.2"))])
    });
    let e = refuse(&bytes);
    assert_cell(
        only(&e),
        "kojo",
        "B3",
        "このチェックシートはガイドライン jama-japia-enterprise@2.2 用です（kojo が使うのは jama-japia-factory@0.9）",
        "this checksheet is for guideline jama-japia-enterprise@2.2 (kojo uses jama-japia-factory@0.9)",
    );
}

#[test]
fn wrong_format_version() {
    let bytes = patch(&blank_ja(), META_XML, |xml| {
        set_cells(xml, &[("B2", Val::Num(4.0))])
    });
    let e = refuse(&bytes);
    assert_cell(
        only(&e),
        "kojo",
        "B2",
        "チェックシートの形式 4 には対応していません（対応している形式: 1, 2, 3）。kojo でチェックシートを書き出し直してください",
        "checksheet format 4 is not supported (supported formats: 1, 2, 3); export the checksheet again with kojo",
    );
}

#[test]
fn duplicate_item_row() {
    let e = refuse(&edit_main(&[
        ("D10", Val::Num(1.0)),
        ("H10", Val::Inline("○")),
    ]));
    assert_cell(
        only(&e),
        MAIN,
        "D10",
        "No.1 の行が 2 つあります（9 行目と 10 行目）",
        "there are two rows for No.1 (rows 9 and 10)",
    );
}

#[test]
fn item_outside_the_catalog() {
    let e = refuse(&edit_main(&[("D10", Val::Num(99.0))]));
    assert_cell(
        only(&e),
        MAIN,
        "D10",
        "項目 99 は存在しません（1〜63 を指定してください）",
        &kojo_i18n::tr(
            Lang::En,
            "error.item_out_of_range",
            &[("item", &99), ("max", &63)],
        ),
    );
}

#[test]
fn unknown_mark() {
    let e = refuse(&edit_main(&[("H9", Val::Inline("◎"))]));
    assert_cell(
        only(&e),
        MAIN,
        "H9",
        "「◎」は評価記号ではありません（○ □ △ × － のいずれか）",
        &kojo_i18n::tr(Lang::En, "error.mark_unknown", &[("mark", &"◎")]),
    );
}

#[test]
fn deferred_without_reason_names_the_cell() {
    // Item 15 is on row 23; its reason column is J.
    assert_eq!(item_row(15), 23);
    let e = refuse(&edit_main(&[
        ("H23", Val::Inline("□")),
        ("K23", Val::Inline("2027-03-31")),
    ]));
    assert_cell(
        only(&e),
        MAIN,
        "J23",
        "□ には見送り理由が必要です",
        "mark □ needs a reason for deferral",
    );
    assert_eq!(
        e.to_string(),
        "チェックシート!J23: □ には見送り理由が必要です / mark □ needs a reason for deferral"
    );
}

#[test]
fn bad_dates() {
    let e = refuse(&edit_main(&[
        ("B7", Val::Inline("昨日")),
        ("H24", Val::Inline("□")),
        ("J24", Val::Inline("予算")),
        ("K24", Val::Inline("2027-02-30")),
    ]));
    assert_eq!(e.len(), 2, "{e}");
    assert_cell(
        &e.errors()[0],
        MAIN,
        "B7",
        "評価日は日付（YYYY-MM-DD）で入力してください",
        "Assessment date: enter a date (YYYY-MM-DD)",
    );
    assert_cell(
        &e.errors()[1],
        MAIN,
        "K24",
        "見直し期限は日付（YYYY-MM-DD）で入力してください",
        &kojo_i18n::tr(
            Lang::En,
            "error.field_date",
            &[("field", &kojo_domain::Field::ReviewBy.name(Lang::En))],
        ),
    );
}

#[test]
fn every_problem_is_reported_at_once() {
    let e = refuse(&edit_main(&[
        ("B5", Val::Inline("来年")),
        ("H9", Val::Inline("○")),
        ("J9", Val::Inline("見送りではない")),
        ("H11", Val::Inline("－")),
        ("H12", Val::Inline("△")),
        ("D13", Val::Empty),
        ("H13", Val::Inline("×")),
    ]));
    let cells: Vec<String> = e.errors().iter().map(|x| x.location()).collect();
    assert_eq!(
        cells,
        [
            "チェックシート!B5",
            "チェックシート!J9",
            "チェックシート!P11",
            "チェックシート!N12",
            "チェックシート!D13"
        ],
        "{e}"
    );
    assert_eq!(
        e.errors()[1].message_ja,
        "見送り理由は ○ では使いません（空欄にしてください）"
    );
    assert_eq!(e.errors()[2].message_ja, "－ には対象外理由が必要です");
    assert_eq!(e.errors()[3].message_ja, "△ には検討状況が必要です");
    assert_eq!(
        e.errors()[4].message_ja,
        "No. が空の行に回答が入力されています"
    );
    assert_eq!(e.to_string().lines().count(), 5);
}

#[test]
fn fields_without_a_mark() {
    let e = refuse(&edit_main(&[("Q9", Val::Inline("メモだけ"))]));
    assert_cell(
        only(&e),
        MAIN,
        "H9",
        "評価記号を選んでください（○ □ △ × －）",
        kojo_i18n::t(Lang::En, "error.mark_required"),
    );
}

#[test]
fn rearranged_columns() {
    let e = refuse(&edit_main(&[("H8", Val::Inline("メモ"))]));
    assert_cell(
        only(&e),
        MAIN,
        "H8",
        "列の並びが変わっています（H8 は「評価」のはずです）",
        "the columns have been rearranged (H8 should be \"Mark\")",
    );
}

#[test]
fn sparse_sheet_bomb() {
    // Two cells far apart: tiny on disk, a dense grid of billions of cells once parsed.
    let bytes = patch(&blank_ja(), MAIN_XML, |xml| {
        xml.replace(
            "</sheetData>",
            r#"<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row></sheetData>"#,
        )
    });
    let e = refuse(&bytes);
    assert_cell(
        only(&e),
        MAIN,
        "XFD1048576",
        "シートのデータが範囲外のセル XFD1048576 まであります（読み込めるのは IV10000 まで）",
        "a sheet has data as far as cell XFD1048576 (at most IV10000 can be read)",
    );
}
