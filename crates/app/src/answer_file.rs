//! The JSON answer file of `kojo assessment apply`:
//! `[{"item": 1, "mark": "○", "note": "…"}, {"item": "2", "mark": "－", "na_reason": "…"}]`.
//!
//! Memory budget: a file is at most [`MAX_ANSWER_FILE_BYTES`] (the caller reads no more) and
//! holds at most [`MAX_ANSWER_ENTRIES`] entries; parsing stops at the first entry beyond that,
//! before allocating for it. Entries are read into fixed fields (unknown keys are refused, so a
//! typo such as `na_reson` is an error, not a silently empty field), never into a generic JSON
//! tree, so a file within the size limit cannot make the parser allocate more than a small
//! multiple of its size. serde_json limits nesting to 128 levels.

use crate::AppError;
use kojo_catalog::Catalog;
use kojo_domain::{ItemAnswer, ItemNo, Lang, RawAnswer};
use kojo_i18n::tr;
use kojo_store::{AnswerWrite, StoredAnswer};
use serde::Deserialize;
use serde::de::{self, SeqAccess, Visitor};

/// The largest answer file, in bytes (63 fully written answers take about 100 KiB).
pub const MAX_ANSWER_FILE_BYTES: usize = 1024 * 1024;

/// The most entries an answer file may have (every item answered a few times over).
pub const MAX_ANSWER_ENTRIES: usize = 1_000;

/// An item number as JSON gives it: a number or a string (`1`, `"1"`, `"No.1"`).
#[derive(Deserialize)]
#[serde(untagged)]
enum ItemRef {
    Number(u64),
    Text(String),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    item: ItemRef,
    mark: Option<String>,
    #[serde(default)]
    alternative_flagged: bool,
    alternative: Option<String>,
    reason: Option<String>,
    review_by: Option<String>,
    accepted_by: Option<String>,
    progress: Option<String>,
    status: Option<String>,
    target_date: Option<String>,
    na_reason: Option<String>,
    note: Option<String>,
}

struct Entries(Vec<Entry>);

impl<'de> Deserialize<'de> for Entries {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Bounded;
        impl<'de> Visitor<'de> for Bounded {
            type Value = Entries;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                write!(f, "an array of at most {MAX_ANSWER_ENTRIES} answers")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Entries, A::Error> {
                // Never trust a size hint: grow as entries really arrive.
                let mut v = Vec::new();
                while let Some(e) = seq.next_element::<Entry>()? {
                    if v.len() == MAX_ANSWER_ENTRIES {
                        return Err(de::Error::custom(format_args!(
                            "more than {MAX_ANSWER_ENTRIES} entries"
                        )));
                    }
                    v.push(e);
                }
                Ok(Entries(v))
            }
        }
        d.deserialize_seq(Bounded)
    }
}

/// What is wrong with an answer file: the JSON itself, or entries (numbered from 1).
#[derive(Debug)]
pub enum AnswerFileError {
    /// Larger than [`MAX_ANSWER_FILE_BYTES`].
    TooLarge,
    /// Not an array of answers (with serde_json's line and column).
    Json(String),
    /// Entries that name no item of the catalog or whose answer is incomplete or invalid.
    Entries(Vec<(usize, AppError)>),
}

impl AnswerFileError {
    /// The message in `lang`, naming the file and each bad entry.
    pub fn message(&self, lang: Lang, file: &str) -> String {
        match self {
            AnswerFileError::TooLarge => tr(
                lang,
                "app.answer_file_too_large",
                &[("file", &file), ("max", &MAX_ANSWER_FILE_BYTES)],
            ),
            AnswerFileError::Json(detail) => tr(
                lang,
                "app.answer_file_json",
                &[("file", &file), ("detail", detail)],
            ),
            AnswerFileError::Entries(list) => list
                .iter()
                .map(|(n, e)| {
                    tr(
                        lang,
                        "app.answer_file_entry",
                        &[("n", n), ("message", &e.message(lang))],
                    )
                })
                .collect::<Vec<_>>()
                .join("; "),
        }
    }
}

/// Parses an answer file into item answers of `catalog`: all of them, or every problem.
pub fn parse_answer_file(
    bytes: &[u8],
    catalog: &Catalog,
) -> Result<Vec<(ItemNo, ItemAnswer)>, AnswerFileError> {
    if bytes.len() > MAX_ANSWER_FILE_BYTES {
        return Err(AnswerFileError::TooLarge);
    }
    let Entries(entries) =
        serde_json::from_slice(bytes).map_err(|e| AnswerFileError::Json(e.to_string()))?;
    let mut answers = Vec::with_capacity(entries.len());
    let mut problems = Vec::new();
    for (i, e) in entries.into_iter().enumerate() {
        let item_text = match &e.item {
            ItemRef::Number(n) => n.to_string(),
            ItemRef::Text(s) => s.clone(),
        };
        let raw = RawAnswer {
            mark: e.mark,
            alternative_flagged: e.alternative_flagged,
            alternative: e.alternative,
            reason: e.reason,
            review_by: e.review_by,
            accepted_by: e.accepted_by,
            progress: e.progress,
            status: e.status,
            target_date: e.target_date,
            na_reason: e.na_reason,
            note: e.note,
        };
        let item = ItemNo::parse(&item_text, catalog).map_err(|err| AppError::BadInput {
            ja: err.message(Lang::Ja),
            en: err.message(Lang::En),
        });
        match (item, raw.parse()) {
            (Ok(item), Ok(a)) => answers.push((item, a)),
            (Err(err), _) => problems.push((i + 1, err)),
            (_, Err(err)) => problems.push((i + 1, AppError::Invalid(err))),
        }
    }
    if problems.is_empty() {
        Ok(answers)
    } else {
        Err(AnswerFileError::Entries(problems))
    }
}

impl crate::Editor<'_> {
    /// Writes several answers in one transaction (all or nothing), each against the version the
    /// caller saw: another stored version fails the whole batch with a conflict.
    pub async fn answer_versioned(
        &self,
        id: &str,
        answers: &[(ItemNo, Option<RawAnswer>, i64)],
    ) -> Result<Vec<StoredAnswer>, AppError> {
        let a = self.find(id).await?;
        let mut writes = Vec::with_capacity(answers.len());
        for (item, raw, version) in answers {
            writes.push(AnswerWrite {
                item: item.get(),
                expected_version: Some(*version),
                answer: raw.as_ref().map(RawAnswer::parse).transpose()?,
            });
        }
        Ok(self
            .app
            .store
            .write_answers(&a.id, &writes, &self.actor.name)
            .await?)
    }
}

impl crate::Editor<'_> {
    /// Creates an assessment from an imported checksheet, all answers in one transaction.
    pub async fn import(
        &self,
        sheet: &kojo_domain::Sheet,
        site_code: &str,
        line_code: Option<&str>,
        period: kojo_domain::FiscalYear,
    ) -> Result<kojo_store::Assessment, AppError> {
        let Ok(catalog) = self.app.catalog_by_id(&sheet.catalog_id) else {
            return Err(AppError::bad(
                "app.catalog_mismatch",
                &[
                    ("found", &sheet.catalog_id),
                    ("expected", &self.app.catalog.id),
                ],
            ));
        };
        let answers: Vec<(u16, ItemAnswer)> = sheet
            .answers
            .iter()
            .map(|(k, v)| (k.get(), v.clone()))
            .collect();
        let a = self
            .create_on(
                catalog,
                site_code,
                line_code,
                period,
                sheet.header.assessor.as_deref(),
                &answers,
                false,
            )
            .await?;
        self.audit("import", &a.id, Some("checksheet")).await?;
        Ok(a)
    }
}
