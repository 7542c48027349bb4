//! Evidence files (根拠資料): upload to an item of a draft (multipart, read in chunks against
//! the size setting), download (as an attachment, sandboxed, with the media type sniffed at
//! upload), removal from a draft. Access is that of the assessment: an invisible plant's file
//! is absent (404).

use super::review::item_page;
use crate::AppState;
use crate::ctx::Authed;
use crate::error::WebError;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use kojo_app::AppError;
use kojo_i18n::tr;
use std::sync::Arc;

type St = State<Arc<AppState>>;

/// Room for the upload form's other fields and the multipart framing, over the file itself.
pub const FORM_OVERHEAD: usize = 64 * 1024;
/// The longest value of a text field of the upload form.
const TEXT_MAX: usize = 256;
/// The most fields the upload form has (file, valid-until date), with room to spare.
const FIELDS_MAX: usize = 8;

/// `filename*` of RFC 6266 in the RFC 5987 encoding: UTF-8, every byte outside `attr-char`
/// percent-encoded.
pub fn rfc5987(name: &str) -> String {
    let mut out = String::with_capacity(name.len() * 3);
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `Content-Disposition` for a stored evidence file: an ASCII fallback name for old clients and
/// the exact name as `filename*`.
pub fn disposition(name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_ ".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
        rfc5987(name)
    )
}

/// Reads a short text field; `None` when it is longer than [`TEXT_MAX`].
async fn short_text(field: &mut axum::extract::multipart::Field<'_>) -> Option<String> {
    let mut buf = Vec::new();
    while let Some(chunk) = field.chunk().await.ok()? {
        if buf.len() + chunk.len() > TEXT_MAX {
            return None;
        }
        buf.extend_from_slice(&chunk);
    }
    String::from_utf8(buf).ok()
}

/// Attaches a file to the item (drafts only).
pub async fn upload(
    State(st): St,
    au: Authed,
    headers: HeaderMap,
    Path((id, item)): Path<(String, String)>,
    mut mp: Multipart,
) -> Result<Response, WebError> {
    let reader = st.app.reader(au.actor());
    let item_no = reader.item(&item).map_err(|_| WebError::NotFound)?;
    let a = reader.find(&id).await?;
    let editor = st.app.editor(au.actor()).ok_or(WebError::Forbidden)?;
    let max = usize::try_from(reader.evidence_max_bytes().await?).unwrap_or(usize::MAX);
    let lang = au.lang();
    let n = item_no.get();
    let too_large = || {
        tr(
            lang,
            "web.evidence.too_large",
            &[("max", &super::size(max as i64))],
        )
    };
    // A declared body larger than any allowed file is refused before it is read.
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|l| l > max.saturating_add(FORM_OVERHEAD)) {
        return Err(WebError::TooLarge);
    }
    let (mut name, mut data, mut valid_until) = (String::new(), Vec::new(), String::new());
    let mut fields = 0;
    while let Some(mut field) = mp.next_field().await.map_err(|_| WebError::TooLarge)? {
        fields += 1;
        if fields > FIELDS_MAX {
            return Err(WebError::TooLarge);
        }
        match field.name().unwrap_or("") {
            "file" => {
                name = field.file_name().unwrap_or("").to_string();
                while let Some(chunk) = field.chunk().await.map_err(|_| WebError::TooLarge)? {
                    if data.len() + chunk.len() > max {
                        return item_page(&st, &au, &a.id, n, None, Some(too_large())).await;
                    }
                    data.extend_from_slice(&chunk);
                }
            }
            "valid_until" => {
                valid_until = short_text(&mut field).await.ok_or(WebError::TooLarge)?
            }
            _ => {
                short_text(&mut field).await.ok_or(WebError::TooLarge)?;
            }
        }
    }
    match editor
        .add_evidence(&a.id, item_no, &name, &data, Some(&valid_until))
        .await
    {
        Ok(_) => {
            Ok(Redirect::to(&format!("/a/{}/items/{n}/review#evidence", a.id)).into_response())
        }
        Err(e @ (AppError::BadInput { .. } | AppError::Locked { .. })) => {
            let msg = e.message(lang);
            item_page(&st, &au, &a.id, n, None, Some(msg)).await
        }
        Err(e) => Err(e.into()),
    }
}

fn evidence_id(s: &str) -> Result<i64, WebError> {
    s.parse().map_err(|_| WebError::NotFound)
}

/// The file as an attachment: never rendered by the browser as a page of kojo's origin.
pub async fn download(
    State(st): St,
    au: Authed,
    Path(eid): Path<String>,
) -> Result<Response, WebError> {
    let (row, data) = st
        .app
        .reader(au.actor())
        .evidence_get(evidence_id(&eid)?)
        .await?;
    let mime = HeaderValue::from_str(&row.media_type)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    let disp = HeaderValue::from_str(&disposition(&row.name))
        .unwrap_or(HeaderValue::from_static("attachment"));
    Ok((
        [
            (header::CONTENT_TYPE, mime),
            (header::CONTENT_DISPOSITION, disp),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static("sandbox; default-src 'none'"),
            ),
        ],
        data,
    )
        .into_response())
}

/// Removes a file from a draft.
pub async fn remove(
    State(st): St,
    au: Authed,
    Path(eid): Path<String>,
) -> Result<Response, WebError> {
    let eid = evidence_id(&eid)?;
    let (row, _) = st.app.reader(au.actor()).evidence_get(eid).await?;
    let editor = st.app.editor(au.actor()).ok_or(WebError::Forbidden)?;
    let item = u16::try_from(row.item_no).map_err(|_| WebError::NotFound)?;
    match editor.remove_evidence(eid).await {
        Ok(()) => Ok(Redirect::to(&format!(
            "/a/{}/items/{item}/review#evidence",
            row.assessment_id
        ))
        .into_response()),
        Err(e @ AppError::Locked { .. }) => {
            let msg = e.message(au.lang());
            item_page(&st, &au, &row.assessment_id, item, None, Some(msg)).await
        }
        Err(e) => Err(e.into()),
    }
}
