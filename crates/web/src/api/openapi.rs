//! The OpenAPI 3.1 document, generated from the handlers' annotations and the DTOs' schemas;
//! served at `/api/openapi.json` and printed by `kojo api openapi`. Built once per process.

use super::{assessments, catalog, cycle, dto, problem, sites};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use std::sync::OnceLock;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

struct TokenAuth;

impl Modify for TokenAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("kojo_…")
                    .description(Some(
                        "A personal API token (`kojo token create NAME --scope read|write`, or \
                         the web's API tokens page). Cookies are never accepted.",
                    ))
                    .build(),
            ),
        );
    }
}

/// Adds the answers every operation can give: 400 (bad parameters or body), 401 (no valid
/// token) and 403 (a read token asked to change, or the role may not), as problems.
struct CommonProblems;

impl Modify for CommonProblems {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
        let problem = |what: &str| {
            RefOr::T(
                ResponseBuilder::new()
                    .description(what)
                    .content(
                        "application/problem+json",
                        ContentBuilder::new()
                            .schema(Some(Ref::from_schema_name("Problem")))
                            .build(),
                    )
                    .build(),
            )
        };
        for item in openapi.paths.paths.values_mut() {
            for (writes, op) in [
                (false, &mut item.get),
                (true, &mut item.post),
                (true, &mut item.put),
                (true, &mut item.patch),
                (true, &mut item.delete),
            ]
            .into_iter()
            .filter_map(|(w, op)| op.as_mut().map(|op| (w, op)))
            {
                // Handler names repeat across modules (`sites::get`, `catalog::get`): the tag
                // makes the operation id unique.
                if let (Some(tag), Some(id)) = (
                    op.tags.as_ref().and_then(|t| t.first()).cloned(),
                    op.operation_id.clone(),
                ) && !id.starts_with(&format!("{tag}_"))
                {
                    op.operation_id = Some(format!("{tag}_{id}"));
                }
                for (status, what) in [
                    ("400", "Bad parameters or body (RFC 9457 problem)"),
                    ("401", "No token, or an unknown, revoked or expired one"),
                    ("403", "A read token asked to change, or the role may not"),
                ] {
                    op.responses
                        .responses
                        .entry(status.to_string())
                        .or_insert_with(|| problem(what));
                }
                if writes {
                    op.responses
                        .responses
                        .entry("413".to_string())
                        .or_insert_with(|| problem("The body is over the limit (256 KiB)"));
                }
            }
        }
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "kojo API",
        description = "The self-assessment system for the JAMA/JAPIA Cybersecurity Guideline, \
                       Factory (OT) edition. Errors are RFC 9457 problem details in the language \
                       of Accept-Language (ja, en). Lists use cursor pagination (`limit` 1–200, \
                       default 50; `next_cursor`).",
        license(name = "kojo")
    ),
    paths(
        catalog::get, catalog::item,
        sites::list, sites::create, sites::get, sites::lines, sites::line_create, sites::portfolio,
        assessments::list, assessments::create, assessments::get, assessments::answer,
        assessments::answer_many, assessments::diff,
        cycle::reviews, cycle::review, cycle::actions, cycle::action_create, cycle::action_update,
        cycle::evidence, cycle::evidence_download, cycle::signoffs, cycle::decide,
    ),
    components(schemas(problem::Problem, problem::FieldProblem, dto::AnswerIn, dto::AnswerOut)),
    modifiers(&TokenAuth, &CommonProblems),
    tags(
        (name = "catalog", description = "The guideline's 63 items"),
        (name = "sites", description = "Plants and lines"),
        (name = "portfolio", description = "All plants at a glance"),
        (name = "assessments", description = "Assessments and answers"),
        (name = "cycle", description = "Reviews, actions, evidence, sign-off"),
    )
)]
struct ApiDoc;

/// The document.
pub fn spec() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.info.version = env!("CARGO_PKG_VERSION").to_string();
    doc
}

/// The document as pretty JSON (what `/api/openapi.json` serves).
pub fn json() -> &'static str {
    static JSON: OnceLock<String> = OnceLock::new();
    JSON.get_or_init(|| spec().to_pretty_json().unwrap_or_default())
}

/// `GET /api/openapi.json`.
pub async fn document() -> Response {
    let mut res = json().into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    res
}
