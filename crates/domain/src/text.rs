//! Text newtypes and normalisation helpers.

use serde::{Deserialize, Serialize};

/// Full-width ASCII (ＡＢＣ１２３) to half-width, ideographic space to space.
pub fn normalize_width(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            _ => c,
        })
        .collect()
}

/// A non-empty, trimmed text (at most [`NonEmpty::MAX_CHARS`] characters).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct NonEmpty(String);

impl NonEmpty {
    /// Upper bound on a field's length, in characters.
    pub const MAX_CHARS: usize = 4000;

    /// `Some` if `s` has non-whitespace content within the length limit.
    pub fn new(s: &str) -> Option<Self> {
        let t = s.trim();
        (!t.is_empty() && t.chars().count() <= Self::MAX_CHARS).then(|| NonEmpty(t.to_string()))
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for NonEmpty {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        NonEmpty::new(&s).ok_or_else(|| "empty or too long text".to_string())
    }
}

impl From<NonEmpty> for String {
    fn from(n: NonEmpty) -> String {
        n.0
    }
}

impl std::fmt::Display for NonEmpty {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for NonEmpty {
    fn as_ref(&self) -> &str {
        &self.0
    }
}
