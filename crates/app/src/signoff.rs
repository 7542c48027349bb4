//! Sign-off 作成 → 確認 → 承認: who may decide what, separation of duties, the recorded steps,
//! and `verify` of an approved revision's content hash.
//!
//! The status change itself is one guarded update in the store, so two people deciding at once
//! cannot both succeed.

use crate::cycle::{items_list, status_of, text};
use crate::handles::Reader;
use crate::{App, AppError};
use kojo_domain::{ContentHash, Decision, Review, SignOff, Status, review_gaps};
use kojo_store::SignOffRow;
use serde::Serialize;
use std::collections::BTreeMap;

/// The outcome of `verify`.
#[derive(Debug, Clone, Serialize)]
pub struct Verification {
    /// The hash recorded at approval.
    pub recorded: String,
    /// The hash of the content now.
    pub current: String,
    /// Items whose content differs from what was approved.
    pub changed_items: Vec<u16>,
}

impl Verification {
    /// Whether the content is as approved.
    pub fn ok(&self) -> bool {
        self.recorded == self.current && self.changed_items.is_empty()
    }
}

impl Reader<'_> {
    /// The sign-off steps of an assessment, in order.
    pub async fn signoffs(&self, id: &str) -> Result<Vec<SignOffRow>, AppError> {
        let a = self.find(id).await?;
        Ok(self.app.store.signoffs(&a.id).await?)
    }

    /// The sign-off steps of an assessment already loaded (no second visibility check).
    pub async fn signoffs_of(
        &self,
        view: &crate::AssessmentView,
    ) -> Result<Vec<SignOffRow>, AppError> {
        Ok(self.app.store.signoffs(view.seen_id()).await?)
    }

    /// The sign-off steps of every assessment of a visible plant, in order.
    pub async fn site_signoffs(
        &self,
        site: &kojo_store::Site,
    ) -> Result<Vec<SignOffRow>, AppError> {
        Ok(self.app.store.site_signoffs(&site.id).await?)
    }

    /// Recomputes the hash of an approved assessment and compares it with the one recorded at
    /// approval.
    pub async fn verify(&self, id: &str) -> Result<Verification, AppError> {
        let a = self.find(id).await?;
        if status_of(&a)? != Status::Approved {
            let st = status_of(&a)?;
            return Err(AppError::bad_with("cycle.not_approved", |l| {
                vec![("status", st.name(l).to_string())]
            }));
        }
        let approval = self
            .app
            .store
            .signoffs(&a.id)
            .await?
            .into_iter()
            .rfind(|s| s.decision == Decision::Approve)
            .ok_or_else(|| AppError::Internal("approved without an approval record".into()))?;
        let recorded_items: BTreeMap<u16, String> = serde_json::from_str(&approval.item_hashes)
            .map_err(|e| AppError::Internal(format!("item hashes: {e}")))?;
        let recorded = ContentHash {
            hash: approval.content_hash.clone(),
            items: recorded_items,
        };
        // What the registers said is compared as recorded: the ledgers live on after approval.
        let now = self
            .app
            .store
            .content_hash(&a.id)
            .await?
            .with_registers(approval.registers.as_deref());
        Ok(Verification {
            changed_items: recorded.changed_items(&now),
            recorded: recorded.hash,
            current: now.hash,
        })
    }
}

/// Makes sign-off decisions for the actor ([`App::signer`]).
#[derive(Debug, Clone, Copy)]
pub struct Signer<'a> {
    pub(crate) reader: Reader<'a>,
}

impl<'a> std::ops::Deref for Signer<'a> {
    type Target = Reader<'a>;
    fn deref(&self) -> &Reader<'a> {
        &self.reader
    }
}

impl Signer<'_> {
    /// Makes `decision` on assessment `id`: checks the actor's role, the state, the review
    /// (for a submission) and the separation of duties, then changes the state and records the
    /// decision with the hash of the content, in one transaction.
    pub async fn decide(
        &self,
        id: &str,
        decision: Decision,
        comment: Option<&str>,
    ) -> Result<SignOffRow, AppError> {
        let a = self.find(id).await?;
        self.refuse_received(&a).await?;
        if !self.actor.role.may_decide(decision) {
            return Err(AppError::bad_with("cycle.not_author_role", |l| {
                vec![
                    ("user", self.actor.name.to_string()),
                    ("role", self.actor.role.name(l).to_string()),
                    ("decision", decision.name(l).to_string()),
                ]
            }));
        }
        let from = status_of(&a)?;
        let Some(to) = decision.apply(from) else {
            return Err(AppError::bad_with("cycle.bad_transition", |l| {
                vec![
                    ("status", from.name(l).to_string()),
                    ("decision", decision.name(l).to_string()),
                ]
            }));
        };
        let comment = text(comment)?;
        if decision == Decision::Return && comment.is_none() {
            return Err(AppError::bad("cycle.return_needs_comment", &[]));
        }
        // A line that inherits is approved only on an approved plant assessment: an approved
        // plant revision never changes, so neither does what the line inherited.
        if decision == Decision::Approve
            && let Some(parent) = &a.inherits_from
        {
            let p = self.find(parent).await?;
            if status_of(&p)? != Status::Approved {
                let period = u16::try_from(p.period)
                    .ok()
                    .and_then(kojo_domain::FiscalYear::new);
                let revision = p.revision;
                return Err(AppError::bad_with("inherit.plant_not_approved", move |l| {
                    vec![
                        ("period", period.map(|p| p.label(l)).unwrap_or_default()),
                        ("revision", revision.to_string()),
                    ]
                }));
            }
        }
        if decision == Decision::Submit {
            let view = self.assessment(&a.id).await?;
            if !view.summary.unconfirmed.is_empty() {
                let items: Vec<u16> = view.summary.unconfirmed.iter().map(|i| i.get()).collect();
                return Err(AppError::bad(
                    "cycle.unconfirmed_left",
                    &[("items", &items_list(&items))],
                ));
            }
            // A yearly review (an assessment carried from an earlier one) must review every
            // □ △ × item before it goes to the reviewer.
            if a.based_on.is_some() {
                let reviews: BTreeMap<u16, Review> = self
                    .app
                    .store
                    .reviews(&a.id)
                    .await?
                    .into_iter()
                    .map(|r| (r.item, r))
                    .collect();
                let missing: Vec<u16> = view
                    .summary
                    .residual_risks
                    .iter()
                    // An inherited item is the plant's: it is reviewed on the plant.
                    .filter(|r| {
                        !view.answers.get(&r.item.get()).is_some_and(|s| s.inherited)
                            && !review_gaps(r.answer.mark(), reviews.get(&r.item.get())).is_empty()
                    })
                    .map(|r| r.item.get())
                    .collect();
                if !missing.is_empty() {
                    return Err(AppError::bad(
                        "cycle.review_missing",
                        &[("items", &items_list(&missing))],
                    ));
                }
            }
        }
        // Separation of duties over the sign-offs since the last return.
        let signoffs: Vec<SignOff> = self
            .app
            .store
            .signoffs(&a.id)
            .await?
            .iter()
            .map(SignOffRow::sign_off)
            .collect();
        let [submitted, confirmed, _] = kojo_domain::signature_boxes(&signoffs);
        let required = self.app.required_signers().await?;
        let me = self.actor.name.as_str();
        let clash = match decision {
            Decision::Confirm => submitted.filter(|s| s.by == me),
            // Three people: the approver is neither the author nor the confirmer. Two (small
            // plants): the approver is not the author; the confirmer may approve.
            Decision::Approve if required >= 3 => submitted
                .filter(|s| s.by == me)
                .or(confirmed.filter(|s| s.by == me)),
            Decision::Approve => submitted.filter(|s| s.by == me),
            _ => None,
        };
        if let Some(s) = clash {
            return Err(AppError::bad_with("cycle.same_person", |l| {
                vec![
                    ("user", me.to_string()),
                    ("step", s.decision.name(l).to_string()),
                    ("n", required.to_string()),
                ]
            }));
        }
        // What the plant's registers say today is sealed with the content (a plant that keeps no
        // register data in kojo has nothing to seal).
        let registers = self
            .app
            .register_snapshot(&a.site_id, crate::cycle::today())
            .await?
            .map(|s| s.to_json());
        let row = self
            .app
            .store
            .sign(
                &a.id,
                from,
                to,
                decision,
                me,
                comment.as_deref(),
                registers.as_deref(),
            )
            .await?;
        let detail = format!("{} {} → {}", decision.key(), from.key(), to.key());
        self.app
            .store
            .audit(
                Some(me),
                self.actor.client.as_deref(),
                "signoff",
                Some(&a.id),
                Some(&detail),
            )
            .await?;
        Ok(row)
    }
}

impl App {
    /// A sign-off handle, if `actor`'s role may make any sign-off decision (everyone but
    /// viewers); each decision is checked again by [`Role::may_decide`].
    pub fn signer<'a>(&'a self, actor: &'a crate::Actor) -> Option<Signer<'a>> {
        Decision::ALL
            .iter()
            .any(|d| actor.role.may_decide(*d))
            .then_some(Signer {
                reader: self.reader(actor),
            })
    }

    /// Acts as the named kojo user (the command line's `--by`): the user must exist and be
    /// enabled; their role and plant grants then apply.
    pub async fn actor_for(&self, name: &str) -> Result<crate::Actor, AppError> {
        let user = self
            .store
            .user_by_name(name.trim())
            .await?
            .filter(|u| !u.disabled)
            .ok_or_else(|| {
                AppError::bad(
                    "cycle.unknown_signer",
                    &[("user", &name.chars().take(64).collect::<String>())],
                )
            })?;
        Ok(crate::Actor {
            name: user.name,
            role: user.role,
            user_id: Some(user.id),
            client: None,
        })
    }
}
