//! The view model of one assessment item, shared by the assessment page, the item routes and
//! the review page: the answer (stored or as submitted), last year's mark, where the item came
//! from on a newer catalog, and its comments.

use super::when;
use crate::AppState;
use crate::ctx::Authed;
use crate::error::WebError;
use crate::views::*;
use kojo_app::AssessmentView;
use kojo_domain::{ChangeKind, Field, FiscalYear, Mark, RawAnswer};
use kojo_i18n::{Lang, t, tr};
use std::collections::BTreeMap;

/// Describes an answer in one line (for conflicts and history).
pub(crate) fn describe(raw: Option<&RawAnswer>, lang: Lang) -> String {
    let Some(raw) = raw else {
        return t(lang, "web.item.unanswered").to_string();
    };
    let mut parts = vec![
        raw.mark
            .as_deref()
            .and_then(|m| Mark::parse(m).ok())
            .map(|m| m.symbol())
            .unwrap_or("—")
            .to_string(),
    ];
    for f in Field::ALL.iter().skip(1) {
        if let Some(v) = raw.get(*f).filter(|v| !v.is_empty()) {
            parts.push(format!("{}: {}", f.name(lang), v));
        }
    }
    parts.join(" / ")
}

pub(crate) struct ItemState {
    pub(crate) raw: Option<RawAnswer>,
    pub(crate) errors: Vec<(&'static str, String)>,
    pub(crate) state: &'static str,
    pub(crate) conflict: Option<ConflictVm>,
    pub(crate) version: Option<i64>,
}

impl ItemState {
    pub(crate) fn stored() -> ItemState {
        ItemState {
            raw: None,
            errors: vec![],
            state: "",
            conflict: None,
            version: None,
        }
    }
}

pub(crate) type CommentRow = (String, String, String);

pub(crate) fn comment_rows(comments: &[kojo_app::Comment], item: Option<u16>) -> Vec<CommentRow> {
    comments
        .iter()
        .filter(|c| c.item_no == item.map(i64::from))
        .map(|c| (when(&c.created_at, false), c.author.clone(), c.body.clone()))
        .collect()
}

/// Last year's marks of an assessment (empty when there is no previous one) and its label.
pub(crate) async fn previous_marks(
    st: &AppState,
    au: &Authed,
    a: &kojo_app::Assessment,
) -> Result<(BTreeMap<u16, Mark>, Option<String>), WebError> {
    Ok(match st.app.reader(au.actor()).previous(a).await? {
        Some((p, marks)) => (
            marks.into_iter().map(|(i, m)| (i.get(), m)).collect(),
            FiscalYear::new(p.period as u16).map(|y| y.label(au.lang())),
        ),
        None => (BTreeMap::new(), None),
    })
}

/// What the cycle adds to one item's view: last year's mark and the page's filter.
pub(crate) struct ItemCycle<'a> {
    pub(crate) prev: &'a BTreeMap<u16, Mark>,
    pub(crate) back: String,
    /// Where the items came from, for an assessment made on a newer catalog version.
    pub(crate) origin: Option<&'a kojo_app::CatalogOrigin>,
    /// Items as compact rows ([`ItemVm::compact`]).
    pub(crate) compact: bool,
}

/// One line on where item `n` came from: the change and the old answers.
fn origin_line(o: &kojo_app::CatalogOrigin, n: u16, lang: Lang) -> Option<String> {
    let item = o.items.get(&n)?;
    let olds: Vec<String> = item
        .from
        .iter()
        .map(|(old, ans)| match ans {
            Some(a) => tr(
                lang,
                "version.web.origin_answer",
                &[("item", old), ("mark", &describe(Some(&a.to_raw()), lang))],
            ),
            None => tr(lang, "version.web.origin_unanswered", &[("item", old)]),
        })
        .collect();
    let head = tr(
        lang,
        "version.web.origin",
        &[
            ("catalog", &o.from.version),
            (
                "change",
                &t(lang, &format!("version.change.{}", item.change.key())),
            ),
        ],
    );
    Some(if olds.is_empty() {
        head
    } else {
        format!("{head} — {}", olds.join(" / "))
    })
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn item_vm(
    view: &AssessmentView,
    n: u16,
    lang: Lang,
    editable: bool,
    header: (bool, bool),
    s: ItemState,
    comments: Vec<CommentRow>,
    cy: &ItemCycle<'_>,
) -> Option<ItemVm> {
    let c = view.catalog;
    let v = c.item(n)?;
    let stored = view.answers.get(&n);
    let inherited = view.inherited(n);
    let line_own = view.assessment.inherits_from.is_some() && !inherited;
    let now = stored.and_then(|a| a.answer.as_ref()).map(|a| a.mark());
    let prev = cy.prev.get(&n).copied();
    let change = ChangeKind::of(prev, now);
    let raw = s
        .raw
        .or_else(|| stored.and_then(|a| a.answer.as_ref()).map(|a| a.to_raw()))
        .unwrap_or_default();
    let mark_key = raw
        .mark
        .as_deref()
        .and_then(|m| Mark::parse(m).ok())
        .map(Mark::key)
        .unwrap_or("");
    let marks = Mark::ALL
        .iter()
        .map(|m| MarkVm::of(*m, c, lang, m.key() == mark_key))
        .collect();
    let objective = {
        let o = v.objective().get(lang);
        match (v.label.objective_refers_to, &v.requirement.objective) {
            (Some(r), None) => format!(
                "{o} {}",
                tr(lang, "catalog.objective_same_as", &[("label", &r)])
            ),
            _ => o.to_string(),
        }
    };
    let state_text = match s.state {
        "saved" => t(lang, "web.item.saved"),
        "error" => t(lang, "web.item.not_saved"),
        "conflict" => t(lang, "web.item.conflict_short"),
        _ => "",
    };
    Some(ItemVm {
        n,
        label_header: header
            .0
            .then(|| (v.label.number, v.label.name.get(lang), objective)),
        requirement_header: (header.1 && !v.requirement.text.get(lang).is_empty())
            .then(|| v.requirement.text.get(lang)),
        condition: v.item.condition.get(lang),
        criteria_url: super::catalog::criteria_url(&c.id, lang, n),
        area: c.area(&v.item.area).map(|a| a.name.get(lang)).unwrap_or(""),
        marks,
        mark: mark_key,
        fx: FieldsVm {
            n: n.to_string(),
            mark: mark_key,
            alternative_flag: raw.alternative_flagged
                || raw.alternative.as_deref().is_some_and(|a| !a.is_empty()),
            f: raw,
            errors: s.errors,
        },
        version: s.version.unwrap_or_else(|| view.version(n)),
        state: s.state,
        state_text,
        conflict: s.conflict,
        editable: editable && !inherited,
        updated: stored.map(|a| {
            format!(
                "{} {} ({})",
                t(lang, "web.item.updated"),
                when(&a.updated_at, false),
                a.updated_by
            )
        }),
        comments,
        prev: (!cy.prev.is_empty()).then(|| prev.map(Mark::symbol).unwrap_or("—")),
        change: (!cy.prev.is_empty() && change != ChangeKind::Unchanged)
            .then(|| (change.key(), change.name(lang))),
        unconfirmed: !inherited && stored.is_some_and(|a| !a.confirmed && a.answer.is_some()),
        origin: cy.origin.and_then(|o| origin_line(o, n, lang)),
        inherited,
        line_own,
        residual: now.is_some_and(Mark::is_residual_risk),
        back: cy.back.clone(),
        // A row the user must act on opens in full: an error, a conflict.
        compact: cy.compact && s.state != "error" && s.state != "conflict",
    })
}
