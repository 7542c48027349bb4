//! The PDF report, checked with real tools from Debian's poppler-utils (`pdftotext`, `pdffonts`).
//!
//! The tools ([`Tools`]) run with fontconfig pointed at a configuration without font directories,
//! so nothing on this machine can stand in for the font the PDF must embed. A missing tool fails
//! the test.

mod common;

use common::*;
use kojo_domain::Sheet;
use kojo_i18n::Lang;

fn pdf(lang: Lang) -> (Sheet, Vec<u8>) {
    let sheet = sheet();
    let summary = summary(&sheet);
    let bytes = kojo_report::pdf(&input(&sheet, &summary, lang)).expect("pdf renders");
    assert!(bytes.starts_with(b"%PDF-"), "not a PDF");
    (sheet, bytes)
}

fn condition(n: u16, lang: Lang) -> String {
    catalog()
        .item(n)
        .expect("item")
        .item
        .condition
        .get(lang)
        .to_string()
}

#[test]
fn japanese_pdf_text_is_extractable_and_complete() {
    let tools = Tools::new();
    let (sheet, bytes) = pdf(Lang::Ja);
    let path = tools.write("report-ja.pdf", &bytes);
    let text = tools.run("pdftotext", &["-layout", "-enc", "UTF-8"], &path);
    let flat = squeeze(&text);

    for n in [1u16, 4, 5, 6, 7, 30, 58, 63] {
        let c = condition(n, Lang::Ja);
        assert!(
            flat.contains(&squeeze(&c)),
            "condition of item {n} not found verbatim in the PDF text: {c}"
        );
    }
    let overall = expected_overall(&sheet);
    let at = flat.find("全体達成率").expect("overall rate caption");
    let near: String = flat[at..].chars().take(40).collect();
    assert!(
        near.contains(&overall),
        "overall rate {overall} not printed next to its caption: {near}"
    );
    for s in [
        DEFERRED_REASON,
        DEFERRED_PROGRESS,
        ACCEPTED_BY,
        "2027年3月31日",
        CONSIDERING_STATUS,
        "2026年12月15日",
        NA_REASON,
    ] {
        assert!(
            flat.contains(&squeeze(s)),
            "residual-risk field {s} not found"
        );
    }
    for s in [
        "サイバーセキュリティ自己評価報告書",
        "評価結果の概要",
        "評価の分布",
        "ラベル別達成率",
        "残存リスク",
        "全項目一覧",
        "承認欄",
        "株式会社サンプル自動車部品",
        "浜松第一工場(P01)",
        "2026年度",
    ] {
        assert!(flat.contains(&squeeze(s)), "{s} not found in the PDF text");
    }
    // The hostile note is printed literally: no markup was interpreted.
    assert!(
        flat.contains(&squeeze(HOSTILE_NOTE)),
        "note not printed verbatim"
    );
    // Marks come out as the guideline's symbols.
    for m in ["○", "□", "△", "×", "－"] {
        assert!(text.contains(m), "mark {m} not extractable");
    }
}

#[test]
fn pdf_embeds_its_font() {
    let tools = Tools::new();
    let (_, bytes) = pdf(Lang::Ja);
    let path = tools.write("report-fonts.pdf", &bytes);
    let listing = tools.run("pdffonts", &[], &path);
    let fonts: Vec<&str> = listing
        .lines()
        .skip(2)
        .filter(|l| !l.trim().is_empty())
        .collect();
    assert!(!fonts.is_empty(), "no fonts listed:\n{listing}");
    assert!(
        fonts.iter().any(|l| l.contains("IPAex")),
        "IPAex Gothic not used:\n{listing}"
    );
    for line in &fonts {
        // Columns: name, type…, encoding, emb, sub, uni, object, generation.
        let cols: Vec<&str> = line.split_whitespace().collect();
        let n = cols.len();
        assert!(n >= 6, "unexpected pdffonts line: {line}");
        assert_eq!(cols[n - 5], "yes", "font not embedded: {line}");
        assert_eq!(
            cols[n - 3],
            "yes",
            "font without ToUnicode map (text not extractable): {line}"
        );
    }
}

#[test]
fn english_pdf_marks_translation_as_unofficial() {
    let tools = Tools::new();
    let (sheet, bytes) = pdf(Lang::En);
    let path = tools.write("report-en.pdf", &bytes);
    let flat = squeeze(&tools.run("pdftotext", &["-layout", "-enc", "UTF-8"], &path));
    assert!(flat.contains(&squeeze("is an unofficial translation by kojo")));
    assert!(flat.contains(&squeeze(&condition(1, Lang::En))));
    assert!(flat.contains(&squeeze("Residual risks")));
    assert!(flat.contains(&expected_overall(&sheet)));
    assert!(
        flat.contains(&squeeze(DEFERRED_REASON)),
        "Japanese data in an English report"
    );
}

#[test]
fn pdf_labels_the_achievement_rate_as_kojos_measure() {
    let tools = Tools::new();
    for (lang, note, caption) in [
        (Lang::Ja, RATE_NOTE_JA, "全体達成率（kojo の指標）"),
        (
            Lang::En,
            RATE_NOTE_EN,
            "Overall achievement rate (kojo's measure)",
        ),
    ] {
        let (_, bytes) = pdf(lang);
        let path = tools.write(&format!("report-rate-{lang}.pdf"), &bytes);
        let flat = squeeze(&tools.run("pdftotext", &["-layout", "-enc", "UTF-8"], &path));
        // On the summary page and above the item list.
        assert_eq!(
            flat.matches(&squeeze(note)).count(),
            2,
            "{lang}: rate note missing or misplaced"
        );
        assert!(flat.contains(&squeeze(caption)), "{lang}: {caption}");
        assert!(!flat.contains("{items}"), "{lang}: placeholder left");
    }
}

#[test]
fn long_texts_break_across_pages_without_loss() {
    let tools = Tools::new();
    let mut sheet = sheet();
    let long_note = format!(
        "{}備考の終わりEND1",
        "工場長承認の上で長文の備考を記入する。".repeat(200)
    );
    let long_reason = format!(
        "{}見送り理由の終わりEND2",
        "予算と停止計画の調整が必要なため。".repeat(120)
    );
    assert!(long_note.chars().count() <= kojo_domain::NonEmpty::MAX_CHARS);
    let no = |n| kojo_domain::ItemNo::new(n, catalog()).expect("item");
    let mut raw = sheet.answers[&no(4)].to_raw();
    raw.reason = Some(long_reason);
    raw.note = Some(long_note.clone());
    sheet.answers.insert(no(4), raw.parse().expect("valid"));
    let summary = summary(&sheet);
    let bytes = kojo_report::pdf(&input(&sheet, &summary, Lang::Ja)).expect("pdf renders");
    let path = tools.write("report-long.pdf", &bytes);
    let text = tools.run("pdftotext", &["-layout", "-enc", "UTF-8"], &path);
    // Once in the residual-risk table, once in the item list.
    assert_eq!(
        text.matches("END1").count(),
        2,
        "the end of a 4000-character note went missing"
    );
    assert_eq!(
        text.matches("END2").count(),
        2,
        "the end of a long reason went missing"
    );
}

#[test]
fn pdf_is_deterministic() {
    let sheet = sheet();
    let summary = summary(&sheet);
    let a = kojo_report::pdf(&input(&sheet, &summary, Lang::Ja)).expect("pdf");
    let b = kojo_report::pdf(&input(&sheet, &summary, Lang::Ja)).expect("pdf");
    assert!(a == b, "two renders of the same report differ");
}

#[test]
fn the_embedded_font_is_the_font_file_whole_and_stored_compressed() {
    let file = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/fonts/ipaexg.ttf"))
        .expect("the font file");
    assert_eq!(kojo_report::embedded_font(), &file[..]);
    let br = kojo_report::embedded_font_br();
    assert!(
        br.len() < file.len() * 2 / 3,
        "compressed: {} of {}",
        br.len(),
        file.len()
    );
}
