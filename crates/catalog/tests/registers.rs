//! The registers (台帳) and periodic activities beside the catalog: loaded, validated, complete.

use kojo_catalog::registers::{FieldType, Frequency, mentions_frequency};
use kojo_catalog::{FACTORY_0_9, Registers, builtin};

fn registers() -> &'static Registers {
    builtin()
        .unwrap()
        .registers
        .as_ref()
        .expect("0.9 has registers")
}

#[test]
fn the_ten_built_in_kinds_are_there_in_order() {
    let ids: Vec<&str> = registers().kinds.iter().map(|k| k.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "assets",
            "confidential",
            "partners",
            "external-systems",
            "firewall-rules",
            "remote-ids",
            "software-policy",
            "backups",
            "incidents",
            "disposals"
        ]
    );
}

#[test]
fn item_45_has_the_nine_fields_the_guideline_names_verbatim() {
    let k = registers().kind("firewall-rules").unwrap();
    let named: Vec<&str> = k
        .fields
        .iter()
        .filter(|f| f.guideline)
        .map(|f| f.name.ja.as_str())
        .collect();
    assert_eq!(
        named,
        [
            "申請者",
            "接続元 IP アドレス",
            "接続先 IP アドレス",
            "通信方向",
            "プロトコル",
            "ポート番号",
            "利用用途",
            "登録日",
            "有効期限"
        ]
    );
    assert_eq!(k.items, [45]);
    assert_eq!(k.field("source-ip").map(|f| f.ty), Some(FieldType::Ip));
    assert_eq!(
        k.field(k.expires.as_deref().unwrap()).map(|f| f.ty),
        Some(FieldType::Date)
    );
}

#[test]
fn item_21_and_25_fields_are_the_guidelines() {
    let r = registers();
    let names = |kind: &str| -> Vec<String> {
        r.kind(kind)
            .unwrap()
            .fields
            .iter()
            .map(|f| f.name.ja.clone())
            .collect()
    };
    let confidential = names("confidential");
    for n in [
        "対象情報",
        "管理者名",
        "部署名",
        "保管場所",
        "保管期限",
        "開示先",
        "連絡先",
    ] {
        assert!(
            confidential.iter().any(|f| f == n),
            "confidential lacks {n}"
        );
    }
    let assets = names("assets");
    for n in [
        "バージョン情報",
        "管理者",
        "管理部門",
        "設置場所",
        "重要度",
        "OS",
        "サポート終了日",
    ] {
        assert!(assets.iter().any(|f| f == n), "assets lacks {n}");
    }
}

#[test]
fn every_item_with_a_frequency_is_covered_or_excluded() {
    let c = builtin().unwrap();
    let r = registers();
    let with: Vec<u16> = c
        .items()
        .filter(|v| mentions_frequency(v.item))
        .map(|v| v.item.number)
        .collect();
    assert!(with.len() >= 20, "{with:?}");
    for n in &with {
        let covered = r.activities.iter().any(|a| a.item == *n);
        let excluded = r.excluded.iter().any(|e| e.item == *n);
        assert!(
            covered ^ excluded,
            "item {n}: covered {covered}, excluded {excluded}"
        );
    }
    assert!(
        r.activities
            .iter()
            .any(|a| a.item == 45 && a.frequency == Frequency::Yearly)
    );
    assert!(
        r.activities
            .iter()
            .any(|a| a.frequency == Frequency::Monthly)
    );
}

fn load_with(registers: &str, activities: &str) -> String {
    let src = kojo_catalog::Source {
        registers: Some((
            Box::leak(registers.to_string().into_boxed_str()),
            Box::leak(activities.to_string().into_boxed_str()),
        )),
        ..FACTORY_0_9
    };
    kojo_catalog::load(&src).unwrap_err().to_string()
}

#[test]
fn an_activity_dropped_or_misquoted_is_refused() {
    let (reg, act) = FACTORY_0_9.registers.unwrap();
    // Drop the activity of item 34: its frequency is then neither covered nor excluded.
    let start = act.find("id = \"network-diagram-review\"").unwrap();
    let block_start = act[..start].rfind("[[activities]]").unwrap();
    let block_end = start + act[start..].find("[[").unwrap();
    let dropped = format!("{}{}", &act[..block_start], &act[block_end..]);
    let err = load_with(reg, &dropped);
    assert!(
        err.contains("item 34 states a frequency but has no activity"),
        "{err}"
    );

    let misquoted = act.replacen("【確認頻度】1 回/年", "【確認頻度】2 回/年", 1);
    assert_ne!(misquoted, act);
    let err = load_with(reg, &misquoted);
    assert!(err.contains("the quote is not in item"), "{err}");
}

#[test]
fn a_broken_register_kind_is_refused_with_every_problem_named() {
    let (reg, act) = FACTORY_0_9.registers.unwrap();
    let broken = reg
        .replacen("key = \"rule-id\"", "key = \"no-such-field\"", 1)
        .replacen("items = [45]", "items = [45, 99]", 1);
    let err = load_with(&broken, act);
    assert!(
        err.contains("register firewall-rules: key no-such-field is not a required field"),
        "{err}"
    );
    assert!(
        err.contains("register firewall-rules: item 99 is not in the catalog"),
        "{err}"
    );
    let unknown = reg.replacen("type = \"date\"", "type = \"datetime\"", 1);
    let err = load_with(&unknown, act);
    assert!(err.contains("registers.toml"), "{err}");
}
