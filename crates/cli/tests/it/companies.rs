//! Companies (会社) on the command line, and what a company grant lets a user see on the web
//! (issue 10 §1).

use crate::common::*;
use crate::on_both;
use crate::web::Client;
use serde_json::json;

on_both!(companies_group_plants_and_a_company_grant_covers_them);

fn companies_group_plants_and_a_company_grant_covers_them(db: &TestDb) {
    // A new installation has one company, the default, whose name is a placeholder.
    let list = json_of(&ok(db.kojo().args(["company", "list", "--json"])));
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list[0]["code"], "default");
    assert_eq!(list[0]["name"], "（会社名未設定）");
    let r = ok(db.kojo().args([
        "company",
        "rename",
        "default",
        "--name",
        "A自動車部品株式会社",
    ]));
    assert!(r.stdout.contains("A自動車部品株式会社"), "{}", r.stdout);

    // A second company and plants in each; plant codes are unique across companies.
    ok(db
        .kojo()
        .args(["company", "add", "B", "--name", "B部品株式会社"]));
    let dup = fails(db.kojo().args(["company", "add", "B", "--name", "x"]));
    assert!(dup.stderr.contains('B'), "{}", dup.stderr);
    db.add_plant("P1", "第一工場");
    ok(db
        .kojo()
        .args(["site", "add", "B1", "--name", "B第一工場", "--company", "B"]));
    let dup = fails(db.kojo().args(["site", "add", "B1", "--name", "x"]));
    assert!(dup.stderr.contains("B1"), "{}", dup.stderr);
    let missing = fails(
        db.kojo()
            .args(["site", "add", "Z1", "--name", "x", "--company", "Z"]),
    );
    assert!(missing.stderr.contains('Z'), "{}", missing.stderr);
    let list = json_of(&ok(db.kojo().args(["company", "list", "--json"])));
    let plants: Vec<(String, serde_json::Value)> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["code"].as_str().unwrap().to_string(), c["plants"].clone()))
        .collect();
    assert_eq!(
        plants,
        [
            ("B".to_string(), json!(["B1"])),
            ("default".to_string(), json!(["P1"]))
        ]
    );
    let human = ok(db.kojo().args(["--lang", "en", "company", "list"])).stdout;
    assert!(
        human.contains("B部品株式会社") && human.contains("Plants"),
        "{human}"
    );

    // The company's name heads the report of its plants.
    let p1 = db.new_assessment("P1", "2026");
    let b1 = db.new_assessment("B1", "2026");
    let out = db.dir.path().join("report.html");
    ok(db
        .kojo()
        .args(["report", &p1, "--format", "html", "-o"])
        .arg(&out));
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(
        html.contains("A自動車部品株式会社") && !html.contains("会社名未設定"),
        "the company name is in the report"
    );

    // A company grant: exactly one of a plant and --company.
    add_user(db, "admin", "admin", None);
    add_user(db, "bview", "viewer", None);
    ok(db.kojo().args(["user", "grant", "bview", "--company", "B"]));
    assert_eq!(run(db.kojo().args(["user", "grant", "bview"])).code, 2);
    assert_eq!(
        run(db
            .kojo()
            .args(["user", "grant", "bview", "P1", "--company", "B"]))
        .code,
        2
    );
    let users = json_of(&ok(db.kojo().args(["user", "list", "--json"])));
    let bview = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["name"] == "bview")
        .unwrap();
    assert_eq!(
        (&bview["sites"], &bview["companies"]),
        (&json!([]), &json!(["B"]))
    );
    // A plant added to the company after the grant is covered as well.
    ok(db
        .kojo()
        .args(["site", "add", "B2", "--name", "B第二工場", "--company", "B"]));

    // On the web the user sees B's plants and assessments, and nothing of the other company.
    let s = Server::start(&db.url, &[]);
    let login = |name: &str| {
        let mut c = Client::default();
        let csrf = c.csrf(&s, "/login");
        let r = c.post(
            &s,
            "/login",
            &[("_csrf", &csrf), ("username", name), ("password", PASSWORD)],
        );
        assert_eq!(r.status, 303, "{}", r.body);
        c
    };
    let mut c = login("bview");
    let sites = c.get(&s, "/sites");
    assert!(
        !sites.body.contains("data-company="),
        "one visible company: no company level"
    );
    assert_eq!(sites.status, 200);
    assert!(
        sites.body.contains("B第一工場") && sites.body.contains("B第二工場"),
        "{}",
        sites.body
    );
    assert!(
        sites.body.contains("data-code=\"B1\"")
            && sites.body.contains("data-code=\"B2\"")
            && !sites.body.contains("data-code=\"P1\""),
        "{}",
        sites.body
    );
    assert!(!sites.body.contains("A自動車部品株式会社"));
    for path in [
        "/sites/P1".to_string(),
        format!("/a/{p1}"),
        format!("/a/{p1}/report.html"),
    ] {
        let r = c.get(&s, &path);
        assert_eq!(r.status, 404, "{path}");
        assert!(!r.body.contains("A自動車部品株式会社"), "{path}");
    }
    assert_eq!(c.get(&s, &format!("/a/{b1}")).status, 200);
    assert_eq!(c.get(&s, "/sites/B2").status, 200);

    // The administrator sees the level: plants under their company, a company to choose when
    // adding a plant, and whole companies to grant.
    let mut adm = login("admin");
    let page = adm.get(&s, "/sites");
    for needle in [
        "data-company=\"B\"",
        "data-company=\"default\"",
        "id=\"site-company\"",
    ] {
        assert!(page.body.contains(needle), "{needle}: {}", page.body);
    }
    let csrf = adm.csrf(&s, "/sites");
    let r = adm.post(
        &s,
        "/sites",
        &[
            ("_csrf", &csrf),
            ("code", "B3"),
            ("name", "B第三工場"),
            ("company", "B"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let r = adm.post(
        &s,
        "/sites",
        &[
            ("_csrf", &csrf),
            ("code", "Z3"),
            ("name", "x"),
            ("company", "Z"),
        ],
    );
    assert_eq!(r.status, 422, "an unknown company is refused on the page");
    let list = json_of(&ok(db.kojo().args(["company", "list", "--json"])));
    assert_eq!(list[0]["plants"], json!(["B1", "B2", "B3"]));
    add_user(db, "aview", "viewer", None);
    let csrf = adm.csrf(&s, "/admin/users");
    let r = adm.post(
        &s,
        "/admin/users/aview",
        &[
            ("_csrf", &csrf),
            ("action", "grant"),
            ("site", "company:default"),
        ],
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("会社:default"), "{}", r.body);
    let users = json_of(&ok(db.kojo().args(["user", "list", "--json"])));
    let aview = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["name"] == "aview")
        .unwrap();
    assert_eq!(aview["companies"], json!(["default"]));
    let mut a = login("aview");
    assert_eq!(a.get(&s, "/sites/P1").status, 200);
    assert_eq!(a.get(&s, "/sites/B1").status, 404);
}
