//! Page handlers. Each resolves what the user may do through the app's role-limited handles.

use crate::auth::{Ctx, SessionInfo};
use crate::views::*;
use crate::{AppState, WebError};
use axum::Extension;
use axum::extract::{Form, Multipart, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use kojo_app::{AppError, AssessmentView, Editor, Reader, Role};
use kojo_domain::{Answer, Field, FiscalYear, Mark, RawAnswer, Status, Summary};
use kojo_i18n::{Lang, t, tr};
use std::sync::Arc;

type St = State<Arc<AppState>>;
type Ex = Extension<Ctx>;

fn session(ctx: &Ctx) -> Result<&SessionInfo, WebError> {
    ctx.session.as_deref().ok_or(WebError::Login)
}

fn respond(ctx: &Ctx, r: Result<Response, WebError>) -> Response {
    r.unwrap_or_else(|e| e.render(ctx))
}

fn pct(r: Option<f64>) -> String {
    r.map(|r| format!("{:.1}%", r * 100.0))
        .unwrap_or_else(|| "—".into())
}

fn current_fy() -> u16 {
    FiscalYear::containing(chrono::Local::now().date_naive()).year()
}

pub async fn home(State(st): St, Extension(ctx): Ex) -> Response {
    respond(
        &ctx,
        async {
            if st.app.store.user_count().await? == 0 {
                return Ok(Redirect::to("/setup").into_response());
            }
            session(&ctx)?;
            Ok(Redirect::to("/sites").into_response())
        }
        .await,
    )
}

pub async fn not_found(Extension(ctx): Ex) -> Response {
    WebError::NotFound.render(&ctx)
}

// ---- sites ---------------------------------------------------------------------------------

async fn sites_page(st: &AppState, ctx: &Ctx, error: Option<String>) -> Result<Response, WebError> {
    let s = session(ctx)?;
    let sites = st.app.reader(&s.actor).sites().await?;
    let mut res = render(&SitesPage {
        page: Page::new(ctx, "sites"),
        sites: sites
            .into_iter()
            .map(|s| SiteRow {
                code: s.code,
                name: s.name,
            })
            .collect(),
        error: error.clone(),
    });
    if error.is_some() {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

pub async fn sites(State(st): St, Extension(ctx): Ex) -> Response {
    respond(&ctx, sites_page(&st, &ctx, None).await)
}

#[derive(serde::Deserialize)]
pub struct CodeName {
    code: String,
    name: String,
}

pub async fn site_add(State(st): St, Extension(ctx): Ex, Form(f): Form<CodeName>) -> Response {
    respond(
        &ctx,
        async {
            let s = session(&ctx)?;
            let admin = st.app.admin(&s.actor).ok_or(WebError::Forbidden)?;
            match admin.add_site(&f.code, &f.name).await {
                Ok(site) => Ok(Redirect::to(&format!("/sites/{}", site.code)).into_response()),
                Err(e @ (AppError::BadInput { .. } | AppError::Duplicate { .. })) => {
                    sites_page(&st, &ctx, Some(e.message(ctx.lang))).await
                }
                Err(e) => Err(e.into()),
            }
        }
        .await,
    )
}

fn scope(a: &kojo_store::Assessment) -> String {
    match (&a.line_code, &a.line_name) {
        (Some(c), Some(n)) => format!("{} / {} {}", a.site_name, c, n),
        _ => a.site_name.clone(),
    }
}

fn status_name(s: &str, lang: Lang) -> &'static str {
    Status::from_key(s).map(|s| s.name(lang)).unwrap_or("")
}

async fn site_page(
    st: &AppState,
    ctx: &Ctx,
    code: &str,
    error: Option<String>,
) -> Result<Response, WebError> {
    let s = session(ctx)?;
    let reader = st.app.reader(&s.actor);
    let site = reader.site(code).await?;
    let lines = reader.lines(&site).await?;
    let list = reader.assessments(Some(&site)).await?;
    let lang = ctx.lang;
    let mut res = render(&SitePage {
        page: Page::new(ctx, "sites"),
        code: site.code.clone(),
        name: site.name.clone(),
        lines: lines
            .into_iter()
            .map(|l| SiteRow {
                code: l.code,
                name: l.name,
            })
            .collect(),
        assessments: list
            .into_iter()
            .map(|i| AssessmentRow {
                period: FiscalYear::new(i.assessment.period as u16)
                    .map(|p| p.label(lang))
                    .unwrap_or_default(),
                scope: scope(&i.assessment),
                status: status_name(&i.assessment.status, lang),
                answered: i.stats.answered,
                items: i.stats.items,
                rate: pct(i.stats.achievement_rate),
                revision: i.assessment.revision,
                id: i.assessment.id,
            })
            .collect(),
        default_period: current_fy(),
        error: error.clone(),
    });
    if error.is_some() {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

pub async fn site(State(st): St, Extension(ctx): Ex, Path(code): Path<String>) -> Response {
    respond(&ctx, site_page(&st, &ctx, &code, None).await)
}

pub async fn line_add(
    State(st): St,
    Extension(ctx): Ex,
    Path(code): Path<String>,
    Form(f): Form<CodeName>,
) -> Response {
    respond(
        &ctx,
        async {
            let s = session(&ctx)?;
            // Resolve visibility first: an invisible plant is a 404 whatever the role.
            st.app.reader(&s.actor).site(&code).await?;
            let admin = st.app.admin(&s.actor).ok_or(WebError::Forbidden)?;
            match admin.add_line(&code, &f.code, &f.name).await {
                Ok(_) => Ok(Redirect::to(&format!("/sites/{code}")).into_response()),
                Err(e @ (AppError::BadInput { .. } | AppError::Duplicate { .. })) => {
                    site_page(&st, &ctx, &code, Some(e.message(ctx.lang))).await
                }
                Err(e) => Err(e.into()),
            }
        }
        .await,
    )
}

#[derive(serde::Deserialize)]
pub struct NewAssessmentForm {
    #[serde(default)]
    line: String,
    period: String,
    #[serde(default)]
    assessor: String,
}

pub async fn assessment_new(
    State(st): St,
    Extension(ctx): Ex,
    Path(code): Path<String>,
    Form(f): Form<NewAssessmentForm>,
) -> Response {
    respond(
        &ctx,
        async {
            let s = session(&ctx)?;
            st.app.reader(&s.actor).site(&code).await?;
            let editor = st.app.editor(&s.actor).ok_or(WebError::Forbidden)?;
            let period = match FiscalYear::parse(&f.period) {
                Ok(p) => p,
                Err(e) => return site_page(&st, &ctx, &code, Some(e.message(ctx.lang))).await,
            };
            let line = Some(f.line.as_str()).filter(|l| !l.trim().is_empty());
            match editor
                .new_assessment(&code, line, period, Some(&f.assessor))
                .await
            {
                Ok(a) => Ok(Redirect::to(&format!("/a/{}", a.id)).into_response()),
                Err(e @ AppError::BadInput { .. }) => {
                    site_page(&st, &ctx, &code, Some(e.message(ctx.lang))).await
                }
                Err(e) => Err(e.into()),
            }
        }
        .await,
    )
}

// ---- the assessment page -------------------------------------------------------------------

fn head(view: &AssessmentView, lang: Lang, can_edit: bool) -> AssessmentHead {
    let a = &view.assessment;
    let period = FiscalYear::new(a.period as u16)
        .map(|p| p.label(lang))
        .unwrap_or_default();
    AssessmentHead {
        id: a.id.clone(),
        title: format!("{} {}", scope(a), period),
        status: status_name(&a.status, lang),
        editable: can_edit && Status::from_key(&a.status).is_some_and(Status::is_editable),
    }
}

fn progress(summary: &Summary) -> ProgressVm {
    let o = &summary.overall;
    ProgressVm {
        answered: o.answered,
        items: o.items,
        rate: pct(o.achievement_rate),
        completion: format!("{:.0}%", o.completion * 100.0),
    }
}

/// Describes an answer in one line (for conflicts and history).
fn describe(raw: Option<&RawAnswer>, lang: Lang) -> String {
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

struct ItemState {
    raw: Option<RawAnswer>,
    errors: Vec<(&'static str, String)>,
    state: &'static str,
    conflict: Option<ConflictVm>,
    version: Option<i64>,
}

impl ItemState {
    fn stored() -> ItemState {
        ItemState {
            raw: None,
            errors: vec![],
            state: "",
            conflict: None,
            version: None,
        }
    }
}

type CommentRow = (String, String, String);

fn comment_rows(comments: &[kojo_store::Comment], item: Option<u16>) -> Vec<CommentRow> {
    comments
        .iter()
        .filter(|c| c.item_no == item.map(i64::from))
        .map(|c| {
            (
                c.created_at.get(..16).unwrap_or("").replace('T', " "),
                c.author.clone(),
                c.body.clone(),
            )
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn item_vm(
    st: &AppState,
    view: &AssessmentView,
    n: u16,
    lang: Lang,
    editable: bool,
    header: (bool, bool),
    s: ItemState,
    comments: Vec<CommentRow>,
) -> Option<ItemVm> {
    let c = st.app.catalog;
    let v = c.item(n)?;
    let stored = view.answers.get(&n);
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
        .map(|m| MarkVm {
            key: m.key(),
            symbol: m.symbol(),
            name: m.name(lang),
            definition: c
                .mark(m.symbol())
                .map(|d| d.definition.get(lang))
                .unwrap_or(""),
            checked: m.key() == mark_key,
        })
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
        criteria: v
            .item
            .criteria
            .iter()
            .map(|s| SectionVm {
                heading: s.heading.as_ref().map(|h| h.get(lang)),
                entries: s.entries.iter().map(|e| e.get(lang)).collect(),
            })
            .collect(),
        references: v.item.references.iter().map(|r| r.display(lang)).collect(),
        errata: c
            .errata_for_item(n)
            .map(|e| e.note.get(lang).to_string())
            .collect(),
        area: c.area(&v.item.area).map(|a| a.name.get(lang)).unwrap_or(""),
        marks,
        mark: mark_key,
        alternative_flag: raw.alternative_flagged
            || raw.alternative.as_deref().is_some_and(|a| !a.is_empty()),
        f: raw,
        version: s.version.unwrap_or_else(|| view.version(n)),
        errors: s.errors,
        state: s.state,
        state_text,
        conflict: s.conflict,
        editable,
        updated: stored.map(|a| {
            format!(
                "{} {} ({})",
                t(lang, "web.item.updated"),
                a.updated_at.get(..16).unwrap_or("").replace('T', " "),
                a.updated_by
            )
        }),
        comments,
    })
}

#[derive(serde::Deserialize, Default)]
pub struct FilterQuery {
    #[serde(default)]
    label: String,
    #[serde(default)]
    mark: String,
    #[serde(default)]
    area: String,
    #[serde(default)]
    unanswered: String,
}

async fn assessment_page(
    st: &AppState,
    ctx: &Ctx,
    id: &str,
    q: &FilterQuery,
    override_item: Option<(u16, ItemState)>,
) -> Result<Response, WebError> {
    let s = session(ctx)?;
    let reader = st.app.reader(&s.actor);
    let view = reader.assessment(id).await?;
    let comments = reader.comments(&view.assessment.id).await?;
    let lang = ctx.lang;
    let a = head(&view, lang, st.app.editor(&s.actor).is_some());
    let c = st.app.catalog;
    let label_f: Option<u16> = q.label.parse().ok();
    let mark_f = Mark::parse(&q.mark).ok();
    let unanswered = q.unanswered == "1";
    let mut items = Vec::new();
    let mut last_label = 0;
    let mut last_req = (0, usize::MAX);
    let mut override_item = override_item;
    for v in c.items() {
        let n = v.item.number;
        let answer = view.answer(n);
        if label_f.is_some_and(|l| l != v.label.number)
            || mark_f.is_some_and(|m| answer.map(|a| a.mark()) != Some(m))
            || (!q.area.is_empty() && q.area != v.item.area)
            || (unanswered && answer.is_some())
        {
            continue;
        }
        let header = (
            v.label.number != last_label,
            (v.label.number, v.requirement_index) != last_req,
        );
        last_label = v.label.number;
        last_req = (v.label.number, v.requirement_index);
        let state = match override_item.take() {
            Some((o, st)) if o == n => st,
            other => {
                override_item = other;
                ItemState::stored()
            }
        };
        if let Some(vm) = item_vm(
            st,
            &view,
            n,
            lang,
            a.editable,
            header,
            state,
            comment_rows(&comments, Some(n)),
        ) {
            items.push(vm);
        }
    }
    let filter = FilterVm {
        unanswered,
        labels: c
            .labels
            .iter()
            .map(|l| OptVm {
                value: l.number.to_string(),
                text: format!("{} {}", l.number, l.name.get(lang)),
                selected: label_f == Some(l.number),
            })
            .collect(),
        marks: Mark::ALL
            .iter()
            .map(|m| OptVm {
                value: m.key().into(),
                text: format!("{} {}", m.symbol(), m.name(lang)),
                selected: mark_f == Some(*m),
            })
            .collect(),
        areas: c
            .areas
            .iter()
            .map(|ar| OptVm {
                value: ar.id.clone(),
                text: ar.name.get(lang).into(),
                selected: q.area == ar.id,
            })
            .collect(),
    };
    Ok(render(&AssessmentPage {
        page: Page::new(ctx, "sites"),
        shown: items.len(),
        a,
        items,
        progress: progress(&view.summary),
        filter,
        unofficial: lang == Lang::En,
        area_note: c.areas_meta.note.get(lang),
        general_comments: comment_rows(&comments, None),
    }))
}

pub async fn assessment(
    State(st): St,
    Extension(ctx): Ex,
    Path(id): Path<String>,
    Query(q): Query<FilterQuery>,
) -> Response {
    respond(&ctx, assessment_page(&st, &ctx, &id, &q, None).await)
}

fn item_number(reader: &Reader<'_>, s: &str) -> Result<u16, WebError> {
    reader
        .item(s)
        .map(|i| i.get())
        .map_err(|_| WebError::NotFound)
}

async fn fragment(
    st: &AppState,
    ctx: &Ctx,
    id: &str,
    n: u16,
    s: ItemState,
) -> Result<Response, WebError> {
    let sess = session(ctx)?;
    let reader = st.app.reader(&sess.actor);
    let view = reader.assessment(id).await?;
    let comments = reader.comments(&view.assessment.id).await?;
    let a = head(&view, ctx.lang, st.app.editor(&sess.actor).is_some());
    let it = item_vm(
        st,
        &view,
        n,
        ctx.lang,
        a.editable,
        (false, false),
        s,
        comment_rows(&comments, Some(n)),
    )
    .ok_or(WebError::NotFound)?;
    Ok(render(&ItemFragment {
        page: Page::new(ctx, "sites"),
        a,
        it,
        progress: progress(&view.summary),
    }))
}

pub async fn item_get(
    State(st): St,
    Extension(ctx): Ex,
    Path((id, item)): Path<(String, String)>,
) -> Response {
    respond(
        &ctx,
        async {
            let s = session(&ctx)?;
            let n = item_number(&st.app.reader(&s.actor), &item)?;
            fragment(&st, &ctx, &id, n, ItemState::stored()).await
        }
        .await,
    )
}

/// The item form as posted by the page.
#[derive(serde::Deserialize, Default)]
pub struct ItemForm {
    #[serde(default)]
    mark: String,
    #[serde(default)]
    alternative_flag: String,
    #[serde(default)]
    alternative: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    review_by: String,
    #[serde(default)]
    accepted_by: String,
    #[serde(default)]
    progress: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    target_date: String,
    #[serde(default)]
    na_reason: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    version_override: String,
}

impl ItemForm {
    /// The answer as entered. Fields of marks other than the chosen one are hidden in the form,
    /// so they are left out here (what the user sees is what is saved).
    fn raw(&self) -> RawAnswer {
        let o = |s: &str| Some(s.to_string()).filter(|s| !s.trim().is_empty());
        let mark = Mark::parse(&self.mark).ok();
        let keep = |f: Field| mark.is_some_and(|m| Field::for_mark(m).iter().any(|(x, _)| *x == f));
        let flagged = self.alternative_flag == "1";
        RawAnswer {
            mark: o(&self.mark),
            alternative_flagged: keep(Field::Alternative) && flagged,
            alternative: o(&self.alternative).filter(|_| keep(Field::Alternative) && flagged),
            reason: o(&self.reason).filter(|_| keep(Field::Reason)),
            review_by: o(&self.review_by).filter(|_| keep(Field::ReviewBy)),
            accepted_by: o(&self.accepted_by).filter(|_| keep(Field::AcceptedBy)),
            progress: o(&self.progress).filter(|_| keep(Field::Progress)),
            status: o(&self.status).filter(|_| keep(Field::Status)),
            target_date: o(&self.target_date).filter(|_| keep(Field::TargetDate)),
            na_reason: o(&self.na_reason).filter(|_| keep(Field::NaReason)),
            note: o(&self.note),
        }
    }
}

pub async fn item_save(
    State(st): St,
    Extension(ctx): Ex,
    headers: HeaderMap,
    Path((id, item)): Path<(String, String)>,
    Form(f): Form<ItemForm>,
) -> Response {
    let htmx = headers.contains_key("hx-request");
    respond(
        &ctx,
        async {
            let s = session(&ctx)?;
            let reader = st.app.reader(&s.actor);
            let item_no = reader.item(&item).map_err(|_| WebError::NotFound)?;
            let n = item_no.get();
            let a = reader.find(&id).await?;
            let editor: Editor<'_> = st.app.editor(&s.actor).ok_or(WebError::Forbidden)?;
            let version: i64 = f
                .version_override
                .parse()
                .or_else(|_| f.version.parse())
                .unwrap_or(0);
            let raw = f.raw();
            let state = match editor
                .answer(&a.id, item_no, Some(&raw), Some(version))
                .await
            {
                Ok(_) => ItemState {
                    raw: None,
                    errors: vec![],
                    state: "saved",
                    conflict: None,
                    version: None,
                },
                Err(AppError::Invalid(errs)) => ItemState {
                    errors: errs
                        .0
                        .iter()
                        .map(|e| (e.field.key(), e.message(ctx.lang)))
                        .collect(),
                    raw: Some(raw),
                    state: "error",
                    conflict: None,
                    version: Some(version),
                },
                Err(AppError::Conflict { current, .. }) => {
                    let theirs = current
                        .as_ref()
                        .and_then(|c| c.answer.as_ref())
                        .map(|a| a.to_raw());
                    ItemState {
                        conflict: Some(ConflictVm {
                            theirs: describe(theirs.as_ref(), ctx.lang),
                            by: current
                                .as_ref()
                                .map(|c| c.updated_by.clone())
                                .unwrap_or_default(),
                            at: current
                                .as_ref()
                                .map(|c| c.updated_at.get(..19).unwrap_or("").replace('T', " "))
                                .unwrap_or_default(),
                            version: current.as_ref().map(|c| c.version).unwrap_or(0),
                        }),
                        raw: Some(raw),
                        errors: vec![],
                        state: "conflict",
                        version: Some(version),
                    }
                }
                Err(AppError::Locked) => {
                    return Err(WebError::Bad {
                        ja: AppError::Locked.message(Lang::Ja),
                        en: AppError::Locked.message(Lang::En),
                    });
                }
                Err(e) => return Err(e.into()),
            };
            if htmx {
                return fragment(&st, &ctx, &a.id, n, state).await;
            }
            if state.state == "saved" {
                return Ok(Redirect::to(&format!("/a/{}#item-{n}", a.id)).into_response());
            }
            let mut res =
                assessment_page(&st, &ctx, &a.id, &FilterQuery::default(), Some((n, state)))
                    .await?;
            *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(res)
        }
        .await,
    )
}

#[derive(serde::Deserialize)]
pub struct CommentForm {
    #[serde(default)]
    item: String,
    body: String,
}

pub async fn comment_add(
    State(st): St,
    Extension(ctx): Ex,
    Path(id): Path<String>,
    Form(f): Form<CommentForm>,
) -> Response {
    respond(
        &ctx,
        async {
            let s = session(&ctx)?;
            let reader = st.app.reader(&s.actor);
            let a = reader.find(&id).await?;
            let commenter = st.app.commenter(&s.actor).ok_or(WebError::Forbidden)?;
            let item = if f.item.trim().is_empty() {
                None
            } else {
                Some(reader.item(&f.item).map_err(|_| WebError::NotFound)?)
            };
            commenter.comment(&a.id, item, &f.body).await?;
            let anchor = item.map(|i| format!("#item-{i}")).unwrap_or_default();
            Ok(Redirect::to(&format!("/a/{}{anchor}", a.id)).into_response())
        }
        .await,
    )
}

// ---- dashboard and history -----------------------------------------------------------------

pub async fn dashboard(State(st): St, Extension(ctx): Ex, Path(id): Path<String>) -> Response {
    respond(
        &ctx,
        async {
            let s = session(&ctx)?;
            let view = st.app.reader(&s.actor).assessment(&id).await?;
            let lang = ctx.lang;
            let c = st.app.catalog;
            let sum = &view.summary;
            let o = &sum.overall;
            let mut risks = Vec::new();
            for r in &sum.residual_risks {
                let mut details = Vec::new();
                match &r.answer.answer {
                    Answer::Deferred {
                        reason,
                        review_by,
                        accepted_by,
                        progress,
                    } => {
                        details.push((Field::Reason.name(lang), reason.to_string()));
                        details.push((Field::ReviewBy.name(lang), review_by.to_string()));
                        if let Some(x) = accepted_by {
                            details.push((Field::AcceptedBy.name(lang), x.to_string()));
                        }
                        if let Some(x) = progress {
                            details.push((Field::Progress.name(lang), x.to_string()));
                        }
                    }
                    Answer::Considering {
                        status,
                        target_date,
                    } => {
                        details.push((Field::Status.name(lang), status.to_string()));
                        if let Some(d) = target_date {
                            details.push((Field::TargetDate.name(lang), d.to_string()));
                        }
                    }
                    _ => {}
                }
                if let Some(n) = &r.answer.note {
                    details.push((Field::Note.name(lang), n.to_string()));
                }
                risks.push(RiskVm {
                    n: r.item.get(),
                    mark: r.mark,
                    condition: c
                        .item(r.item.get())
                        .map(|v| v.item.condition.get(lang))
                        .unwrap_or(""),
                    details,
                });
            }
            let page = DashboardPage {
                page: Page::new(&ctx, "sites"),
                a: head(&view, lang, false),
                rate: pct(o.achievement_rate),
                completion: format!("{:.1}%", o.completion * 100.0),
                answered: o.answered,
                items: o.items,
                counts: Mark::ALL
                    .iter()
                    .map(|m| (m.key(), m.symbol(), o.counts.get(*m)))
                    .collect(),
                unanswered: o.items - o.answered,
                labels: sum
                    .labels
                    .iter()
                    .map(|l| LabelRateVm {
                        n: l.label,
                        name: c.label(l.label).map(|x| x.name.get(lang)).unwrap_or(""),
                        counts: l.stats.counts.0,
                        unanswered: l.stats.items - l.stats.answered,
                        rate: pct(l.stats.achievement_rate),
                        width: (l.stats.achievement_rate.unwrap_or(0.0) * 20.0).round() as u32 * 5,
                    })
                    .collect(),
                radar: kojo_report::radar_svg(c, sum, lang),
                risks,
            };
            Ok(render(&page))
        }
        .await,
    )
}

#[derive(serde::Deserialize)]
pub struct HistoryQuery {
    #[serde(default)]
    item: String,
}

pub async fn history(
    State(st): St,
    Extension(ctx): Ex,
    Path(id): Path<String>,
    Query(q): Query<HistoryQuery>,
) -> Response {
    respond(
        &ctx,
        async {
            let s = session(&ctx)?;
            let reader = st.app.reader(&s.actor);
            let item = if q.item.is_empty() {
                None
            } else {
                Some(item_number(&reader, &q.item)?)
            };
            let view = reader.assessment(&id).await?;
            let (_, entries) = reader.history(&id, item).await?;
            let lang = ctx.lang;
            let sym = |m: Option<Mark>| m.map(Mark::symbol).unwrap_or("—").to_string();
            let rows = entries
                .iter()
                .rev()
                .map(|e| HistoryRow {
                    at: e.changed_at.get(..19).unwrap_or("").replace('T', " "),
                    item: e.item,
                    by: e.changed_by.clone(),
                    old: sym(e.old_mark()),
                    new: sym(e.new_mark()),
                    version: e.version,
                    changes: Field::ALL
                        .iter()
                        .skip(1)
                        .filter_map(|f| {
                            let o = e
                                .old
                                .as_ref()
                                .and_then(|r| r.get(*f))
                                .unwrap_or("")
                                .to_string();
                            let n = e
                                .new
                                .as_ref()
                                .and_then(|r| r.get(*f))
                                .unwrap_or("")
                                .to_string();
                            (o != n).then(|| {
                                (
                                    f.name(lang),
                                    if o.is_empty() { "—".into() } else { o },
                                    if n.is_empty() { "—".into() } else { n },
                                )
                            })
                        })
                        .collect(),
                })
                .collect();
            Ok(render(&HistoryPage {
                page: Page::new(&ctx, "sites"),
                a: head(&view, lang, false),
                item,
                rows,
            }))
        }
        .await,
    )
}

// ---- downloads -----------------------------------------------------------------------------

fn download(bytes: Vec<u8>, mime: &'static str, filename: &str) -> Response {
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

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

fn file_stem(view: &AssessmentView) -> String {
    let a = &view.assessment;
    let mut s = format!("kojo-{}-{}", a.site_code, a.period);
    if let Some(l) = &a.line_code {
        s.push('-');
        s.push_str(l);
    }
    s
}

async fn view_for(st: &AppState, ctx: &Ctx, id: &str) -> Result<AssessmentView, WebError> {
    let s = session(ctx)?;
    Ok(st.app.reader(&s.actor).assessment(id).await?)
}

pub async fn export_xlsx(State(st): St, Extension(ctx): Ex, Path(id): Path<String>) -> Response {
    respond(
        &ctx,
        async {
            let view = view_for(&st, &ctx, &id).await?;
            let sheet = view.sheet(st.app.catalog);
            let bytes = kojo_xlsx::export(st.app.catalog, &sheet, ctx.lang)
                .map_err(|e| WebError::Internal(e.to_string()))?;
            Ok(download(bytes, XLSX, &format!("{}.xlsx", file_stem(&view))))
        }
        .await,
    )
}

pub async fn blank_xlsx(State(st): St, Extension(ctx): Ex) -> Response {
    respond(
        &ctx,
        async {
            session(&ctx)?;
            let bytes = kojo_xlsx::blank(st.app.catalog, ctx.lang)
                .map_err(|e| WebError::Internal(e.to_string()))?;
            Ok(download(bytes, XLSX, "kojo-checksheet.xlsx"))
        }
        .await,
    )
}

pub async fn actions_csv(State(st): St, Extension(ctx): Ex, Path(id): Path<String>) -> Response {
    respond(
        &ctx,
        async {
            let view = view_for(&st, &ctx, &id).await?;
            let csv =
                kojo_xlsx::action_list_csv(st.app.catalog, &view.sheet(st.app.catalog), ctx.lang);
            Ok(download(
                csv.into_bytes(),
                "text/csv; charset=utf-8",
                &format!("{}-actions.csv", file_stem(&view)),
            ))
        }
        .await,
    )
}

pub async fn actions_xlsx(State(st): St, Extension(ctx): Ex, Path(id): Path<String>) -> Response {
    respond(
        &ctx,
        async {
            let view = view_for(&st, &ctx, &id).await?;
            let bytes =
                kojo_xlsx::action_list_xlsx(st.app.catalog, &view.sheet(st.app.catalog), ctx.lang)
                    .map_err(|e| WebError::Internal(e.to_string()))?;
            Ok(download(
                bytes,
                XLSX,
                &format!("{}-actions.xlsx", file_stem(&view)),
            ))
        }
        .await,
    )
}

fn report_input<'a>(
    st: &'a AppState,
    view: &'a AssessmentView,
    sheet: &'a kojo_domain::Sheet,
    lang: Lang,
) -> kojo_report::ReportInput<'a> {
    kojo_report::ReportInput {
        catalog: st.app.catalog,
        sheet,
        summary: &view.summary,
        lang,
        generated_on: chrono::Local::now().date_naive(),
        status: Status::from_key(&view.assessment.status),
    }
}

pub async fn report_html(State(st): St, Extension(ctx): Ex, Path(id): Path<String>) -> Response {
    respond(
        &ctx,
        async {
            let view = view_for(&st, &ctx, &id).await?;
            let sheet = view.sheet(st.app.catalog);
            Ok(Html(kojo_report::html(&report_input(
                &st, &view, &sheet, ctx.lang,
            )))
            .into_response())
        }
        .await,
    )
}

pub async fn report_pdf(State(st): St, Extension(ctx): Ex, Path(id): Path<String>) -> Response {
    respond(
        &ctx,
        async {
            let view = view_for(&st, &ctx, &id).await?;
            let stem = file_stem(&view);
            let lang = ctx.lang;
            let st2 = st.clone();
            let bytes = tokio::task::spawn_blocking(move || {
                let sheet = view.sheet(st2.app.catalog);
                kojo_report::pdf(&report_input(&st2, &view, &sheet, lang))
            })
            .await
            .map_err(|e| WebError::Internal(e.to_string()))?
            .map_err(|e| WebError::Internal(e.to_string()))?;
            Ok(download(bytes, "application/pdf", &format!("{stem}.pdf")))
        }
        .await,
    )
}

// ---- import --------------------------------------------------------------------------------

async fn import_form(st: &AppState, ctx: &Ctx, errors: Vec<String>) -> Result<Response, WebError> {
    let s = session(ctx)?;
    st.app.editor(&s.actor).ok_or(WebError::Forbidden)?;
    let sites = st.app.reader(&s.actor).sites().await?;
    let failed = !errors.is_empty();
    let mut res = render(&ImportPage {
        page: Page::new(ctx, "import"),
        sites: sites
            .into_iter()
            .map(|s| SiteRow {
                code: s.code,
                name: s.name,
            })
            .collect(),
        default_period: current_fy(),
        errors,
    });
    if failed {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

pub async fn import_page(State(st): St, Extension(ctx): Ex) -> Response {
    respond(&ctx, import_form(&st, &ctx, vec![]).await)
}

pub async fn import_upload(State(st): St, Extension(ctx): Ex, mut mp: Multipart) -> Response {
    respond(
        &ctx,
        async {
            let s = session(&ctx)?;
            let editor = st.app.editor(&s.actor).ok_or(WebError::Forbidden)?;
            let (mut site, mut line, mut period, mut file) =
                (String::new(), String::new(), String::new(), None);
            loop {
                match mp.next_field().await {
                    Ok(Some(field)) => {
                        let name = field.name().unwrap_or("").to_string();
                        match name.as_str() {
                            "file" => {
                                file = Some(field.bytes().await.map_err(|_| WebError::TooLarge)?)
                            }
                            other => {
                                let v = field.text().await.map_err(|_| WebError::TooLarge)?;
                                match other {
                                    "site" => site = v,
                                    "line" => line = v,
                                    "period" => period = v,
                                    _ => {}
                                }
                            }
                        }
                    }
                    Ok(None) => break,
                    Err(_) => return Err(WebError::TooLarge),
                }
            }
            let lang = ctx.lang;
            let period = match FiscalYear::parse(&period) {
                Ok(p) => p,
                Err(e) => return import_form(&st, &ctx, vec![e.message(lang)]).await,
            };
            let bytes = file.unwrap_or_default();
            let catalog = st.app.catalog;
            let parsed = tokio::task::spawn_blocking(move || kojo_xlsx::import(&bytes, catalog))
                .await
                .map_err(|e| WebError::Internal(e.to_string()))?;
            let sheet = match parsed {
                Ok(sheet) => sheet,
                Err(errs) => {
                    let msgs = errs
                        .errors()
                        .iter()
                        .map(|e| format!("{}: {}", e.location(), e.message(lang)))
                        .collect();
                    return import_form(&st, &ctx, msgs).await;
                }
            };
            let line = Some(line.as_str()).filter(|l| !l.trim().is_empty());
            match editor.import(&sheet, &site, line, period).await {
                Ok(a) => Ok(Redirect::to(&format!("/a/{}", a.id)).into_response()),
                Err(e @ (AppError::BadInput { .. } | AppError::NotFound { .. })) => {
                    import_form(&st, &ctx, vec![e.message(lang)]).await
                }
                Err(e) => Err(e.into()),
            }
        }
        .await,
    )
}

// ---- administration ------------------------------------------------------------------------

async fn users_page(
    st: &AppState,
    ctx: &Ctx,
    error: Option<String>,
    notice: Option<String>,
) -> Result<Response, WebError> {
    let s = session(ctx)?;
    let admin = st.app.admin(&s.actor).ok_or(WebError::NotFound)?;
    let lang = ctx.lang;
    let users = admin.users().await?;
    let sites = admin.sites().await?;
    let failed = error.is_some();
    let mut res = render(&UsersPage {
        page: Page::new(ctx, "users"),
        users: users
            .into_iter()
            .map(|(u, sites)| {
                let role = Role::from_key(&u.role).unwrap_or(Role::Viewer);
                UserRow {
                    role: role.name(lang),
                    role_key: role.key(),
                    disabled: u.disabled,
                    sites: sites.into_iter().map(|s| s.code).collect(),
                    name: u.name,
                }
            })
            .collect(),
        sites: sites
            .into_iter()
            .map(|s| SiteRow {
                code: s.code,
                name: s.name,
            })
            .collect(),
        roles: Role::ALL.iter().map(|r| (r.key(), r.name(lang))).collect(),
        error,
        notice,
    });
    if failed {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

pub async fn users(State(st): St, Extension(ctx): Ex) -> Response {
    respond(&ctx, users_page(&st, &ctx, None, None).await)
}

pub async fn user_add(
    State(st): St,
    Extension(ctx): Ex,
    Form(f): Form<Vec<(String, String)>>,
) -> Response {
    respond(
        &ctx,
        async {
            let s = session(&ctx)?;
            let admin = st.app.admin(&s.actor).ok_or(WebError::NotFound)?;
            let get = |k: &str| {
                f.iter()
                    .find(|(key, _)| key == k)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default()
            };
            let sites: Vec<String> = f
                .iter()
                .filter(|(k, _)| k == "sites")
                .map(|(_, v)| v.clone())
                .collect();
            let role = Role::from_key(&get("role")).unwrap_or(Role::Viewer);
            match admin
                .add_user(&get("username"), role, &get("password"), &sites)
                .await
            {
                Ok(u) => {
                    let notice = tr(ctx.lang, "web.users.added", &[("name", &u.name)]);
                    users_page(&st, &ctx, None, Some(notice)).await
                }
                Err(
                    e @ (AppError::BadInput { .. }
                    | AppError::Duplicate { .. }
                    | AppError::Password(_)
                    | AppError::NotFound { .. }),
                ) => users_page(&st, &ctx, Some(e.message(ctx.lang)), None).await,
                Err(e) => Err(e.into()),
            }
        }
        .await,
    )
}

#[derive(serde::Deserialize)]
pub struct UserChange {
    action: String,
    #[serde(default)]
    site: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    password: String,
}

pub async fn user_change(
    State(st): St,
    Extension(ctx): Ex,
    Path(name): Path<String>,
    Form(f): Form<UserChange>,
) -> Response {
    respond(
        &ctx,
        async {
            let s = session(&ctx)?;
            let admin = st.app.admin(&s.actor).ok_or(WebError::NotFound)?;
            let r = match f.action.as_str() {
                "grant" => admin.grant(&name, &f.site).await,
                "revoke" => admin.revoke(&name, &f.site).await,
                "role" => match Role::from_key(&f.role) {
                    Some(r) => admin.set_role(&name, r).await,
                    None => Err(AppError::bad("web.users.bad_role", &[("role", &f.role)])),
                },
                "passwd" => admin.set_password(&name, &f.password).await,
                "disable" if name == s.user.name => Err(AppError::bad("web.users.not_self", &[])),
                "disable" => admin.set_disabled(&name, true).await,
                "enable" => admin.set_disabled(&name, false).await,
                _ => Err(AppError::bad(
                    "web.users.bad_action",
                    &[("action", &f.action)],
                )),
            };
            match r {
                Ok(()) => {
                    let notice = tr(ctx.lang, "web.users.changed", &[("name", &name)]);
                    users_page(&st, &ctx, None, Some(notice)).await
                }
                Err(AppError::Internal(d)) => Err(WebError::Internal(d)),
                Err(e) => users_page(&st, &ctx, Some(e.message(ctx.lang)), None).await,
            }
        }
        .await,
    )
}

pub async fn access_log(State(st): St, Extension(ctx): Ex) -> Response {
    respond(
        &ctx,
        async {
            let s = session(&ctx)?;
            let admin = st.app.admin(&s.actor).ok_or(WebError::NotFound)?;
            let rows = admin
                .access_log(500)
                .await?
                .into_iter()
                .map(|e| LogRow {
                    at: e.at.get(..19).unwrap_or("").replace('T', " "),
                    actor: e.actor.unwrap_or_default(),
                    client: e.client.unwrap_or_default(),
                    action: e.action,
                    target: e.target.unwrap_or_default(),
                    detail: e.detail.unwrap_or_default(),
                })
                .collect();
            Ok(render(&LogPage {
                page: Page::new(&ctx, "log"),
                rows,
            }))
        }
        .await,
    )
}
