//! Reading stored keys back: every enum kept in the database as its key (`draft`, `admin`,
//! `approve`, `in_progress`) converts from the stored `String` (`#[sqlx(try_from = "String")]` in the store's
//! rows), so a row cannot hold a status, role or decision kojo does not know.

use crate::{ActionStatus, Decision, Role, Status};

/// A stored key that names no value of its kind (a corrupt row, or one written by a newer kojo).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownKey {
    /// The kind (`status`, `role`, `decision`).
    pub kind: &'static str,
    /// The key as stored.
    pub key: String,
}

impl std::fmt::Display for UnknownKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "unknown {} {:?}", self.kind, self.key)
    }
}

impl std::error::Error for UnknownKey {}

macro_rules! stored_key {
    ($ty:ty, $kind:literal) => {
        impl TryFrom<String> for $ty {
            type Error = UnknownKey;
            fn try_from(key: String) -> Result<Self, UnknownKey> {
                <$ty>::ALL
                    .into_iter()
                    .find(|v| v.key() == key)
                    .ok_or(UnknownKey { kind: $kind, key })
            }
        }
    };
}

stored_key!(Status, "status");
stored_key!(Role, "role");
stored_key!(Decision, "decision");
stored_key!(ActionStatus, "action status");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_reads_back_and_nothing_else_does() {
        for s in Status::ALL {
            assert_eq!(Status::try_from(s.key().to_string()), Ok(s));
        }
        for r in Role::ALL {
            assert_eq!(Role::try_from(r.key().to_string()), Ok(r));
        }
        for d in Decision::ALL {
            assert_eq!(Decision::try_from(d.key().to_string()), Ok(d));
        }
        // Stored keys are exact: no trimming or case folding as for typed input.
        assert!(Role::try_from("Admin".to_string()).is_err());
        let e = Status::try_from("archived".to_string()).unwrap_err();
        assert_eq!(e.to_string(), "unknown status \"archived\"");
    }
}
