//! OSCAL assessment-results: valid against the 1.2.1 schema in both languages, deterministic,
//! and saying what the marks say.

mod common;

use common::*;
use kojo_domain::Lang;
use kojo_exchange::oscal;
use serde_json::Value;
use std::path::Path;

fn validate(doc: &Value) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/oscal/oscal_assessment-results_schema.json");
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "invalid:\n{}", errors.join("\n"));
}

#[test]
fn the_assessment_results_validate_in_both_languages_and_say_what_the_marks_say() {
    let catalog = kojo_catalog::builtin().unwrap();
    let d = doc();
    for lang in Lang::ALL {
        let ar = oscal::export(catalog, &d, lang);
        validate(&ar);
        assert_eq!(ar, oscal::export(catalog, &d, lang), "deterministic");
        let r = &ar["assessment-results"]["results"][0];
        let findings = r["findings"].as_array().unwrap();
        assert_eq!(findings.len(), 63);
        let f = |n: usize| &findings[n - 1];
        assert_eq!(f(1)["target"]["target-id"], "item-1");
        assert_eq!(f(1)["target"]["status"]["state"], "satisfied");
        assert_eq!(f(1)["remarks"], "手順書 v2");
        assert_eq!(f(63)["target"]["status"]["state"], "satisfied");
        for n in [60, 61, 62] {
            assert_eq!(f(n)["target"]["status"]["state"], "not-satisfied", "{n}");
            assert!(f(n)["related-risks"].is_array(), "{n}");
        }
        let prop = |n: usize, name: &str| {
            f(n)["props"]
                .as_array()
                .unwrap()
                .iter()
                .find(|p| p["name"] == name)
                .map(|p| p["value"].as_str().unwrap().to_string())
        };
        assert_eq!(prop(60, "mark").as_deref(), Some("□"));
        assert_eq!(prop(60, "reason").as_deref(), Some("予算待ち"));
        assert_eq!(prop(63, "na-reason").as_deref(), Some("無線 LAN なし"));
        let risks = r["risks"].as_array().unwrap();
        let status: Vec<&str> = risks
            .iter()
            .map(|x| x["status"].as_str().unwrap())
            .collect();
        assert_eq!(status, ["deviation-approved", "investigating", "open"]);
        assert_eq!(risks[0]["deadline"], "2027-03-31T23:59:59+09:00");
        let obs = r["observations"].as_array().unwrap();
        assert_eq!(obs.len(), 1);
        assert!(
            obs[0]["props"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p["name"] == "sha256" && p["value"] == kojo_domain::sha256_hex(EVIDENCE))
        );
        assert_eq!(
            f(1)["related-observations"][0]["observation-uuid"],
            obs[0]["uuid"]
        );
    }
    let ja = oscal::export(catalog, &d, Lang::Ja);
    let en = oscal::export(catalog, &d, Lang::En);
    assert!(
        ja["assessment-results"]["metadata"]["title"]
            .as_str()
            .unwrap()
            .contains("年度")
    );
    assert!(
        en["assessment-results"]["metadata"]["title"]
            .as_str()
            .unwrap()
            .contains("Self-assessment")
    );
}
