//! Passwords: rules (guideline item 51) and Argon2id hashing.

use argon2::password_hash::{
    PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng,
};
use argon2::{Algorithm, Argon2, Params, Version};
use kojo_domain::Lang;
use std::collections::HashSet;
use std::sync::OnceLock;

/// Minimum length in characters.
pub const MIN_CHARS: usize = 12;
/// Maximum length in characters (bounds hashing cost of hostile input).
pub const MAX_CHARS: usize = 256;

/// Why a password is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    /// Shorter than [`MIN_CHARS`].
    #[error("password too short")]
    TooShort,
    /// Longer than [`MAX_CHARS`].
    #[error("password too long")]
    TooLong,
    /// Equal to or containing the user name.
    #[error("password contains the user name")]
    ContainsUserName,
    /// In the list of common passwords, or a trivial pattern.
    #[error("password is too common")]
    Common,
    /// Hashing failed (internal).
    #[error("password hashing failed")]
    Hash,
}

impl PasswordError {
    /// Message in `lang`.
    pub fn message(self, lang: Lang) -> String {
        let key = match self {
            PasswordError::TooShort => "password.too_short",
            PasswordError::TooLong => "password.too_long",
            PasswordError::ContainsUserName => "password.user_name",
            PasswordError::Common => "password.common",
            PasswordError::Hash => "password.hash",
        };
        kojo_i18n::tr(lang, key, &[("min", &MIN_CHARS), ("max", &MAX_CHARS)])
    }
}

fn common() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| {
        include_str!("../data/common-passwords.txt")
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
            .collect()
    })
}

/// Checks a new password against the rules: at least 12 characters, not the user name (nor
/// containing it), not a common password or a trivial variation (case, trailing digits or
/// symbols, repetition of a common word, one repeated character, a keyboard or digit run).
pub fn check(user_name: &str, password: &str) -> Result<(), PasswordError> {
    let n = password.chars().count();
    if n < MIN_CHARS {
        return Err(PasswordError::TooShort);
    }
    if n > MAX_CHARS {
        return Err(PasswordError::TooLong);
    }
    let lower = password.to_lowercase();
    let user = user_name.trim().to_lowercase();
    if !user.is_empty() && (lower == user || (user.chars().count() >= 3 && lower.contains(&user))) {
        return Err(PasswordError::ContainsUserName);
    }
    let list = common();
    let core = lower.trim_end_matches(|c: char| c.is_ascii_digit() || c.is_ascii_punctuation());
    let core = core.trim_start_matches(|c: char| c.is_ascii_digit() || c.is_ascii_punctuation());
    if list.contains(lower.as_str()) || (core.len() >= 4 && list.contains(core)) {
        return Err(PasswordError::Common);
    }
    // A common word repeated ("passwordpassword") or one character repeated.
    let chars: Vec<char> = lower.chars().collect();
    for unit in 1..=chars.len() / 2 {
        if chars.len().is_multiple_of(unit) && chars.chunks(unit).all(|c| c == &chars[..unit]) {
            let w: String = chars[..unit].iter().collect();
            if unit <= 4 || list.contains(w.as_str()) {
                return Err(PasswordError::Common);
            }
        }
    }
    // Runs such as 123456789012 or abcdefghijkl.
    let ascending = chars
        .windows(2)
        .all(|w| (w[1] as u32).wrapping_sub(w[0] as u32) == 1 || (w[0] == '9' && w[1] == '0'));
    let descending = chars
        .windows(2)
        .all(|w| (w[0] as u32).wrapping_sub(w[1] as u32) == 1 || (w[0] == '0' && w[1] == '9'));
    if ascending || descending {
        return Err(PasswordError::Common);
    }
    for row in [
        "1234567890",
        "qwertyuiop",
        "asdfghjkl",
        "zxcvbnm",
        "1qaz2wsx3edc4rfv",
    ] {
        if row.contains(core) && core.len() >= 6 {
            return Err(PasswordError::Common);
        }
    }
    Ok(())
}

fn argon2() -> Argon2<'static> {
    // OWASP's recommended minimum for Argon2id: m=19 MiB, t=2, p=1.
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Argon2id hash (PHC string) of a password.
pub fn hash(password: &str) -> Result<String, PasswordError> {
    let salt = SaltString::generate(&mut OsRng);
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|_| PasswordError::Hash)
}

/// Whether `password` matches `phc`. Malformed hashes never match.
pub fn verify(password: &str, phc: &str) -> bool {
    if password.chars().count() > MAX_CHARS {
        return false;
    }
    match PasswordHash::new(phc) {
        Ok(h) => argon2().verify_password(password.as_bytes(), &h).is_ok(),
        Err(_) => false,
    }
}

/// A hash of a random password, used to spend the same time on unknown user names as on known
/// ones (so login timing does not reveal which names exist).
pub fn dummy_hash() -> &'static str {
    static H: OnceLock<String> = OnceLock::new();
    H.get_or_init(|| hash("kojo-dummy-password-for-timing").unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules() {
        assert_eq!(check("yamada", "short"), Err(PasswordError::TooShort));
        assert_eq!(
            check("yamada", "yamada-is-great-2026"),
            Err(PasswordError::ContainsUserName)
        );
        assert_eq!(
            check("abcdefghijklmn", "abcdefghijklmn"),
            Err(PasswordError::ContainsUserName)
        );
        assert_eq!(check("u", "password1234"), Err(PasswordError::Common));
        assert_eq!(check("u", "Password1234!"), Err(PasswordError::Common));
        assert_eq!(check("u", "qwertyuiop123"), Err(PasswordError::Common));
        assert_eq!(check("u", "passwordpassword"), Err(PasswordError::Common));
        assert_eq!(check("u", "aaaaaaaaaaaaaa"), Err(PasswordError::Common));
        assert_eq!(check("u", "123456789012"), Err(PasswordError::Common));
        assert_eq!(check("u", "abababababab"), Err(PasswordError::Common));
        assert_eq!(check("u", "1qaz2wsx3edc"), Err(PasswordError::Common));
        assert!(check("yamada", "工場の鍵は青い箱の中2026").is_ok());
        assert!(check("yamada", "correct horse battery staple").is_ok());
        assert!(PasswordError::TooShort.message(Lang::Ja).contains("12"));
    }

    #[test]
    fn hashes_are_argon2id_and_verify() {
        let h = hash("correct horse battery staple").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("correct horse battery staple", &h));
        assert!(!verify("correct horse battery stapl", &h));
        assert!(!verify("x", "not a hash"));
        assert_ne!(h, hash("correct horse battery staple").unwrap(), "salted");
    }
}
