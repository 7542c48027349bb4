//! Exchange on the supplier's side: signing keys, the canonical document of an assessment, its
//! OSCAL assessment-results, and the signed submission package.

use crate::cycle::status_of;
use crate::handles::not_found;
use crate::{Admin, AppError, AssessmentView, Reader, check_code};
use kojo_domain::Status;
use kojo_exchange::doc::{AnswerDoc, AssessmentDoc, DOC_FORMAT, EvidenceDoc, Party, SignOffDoc};
use kojo_exchange::keys::{self, GeneratedKey, PublicKey, SigningKey};
use kojo_exchange::{ExchangeError, package};
use kojo_store::{Assessment, CompanyKey, Organisation};
use std::collections::BTreeMap;

/// A registered key with its fingerprint, for `kojo key show` and the web.
#[derive(Debug, Clone, serde::Serialize)]
pub struct KeyInfo {
    /// The stored row.
    #[serde(flatten)]
    pub key: CompanyKey,
    /// SHA-256 fingerprint of the public key.
    pub fingerprint: String,
    /// The `.pub` file's text.
    pub public_file: String,
}

impl KeyInfo {
    pub(crate) fn of(key: CompanyKey) -> KeyInfo {
        let pk = PublicKey {
            key_id: key.key_id.clone(),
            base64: key.public_key.clone(),
        };
        KeyInfo {
            fingerprint: pk.fingerprint(),
            public_file: pk.file_text(),
            key,
        }
    }

    /// The public key.
    pub fn public(&self) -> PublicKey {
        PublicKey {
            key_id: self.key.key_id.clone(),
            base64: self.key.public_key.clone(),
        }
    }
}

/// What to put into a submission package.
#[derive(Debug, Clone, Copy)]
pub struct SubmitOptions<'a> {
    /// The secret key file's text.
    pub secret_key: &'a str,
    /// Its passphrase.
    pub passphrase: &'a str,
    /// Include evidence files (else only their hashes).
    pub with_evidence: bool,
    /// Language of the report, checksheet and OSCAL document.
    pub lang: kojo_domain::Lang,
}

/// A package made by [`Admin::submit`].
#[derive(Debug, Clone)]
pub struct Submission {
    /// The package file.
    pub bytes: Vec<u8>,
    /// The key that signed it.
    pub key_id: String,
    /// The assessment.
    pub assessment: Assessment,
}

impl Reader<'_> {
    pub(crate) async fn company_of(&self, a: &Assessment) -> Result<Organisation, AppError> {
        self.app
            .store
            .companies()
            .await?
            .into_iter()
            .find(|c| c.id == a.org_id)
            .ok_or_else(|| AppError::Internal(format!("company {} missing", a.org_id)))
    }

    /// Whether a company is a supplier registered here.
    pub(crate) async fn is_supplier(&self, org_id: &str) -> Result<bool, AppError> {
        Ok(self
            .app
            .store
            .suppliers()
            .await?
            .iter()
            .any(|s| s.id == org_id))
    }

    /// kojo's canonical document of an assessment (`assessment.json`): the stored content
    /// exactly as the sign-off hashes it, with names, actions, evidence metadata and sign-off
    /// steps.
    pub async fn assessment_doc(&self, id: &str) -> Result<AssessmentDoc, AppError> {
        let view = self.assessment(id).await?;
        self.doc_of(&view).await
    }

    pub(crate) async fn doc_of(&self, view: &AssessmentView) -> Result<AssessmentDoc, AppError> {
        let a = &view.assessment;
        let store = &self.app.store;
        let company = self.company_of(a).await?;
        let (header, items) = store.content(&a.id).await?;
        let answers = items
            .iter()
            .filter_map(|(n, c)| {
                let raw = c.answer.clone()?;
                let s = view.answers.get(n);
                Some(AnswerDoc {
                    item: *n,
                    answer: raw,
                    confirmed: s.is_none_or(|s| s.confirmed),
                    inherited: s.is_some_and(|s| s.inherited),
                    updated_by: s.map(|s| s.updated_by.clone()).unwrap_or_default(),
                    updated_at: s.map(|s| s.updated_at.clone()).unwrap_or_default(),
                })
            })
            .collect();
        let reviews = items.values().filter_map(|c| c.review.clone()).collect();
        let actions = store
            .actions(&a.id)
            .await?
            .into_iter()
            .filter_map(|r| crate::actions::to_item(&r))
            .collect();
        let evidence = store
            .evidence_list(&a.id)
            .await?
            .into_iter()
            .map(|e| EvidenceDoc {
                item: u16::try_from(e.item_no).unwrap_or_default(),
                sha256: e.sha256,
                name: e.name,
                media_type: e.media_type,
                size: u64::try_from(e.size).unwrap_or_default(),
                uploaded_by: e.uploaded_by,
                uploaded_at: e.uploaded_at,
                valid_until: e.valid_until,
            })
            .collect();
        let mut signoffs = Vec::new();
        for s in store.signoffs(&a.id).await? {
            signoffs.push(SignOffDoc {
                item_hashes: serde_json::from_str(&s.item_hashes)
                    .map_err(|e| AppError::Internal(format!("item hashes: {e}")))?,
                decision: s.decision.key().to_string(),
                by: s.by_user,
                at: s.at,
                comment: s.comment,
                content_hash: s.content_hash,
                registers: s.registers,
            });
        }
        Ok(AssessmentDoc {
            format: DOC_FORMAT,
            header,
            company: Party {
                code: company.code,
                name: company.name,
            },
            plant: Party {
                code: a.site_code.clone(),
                name: a.site_name.clone(),
            },
            line: a
                .line_code
                .clone()
                .zip(a.line_name.clone())
                .map(|(code, name)| Party { code, name }),
            assessor: a.assessor.clone(),
            status: a.status.key().to_string(),
            answers,
            reviews,
            actions,
            evidence,
            signoffs,
        })
    }

    /// The OSCAL 1.2.1 assessment-results document of an assessment, in `lang`.
    pub async fn oscal_results(
        &self,
        id: &str,
        lang: kojo_domain::Lang,
    ) -> Result<serde_json::Value, AppError> {
        let doc = self.assessment_doc(id).await?;
        let catalog = self.app.catalog_by_id(&doc.header.catalog_id)?;
        Ok(kojo_exchange::oscal::export(catalog, &doc, lang))
    }

    /// Every key of a company the actor may see (all companies: `None`), oldest first.
    pub async fn company_keys(&self, code: Option<&str>) -> Result<Vec<KeyInfo>, AppError> {
        let visible = self.companies().await?;
        let org = match code {
            Some(c) => Some(
                visible
                    .iter()
                    .find(|o| o.code == c.trim())
                    .ok_or_else(|| not_found("company", c))?
                    .id
                    .clone(),
            ),
            None => None,
        };
        Ok(self
            .app
            .store
            .company_keys(org.as_deref())
            .await?
            .into_iter()
            .filter(|k| visible.iter().any(|o| o.id == k.org_id))
            .map(KeyInfo::of)
            .collect())
    }

    /// The checksheet of an assessment as xlsx, with last year's marks, this cycle's reviews
    /// and what a line inherits in the informational columns; dated `created` when given (a
    /// reproducible file), else today.
    pub async fn checksheet(
        &self,
        view: &AssessmentView,
        lang: kojo_domain::Lang,
        created: Option<chrono::NaiveDate>,
    ) -> Result<Vec<u8>, AppError> {
        let previous = self.previous(&view.assessment).await?;
        let reviews = self.app.store.reviews(&view.assessment.id).await?;
        let caption = previous
            .as_ref()
            .and_then(|(p, _)| {
                u16::try_from(p.period)
                    .ok()
                    .and_then(kojo_domain::FiscalYear::new)
            })
            .map(|p| p.label(lang))
            .unwrap_or_default();
        let inherited = view.inherited_items();
        let cycle = kojo_xlsx::CycleColumns {
            previous: previous
                .as_ref()
                .map(|(_, marks)| kojo_xlsx::PreviousMarks {
                    caption: &caption,
                    marks,
                }),
            reviews: &reviews,
            inherited: &inherited,
        };
        let sheet = view.sheet();
        match created {
            Some(on) => kojo_xlsx::export_cycle_dated(view.catalog, &sheet, &cycle, lang, on),
            None => kojo_xlsx::export_cycle(view.catalog, &sheet, &cycle, lang),
        }
        .map_err(|e| AppError::Internal(e.to_string()))
    }

    /// The PDF report of an assessment, dated `on`.
    pub(crate) async fn report_pdf(
        &self,
        view: &AssessmentView,
        lang: kojo_domain::Lang,
        on: chrono::NaiveDate,
    ) -> Result<Vec<u8>, AppError> {
        let cycle = self.cycle_report(view).await?;
        let sheet = view.sheet();
        let input = kojo_report::ReportInput {
            catalog: view.catalog,
            sheet: &sheet,
            summary: &view.summary,
            lang,
            generated_on: on,
            status: Some(view.assessment.status),
            cycle: Some(&cycle),
        };
        kojo_report::pdf(&input).map_err(|e| AppError::Internal(e.to_string()))
    }
}

/// The date part of an RFC 3339 time in Japan (approval dates print as the plant saw them).
fn jst_date(at: &str) -> Result<chrono::NaiveDate, AppError> {
    let t = chrono::DateTime::parse_from_rfc3339(at)
        .map_err(|e| AppError::Internal(format!("time {at}: {e}")))?;
    let jst = chrono::FixedOffset::east_opt(9 * 3600)
        .ok_or_else(|| AppError::Internal("offset".into()))?;
    Ok(t.with_timezone(&jst).date_naive())
}

impl Admin<'_> {
    async fn own_company(&self, code: &str) -> Result<Organisation, AppError> {
        let code = check_code(code)?;
        let org = self
            .app
            .store
            .company_by_code(&code)
            .await?
            .ok_or_else(|| not_found("company", &code))?;
        if self.is_supplier(&org.id).await? {
            return Err(ExchangeError::new("exchange.not_own_company")
                .with("code", code)
                .into());
        }
        Ok(org)
    }

    /// Generates a signing key pair for one of this installation's own companies. Nothing is
    /// stored: the caller writes the two files, then registers the public key with
    /// [`Admin::register_key`]. The secret key never touches the database.
    pub async fn generate_key(
        &self,
        company: &str,
        passphrase: &str,
    ) -> Result<GeneratedKey, AppError> {
        let org = self.own_company(company).await?;
        if org.code == "default" {
            return Err(ExchangeError::new("exchange.default_company").into());
        }
        Ok(keys::generate(passphrase, &org.code)?)
    }

    /// Registers the public key one of the installation's own companies signs with from now on;
    /// its previous key is retired (rotation) and stays registered, so packages signed before
    /// stay verifiable.
    pub async fn register_key(
        &self,
        company: &str,
        public: &PublicKey,
    ) -> Result<KeyInfo, AppError> {
        let org = self.own_company(company).await?;
        if org.code == "default" {
            return Err(ExchangeError::new("exchange.default_company").into());
        }
        self.add_key_to(&org, public, "key_register").await
    }

    /// Refuses a key id registered before (for any company).
    pub(crate) async fn refuse_known_key(&self, key_id: &str) -> Result<(), AppError> {
        if let Some(k) = self.app.store.company_key(key_id).await? {
            return Err(ExchangeError::new("exchange.key_exists")
                .with("key", k.key_id)
                .with("code", k.org_code)
                .into());
        }
        Ok(())
    }

    /// Records `action` in the access log and returns the key just registered.
    pub(crate) async fn key_added(
        &self,
        action: &str,
        org: &Organisation,
        key_id: &str,
    ) -> Result<KeyInfo, AppError> {
        self.audit(action, &org.code, Some(key_id)).await?;
        let key = self
            .app
            .store
            .company_key(key_id)
            .await?
            .ok_or_else(|| AppError::Internal("key just added is missing".into()))?;
        Ok(KeyInfo::of(key))
    }

    /// Registers `public` as the current key of `org` (retiring its previous one).
    pub(crate) async fn add_key_to(
        &self,
        org: &Organisation,
        public: &PublicKey,
        action: &str,
    ) -> Result<KeyInfo, AppError> {
        self.refuse_known_key(&public.key_id).await?;
        self.app
            .store
            .add_company_key(&org.id, &public.key_id, &public.base64, &self.actor.name)
            .await?;
        self.key_added(action, org, &public.key_id).await
    }

    /// Packs an approved revision into a signed submission package. Same revision, key and
    /// language: the same bytes.
    pub async fn submit(&self, id: &str, opts: SubmitOptions<'_>) -> Result<Submission, AppError> {
        let view = self.assessment(id).await?;
        let a = &view.assessment;
        if a.received {
            return Err(self.received_error(a).await?);
        }
        let status = status_of(a)?;
        if status != Status::Approved {
            return Err(AppError::bad_with("exchange.not_approved", |l| {
                vec![("status", status.name(l).to_string())]
            }));
        }
        let key = SigningKey::open(opts.secret_key, opts.passphrase)?;
        let company = self.company_of(a).await?;
        let current = self
            .app
            .store
            .company_keys(Some(&company.id))
            .await?
            .into_iter()
            .find(|k| k.retired_at.is_none());
        match current {
            None => {
                return Err(ExchangeError::new("exchange.no_key")
                    .with("code", company.code)
                    .into());
            }
            Some(k) if k.key_id != key.public().key_id || k.public_key != key.public().base64 => {
                return Err(ExchangeError::new("exchange.key_mismatch")
                    .with("key", key.public().key_id.clone())
                    .with("code", company.code)
                    .with("current", k.key_id)
                    .into());
            }
            Some(_) => {}
        }
        let doc = self.doc_of(&view).await?;
        let approval = doc
            .approval()
            .ok_or_else(|| AppError::Internal("approved without an approval record".into()))?;
        let on = jst_date(&approval.at)?;
        let oscal =
            serde_json::to_vec_pretty(&kojo_exchange::oscal::export(view.catalog, &doc, opts.lang))
                .map_err(|e| AppError::Internal(e.to_string()))?;
        let report = self.report_pdf(&view, opts.lang, on).await?;
        let checksheet = self.checksheet(&view, opts.lang, Some(on)).await?;
        let mut evidence = BTreeMap::new();
        if opts.with_evidence {
            for e in &doc.evidence {
                if !evidence.contains_key(&e.sha256) {
                    let bytes =
                        self.app.store.blob(&e.sha256).await?.ok_or_else(|| {
                            AppError::Internal(format!("blob {} missing", e.sha256))
                        })?;
                    evidence.insert(e.sha256.clone(), bytes);
                }
            }
        }
        let bytes = package::write(
            &package::Contents {
                doc: &doc,
                oscal: &oscal,
                report: &report,
                checksheet: &checksheet,
                evidence,
            },
            &key,
            env!("CARGO_PKG_VERSION"),
        )?;
        self.audit(
            "submit",
            &a.id,
            Some(&format!("{} r{}", a.period, a.revision)),
        )
        .await?;
        Ok(Submission {
            bytes,
            key_id: key.public().key_id.clone(),
            assessment: a.clone(),
        })
    }
}
