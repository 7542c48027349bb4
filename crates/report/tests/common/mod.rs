//! A realistic assessment used by every report test.
#![allow(dead_code)]

use chrono::NaiveDate;
use kojo_catalog::Catalog;
use kojo_domain::{
    FiscalYear, Header, ItemAnswer, ItemNo, RawAnswer, Scorer, Sheet, Status, Summary,
};
use kojo_i18n::Lang;
use kojo_report::ReportInput;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A note that tries every kind of markup injection, with Japanese.
pub const HOSTILE_NOTE: &str = "<script>alert(\"x&y\")</script> 'quoted' & \"double\" 日本語の備考 #set page(width: 1cm) $x$ \\ *bold*";
pub const DEFERRED_REASON: &str = "制御盤の更新予算が2027年度に計上されるまで見送り";
pub const DEFERRED_PROGRESS: &str = "見積取得済み";
pub const ACCEPTED_BY: &str = "工場長 山田太郎";
pub const CONSIDERING_STATUS: &str = "情報システム部とネットワーク分離の方式を検討中";
pub const NA_REASON: &str = "対象設備なし";

pub fn catalog() -> &'static Catalog {
    kojo_catalog::builtin().expect("built-in catalog")
}

fn raw(mark: &str) -> RawAnswer {
    RawAnswer {
        mark: Some(mark.into()),
        ..Default::default()
    }
}

/// Label 1 all ○ (100 %), label 17 all － (no rate), □ △ × spread, items 58–59 unanswered.
pub fn sheet() -> Sheet {
    let c = catalog();
    let mut answers = std::collections::BTreeMap::new();
    let mut put = |n: u16, r: RawAnswer| {
        let a: ItemAnswer = r.parse().expect("valid answer");
        answers.insert(ItemNo::new(n, c).expect("item"), a);
    };
    put(1, raw("○"));
    put(
        2,
        RawAnswer {
            alternative_flagged: true,
            alternative: Some("月次の部門長会議で代替".into()),
            ..raw("○")
        },
    );
    put(3, raw("○"));
    put(
        4,
        RawAnswer {
            reason: Some(DEFERRED_REASON.into()),
            review_by: Some("2027-03-31".into()),
            accepted_by: Some(ACCEPTED_BY.into()),
            progress: Some(DEFERRED_PROGRESS.into()),
            ..raw("□")
        },
    );
    put(
        5,
        RawAnswer {
            status: Some(CONSIDERING_STATUS.into()),
            target_date: Some("2026-12-15".into()),
            ..raw("△")
        },
    );
    put(6, raw("×"));
    put(
        7,
        RawAnswer {
            note: Some(HOSTILE_NOTE.into()),
            ..raw("○")
        },
    );
    for n in 8..=57u16 {
        let r = if n % 7 == 0 {
            RawAnswer {
                reason: Some(format!("No.{n} は設備更新時に対応")),
                review_by: Some("2027-09-30".into()),
                ..raw("□")
            }
        } else if n % 5 == 0 {
            RawAnswer {
                status: Some(format!("No.{n} の対応方針を検討中")),
                ..raw("△")
            }
        } else if n % 11 == 0 {
            raw("×")
        } else {
            raw("○")
        };
        put(n, r);
    }
    for n in 60..=63u16 {
        put(
            n,
            RawAnswer {
                na_reason: Some(NA_REASON.into()),
                ..raw("－")
            },
        );
    }
    Sheet {
        catalog_id: c.id.clone(),
        header: Header {
            company: "株式会社サンプル自動車部品".into(),
            site_code: "P01".into(),
            site_name: "浜松第一工場".into(),
            line_code: Some("L2".into()),
            line_name: Some("プレス第2ライン".into()),
            period: FiscalYear::new(2026),
            assessor: Some("佐藤花子".into()),
            date: NaiveDate::from_ymd_opt(2026, 6, 30),
        },
        answers,
    }
}

pub fn summary(sheet: &Sheet) -> Summary {
    Scorer::new(catalog()).summarize(sheet.answers.iter().map(|(n, a)| (*n, a)))
}

pub fn input<'a>(sheet: &'a Sheet, summary: &'a Summary, lang: Lang) -> ReportInput<'a> {
    ReportInput {
        catalog: catalog(),
        sheet,
        summary,
        lang,
        generated_on: NaiveDate::from_ymd_opt(2026, 7, 1).expect("date"),
        status: Some(Status::Submitted),
        cycle: None,
    }
}

/// The overall rate as the report prints it, computed independently of the report.
pub fn expected_overall(sheet: &Sheet) -> String {
    let ok = sheet
        .answers
        .values()
        .filter(|a| a.mark() == kojo_domain::Mark::Implemented)
        .count();
    let na = sheet
        .answers
        .values()
        .filter(|a| a.mark() == kojo_domain::Mark::NotApplicable)
        .count();
    format!(
        "{:.1}%",
        ok as f64 * 100.0 / (catalog().item_count() - na) as f64
    )
}

/// Text without any whitespace (for comparing text that was wrapped into lines).
pub fn squeeze(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// The achievement rate is kojo's measure, not the guideline's: the line every report carries.
pub const RATE_NOTE_JA: &str =
    "達成率（kojo の指標）= ○ ÷（63 − －）。ガイドラインが定める数値ではありません。";
/// The English equivalent of [`RATE_NOTE_JA`].
pub const RATE_NOTE_EN: &str =
    "Achievement rate (kojo's measure) = ○ ÷ (63 − －). It is not a figure the guideline defines.";

/// Debian's poppler-utils, run with fontconfig pointed at a configuration without font
/// directories (nothing on this machine can stand in for the font the PDF must embed).
pub struct Tools {
    dir: tempfile::TempDir,
    fontconfig: PathBuf,
}

impl Tools {
    pub fn new() -> Tools {
        let dir = tempfile::tempdir().expect("temp dir");
        let fontconfig = dir.path().join("fonts.conf");
        let cache = dir.path().join("fc-cache");
        std::fs::write(
            &fontconfig,
            format!(
                "<?xml version=\"1.0\"?>\n<!DOCTYPE fontconfig SYSTEM \"urn:fontconfig:fonts.dtd\">\n<fontconfig>\n  <cachedir>{}</cachedir>\n</fontconfig>\n",
                cache.display()
            ),
        )
        .expect("write fonts.conf");
        Tools { dir, fontconfig }
    }

    pub fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, bytes).expect("write pdf");
        if let Some(out) = std::env::var_os("KOJO_REPORT_ARTIFACTS") {
            let out = PathBuf::from(out);
            let _ = std::fs::create_dir_all(&out);
            let _ = std::fs::write(out.join(name), bytes);
        }
        path
    }

    /// Runs a poppler tool; a missing tool is a test failure with instructions.
    pub fn run(&self, tool: &str, args: &[&str], pdf: &Path) -> String {
        let output = Command::new(tool)
            .args(args)
            .arg(pdf)
            .args(if tool == "pdftotext" { &["-"][..] } else { &[][..] })
            .env("FONTCONFIG_FILE", &self.fontconfig)
            .env_remove("FONTCONFIG_PATH")
            .output()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot run `{tool}` ({e}). The PDF tests need Debian's poppler-utils: apt-get install -y poppler-utils"
                )
            });
        assert!(
            output.status.success(),
            "{tool} failed: {}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).expect("tool output is UTF-8")
    }
}
