//! Hostile checksheets: real exports with zip entries rewritten. Each is a named regression test
//! in `hostile.rs`, and `budget.rs` measures the peak heap of importing every one of them.

use super::*;
use kojo_xlsx::{Lang, blank, export};

/// Where the shared string table is in a checksheet kojo wrote.
pub const SHARED_XML: &str = "xl/sharedStrings.xml";
/// The workbook's relationships.
pub const RELS_XML: &str = "xl/_rels/workbook.xml.rels";

pub fn blank_ja() -> Vec<u8> {
    blank(catalog(), Lang::Ja).expect("blank")
}

pub fn filled_ja() -> Vec<u8> {
    export(catalog(), &sample_sheet(), Lang::Ja).expect("export")
}

/// Inserts `rows` (XML) at the end of the main sheet's `<sheetData>`.
fn append_rows(bytes: &[u8], rows: &str) -> Vec<u8> {
    patch(bytes, MAIN_XML, |xml| {
        assert!(xml.contains("</sheetData>"));
        xml.replace("</sheetData>", &format!("{rows}</sheetData>"))
    })
}

/// Drops zip entry `name`.
pub fn without_entry(bytes: &[u8], name: &str) -> Vec<u8> {
    let entries: Vec<_> = unzip(bytes)
        .into_iter()
        .filter(|(n, _)| n != name)
        .collect();
    zip_entries(&entries)
}

/// The finding of issue 8: a far cell in single quotes.
pub fn single_quoted_far_cell() -> Vec<u8> {
    append_rows(
        &blank_ja(),
        "<row r='1048576'><c r='XFD1048576' t='inlineStr'><is><t>x</t></is></c></row>",
    )
}

/// The same with spaces around `=`.
pub fn spaced_equals_far_cell() -> Vec<u8> {
    append_rows(
        &blank_ja(),
        "<row r = \"1048576\" ><c r = \"XFD1048576\"\tt =\n'inlineStr'><is><t>x</t></is></c></row>",
    )
}

/// A "legal" far cell in an item column: a dense grid would need over 500 MiB.
pub fn legal_far_cell() -> Vec<u8> {
    append_rows(
        &blank_ja(),
        r#"<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>x</t></is></c></row>"#,
    )
}

/// A far cell without content: harmless, ignored.
pub fn far_empty_cell() -> Vec<u8> {
    append_rows(
        &blank_ja(),
        r#"<row r="1048576"><c r="XFD1048576" s="1"/><c r="A1048576"><v></v></c></row>"#,
    )
}

/// The other finding of issue 8: the shared string table declares a trillion entries.
pub fn huge_unique_count() -> Vec<u8> {
    patch(&filled_ja(), SHARED_XML, |xml| {
        let start = xml.find("<sst").expect("<sst");
        let end = start + xml[start..].find('>').expect("sst tag end");
        let tag = r#"<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1000000000000" uniqueCount = '1000000000000'"#;
        format!("{}{tag}{}", &xml[..start], &xml[end..])
    })
}

/// The main sheet declares the largest possible dimension.
pub fn huge_dimension() -> Vec<u8> {
    patch(&filled_ja(), MAIN_XML, |xml| {
        let tag = r#"<dimension ref="A1:XFD1048576"/>"#;
        match (xml.find("<dimension"), xml.find("<sheetViews")) {
            (Some(start), _) => {
                let end = start + xml[start..].find("/>").expect("dimension end") + 2;
                format!("{}{tag}{}", &xml[..start], &xml[end..])
            }
            (None, Some(at)) => format!("{}{tag}{}", &xml[..at], &xml[at..]),
            (None, None) => panic!("no place for <dimension>"),
        }
    })
}

/// A 10 MB inline string in an answer cell (Q9, the note of item 1).
pub fn ten_mb_inline_string() -> Vec<u8> {
    let text = "長".repeat(10_000_000 / 3);
    patch(&blank_ja(), MAIN_XML, |xml| {
        set_cells(xml, &[("Q9", Val::Inline(&text))])
    })
}

/// A 10 MB inline string right of the checksheet's columns (where notes are ignored).
pub fn ten_mb_string_beside_the_table() -> Vec<u8> {
    let text = "x\r\n".repeat(10_000_000 / 3);
    append_rows(
        &blank_ja(),
        &format!(r#"<row r="200"><c r="Z200" t="inlineStr"><is><t>{text}</t></is></c></row>"#),
    )
}

/// `extra` tiny entries appended to the shared string table.
pub fn many_shared_strings(extra: usize) -> Vec<u8> {
    patch(&blank_ja(), SHARED_XML, |xml| {
        let tiny = "<si><t>a</t></si>".repeat(extra);
        xml.replace("</sst>", &format!("{tiny}</sst>"))
    })
}

/// Elements nested a million deep inside the sheet data.
pub fn deeply_nested() -> Vec<u8> {
    let depth = 1_000_000;
    append_rows(
        &blank_ja(),
        &format!("{}{}", "<a>".repeat(depth), "</a>".repeat(depth)),
    )
}

/// The mark cell of item 1 refers to a shared string far past the table's end.
pub fn shared_index_out_of_range() -> Vec<u8> {
    patch(&blank_ja(), MAIN_XML, |xml| {
        let xml = set_cells(xml, &[("H9", Val::Empty)]);
        let start = xml.find(r#"<c r="H9""#).expect("H9");
        let end = start + xml[start..].find("/>").expect("self-closing H9");
        format!(
            r#"{}<c t="s"{}><v>4294967296</v></c>{}"#,
            &xml[..start],
            &xml[start + 2..end],
            &xml[end + 2..]
        )
    })
}

/// Without `xl/_rels/workbook.xml.rels`.
pub fn missing_rels() -> Vec<u8> {
    without_entry(&blank_ja(), RELS_XML)
}

/// `xl/_rels/workbook.xml.rels` cut off in the middle of a tag.
pub fn malformed_rels() -> Vec<u8> {
    patch(&blank_ja(), RELS_XML, |xml| {
        let cut = xml.find("<Relationship ").expect("a relationship") + 20;
        xml[..cut].to_string()
    })
}

/// `xl/workbook.xml` that is not XML.
pub fn malformed_workbook() -> Vec<u8> {
    patch(&blank_ja(), "xl/workbook.xml", |xml| {
        xml.replace(
            "<sheets>",
            "<sheets><sheet name=\"x\" r:id=\"rId1\"></sheets>",
        )
    })
}

/// Every element of the main and metadata sheets and the shared strings written with an `x:`
/// namespace prefix, as some writers do (the data is unchanged).
pub fn prefixed_namespaces() -> Vec<u8> {
    let mut bytes = filled_ja();
    for part in [MAIN_XML, META_XML, SHARED_XML, "xl/workbook.xml"] {
        bytes = patch(&bytes, part, prefix_elements);
    }
    bytes
}

/// `<a b="1">` → `<x:a b="1">`, `</a>` → `</x:a>`; the default namespace becomes `xmlns:x`.
fn prefix_elements(xml: &str) -> String {
    let mut out = String::with_capacity(xml.len() * 2);
    let mut rest = xml;
    while let Some(i) = rest.find('<') {
        out.push_str(&rest[..i]);
        let tail = &rest[i + 1..];
        out.push('<');
        if let Some(t) = tail.strip_prefix('/') {
            out.push_str("/x:");
            rest = t;
        } else if tail.starts_with(|c: char| c.is_ascii_alphabetic()) {
            out.push_str("x:");
            rest = tail;
        } else {
            rest = tail;
        }
    }
    out.push_str(rest);
    out.replacen(
        "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"",
        "xmlns:x=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"",
        1,
    )
}

/// A zip with far more central directory entries than allowed, each tiny.
pub fn many_zip_entries() -> Vec<u8> {
    let mut entries = unzip(&blank_ja());
    for i in 0..100_000 {
        entries.push((format!("p{i}"), Vec::new()));
    }
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, data) in &entries {
        w.start_file(name.as_str(), opts).expect("start");
        std::io::Write::write_all(&mut w, data).expect("write");
    }
    w.finish().expect("finish").into_inner()
}

/// The main sheet as UTF-16 (with BOM): valid XML in another encoding.
pub fn utf16_sheet() -> Vec<u8> {
    let mut entries = unzip(&filled_ja());
    for (name, data) in entries.iter_mut() {
        if name == MAIN_XML {
            let text = String::from_utf8(data.clone()).expect("utf-8");
            let text = text.replacen("encoding=\"UTF-8\"", "encoding=\"UTF-16\"", 1);
            let mut out = vec![0xFF, 0xFE];
            for unit in text.encode_utf16() {
                out.extend_from_slice(&unit.to_le_bytes());
            }
            *data = out;
        }
    }
    zip_entries(&entries)
}

/// Every cap reached at once: a shared string table just under its byte cap (8 MiB, the
/// longest strings allowed), a 9 MB text node beside the table with CR LF line ends (the
/// parser copies it to normalise them), and answer cells filled to Excel's 32,767 characters
/// (the main sheet just under its 16 MiB part cap).
pub fn caps_combined() -> Vec<u8> {
    let long = "a".repeat(32_000);
    let bytes = patch(&blank_ja(), SHARED_XML, |xml| {
        let si = format!("<si><t>{long}</t></si>");
        xml.replace("</sst>", &format!("{}</sst>", si.repeat(250)))
    });
    let note = "長".repeat(32_767);
    let cells: Vec<(String, String)> = (9..=71)
        .map(|row| (format!("Q{row}"), note.clone()))
        .collect();
    let cells: Vec<(&str, Val<'_>)> = cells
        .iter()
        .map(|(c, t)| (c.as_str(), Val::Inline(t.as_str())))
        .collect();
    let bytes = patch(&bytes, MAIN_XML, |xml| set_cells(xml, &cells));
    let text = "x\r\n".repeat(9_000_000 / 3);
    append_rows(
        &bytes,
        &format!(r#"<row r="300"><c r="Z300" t="inlineStr"><is><t>{text}</t></is></c></row>"#),
    )
}

/// Every row below the table down to the last readable one full of long error values in the
/// answer columns, without a No.: each would be a problem to report.
pub fn many_error_cells() -> Vec<u8> {
    let value = "#".repeat(70);
    let mut rows = String::new();
    for row in 100..=10_000 {
        rows.push_str(&format!("<row r=\"{row}\">"));
        for col in ["H", "I", "J", "K", "L", "M", "N", "O", "P", "Q"] {
            rows.push_str(&format!("<c r=\"{col}{row}\" t=\"e\"><v>{value}</v></c>"));
        }
        rows.push_str("</row>");
    }
    append_rows(&blank_ja(), &rows)
}

/// A named builder of a hostile file.
pub type Case = (&'static str, fn() -> Vec<u8>);

/// Every hostile case by name, for the memory-budget test.
pub fn all() -> Vec<Case> {
    vec![
        ("single_quoted_far_cell", single_quoted_far_cell),
        ("spaced_equals_far_cell", spaced_equals_far_cell),
        ("legal_far_cell_a1048576", legal_far_cell),
        ("far_empty_cell", far_empty_cell),
        ("huge_unique_count", huge_unique_count),
        ("huge_dimension", huge_dimension),
        ("ten_mb_inline_string", ten_mb_inline_string),
        (
            "ten_mb_string_beside_the_table",
            ten_mb_string_beside_the_table,
        ),
        ("many_shared_strings_over_cap", || {
            many_shared_strings(200_000)
        }),
        ("many_shared_strings_under_cap", || {
            many_shared_strings(90_000)
        }),
        ("deeply_nested", deeply_nested),
        ("shared_index_out_of_range", shared_index_out_of_range),
        ("missing_rels", missing_rels),
        ("malformed_rels", malformed_rels),
        ("malformed_workbook", malformed_workbook),
        ("prefixed_namespaces", prefixed_namespaces),
        ("many_zip_entries", many_zip_entries),
        ("utf16_sheet", utf16_sheet),
        ("caps_combined", caps_combined),
        ("many_error_cells", many_error_cells),
    ]
}
