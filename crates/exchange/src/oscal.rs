//! OSCAL 1.2.1 assessment-results of one assessment.
//!
//! - `import-ap` points at a back-matter resource describing the self-assessment against the
//!   guideline (kojo has no separate assessment plan document);
//! - one result for the fiscal year, reviewing every control of the exported catalog;
//! - a finding per item: target `item-N` (the control of `kojo catalog export --format oscal`),
//!   `satisfied` for ○ and －, `not-satisfied` otherwise; kojo's mark and every field of the
//!   answer as `prop`s in kojo's namespace, the note as remarks;
//! - an observation per evidence file, with its SHA-256;
//! - a risk per □ △ × item: □ = `deviation-approved` (deferred, with its review-by date as the
//!   deadline), △ = `investigating` (deadline: the decision date), × = `open`.
//!
//! UUIDs are name-based (v5) on the assessment id, and times come from the document, so the
//! same revision exports to the same bytes.

use crate::doc::AssessmentDoc;
use kojo_catalog::Catalog;
use kojo_catalog::oscal::{NS, OSCAL_VERSION};
use kojo_domain::{Lang, Mark, RawAnswer};
use kojo_i18n::{t, tr};
use serde_json::{Value, json};
use uuid::Uuid;

fn uuid(doc: &AssessmentDoc, what: &str) -> String {
    Uuid::new_v5(
        &Uuid::NAMESPACE_URL,
        format!("urn:kojo:ar:{}:{what}", doc.header.id).as_bytes(),
    )
    .to_string()
}

/// A timestamp as OSCAL wants it (with a zone); stored times already are RFC 3339 UTC.
fn stamp(at: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(at)
        .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
        .unwrap_or_else(|_| "1970-01-01T00:00:00.000Z".into())
}

fn date_stamp(d: &str) -> Option<String> {
    kojo_domain::parse_date(d).map(|d| format!("{d}T23:59:59+09:00"))
}

fn prop(name: &str, value: &str) -> Value {
    json!({ "name": name, "ns": NS, "value": value })
}

/// The answer's fields as props (only those set), in a fixed order.
fn field_props(a: &RawAnswer) -> Vec<Value> {
    let fields: [(&str, &Option<String>); 9] = [
        ("alternative", &a.alternative),
        ("reason", &a.reason),
        ("review-by", &a.review_by),
        ("accepted-by", &a.accepted_by),
        ("progress", &a.progress),
        ("consideration-status", &a.status),
        ("target-date", &a.target_date),
        ("na-reason", &a.na_reason),
        ("note", &a.note),
    ];
    fields
        .iter()
        .filter_map(|(name, v)| {
            let v = v.as_deref()?.trim();
            (!v.is_empty()).then(|| prop(name, v))
        })
        .collect()
}

fn scope(doc: &AssessmentDoc) -> String {
    match &doc.line {
        Some(l) => format!("{} / {}", doc.plant.name, l.name),
        None => doc.plant.name.clone(),
    }
}

/// The assessment-results document (`{"assessment-results": {...}}`) in `lang`.
pub fn export(catalog: &Catalog, doc: &AssessmentDoc, lang: Lang) -> Value {
    let approval = doc.approval();
    let last_modified = stamp(
        approval
            .map(|a| a.at.as_str())
            .or_else(|| doc.answers.iter().map(|a| a.updated_at.as_str()).max())
            .unwrap_or("1970-01-01T00:00:00Z"),
    );
    let start = format!("{}-04-01T00:00:00+09:00", doc.header.period);
    let end = format!("{}-03-31T23:59:59+09:00", doc.header.period + 1);
    let scope = scope(doc);
    let args = |extra: &[(&str, &dyn std::fmt::Display)]| {
        let mut a: Vec<(&str, &dyn std::fmt::Display)> = vec![
            ("company", &doc.company.name),
            ("scope", &scope),
            ("period", &doc.header.period),
            ("revision", &doc.header.revision),
        ];
        a.extend_from_slice(extra);
        tr(lang, "oscal.title", &a)
    };
    let title = args(&[]);

    let mut observations = Vec::new();
    for (i, e) in doc.evidence.iter().enumerate() {
        let mut o = json!({
            "uuid": uuid(doc, &format!("observation:{i}:{}", e.sha256)),
            "title": e.name,
            "description": tr(lang, "oscal.evidence", &[("item", &e.item), ("name", &e.name)]),
            "props": [
                prop("sha256", &e.sha256),
                prop("media-type", &e.media_type),
                prop("size", &e.size.to_string()),
                prop("item", &format!("item-{}", e.item)),
            ],
            "methods": ["EXAMINE"],
            "types": ["control-objective"],
            "relevant-evidence": [{
                "href": format!("evidence/{}", e.sha256),
                "description": e.name,
            }],
            "collected": stamp(&e.uploaded_at),
        });
        if let Some(until) = e.valid_until.as_deref().and_then(date_stamp) {
            o["expires"] = json!(until);
        }
        observations.push((e.item, o));
    }

    let mut findings = Vec::new();
    let mut risks = Vec::new();
    for v in catalog.items() {
        let n = v.item.number;
        let condition = v.item.condition.get(lang).trim();
        let answer = doc.answer(n);
        let mark = answer.and_then(|a| Mark::parse(a.mark.as_deref()?).ok());
        let (state, reason) = match mark {
            Some(Mark::Implemented) => ("satisfied", "pass"),
            Some(Mark::NotApplicable) => ("satisfied", "other"),
            Some(_) => ("not-satisfied", "fail"),
            None => ("not-satisfied", "other"),
        };
        let mut props = vec![prop(
            "mark",
            mark.map(Mark::symbol)
                .unwrap_or(t(lang, "oscal.unanswered")),
        )];
        if let Some(m) = mark {
            props.push(prop("mark-key", m.key()));
        }
        if let Some(a) = answer {
            props.extend(field_props(a));
        }
        let related_obs: Vec<Value> = observations
            .iter()
            .filter(|(item, _)| *item == n)
            .map(|(_, o)| json!({ "observation-uuid": o["uuid"] }))
            .collect();
        let mut f = json!({
            "uuid": uuid(doc, &format!("finding:{n}")),
            "title": format!("No.{n} {condition}"),
            "description": match mark {
                Some(m) => tr(lang, "oscal.finding", &[("item", &n), ("mark", &m.symbol()), ("name", &m.name(lang))]),
                None => tr(lang, "oscal.finding_unanswered", &[("item", &n)]),
            },
            "props": props,
            "target": {
                "type": "objective-id",
                "target-id": format!("item-{n}"),
                "status": { "state": state, "reason": reason },
            },
        });
        if let Some(note) = answer
            .and_then(|a| a.note.as_deref())
            .filter(|s| !s.trim().is_empty())
        {
            f["remarks"] = json!(note.trim());
        }
        if !related_obs.is_empty() {
            f["related-observations"] = Value::Array(related_obs);
        }
        let risk = match mark {
            Some(m @ (Mark::Deferred | Mark::Considering | Mark::NotConsidered)) => Some(m),
            _ => None,
        };
        if let (Some(m), Some(a)) = (risk, answer) {
            let (status, detail, deadline) = match m {
                Mark::Deferred => (
                    "deviation-approved",
                    a.reason.as_deref(),
                    a.review_by.as_deref(),
                ),
                Mark::Considering => (
                    "investigating",
                    a.status.as_deref(),
                    a.target_date.as_deref(),
                ),
                _ => ("open", None, None),
            };
            let risk_uuid = uuid(doc, &format!("risk:{n}"));
            let mut r = json!({
                "uuid": risk_uuid,
                "title": format!("No.{n} {}", m.symbol()),
                "description": condition,
                "statement": match detail.map(str::trim).filter(|s| !s.is_empty()) {
                    Some(d) => tr(lang, "oscal.risk_detail", &[("name", &m.name(lang)), ("detail", &d)]),
                    None => tr(lang, "oscal.risk", &[("name", &m.name(lang))]),
                },
                "props": [prop("mark", m.symbol()), prop("item", &format!("item-{n}"))],
                "status": status,
            });
            if let Some(d) = deadline.and_then(date_stamp) {
                r["deadline"] = json!(d);
            }
            f["related-risks"] = json!([{ "risk-uuid": risk_uuid }]);
            risks.push(r);
        }
        findings.push(f);
    }

    let ap_uuid = uuid(doc, "assessment-plan");
    let party_uuid = uuid(doc, "party:company");
    let mut result = json!({
        "uuid": uuid(doc, "result"),
        "title": title,
        "description": tr(lang, "oscal.result", &[("catalog", &catalog.title.get(lang).trim())]),
        "start": start,
        "end": end,
        "props": [
            prop("catalog-id", &doc.header.catalog_id),
            prop("fiscal-year", &doc.header.period.to_string()),
            prop("revision", &doc.header.revision.to_string()),
            prop("status", &doc.status),
            prop("plant", &doc.plant.code),
        ],
        "reviewed-controls": {
            "control-selections": [{ "include-all": {} }],
        },
        "findings": findings,
    });
    if let Some(props) = result["props"].as_array_mut() {
        if let Some(l) = &doc.line {
            props.push(prop("line", &l.code));
        }
        if let Some(a) = approval {
            props.push(prop("signoff-hash", &a.content_hash));
        }
    }
    if !observations.is_empty() {
        result["observations"] = Value::Array(observations.into_iter().map(|(_, o)| o).collect());
    }
    if !risks.is_empty() {
        result["risks"] = Value::Array(risks);
    }
    json!({
        "assessment-results": {
            "uuid": uuid(doc, &format!("document:{}", lang.code())),
            "metadata": {
                "title": title,
                "last-modified": last_modified,
                "version": doc.header.revision.to_string(),
                "oscal-version": OSCAL_VERSION,
                "parties": [{
                    "uuid": party_uuid,
                    "type": "organization",
                    "name": doc.company.name,
                    "short-name": doc.company.code,
                }],
            },
            "import-ap": { "href": format!("#{ap_uuid}") },
            "results": [result],
            "back-matter": {
                "resources": [{
                    "uuid": ap_uuid,
                    "title": t(lang, "oscal.plan"),
                    "description": tr(lang, "oscal.plan_description", &[("catalog", &doc.header.catalog_id)]),
                }],
            },
        }
    })
}
