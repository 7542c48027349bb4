//! The arguments of `kojo assessment …` (what `assessment_cmd` runs).

use crate::cycle_cmd::{ReviewArgs, SignArgs};
use clap::Subcommand;

#[derive(Subcommand, Debug)]
#[allow(clippy::large_enum_variant)] // parsed once per process; boxing buys nothing
pub enum AssessmentCmd {
    /// Start an assessment of a plant (or one of its lines) for a fiscal year; prints its id last.
    /// With --from, next year's assessment from an earlier one: every answer is carried, to be
    /// re-confirmed (要再確認), with its evidence and open actions.
    New {
        /// Plant code (with --from: the source's unless given).
        #[arg(long, required_unless_present = "from")]
        site: Option<String>,
        /// Line code (assess one line instead of the whole plant).
        #[arg(long)]
        line: Option<String>,
        /// Fiscal year (年度): 2026 = April 2026 – March 2027 (with --catalog: the source's
        /// unless given).
        #[arg(long, required_unless_present = "catalog")]
        period: Option<String>,
        /// Assessor name printed on reports.
        #[arg(long)]
        assessor: Option<String>,
        /// Carry the answers of this earlier assessment of the same plant or line (id or prefix).
        #[arg(long)]
        from: Option<String>,
        /// A line's assessment on top of the plant's assessment for the same year: every item
        /// follows the plant's answer until the line overrides it (needs --line).
        #[arg(long, requires = "line", conflicts_with = "from")]
        inherit: bool,
        /// Catalog version (id or version, e.g. 0.9). With --from: 新版で作成, carrying the
        /// answers through the versions' mapping.
        #[arg(long, conflicts_with = "inherit")]
        catalog: Option<String>,
    },
    /// List assessments.
    List {
        /// Only this plant.
        #[arg(long)]
        site: Option<String>,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// Record the mark of one item with the fields the mark needs.
    Answer {
        /// Assessment id (or a unique prefix of at least 4 characters).
        id: String,
        /// Item number (1–63).
        item: String,
        /// ○ □ △ × － (or ok, defer, consider, no, na).
        mark: String,
        /// Note (any mark).
        #[arg(long)]
        note: Option<String>,
        /// □: reason for deferral (required).
        #[arg(long)]
        reason: Option<String>,
        /// □: review-by date YYYY-MM-DD (required).
        #[arg(long = "review-by")]
        review_by: Option<String>,
        /// □: who accepted the risk.
        #[arg(long = "accepted-by")]
        accepted_by: Option<String>,
        /// □: preparation progress.
        #[arg(long)]
        progress: Option<String>,
        /// △: consideration status (required).
        #[arg(long)]
        status: Option<String>,
        /// △: decision target date YYYY-MM-DD.
        #[arg(long = "target-date")]
        target_date: Option<String>,
        /// ○: alternative measure (代替策) in use.
        #[arg(long)]
        alternative: Option<String>,
        /// －: why there is no target equipment (required for －).
        #[arg(long = "na-reason")]
        na_reason: Option<String>,
        /// Only write if the item is still at this version (0 = never answered); otherwise fail
        /// with a conflict naming the current value.
        #[arg(long = "expect-version")]
        expect_version: Option<i64>,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// Apply answers from a JSON file (`[{"item": 1, "mark": "○", "note": "…"}, …]`) in one
    /// transaction: all are written or none.
    Apply {
        /// Assessment id (or unique prefix).
        id: String,
        /// JSON file ("-" for standard input).
        file: std::path::PathBuf,
    },
    /// Show an assessment: per-label table, overall rate, completion, residual risks.
    Show {
        /// Assessment id (or unique prefix).
        id: String,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// Change history of an assessment (all items, or one).
    History {
        /// Assessment id (or unique prefix).
        id: String,
        /// Item number.
        item: Option<String>,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// On a line that inherits: make items the line's own, starting from the plant's current
    /// answer (then change them with `answer`; answering an inherited item also overrides it).
    Override {
        /// Assessment id (or unique prefix).
        id: String,
        /// Item numbers.
        #[arg(required = true)]
        items: Vec<String>,
    },
    /// On a line that inherits: put items back on the plant's answers (un-override).
    Inherit {
        /// Assessment id (or unique prefix).
        id: String,
        /// Item numbers.
        #[arg(required = true)]
        items: Vec<String>,
    },
    /// Confirm answers carried from last year unchanged (要再確認 → confirmed).
    Reconfirm {
        /// Assessment id (or unique prefix).
        id: String,
        /// Item numbers to confirm.
        #[arg(required_unless_present = "all", conflicts_with = "all")]
        items: Vec<String>,
        /// Confirm every carried answer not yet confirmed.
        #[arg(long)]
        all: bool,
    },
    /// Record this year's review (見直し) of one □ △ × item: □ needs --valid and --progress or
    /// --progress-pct, △ × need --status.
    Review(ReviewArgs),
    /// The difference between two assessments of the same plant or line: rates then → now per
    /// label and overall, and every item whose mark changed (regressions first).
    Diff {
        /// The older assessment (id or prefix).
        old: String,
        /// The newer assessment (id or prefix).
        new: String,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// Submit a draft for confirmation (提出), as the kojo user named by --by.
    Submit(SignArgs),
    /// Confirm a submitted assessment (確認), as the kojo user named by --by.
    Confirm(SignArgs),
    /// Approve a confirmed assessment (承認): its content is sealed with a SHA-256 hash.
    Approve(SignArgs),
    /// Return a submitted or confirmed assessment to draft (差戻し); needs --comment.
    Return(SignArgs),
    /// Start a new revision (改訂) of an approved assessment as a draft; prints its id last.
    Revise {
        /// Assessment id (or unique prefix).
        id: String,
    },
    /// Export an assessment: OSCAL 1.2.1 assessment-results (in the --lang language) or
    /// kojo's canonical JSON.
    Export {
        /// Assessment id (or unique prefix).
        id: String,
        /// oscal or json.
        #[arg(long, value_enum)]
        format: crate::exchange_cmd::ExportFormat,
        /// Output file.
        #[arg(short = 'o', long = "output")]
        output: std::path::PathBuf,
    },
    /// Recompute the hash of an approved assessment and compare it with the one recorded at
    /// approval; fails naming the changed items.
    Verify {
        /// Assessment id (or unique prefix).
        id: String,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
}
