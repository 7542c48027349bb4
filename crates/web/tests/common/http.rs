//! Requests through the real router in process: a response read whole, and the GET and form
//! POST requests of a signed-in user (session cookie, CSRF header).

use super::{Login, World};
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use tower::ServiceExt;

/// A response, read whole.
pub struct Res {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Res {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

/// Sends `req` through a router on the world's app (default settings).
pub async fn send(w: &World, req: Request<Body>) -> Res {
    let router = w.router.clone();
    let res = router.oneshot(req).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let body = axum::body::to_bytes(res.into_body(), usize::MAX)
        .await
        .unwrap()
        .to_vec();
    Res {
        status,
        headers,
        body,
    }
}

/// A GET of the signed-in user.
pub fn get(l: &Login, path: &str) -> Request<Body> {
    Request::get(path)
        .header(header::COOKIE, &l.cookie)
        .body(Body::empty())
        .unwrap()
}

/// A form POST (`application/x-www-form-urlencoded`, already encoded) of the signed-in user.
pub fn post(l: &Login, path: &str, form: &str) -> Request<Body> {
    Request::post(path)
        .header(header::COOKIE, &l.cookie)
        .header("x-csrf-token", &l.csrf)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(form.to_string()))
        .unwrap()
}
