//! The year plan (年間活動) of a plant: every periodic activity's periods in a fiscal year,
//! done, due or overdue, the occurrences recorded, and recording one.

use crate::AppState;
use crate::ctx::Authed;
use crate::error::WebError;
use crate::views::{Page, render};
use crate::views_registers::{ActivitiesPage, ActivityVm, PeriodVm, RecordVm};
use axum::extract::{Form, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use kojo_app::AppError;
use kojo_app::registers::registers;
use kojo_domain::FiscalYear;
use kojo_domain::register::plan::{PeriodState, fiscal_year};
use kojo_i18n::{Lang, t};
use std::sync::Arc;

type St = State<Arc<AppState>>;

#[derive(serde::Deserialize, Default)]
pub struct FyQuery {
    #[serde(default)]
    fy: Option<i32>,
}

fn state_text(s: PeriodState, lang: Lang) -> &'static str {
    t(lang, &format!("register.state.{}", s.key()))
}

async fn page(
    st: &AppState,
    au: &Authed,
    code: &str,
    fy: Option<i32>,
    error: Option<String>,
) -> Result<Response, WebError> {
    let reader = st.app.reader(au.actor());
    let lang = au.lang();
    let site = reader.site(code).await?;
    let today = kojo_app::today();
    let fy = fy.unwrap_or_else(|| fiscal_year(today));
    let plan = reader.activity_plan(&site.code, fy, today).await?;
    let records = reader.activity_records(&site.code, Some(fy)).await?;
    let r = registers()?;
    let mut counts = [0usize; 3];
    let activities = plan
        .into_iter()
        .map(|p| ActivityVm {
            id: p.activity.id.clone(),
            item: p.activity.item,
            name: p.activity.name.get(lang).to_string(),
            frequency: t(
                lang,
                &format!(
                    "register.frequency.{}",
                    p.activity.frequency.key().replace('-', "_")
                ),
            ),
            quote: p.activity.quote.clone(),
            periods: p
                .periods
                .iter()
                .map(|per| {
                    match per.state {
                        PeriodState::Done => counts[0] += 1,
                        PeriodState::Due => counts[1] += 1,
                        PeriodState::Overdue => counts[2] += 1,
                        PeriodState::Ahead => {}
                    }
                    PeriodVm {
                        label: format!("{}〜{}", per.from.format("%m/%d"), per.to.format("%m/%d")),
                        state: per.state.key(),
                        state_text: state_text(per.state, lang),
                        done: per
                            .done_on
                            .iter()
                            .map(|d| d.format("%Y-%m-%d").to_string())
                            .collect::<Vec<_>>()
                            .join(", "),
                    }
                })
                .collect(),
        })
        .collect();
    let name_of = |id: &str| {
        r.activity(id)
            .map(|a| format!("{} {}", a.item, a.name.get(lang)))
            .unwrap_or_else(|| id.to_string())
    };
    let res = render(&ActivitiesPage {
        page: Page::new(&au.ctx, "sites"),
        code: site.code.clone(),
        site_name: site.name.clone(),
        fy,
        fy_label: u16::try_from(fy)
            .ok()
            .and_then(FiscalYear::new)
            .map(|p| p.label(lang))
            .unwrap_or_else(|| fy.to_string()),
        prev_fy: fy - 1,
        next_fy: fy + 1,
        activities,
        records: records
            .into_iter()
            .rev()
            .map(|rec| RecordVm {
                date: rec.done_on,
                activity: name_of(&rec.activity),
                what: rec.what.unwrap_or_default(),
                participants: rec.participants.unwrap_or_default(),
                note: rec.note.unwrap_or_default(),
                evidence: rec.evidence.unwrap_or_default(),
                by: rec.recorded_by,
            })
            .collect(),
        counts,
        today: today.format("%Y-%m-%d").to_string(),
        error: error.clone(),
    });
    Ok(super::sites::with_error(res, &error))
}

/// `/sites/{code}/activities?fy=2026`.
pub async fn plan(
    State(st): St,
    au: Authed,
    Path(code): Path<String>,
    Query(q): Query<FyQuery>,
) -> Result<Response, WebError> {
    page(&st, &au, &code, q.fy, None).await
}

#[derive(serde::Deserialize)]
pub struct RecordForm {
    #[serde(default)]
    activity: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    what: String,
    #[serde(default)]
    participants: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    evidence: String,
}

/// Records one occurrence of an activity.
pub async fn record(
    State(st): St,
    au: Authed,
    Path(code): Path<String>,
    Form(f): Form<RecordForm>,
) -> Result<Response, WebError> {
    let site = st.app.reader(au.actor()).site(&code).await?;
    let editor = st.app.editor(au.actor()).ok_or(WebError::Forbidden)?;
    let opt = |s: &str| Some(s.to_string()).filter(|s| !s.trim().is_empty());
    let on = kojo_domain::register::value::parse_date(f.date.trim())
        .ok_or_else(|| AppError::bad("web.register.bad_date", &[("date", &f.date)]));
    let result = match on {
        Ok(on) => editor
            .record_activity(
                &site.code,
                Some(&f.activity),
                None,
                on,
                opt(&f.what).as_deref(),
                opt(&f.participants).as_deref(),
                opt(&f.note).as_deref(),
                opt(&f.evidence).as_deref(),
            )
            .await
            .map(|r| r.done_on),
        Err(e) => Err(e),
    };
    match result {
        Ok(done) => {
            let fy = kojo_domain::register::value::parse_date(&done).map(fiscal_year);
            let q = fy.map(|y| format!("?fy={y}")).unwrap_or_default();
            Ok(Redirect::to(&format!("/sites/{}/activities{q}", site.code)).into_response())
        }
        Err(e @ AppError::BadInput { .. }) => {
            let msg = e.message(au.lang());
            page(&st, &au, &site.code, None, Some(msg)).await
        }
        Err(e) => Err(e.into()),
    }
}
