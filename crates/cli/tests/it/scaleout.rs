//! Two `kojo serve` processes on one PostgreSQL database behave as one (several instances
//! behind a load balancer): a session made on A works on B and a save there lands, failed logins
//! on A and B count against one limit, and the session purge runs once per slot however many
//! instances keep its timer.

use crate::common::*;
use crate::hardening::login_from;
use crate::web::{PW, admin_session};
use std::collections::BTreeMap;
use std::time::Duration;

/// `(slot, mine)` of every purge slot an instance logged.
fn purge_slots(lines: &[String]) -> Vec<(String, bool)> {
    let field = |line: &str, name: &str| -> Option<String> {
        let i = line.find(&format!(" {name}="))? + name.len() + 2;
        let rest = &line[i..];
        let end = rest.find(' ').unwrap_or(rest.len());
        Some(rest[..end].trim_matches('"').to_string())
    };
    lines
        .iter()
        .filter(|l| l.contains("scheduled job slot"))
        .filter(|l| field(l, "job").as_deref() == Some("purge"))
        .filter_map(|l| Some((field(l, "slot")?, field(l, "mine")? == "true")))
        .collect()
}

/// Whether item `n`'s form on an assessment page has `mark` checked.
fn item_checked(page: &str, n: u16, mark: &str) -> bool {
    let start = page
        .find(&format!("id=\"item-{n}\""))
        .unwrap_or_else(|| panic!("no item {n} on the page: {page}"));
    let end = start + page[start..].find("</form>").unwrap();
    page[start..end].contains(&format!("value=\"{mark}\" checked"))
}

/// A slot both instances have logged, if any.
fn shared_slot(a: &[String], b: &[String]) -> Option<String> {
    let b: Vec<String> = purge_slots(b).into_iter().map(|(s, _)| s).collect();
    purge_slots(a)
        .into_iter()
        .map(|(s, _)| s)
        .find(|s| b.contains(s))
}

#[test]
fn two_instances_on_one_postgresql_behave_as_one() {
    let db = postgres_db();
    let env = [("KOJO_LOG", "warn,kojo_web::jobs=info")];
    let proxy = ["--trusted-proxy", "127.0.0.1"];
    let (a, log_a) = Server::start_logged(&db.url, &proxy, &env);
    let (b, log_b) = Server::start_logged(&db.url, &proxy, &env);

    // Log in on A (the first administrator), save on B.
    let mut admin = admin_session(&db, &a);
    db.add_plant("P1", "one");
    let id = db.new_assessment("P1", "2026");
    assert_eq!(admin.get(&b, "/sites").status, 200, "A's session on B");
    // A keeps the page it rendered (its page cache); B's save must still show on it.
    let page = format!("/a/{id}");
    for _ in 0..2 {
        assert!(!item_checked(&admin.get(&a, &page).body, 3, "implemented"));
    }
    let csrf = admin.csrf(&b, &format!("/a/{id}"));
    let r = admin.post(
        &b,
        &format!("/a/{id}/items/3"),
        &[("_csrf", &csrf), ("version", "0"), ("mark", "implemented")],
    );
    assert_eq!(r.status, 303, "saved on B: {}", r.body);
    let show: serde_json::Value =
        serde_json::from_str(&ok(db.kojo().args(["assessment", "show", &id, "--json"])).stdout)
            .unwrap();
    let item3 = show["answers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["item"] == 3)
        .map(|a| a["answer"]["answer"]["mark"].clone());
    assert_eq!(item3, Some("implemented".into()), "{show}");
    let item = admin.get(&a, &format!("/a/{id}/items/3")).body;
    assert!(
        item.contains("value=\"implemented\" checked"),
        "A shows what B saved"
    );
    assert!(
        item_checked(&admin.get(&a, &page).body, 3, "implemented"),
        "A's kept page shows what B saved"
    );

    // Five failures from one address, alternating A and B, use up that address's allowance on
    // both: the sixth attempt waits (429) even with the right password, on either instance.
    let guess = "203.0.113.9";
    for s in [&a, &b, &a, &b, &a] {
        assert_eq!(login_from(s, guess, "admin", "wrong password!!"), 401);
    }
    assert_eq!(
        login_from(&b, guess, "admin", PW),
        429,
        "B counts A's failures"
    );
    assert_eq!(login_from(&a, guess, "admin", PW), 429);
    // Another address is not affected.
    assert_eq!(login_from(&b, "198.51.100.7", "admin", PW), 303);

    // The purge: every instance ticks each minute; wait (woken by each log line, never a fixed
    // sleep) until both have logged the same slot, then exactly one of them ran it.
    let limit = Duration::from_secs(150);
    let lines_a = log_a.wait_until(limit, |l| !purge_slots(l).is_empty());
    let lines_b = log_b.wait_until(limit, |l| shared_slot(&lines_a, l).is_some());
    let lines_a = log_a.wait_until(limit, |l| shared_slot(l, &lines_b).is_some());
    let mut runs: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for (log, name) in [(&lines_a, "A"), (&lines_b, "B")] {
        for (slot, mine) in purge_slots(log) {
            let e = runs.entry(slot).or_default();
            if mine {
                e.push(name);
            }
        }
    }
    let shared = shared_slot(&lines_a, &lines_b).unwrap();
    assert_eq!(
        runs[&shared].len(),
        1,
        "slot {shared} ran on {:?}",
        runs[&shared]
    );
    for (slot, by) in &runs {
        assert!(by.len() <= 1, "slot {slot} ran on {by:?}");
    }
}
