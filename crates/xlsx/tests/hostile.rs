//! Hostile files of issue 8 §1 and their class: each is refused with a message naming the part
//! or cell, or read correctly, never aborting the process. `budget.rs` measures their memory.

mod common;

use common::hostile::*;
use common::*;
use kojo_xlsx::{CellError, ImportErrors, import};

const MAIN: &str = "チェックシート";

fn refuse(bytes: &[u8]) -> ImportErrors {
    match import(bytes, catalog()) {
        Ok(sheet) => panic!("accepted a hostile file: {sheet:?}"),
        Err(e) => e,
    }
}

fn only(e: &ImportErrors) -> &CellError {
    assert_eq!(e.len(), 1, "exactly one problem expected:\n{e}");
    &e.errors()[0]
}

fn assert_extent(bytes: &[u8], cell: &str) {
    let e = refuse(bytes);
    let err = only(&e);
    assert_eq!(err.location(), format!("{MAIN}!{cell}"), "{err}");
    assert_eq!(
        err.message_ja,
        format!("シートのデータが範囲外のセル {cell} まであります（読み込めるのは IV10000 まで）")
    );
    assert_eq!(
        err.message_en,
        format!("a sheet has data as far as cell {cell} (at most IV10000 can be read)")
    );
}

fn assert_part_error(e: &ImportErrors, ja: &str, en: &str) {
    let err = only(e);
    assert!(err.message_ja.contains(ja), "ja: {}", err.message_ja);
    assert!(err.message_en.contains(en), "en: {}", err.message_en);
}

fn blank_sheet() -> kojo_domain::Sheet {
    import(&blank_ja(), catalog()).expect("blank imports")
}

#[test]
fn single_quoted_far_reference_is_refused() {
    assert_extent(&single_quoted_far_cell(), "XFD1048576");
}

#[test]
fn spaces_around_equals_far_reference_is_refused() {
    assert_extent(&spaced_equals_far_cell(), "XFD1048576");
}

#[test]
fn legal_far_cell_a1048576_is_refused() {
    assert_extent(&legal_far_cell(), "A1048576");
}

#[test]
fn far_cells_without_content_are_ignored() {
    let sheet = import(&far_empty_cell(), catalog()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(sheet, blank_sheet());
}

#[test]
fn huge_unique_count_is_not_trusted() {
    let sheet = import(&huge_unique_count(), catalog()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(sheet, sample_sheet());
}

#[test]
fn huge_dimension_is_not_trusted() {
    let bytes = huge_dimension();
    assert!(entry(&unzip(&bytes), MAIN_XML).contains(r#"<dimension ref="A1:XFD1048576"/>"#));
    let sheet = import(&bytes, catalog()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(sheet, sample_sheet());
}

#[test]
fn ten_mb_inline_string_in_an_answer_cell_is_refused() {
    let e = refuse(&ten_mb_inline_string());
    let err = only(&e);
    assert_eq!(err.location(), format!("{MAIN}!Q9"), "{err}");
    assert!(
        err.message_ja
            .starts_with("セルの文字数が 32767 文字を超えています"),
        "{err}"
    );
    assert!(
        err.message_en
            .starts_with("the cell holds more than 32767 characters"),
        "{err}"
    );
}

#[test]
fn ten_mb_string_beside_the_table_is_ignored() {
    let sheet =
        import(&ten_mb_string_beside_the_table(), catalog()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(sheet, blank_sheet());
}

#[test]
fn many_tiny_shared_strings_over_the_cap_are_refused() {
    let e = refuse(&many_shared_strings(200_000));
    assert_part_error(
        &e,
        "xl/sharedStrings.xml の文字列が多すぎます（上限 100000 個）",
        "xl/sharedStrings.xml holds too many strings (at most 100000)",
    );
}

#[test]
fn many_tiny_shared_strings_under_the_cap_are_read() {
    let sheet = import(&many_shared_strings(90_000), catalog()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(sheet, blank_sheet());
}

#[test]
fn deeply_nested_elements_are_refused() {
    let e = refuse(&deeply_nested());
    assert_part_error(
        &e,
        "xl/worksheets/sheet1.xml の要素の入れ子が深すぎます（上限 64 段）",
        "xl/worksheets/sheet1.xml nests elements too deeply (at most 64 levels)",
    );
}

#[test]
fn shared_string_index_out_of_range_names_the_cell() {
    let e = refuse(&shared_index_out_of_range());
    let err = only(&e);
    assert_eq!(err.location(), format!("{MAIN}!H9"), "{err}");
    assert!(
        err.message_en.starts_with(
            "the cell refers to string number 4294967296, but xl/sharedStrings.xml holds only"
        ),
        "{err}"
    );
    assert!(
        err.message_ja
            .starts_with("セルが文字列 4294967296 番を参照していますが"),
        "{err}"
    );
}

#[test]
fn missing_workbook_rels_is_refused() {
    let e = refuse(&missing_rels());
    assert_part_error(
        &e,
        "xlsx ファイルに xl/_rels/workbook.xml.rels がありません",
        "the xlsx file has no part xl/_rels/workbook.xml.rels",
    );
}

#[test]
fn malformed_workbook_rels_is_refused() {
    let e = refuse(&malformed_rels());
    assert_part_error(
        &e,
        "xl/_rels/workbook.xml.rels の XML が正しくありません",
        "xl/_rels/workbook.xml.rels is not valid XML",
    );
}

#[test]
fn malformed_workbook_is_refused() {
    let e = refuse(&malformed_workbook());
    assert_part_error(
        &e,
        "xl/workbook.xml の XML が正しくありません",
        "xl/workbook.xml is not valid XML",
    );
}

#[test]
fn prefixed_namespaces_are_read() {
    let bytes = prefixed_namespaces();
    let main = entry(&unzip(&bytes), MAIN_XML).to_string();
    assert!(
        main.contains("<x:c ") && main.contains("</x:sheetData>"),
        "prefixed"
    );
    assert!(!main.contains("<c "), "every element prefixed");
    let sheet = import(&bytes, catalog()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(sheet, sample_sheet());
}

#[test]
fn many_zip_entries_are_refused_before_the_zip_is_read() {
    let e = refuse(&many_zip_entries());
    assert_part_error(
        &e,
        "xlsx ファイル内の要素が多すぎます",
        "the xlsx file has too many parts",
    );
}

#[test]
fn utf16_sheet_is_refused_plainly() {
    let e = refuse(&utf16_sheet());
    assert_part_error(
        &e,
        "xl/worksheets/sheet1.xml の文字コードが UTF-8 ではありません",
        "xl/worksheets/sheet1.xml is not encoded in UTF-8",
    );
}

#[test]
fn malformed_sheet_names_the_part() {
    let bytes = patch(&blank_ja(), MAIN_XML, |xml| {
        xml.replace("</sheetData>", "</sheetDat>")
    });
    let e = refuse(&bytes);
    assert_part_error(
        &e,
        "xl/worksheets/sheet1.xml の XML が正しくありません",
        "xl/worksheets/sheet1.xml is not valid XML",
    );
}

#[test]
fn many_error_cells_are_reported_up_to_a_limit() {
    let e = refuse(&many_error_cells());
    assert_eq!(e.len(), 1_000, "the report is capped");
    let first = &e.errors()[0];
    assert_eq!(first.location(), format!("{MAIN}!H100"), "{first}");
    // A long error value is quoted shortened.
    assert!(first.message_en.len() < 80, "{}", first.message_en);
}
