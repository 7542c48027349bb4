//! Parsing what people type as plant, line and company codes and display names.

use crate::AppError;

/// Validates a plant or line code: 1–32 characters of A–Z a–z 0–9 - _ .
pub fn check_code(code: &str) -> Result<String, AppError> {
    let c = kojo_domain::normalize_width(code.trim());
    let ok = !c.is_empty()
        && c.len() <= 32
        && c.chars()
            .all(|ch| ch.is_ascii_alphanumeric() || "-_.".contains(ch));
    if ok {
        Ok(c)
    } else {
        Err(AppError::bad("app.bad_code", &[("code", &code)]))
    }
}

/// Validates a display name: 1–200 characters after trimming.
pub fn check_name(name: &str) -> Result<String, AppError> {
    let n = name.trim();
    if n.is_empty() || n.chars().count() > 200 || n.chars().any(char::is_control) {
        return Err(AppError::bad("app.bad_name", &[("name", &name)]));
    }
    Ok(n.to_string())
}
