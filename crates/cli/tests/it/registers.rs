//! Registers (台帳), periodic activities and suggested marks on the command line (issue 15 §3,
//! §4): values as Japanese ledgers write them, bad values named and nothing written, the rule
//! on item 45 and the mismatch with a ○, reviews, the year plan, and grants.

use crate::common::*;
use crate::on_both;

on_both!(
    a_firewall_ledger_suggests_a_mark_and_a_mismatch_shows_until_fixed,
    a_ledger_imports_from_cp932_csv_all_or_nothing_and_reimports_by_key,
    a_register_exports_to_xlsx_and_csv_and_imports_back_unchanged,
);

fn rule(db: &TestDb, key: &str, expiry: &str) -> Run {
    run(db.kojo().args([
        "register",
        "add",
        "firewall-rules",
        "--site",
        "P1",
        "--set",
        &format!("ルール番号={key}"),
        "--set",
        "申請者=山田",
        "--set",
        "接続元 IP アドレス=１０．０．０．０/24",
        "--set",
        "接続先IPアドレス=192.168.1.5",
        "--set",
        "通信方向=社外→社内",
        "--set",
        "protocol=TCP",
        "--set",
        "ポート番号=502、８０８０",
        "--set",
        "利用用途=PLC 保守",
        "--set",
        "登録日=R7.4.1",
        "--set",
        &format!("有効期限={expiry}"),
    ]))
}

fn item45(db: &TestDb, id: &str, as_of: &str) -> serde_json::Value {
    let s = json_of(&ok(db
        .kojo()
        .args(["suggest", id, "--as-of", as_of, "--json"])));
    let items = s["items"].as_array().unwrap();
    let listed: Vec<u64> = items.iter().map(|i| i["item"].as_u64().unwrap()).collect();
    for n in [21, 22, 25, 26, 28, 45, 46, 53, 54, 57, 61, 62] {
        assert!(listed.contains(&n), "item {n} has a rule: {listed:?}");
    }
    items.iter().find(|i| i["item"] == 45).unwrap().clone()
}

fn a_firewall_ledger_suggests_a_mark_and_a_mismatch_shows_until_fixed(db: &TestDb) {
    db.add_plant("P1", "第一工場");
    let id = db.new_assessment("P1", "2026");
    let kinds = json_of(&ok(db.kojo().args(["register", "kinds", "--json"])));
    assert_eq!(kinds.as_array().unwrap().len(), 10);

    // Nothing recorded: the registers say nothing.
    let s = item45(db, &id, "2026-06-01");
    assert_eq!(s["suggested"], serde_json::Value::Null);
    assert_eq!(s["mismatch"], false);

    let r = rule(db, "FW-1", "2026/3/31");
    assert_eq!(r.code, 0, "{}", r.stderr);
    // Bad values: every one named, in Japanese and English, and nothing written.
    let bad = fails(db.kojo().args([
        "register",
        "add",
        "firewall-rules",
        "--site",
        "P1",
        "--set",
        "ルール番号=FW-2",
        "--set",
        "有効期限=明日",
        "--set",
        "ポート番号=70000",
    ]));
    assert!(bad.stderr.contains("有効期限「明日」"), "{}", bad.stderr);
    assert!(bad.stderr.contains("ポート番号「70000」"), "{}", bad.stderr);
    let en = fails(db.kojo().args([
        "--lang",
        "en",
        "register",
        "add",
        "firewall-rules",
        "--site",
        "P1",
        "--set",
        "rule-id=FW-2",
        "--set",
        "expiry=tomorrow",
    ]));
    assert!(
        en.stderr.contains("\"tomorrow\" is not a date"),
        "{}",
        en.stderr
    );
    let list = json_of(&ok(db.kojo().args([
        "register",
        "list",
        "firewall-rules",
        "--site",
        "P1",
        "--json",
    ])));
    assert_eq!(list["total"], 1, "{list}");
    let e = &list["entries"][0]["data"];
    assert_eq!(e["source-ip"], "10.0.0.0/24");
    assert_eq!(e["ports"], "502,8080");
    assert_eq!(e["registered"], "2025-04-01");
    assert_eq!(e["direction"], "inbound");

    // Reviewed, but the only rule expired on 2026-03-31: ×; a ○ answer is a mismatch.
    ok(db.kojo().args([
        "register",
        "review",
        "firewall-rules",
        "--site",
        "P1",
        "--by",
        "鈴木",
        "--date",
        "2026-05-01",
    ]));
    answer(db, &id, &["45", "○"]);
    let s = item45(db, &id, "2026-06-01");
    assert_eq!(s["suggested"], "×");
    assert_eq!(s["answered"], "○");
    assert_eq!(s["mismatch"], true);
    assert_eq!(s["findings"][0]["register"], "firewall-rules");
    assert_eq!(s["findings"][0]["entry"], "FW-1");
    assert_eq!(s["findings"][0]["problem"], "expired");
    let human = ok(db.kojo().args(["suggest", &id, "--as-of", "2026-06-01"])).stdout;
    assert!(
        human.contains("不整合") && human.contains("有効期限切れ"),
        "{human}"
    );

    // Fix it: retire the expired rule, add a valid one. The mismatch is gone.
    ok(db.kojo().args([
        "register",
        "retire",
        "firewall-rules",
        "--site",
        "P1",
        "FW-1",
    ]));
    assert_eq!(rule(db, "FW-1", "2028-03-31").code, 0);
    let s = item45(db, &id, "2026-06-01");
    assert_eq!(s["suggested"], "○");
    assert_eq!(s["mismatch"], false);
    let retired = json_of(&ok(db.kojo().args([
        "register",
        "list",
        "firewall-rules",
        "--site",
        "P1",
        "--retired",
        "--json",
    ])));
    assert_eq!(retired["total"], 1);

    // A year later without a new review: overdue, △.
    let s = item45(db, &id, "2027-05-02");
    assert_eq!(s["suggested"], "△");
    assert!(
        s["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["problem"] == "review-overdue"),
        "{s}"
    );

    // Periodic activities: recorded by item, and the year plan shows it done.
    ok(db.kojo().args([
        "activity",
        "add",
        "--site",
        "P1",
        "--item",
        "34",
        "--date",
        "2026-05-10",
        "--note",
        "NW 図 v3",
    ]));
    let plan = json_of(&ok(db.kojo().args([
        "activity", "list", "--site", "P1", "--period", "2026", "--json",
    ])));
    let a34 = plan["activities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["item"] == 34)
        .unwrap();
    assert_eq!(a34["periods"][0]["state"], "done", "{a34}");
    let none = fails(db.kojo().args([
        "activity",
        "add",
        "--site",
        "P1",
        "--item",
        "1",
        "--date",
        "2026-05-10",
    ]));
    assert!(none.stderr.contains("項目 1"), "{}", none.stderr);

    // A plant nobody may see is not found (CLI acts as administrator: an unknown plant).
    let missing = fails(
        db.kojo()
            .args(["register", "list", "assets", "--site", "ZZ"]),
    );
    assert!(missing.stderr.contains("ZZ"), "{}", missing.stderr);
}

/// `s` as Japanese Excel saves a CSV (CP932).
pub(crate) fn cp932(s: &str) -> Vec<u8> {
    let (b, _, bad) = encoding_rs::SHIFT_JIS.encode(s);
    assert!(!bad, "encodable");
    b.into_owned()
}

fn import(db: &TestDb, file: &std::path::Path, extra: &[&str]) -> Run {
    run(db
        .kojo()
        .args(["register", "import", "firewall-rules", "--site", "P1"])
        .arg(file)
        .args(extra))
}

fn a_ledger_imports_from_cp932_csv_all_or_nothing_and_reimports_by_key(db: &TestDb) {
    db.add_plant("P1", "第一工場");
    // As Japanese Excel saves it: Shift_JIS, a title above the header, full-width digits,
    // dates in every form ledgers use, and a column whose header is not a field name.
    let ledger = "ファイアウォール申請台帳（第一工場）\r\n\
        \r\n\
        ルール番号,申請者,接続元IPアドレス,接続先 IP アドレス,通信方向,プロトコル,ポート番号,用途,登録日,有効期限\r\n\
        FW-1,山田,10.0.0.0/24,192.168.1.5,社外→社内,TCP,\"502,８０８０\",PLC 保守,2025/4/1,令和8年3月31日\r\n\
        FW-2,佐藤,１０．０．１．０/24,192.168.1.6,双方向,UDP,161～162,監視,R7.4.1,46477\r\n\
        FW-3,鈴木,10.0.2.0/24,192.168.1.7,社内→社外,TCP,443,更新,2025-04-01,20270331\r\n";
    let file = db.dir.path().join("fw.csv");
    std::fs::write(&file, cp932(ledger)).unwrap();

    // Without --map the 用途 column is ignored, and the required 利用用途 stays empty (a finding,
    // not an error); with it, every column lands. First a dry run: nothing is written.
    let dry = json_of(&ok(db
        .kojo()
        .args([
            "register",
            "import",
            "firewall-rules",
            "--site",
            "P1",
            "--map",
            "用途=利用用途",
            "--dry-run",
            "--json",
        ])
        .arg(&file)));
    assert_eq!(
        (
            dry["inserted"].as_u64(),
            dry["header_row"].as_u64(),
            dry["written"].as_bool()
        ),
        (Some(3), Some(3), Some(false)),
        "{dry}"
    );
    let list = json_of(&ok(db.kojo().args([
        "register",
        "list",
        "firewall-rules",
        "--site",
        "P1",
        "--json",
    ])));
    assert_eq!(list["total"], 0);
    let done = import(db, &file, &["--map", "用途=利用用途"]);
    assert_eq!(done.code, 0, "{}", done.stderr);
    assert!(done.stdout.contains("追加 3 件"), "{}", done.stdout);
    let list = json_of(&ok(db.kojo().args([
        "register",
        "list",
        "firewall-rules",
        "--site",
        "P1",
        "--json",
    ])));
    let rows = list["entries"].as_array().unwrap();
    let expiry: Vec<&str> = rows
        .iter()
        .map(|r| r["data"]["expiry"].as_str().unwrap())
        .collect();
    assert_eq!(expiry, ["2026-03-31", "2027-03-31", "2027-03-31"]);
    assert_eq!(rows[1]["data"]["source-ip"], "10.0.1.0/24");
    assert_eq!(rows[1]["data"]["ports"], "161-162");
    assert_eq!(rows[0]["data"]["ports"], "502,8080");
    assert_eq!(rows[0]["data"]["purpose"], "PLC 保守");
    assert_eq!(rows[1]["data"]["registered"], "2025-04-01");

    // Bad cells: every one named with its row and column header, and nothing written.
    let bad = ledger
        .replace("令和8年3月31日", "来年")
        .replace("161～162", "99999")
        .replace("FW-3,鈴木", ",鈴木");
    std::fs::write(&file, cp932(&bad)).unwrap();
    let r = fails(
        db.kojo()
            .args([
                "register",
                "import",
                "firewall-rules",
                "--site",
                "P1",
                "--map",
                "用途=利用用途",
                "--sync",
            ])
            .arg(&file),
    );
    for want in [
        "4 行目「有効期限」",
        "5 行目「ポート番号」",
        "6 行目: キー「ルール番号」が空です",
    ] {
        assert!(r.stderr.contains(want), "{want}: {}", r.stderr);
    }
    let en = fails(
        db.kojo()
            .args([
                "--lang",
                "en",
                "register",
                "import",
                "firewall-rules",
                "--site",
                "P1",
                "--map",
                "用途=利用用途",
            ])
            .arg(&file),
    );
    assert!(
        en.stderr.contains("CSV row 4 \"有効期限\""),
        "{}",
        en.stderr
    );
    let again = json_of(&ok(db.kojo().args([
        "register",
        "list",
        "firewall-rules",
        "--site",
        "P1",
        "--json",
    ])));
    assert_eq!(again, list, "nothing changed");

    // Re-import with --key and --sync: FW-1 changed, FW-2 as it is, FW-3 gone (retired), FW-4 new.
    let next = "ルール番号,申請者,接続元IPアドレス,接続先 IP アドレス,通信方向,プロトコル,ポート番号,利用用途,登録日,有効期限\n\
        FW-1,山田,10.0.0.0/24,192.168.1.5,社外→社内,TCP,\"502,8080\",PLC 保守,2025/4/1,2027/3/31\n\
        FW-2,佐藤,10.0.1.0/24,192.168.1.6,双方向,UDP,161-162,監視,2025/4/1,2027/3/31\n\
        FW-4,高橋,10.0.3.0/24,192.168.1.8,社内→社外,TCP,22,保守,2026/4/1,2027/3/31\n";
    let utf8 = db.dir.path().join("fw2.csv");
    std::fs::write(&utf8, [&[0xEF, 0xBB, 0xBF][..], next.as_bytes()].concat()).unwrap();
    let plan = json_of(&ok(db
        .kojo()
        .args([
            "register",
            "import",
            "firewall-rules",
            "--site",
            "P1",
            "--key",
            "ルール番号",
            "--sync",
            "--json",
        ])
        .arg(&utf8)));
    let counts = |p: &serde_json::Value| {
        ["inserted", "updated", "unchanged", "retired"].map(|k| p[k].as_u64().unwrap())
    };
    assert_eq!(counts(&plan), [1, 1, 1, 1], "{plan}");
    let list = json_of(&ok(db.kojo().args([
        "register",
        "list",
        "firewall-rules",
        "--site",
        "P1",
        "--json",
    ])));
    let keys: Vec<&str> = list["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["entry_key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["FW-1", "FW-2", "FW-4"]);
    // The same file again changes nothing.
    let plan = json_of(&ok(db
        .kojo()
        .args([
            "register",
            "import",
            "firewall-rules",
            "--site",
            "P1",
            "--sync",
            "--json",
        ])
        .arg(&utf8)));
    assert_eq!(counts(&plan), [0, 0, 3, 0], "{plan}");
    assert_eq!(plan["written"], false);
}

fn list_json(db: &TestDb, site: &str) -> serde_json::Value {
    json_of(&ok(db.kojo().args([
        "register",
        "list",
        "firewall-rules",
        "--site",
        site,
        "--json",
    ])))
}

/// Entries' keys and values, without ids, versions and timestamps.
fn contents(list: &serde_json::Value) -> Vec<(String, serde_json::Value)> {
    list["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["entry_key"].as_str().unwrap().to_string(),
                e["data"].clone(),
            )
        })
        .collect()
}

fn a_register_exports_to_xlsx_and_csv_and_imports_back_unchanged(db: &TestDb) {
    db.add_plant("P1", "第一工場");
    db.add_plant("P2", "第二工場");
    for (key, expiry) in [("FW-1", "2027/3/31"), ("FW-2", "令和9年3月31日")] {
        let r = rule(db, key, expiry);
        assert_eq!(r.code, 0, "{}", r.stderr);
    }
    let before = list_json(db, "P1");
    let dir = db.dir.path();
    for (file, extra) in [
        ("fw.xlsx", &[][..]),
        ("fw.csv", &[][..]),
        ("fw.out", &["--format", "csv"][..]),
    ] {
        let path = dir.join(file);
        ok(db
            .kojo()
            .args(["register", "export", "firewall-rules", "--site", "P1", "-o"])
            .arg(&path)
            .args(extra));
        let bytes = std::fs::read(&path).unwrap();
        // The same file into the same plant changes nothing; into another plant it makes the
        // same register.
        let plan = json_of(&ok(db
            .kojo()
            .args([
                "register",
                "import",
                "firewall-rules",
                "--site",
                "P1",
                "--json",
            ])
            .arg(&path)));
        assert_eq!(
            (
                plan["unchanged"].as_u64(),
                plan["inserted"].as_u64(),
                plan["updated"].as_u64()
            ),
            (Some(2), Some(0), Some(0)),
            "{file}: {plan}"
        );
        assert_eq!(bytes.starts_with(b"PK"), file.ends_with(".xlsx"), "{file}");
    }
    ok(db
        .kojo()
        .args(["register", "import", "firewall-rules", "--site", "P2"])
        .arg(dir.join("fw.xlsx")));
    assert_eq!(contents(&list_json(db, "P2")), contents(&before));
    assert_eq!(contents(&list_json(db, "P1")), contents(&before));

    // An unknown format is refused, naming it; nothing is written.
    let r = fails(db.kojo().args([
        "register",
        "export",
        "firewall-rules",
        "--site",
        "P1",
        "-o",
        "fw.pdf",
    ]));
    assert!(r.stderr.contains("pdf"), "{}", r.stderr);

    // Every export is in the access log.
    let log = json_of(&ok(db
        .kojo()
        .args(["user", "log", "--json", "--limit", "1000"])));
    let exports = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "register-export")
        .count();
    assert_eq!(exports, 3, "{log}");

    // The template: the header row of every field, nothing else; importing it adds nothing.
    let template = dir.join("template.xlsx");
    ok(db
        .kojo()
        .args(["register", "template", "firewall-rules", "-o"])
        .arg(&template));
    let plan = json_of(&ok(db
        .kojo()
        .args([
            "register",
            "import",
            "firewall-rules",
            "--site",
            "P2",
            "--json",
        ])
        .arg(&template)));
    assert_eq!(
        (
            plan["header_row"].as_u64(),
            plan["inserted"].as_u64(),
            plan["unchanged"].as_u64()
        ),
        (Some(1), Some(0), Some(0)),
        "{plan}"
    );
}
