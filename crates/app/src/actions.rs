//! Action plans (対策計画): actions on □ △ × items, their status history, lists over plants.

use crate::AppError;
use crate::cycle::{parse_date_arg, text, today};
use crate::handles::{Editor, Reader};
use kojo_domain::{ActionItem, ActionStatus, ItemNo, NonEmpty};
use kojo_store::{ActionEvent, ActionListRow, ActionRow, NewAction};

/// The longest action title.
pub const ACTION_TITLE_MAX: usize = 200;

pub(crate) fn to_item(r: &ActionRow) -> Option<ActionItem> {
    Some(ActionItem {
        item: u16::try_from(r.item_no).ok()?,
        title: r.title.clone(),
        owner: r.owner.clone(),
        due: r
            .due
            .as_deref()
            .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()),
        status: r.status,
        note: r.note.clone(),
    })
}

/// An action with its scope, as lists show it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ActionEntry {
    /// The stored action and its plant, line and period.
    #[serde(flatten)]
    pub row: ActionListRow,
    /// Open and past its due date.
    pub overdue: bool,
}

/// Parses an action status (key or name in either language).
pub fn parse_action_status(s: &str) -> Result<ActionStatus, AppError> {
    ActionStatus::parse(s).ok_or_else(|| {
        AppError::bad(
            "cycle.bad_action_status",
            &[("given", &s.chars().take(40).collect::<String>())],
        )
    })
}

impl Reader<'_> {
    /// Finds a visible action by id.
    pub async fn action(&self, action_id: i64) -> Result<ActionRow, AppError> {
        let not_found = || AppError::NotFound {
            what: "action",
            key: action_id.to_string(),
        };
        let row = self
            .app
            .store
            .action(action_id)
            .await?
            .ok_or_else(not_found)?;
        // Visible only when its assessment is.
        self.find(&row.assessment_id)
            .await
            .map_err(|_| not_found())?;
        Ok(row)
    }

    /// An action's history (visible actions only).
    pub async fn action_history(&self, action_id: i64) -> Result<Vec<ActionEvent>, AppError> {
        let a = self.action(action_id).await?;
        Ok(self.app.store.action_events(a.id).await?)
    }

    /// The actions of one assessment.
    pub async fn actions(&self, id: &str) -> Result<Vec<ActionRow>, AppError> {
        let a = self.find(id).await?;
        Ok(self.app.store.actions(&a.id).await?)
    }

    /// The actions of an assessment already loaded (no second visibility check).
    pub async fn actions_of(
        &self,
        view: &crate::AssessmentView,
    ) -> Result<Vec<ActionRow>, AppError> {
        Ok(self.app.store.actions(view.seen_id()).await?)
    }

    /// The actions of the current assessment of every visible scope (of one plant, if given),
    /// only overdue ones if asked.
    pub async fn action_list(
        &self,
        site: Option<&str>,
        overdue_only: bool,
    ) -> Result<Vec<ActionEntry>, AppError> {
        let f = self.queue_filter(site, None).await?;
        let today = today();
        Ok(self
            .app
            .store
            .action_list(None, &f)
            .await?
            .into_iter()
            .map(|row| {
                let overdue = to_item(&row.action).is_some_and(|i| i.is_overdue(today));
                ActionEntry { row, overdue }
            })
            .filter(|e| !overdue_only || e.overdue)
            .collect())
    }
}

impl Editor<'_> {
    /// Adds an action to a □ △ × item.
    pub async fn add_action(
        &self,
        id: &str,
        item: ItemNo,
        title: &str,
        owner: Option<&str>,
        due: Option<&str>,
        note: Option<&str>,
    ) -> Result<ActionRow, AppError> {
        let a = self.find(id).await?;
        let item = self.item_of(&a, item)?;
        self.refuse_received(&a).await?;
        let mark = self
            .app
            .store
            .answer(&a.id, item.get())
            .await?
            .and_then(|s| s.answer)
            .map(|x| x.mark())
            .ok_or_else(|| AppError::bad("cycle.not_answered", &[("item", &item.get())]))?;
        if !mark.is_residual_risk() {
            return Err(AppError::bad(
                "cycle.action_not_residual",
                &[("item", &item.get()), ("mark", &mark.symbol())],
            ));
        }
        let title = title.trim();
        if title.is_empty()
            || title.chars().count() > ACTION_TITLE_MAX
            || title.chars().any(char::is_control)
        {
            return Err(AppError::bad(
                "cycle.bad_title",
                &[("max", &ACTION_TITLE_MAX)],
            ));
        }
        let owner = owner.map(str::trim).filter(|s| !s.is_empty()).map(|o| {
            NonEmpty::new(o)
                .map(|n| n.as_str().to_string())
                .ok_or_else(|| AppError::bad("app.bad_name", &[("name", &o)]))
        });
        let due = due
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|d| {
                parse_date_arg(
                    kojo_domain::Field::TargetDate.name(kojo_domain::Lang::Ja),
                    d,
                )
            })
            .transpose()?;
        let new = NewAction {
            item: item.get(),
            title: title.to_string(),
            owner: owner.transpose()?,
            due: due.map(|d| d.format("%Y-%m-%d").to_string()),
            note: text(note)?,
        };
        Ok(self
            .app
            .store
            .add_action(&a.id, &new, &self.actor.name)
            .await?)
    }

    /// Sets an action's status, with an optional note.
    pub async fn set_action(
        &self,
        action_id: i64,
        status: ActionStatus,
        note: Option<&str>,
    ) -> Result<ActionRow, AppError> {
        let a = self.action(action_id).await?;
        let assessment = self.find(&a.assessment_id).await?;
        self.refuse_received(&assessment).await?;
        let note = text(note)?;
        Ok(self
            .app
            .store
            .set_action_status(a.id, status.key(), note.as_deref(), &self.actor.name)
            .await?)
    }
}
