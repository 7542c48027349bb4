//! Roles: what a user may do (grants say where).

/// A role (per user; grants are per plant).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Everything, including user management.
    Admin,
    /// Edits assessments of granted plants.
    Assessor,
    /// Reads and comments on granted plants.
    Reviewer,
    /// Reads granted plants.
    Viewer,
    /// A reviewer who may also approve (承認).
    Approver,
}

impl Role {
    /// All roles.
    pub const ALL: [Role; 5] = [
        Role::Admin,
        Role::Assessor,
        Role::Approver,
        Role::Reviewer,
        Role::Viewer,
    ];

    /// Stable key.
    pub fn key(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Assessor => "assessor",
            Role::Reviewer => "reviewer",
            Role::Viewer => "viewer",
            Role::Approver => "approver",
        }
    }

    /// Parses a key.
    pub fn from_key(s: &str) -> Option<Role> {
        Role::ALL
            .into_iter()
            .find(|r| r.key() == s.trim().to_ascii_lowercase())
    }

    /// Name in `lang`.
    pub fn name(self, lang: crate::Lang) -> &'static str {
        kojo_i18n::t(lang, &format!("role.{}", self.key()))
    }

    /// May edit assessments of granted plants (the application's editor handle).
    pub fn may_edit(self) -> bool {
        matches!(self, Role::Admin | Role::Assessor)
    }

    /// May write review comments (its commenter handle).
    pub fn may_comment(self) -> bool {
        matches!(
            self,
            Role::Admin | Role::Assessor | Role::Reviewer | Role::Approver
        )
    }

    /// May manage plants, lines and users (its admin handle).
    pub fn may_administer(self) -> bool {
        self == Role::Admin
    }

    /// May make this sign-off decision (on granted plants): authors submit, reviewers and
    /// approvers confirm or return, approvers approve. Administrators may do every step (the
    /// separation of duties still applies to them).
    pub fn may_decide(self, d: crate::Decision) -> bool {
        match d {
            crate::Decision::Submit => self.may_edit(),
            crate::Decision::Confirm | crate::Decision::Return => {
                matches!(self, Role::Admin | Role::Reviewer | Role::Approver)
            }
            crate::Decision::Approve => matches!(self, Role::Admin | Role::Approver),
        }
    }
}
