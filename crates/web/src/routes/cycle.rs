//! The yearly cycle on an assessment: sign-off (提出・確認・承認・差戻し), 改訂 (a new revision
//! of an approved assessment), re-confirmation of answers carried from last year, and starting
//! next year's assessment from last year's (前年度から作成).

use super::assessment::{FilterQuery, assessment_page};
use super::when;
use crate::AppState;
use crate::ctx::Authed;
use crate::error::WebError;
use crate::views_cycle::{BoxVm, CycleHead, DecisionVm};
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kojo_app::{AppError, AssessmentView, SignOffRow};
use kojo_domain::{Decision, FiscalYear, ItemNo, SignOff, Status, signature_boxes};
use kojo_i18n::{t, tr};
use std::sync::Arc;

type St = State<Arc<AppState>>;

/// Stored sign-off rows as the domain reads them.
pub(crate) fn to_signoffs(rows: &[SignOffRow]) -> Vec<SignOff> {
    rows.iter().map(SignOffRow::sign_off).collect()
}

/// The names of the 作成・確認・承認 boxes of an assessment's sign-offs, empty where unsigned.
pub(crate) fn box_names(signs: &[SignOff]) -> [Option<(String, String)>; 3] {
    signature_boxes(signs).map(|s| s.map(|s| (s.by.clone(), when(&s.at, false))))
}

/// The box captions (作成・確認・承認) with their keys.
pub(crate) const STEPS: [(&str, &str); 3] = [
    ("submit", "web.cycle.box_submit"),
    ("confirm", "web.cycle.box_confirm"),
    ("approve", "web.cycle.box_approve"),
];

/// The sign-off state of an assessment and what the user may do with it.
pub(crate) async fn cycle_head(
    st: &AppState,
    au: &Authed,
    view: &AssessmentView,
    previous: Option<String>,
) -> Result<CycleHead, WebError> {
    let lang = au.lang();
    let a = &view.assessment;
    let rows = st.app.reader(au.actor()).signoffs_of(view).await?;
    let signs = to_signoffs(&rows);
    let names = box_names(&signs);
    let boxes = STEPS
        .iter()
        .zip(names)
        .map(|((key, caption), name)| {
            let (by, at) = name.unwrap_or_default();
            BoxVm {
                key,
                step: t(lang, caption),
                by,
                at,
            }
        })
        .collect();
    let status = a.status;
    let role = au.actor().role;
    let next: &[Decision] = match status {
        Status::Draft => &[Decision::Submit],
        Status::Submitted => &[Decision::Confirm],
        Status::Confirmed => &[Decision::Approve],
        Status::Approved => &[],
    };
    let notice = (status != Status::Draft).then(|| {
        format!(
            "{} {}",
            tr(
                lang,
                "web.cycle.read_only",
                &[("status", &status.name(lang))]
            ),
            t(lang, &format!("web.cycle.hint_{}", status.key()))
        )
    });
    let returned = match signs.last() {
        Some(s) if status == Status::Draft && s.decision == Decision::Return => Some((
            s.by.clone(),
            when(&s.at, false),
            s.comment.clone().unwrap_or_default(),
        )),
        _ => None,
    };
    let receipt = st.app.reader(au.actor()).receipt(a).await?;
    let received = receipt.map(|r| {
        tr(
            lang,
            "exchange.web.received_notice",
            &[
                ("company", &r.org_code),
                ("at", &super::when(&r.received_at, false)),
                ("key", &r.key_id),
                ("sha", &r.package_sha256),
            ],
        )
    });
    let own = !a.received;
    Ok(CycleHead {
        status_key: status.key(),
        status: a.status.name(lang),
        revision: a.revision,
        boxes,
        decisions: next
            .iter()
            .filter(|d| own && role.may_decide(**d))
            .map(|d| DecisionVm {
                key: d.key(),
                name: d.name(lang),
            })
            .collect(),
        can_return: matches!(status, Status::Submitted | Status::Confirmed)
            && role.may_decide(Decision::Return),
        can_revise: own && status == Status::Approved && role.may_edit(),
        can_package: own && status == Status::Approved && role.may_administer(),
        relaxed: st.app.required_signers().await? == 2,
        notice: if own { notice } else { None },
        returned,
        previous,
        unconfirmed: view.summary.unconfirmed.len(),
        received,
    })
}

/// The assessment page again with an error above it (422).
pub(crate) async fn page_with_error(
    st: &AppState,
    au: &Authed,
    id: &str,
    e: &AppError,
) -> Result<Response, WebError> {
    let mut res = assessment_page(
        st,
        au,
        id,
        &FilterQuery::default(),
        None,
        Some(e.message(au.lang())),
    )
    .await?;
    *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(res)
}

#[derive(serde::Deserialize)]
pub struct SignForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    comment: String,
}

/// 提出・確認・承認・差戻し: one decision on one assessment.
pub async fn signoff(
    State(st): St,
    au: Authed,
    Path(id): Path<String>,
    Form(f): Form<SignForm>,
) -> Result<Response, WebError> {
    let a = st.app.reader(au.actor()).find(&id).await?;
    let signer = st.app.signer(au.actor()).ok_or(WebError::Forbidden)?;
    let Some(decision) = Decision::from_key(&f.decision) else {
        return Err(WebError::Bad {
            ja: t(kojo_i18n::Lang::Ja, "web.cycle.bad_decision").into(),
            en: t(kojo_i18n::Lang::En, "web.cycle.bad_decision").into(),
        });
    };
    if !au.actor().role.may_decide(decision) {
        return Err(WebError::Forbidden);
    }
    match signer.decide(&a.id, decision, Some(&f.comment)).await {
        Ok(_) => Ok(Redirect::to(&format!("/a/{}#signoff", a.id)).into_response()),
        Err(e @ (AppError::BadInput { .. } | AppError::Locked { .. })) => {
            page_with_error(&st, &au, &a.id, &e).await
        }
        Err(e) => Err(e.into()),
    }
}

/// 改訂: a new draft revision of an approved assessment; the approved one stays as it is.
pub async fn revise(
    State(st): St,
    au: Authed,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let a = st.app.reader(au.actor()).find(&id).await?;
    let editor = st.app.editor(au.actor()).ok_or(WebError::Forbidden)?;
    match editor.revise(&a.id).await {
        Ok(new) => Ok(Redirect::to(&format!("/a/{}", new.id)).into_response()),
        Err(e @ AppError::BadInput { .. }) => page_with_error(&st, &au, &a.id, &e).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(serde::Deserialize)]
pub struct ReconfirmForm {
    /// Item numbers separated by commas or spaces.
    #[serde(default)]
    items: String,
    /// The filter of the page the form was on (a query string), to return to it.
    #[serde(default)]
    back: String,
}

/// 変更なし: confirms carried answers unchanged (one item, or every item shown).
pub async fn reconfirm(
    State(st): St,
    au: Authed,
    Path(id): Path<String>,
    Form(f): Form<ReconfirmForm>,
) -> Result<Response, WebError> {
    let reader = st.app.reader(au.actor());
    let a = reader.find(&id).await?;
    let editor = st.app.editor(au.actor()).ok_or(WebError::Forbidden)?;
    let mut items: Vec<ItemNo> = Vec::new();
    // At most one entry per catalog item is meaningful; more is not a form kojo sends.
    for s in f
        .items
        .split([',', ' '])
        .filter(|s| !s.is_empty())
        .take(st.app.catalog.items().count())
    {
        items.push(reader.item(s)?);
    }
    if !items.is_empty() {
        match editor.reconfirm(&a.id, Some(&items)).await {
            Ok(_) => {}
            Err(e @ AppError::Locked { .. }) => return page_with_error(&st, &au, &a.id, &e).await,
            Err(e) => return Err(e.into()),
        }
    }
    // The filter is parsed and written again: the redirect never goes anywhere but this page.
    let q: FilterQuery = serde_urlencoded::from_str(&f.back).unwrap_or_default();
    let query = serde_urlencoded::to_string(&q).unwrap_or_default();
    let anchor = match items.as_slice() {
        [one] => format!("#item-{}", one.get()),
        _ => String::new(),
    };
    Ok(Redirect::to(&format!("/a/{}?{query}{anchor}", a.id)).into_response())
}

#[derive(serde::Deserialize)]
pub struct CarryForm {
    #[serde(default)]
    from: String,
    #[serde(default)]
    period: String,
    #[serde(default)]
    assessor: String,
}

/// 前年度から作成: next year's assessment of the same scope, from a chosen earlier one.
pub async fn carry(
    State(st): St,
    au: Authed,
    Path(code): Path<String>,
    Form(f): Form<CarryForm>,
) -> Result<Response, WebError> {
    let reader = st.app.reader(au.actor());
    let site = reader.site(&code).await?;
    let editor = st.app.editor(au.actor()).ok_or(WebError::Forbidden)?;
    let lang = au.lang();
    let fail = |msg: String| super::sites::site_page(&st, &au, &site.code, Some(msg));
    let source = match reader.find(&f.from).await {
        Ok(s) => s,
        Err(e @ (AppError::BadInput { .. } | AppError::NotFound { .. })) => {
            return fail(e.message(lang)).await;
        }
        Err(e) => return Err(e.into()),
    };
    let period = match FiscalYear::parse(&f.period) {
        Ok(p) => p,
        Err(e) => return fail(e.message(lang)).await,
    };
    match editor
        .carry_forward(
            &site.code,
            source.line_code.as_deref(),
            period,
            &source.id,
            Some(&f.assessor),
        )
        .await
    {
        Ok(new) => Ok(Redirect::to(&format!("/a/{}", new.id)).into_response()),
        Err(e @ (AppError::BadInput { .. } | AppError::Duplicate { .. })) => {
            fail(e.message(lang)).await
        }
        Err(e) => Err(e.into()),
    }
}
