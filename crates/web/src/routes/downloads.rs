//! Downloads: the checksheet (filled or blank), action lists, reports.

use crate::AppState;
use crate::ctx::Authed;
use crate::error::WebError;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use kojo_app::AssessmentView;
use kojo_domain::CycleReport;
use kojo_i18n::Lang;
use std::sync::Arc;

type St = State<Arc<AppState>>;

pub(crate) fn download(bytes: Vec<u8>, mime: &'static str, filename: &str) -> Response {
    let ascii: String = filename
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let disp = format!("attachment; filename=\"{ascii}\"");
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(mime)),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&disp).unwrap_or(HeaderValue::from_static("attachment")),
            ),
        ],
        bytes,
    )
        .into_response()
}

pub(crate) const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

fn file_stem(view: &AssessmentView) -> String {
    let a = &view.assessment;
    let mut s = format!("kojo-{}-{}", a.site_code, a.period);
    if let Some(l) = &a.line_code {
        s.push('-');
        s.push_str(l);
    }
    s
}

/// The assessment to export, the export recorded in the audit trail.
async fn view_for(
    st: &AppState,
    au: &Authed,
    id: &str,
    what: &str,
) -> Result<AssessmentView, WebError> {
    let reader = st.app.reader(au.actor());
    let view = reader.assessment(id).await?;
    reader.record_export(&view.assessment.id, what).await?;
    Ok(view)
}

pub async fn checksheet(
    State(st): St,
    au: Authed,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let view = view_for(&st, &au, &id, "checksheet.xlsx").await?;
    let bytes = st
        .app
        .reader(au.actor())
        .checksheet(&view, au.lang(), None)
        .await?;
    Ok(download(bytes, XLSX, &format!("{}.xlsx", file_stem(&view))))
}

pub async fn blank(State(st): St, au: Authed) -> Result<Response, WebError> {
    let bytes = kojo_xlsx::blank(st.app.catalog, au.lang())
        .map_err(|e| WebError::Internal(e.to_string()))?;
    Ok(download(bytes, XLSX, "kojo-checksheet.xlsx"))
}

pub async fn actions_csv(
    State(st): St,
    au: Authed,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let view = view_for(&st, &au, &id, "actions.csv").await?;
    let cycle = st.app.reader(au.actor()).cycle_report(&view).await?;
    let csv = kojo_xlsx::action_list_csv(
        view.catalog,
        &view.sheet(),
        &cycle.actions,
        kojo_app::today(),
        au.lang(),
    );
    Ok(download(
        csv.into_bytes(),
        "text/csv; charset=utf-8",
        &format!("{}-actions.csv", file_stem(&view)),
    ))
}

pub async fn actions_xlsx(
    State(st): St,
    au: Authed,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let view = view_for(&st, &au, &id, "actions.xlsx").await?;
    let cycle = st.app.reader(au.actor()).cycle_report(&view).await?;
    let bytes = kojo_xlsx::action_list_xlsx(
        view.catalog,
        &view.sheet(),
        &cycle.actions,
        kojo_app::today(),
        au.lang(),
    )
    .map_err(|e| WebError::Internal(e.to_string()))?;
    Ok(download(
        bytes,
        XLSX,
        &format!("{}-actions.xlsx", file_stem(&view)),
    ))
}

fn report_input<'a>(
    view: &'a AssessmentView,
    sheet: &'a kojo_domain::Sheet,
    cycle: &'a CycleReport,
    lang: Lang,
) -> kojo_report::ReportInput<'a> {
    kojo_report::ReportInput {
        catalog: view.catalog,
        sheet,
        summary: &view.summary,
        lang,
        generated_on: chrono::Local::now().date_naive(),
        status: Some(view.assessment.status),
        cycle: Some(cycle),
    }
}

pub async fn report_html(
    State(st): St,
    au: Authed,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let view = view_for(&st, &au, &id, "report.html").await?;
    let cycle = st.app.reader(au.actor()).cycle_report(&view).await?;
    let sheet = view.sheet();
    let html = kojo_report::html(&report_input(&view, &sheet, &cycle, au.lang()));
    // The report's inline stylesheet is allowed by its hash, nothing else inline.
    Ok((
        [(
            header::CONTENT_SECURITY_POLICY,
            crate::security::report_csp().clone(),
        )],
        Html(html),
    )
        .into_response())
}

pub async fn report_pdf(
    State(st): St,
    au: Authed,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let view = view_for(&st, &au, &id, "report.pdf").await?;
    let cycle = st.app.reader(au.actor()).cycle_report(&view).await?;
    let stem = file_stem(&view);
    let lang = au.lang();
    let bytes = tokio::task::spawn_blocking(move || {
        let sheet = view.sheet();
        kojo_report::pdf(&report_input(&view, &sheet, &cycle, lang))
    })
    .await
    .map_err(|e| WebError::Internal(e.to_string()))?
    .map_err(|e| WebError::Internal(e.to_string()))?;
    Ok(download(bytes, "application/pdf", &format!("{stem}.pdf")))
}
