//! The API client of the API tests: requests through the real router, and the check of an
//! answer against the schema the OpenAPI document declares for it. Included by `api.rs` and
//! `api_authz.rs` with `#[path]`.
#![allow(dead_code)]

use crate::common::World;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use kojo_web::api::ApiRoute;
use serde_json::{Value, json};
use tower::ServiceExt;

pub fn spec() -> Value {
    serde_json::from_str(kojo_web::api::openapi::json()).unwrap()
}

pub struct Res {
    pub status: StatusCode,
    pub content_type: String,
    pub body: Vec<u8>,
}

impl Res {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

pub async fn call(
    w: &World,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
    extra: &[(&str, &str)],
) -> Res {
    let router = w.router.clone();
    let mut b = Request::builder().method(method).uri(path);
    if let Some(t) = token {
        b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    for (k, v) in extra {
        b = b.header(*k, *v);
    }
    let req = match body {
        Some(v) => b
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(serde_json::to_vec(&v).unwrap()))
            .unwrap(),
        None => b.body(Body::empty()).unwrap(),
    };
    let res = router.oneshot(req).await.unwrap();
    let status = res.status();
    let content_type = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let body = axum::body::to_bytes(res.into_body(), usize::MAX)
        .await
        .unwrap()
        .to_vec();
    Res {
        status,
        content_type,
        body,
    }
}

/// Checks a response against the schema the document declares for the route and status.
pub fn conforms(spec: &Value, route: &ApiRoute, res: &Res) -> Result<(), String> {
    let op = &spec["paths"][route.path][route.method.to_lowercase()];
    let declared = &op["responses"][res.status.as_str()];
    if declared.is_null() {
        return Err(format!("status {} is not documented", res.status));
    }
    let ct = res.content_type.split(';').next().unwrap_or("").trim();
    let Some(content) = declared["content"].as_object() else {
        return Ok(());
    };
    let media = content
        .get(ct)
        .or_else(|| content.get("*/*"))
        .ok_or_else(|| format!("content type {ct} is not documented for {}", res.status))?;
    if !ct.contains("json") {
        return Ok(());
    }
    let instance: Value =
        serde_json::from_slice(&res.body).map_err(|e| format!("{ct} body is not JSON: {e}"))?;
    let mut schema = media["schema"].clone();
    let Some(obj) = schema.as_object_mut() else {
        return Err("no schema".into());
    };
    obj.insert("components".into(), spec["components"].clone());
    obj.insert(
        "$schema".into(),
        json!("https://json-schema.org/draft/2020-12/schema"),
    );
    let validator = jsonschema::validator_for(&schema).map_err(|e| format!("schema: {e}"))?;
    let errors: Vec<String> = validator
        .iter_errors(&instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "body does not match the schema: {}",
            errors.join("; ")
        ))
    }
}
