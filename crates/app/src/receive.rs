//! Exchange on the customer's side: suppliers and their keys, receiving packages, and who has
//! submitted for a fiscal year.

use crate::exchange::KeyInfo;
use crate::handles::not_found;
use crate::{Admin, AppError, Reader, check_code, check_name};
use kojo_exchange::keys::PublicKey;
use kojo_exchange::{ExchangeError, package};
use kojo_store::{
    Assessment, Organisation, ReceiptRow, ReceiveOutcome, ReceivedAnswer, ReceivedEvidence,
    ReceivedSignOff,
};
use serde::Serialize;

/// What [`Admin::receive`] filed.
#[derive(Debug, Clone, Serialize)]
pub struct Received {
    /// The filed assessment (the supplier's id).
    pub assessment_id: String,
    /// The supplier.
    pub company: Organisation,
    /// Plant code here (`SUPPLIER.PLANT`), and the line code.
    pub scope: String,
    /// Fiscal year.
    pub period: i64,
    /// Revision.
    pub revision: i64,
    /// The key that signed it.
    pub key_id: String,
    /// `true`: the current result of its scope; `false`: a newer revision was received before,
    /// so this one is history.
    pub current: bool,
    /// The newer revision, when this one is history.
    pub newer_revision: Option<i64>,
}

/// One supplier's submissions for a fiscal year.
#[derive(Debug, Clone, Serialize)]
pub struct SupplierStatus {
    /// Supplier code.
    pub code: String,
    /// Supplier name.
    pub name: String,
    /// Whether anything was received for the year.
    pub submitted: bool,
    /// The current received revision of each plant or line, by scope.
    pub received: Vec<ReceiptRow>,
    /// When the latest package arrived.
    pub last_received_at: Option<String>,
}

/// The plant code a supplier's plant is filed under here: plant codes are unique across the
/// installation, so the supplier's code goes first.
pub fn received_site_code(supplier: &str, plant: &str) -> String {
    format!("{supplier}.{plant}")
}

impl Reader<'_> {
    /// The error for a change to a received assessment.
    pub(crate) async fn received_error(&self, a: &Assessment) -> Result<AppError, AppError> {
        let company = self.company_of(a).await?;
        Ok(ExchangeError::new("exchange.received_read_only")
            .with("company", company.code)
            .into())
    }

    /// Refuses any change to a received assessment.
    pub(crate) async fn refuse_received(&self, a: &Assessment) -> Result<(), AppError> {
        if a.received {
            return Err(self.received_error(a).await?);
        }
        Ok(())
    }

    /// Refuses to start an assessment of a supplier's plant here.
    pub(crate) async fn refuse_supplier_site(
        &self,
        site: &kojo_store::Site,
    ) -> Result<(), AppError> {
        if self.is_supplier(&site.org_id).await? {
            let company = self
                .app
                .store
                .companies()
                .await?
                .into_iter()
                .find(|c| c.id == site.org_id)
                .map(|c| c.code)
                .unwrap_or_default();
            return Err(ExchangeError::new("exchange.supplier_plant")
                .with("site", site.code.clone())
                .with("company", company)
                .into());
        }
        Ok(())
    }

    /// How a received assessment arrived (the supplier, key, package hash, when); `None` for
    /// one made here. `a` comes from one of the actor's handles, so it is visible.
    pub async fn receipt(&self, a: &Assessment) -> Result<Option<ReceiptRow>, AppError> {
        if !a.received {
            return Ok(None);
        }
        Ok(self.app.store.receipt(&a.id).await?)
    }

    /// The registered suppliers the actor may see.
    pub async fn suppliers(&self) -> Result<Vec<Organisation>, AppError> {
        let visible = self.companies().await?;
        Ok(self
            .app
            .store
            .suppliers()
            .await?
            .into_iter()
            .filter(|s| visible.iter().any(|v| v.id == s.id))
            .collect())
    }

    /// Receipt tracking: for `period`, every supplier the actor may see, whether it submitted,
    /// and the current revision received per plant or line. Missing suppliers first, then by
    /// code.
    pub async fn supplier_status(&self, period: i64) -> Result<Vec<SupplierStatus>, AppError> {
        let suppliers = if self.actor.sees_all() {
            self.app.store.suppliers().await?
        } else {
            self.suppliers().await?
        };
        let receipts = self.app.store.receipts(Some(period)).await?;
        let mut out: Vec<SupplierStatus> = suppliers
            .into_iter()
            .map(|s| {
                // The highest revision per scope is the current one.
                let mut current: Vec<ReceiptRow> = Vec::new();
                for r in receipts.iter().filter(|r| r.org_id == s.id) {
                    match current
                        .iter_mut()
                        .find(|c| c.site_code == r.site_code && c.line_code == r.line_code)
                    {
                        Some(c) if c.revision < r.revision => *c = r.clone(),
                        Some(_) => {}
                        None => current.push(r.clone()),
                    }
                }
                current.sort_by(|a, b| {
                    (&a.site_code, &a.line_code).cmp(&(&b.site_code, &b.line_code))
                });
                let last = receipts
                    .iter()
                    .filter(|r| r.org_id == s.id)
                    .map(|r| r.received_at.clone())
                    .max();
                SupplierStatus {
                    code: s.code,
                    name: s.name,
                    submitted: !current.is_empty(),
                    received: current,
                    last_received_at: last,
                }
            })
            .collect();
        out.sort_by(|a, b| (a.submitted, &a.code).cmp(&(b.submitted, &b.code)));
        Ok(out)
    }
}

impl Admin<'_> {
    async fn supplier(&self, code: &str) -> Result<Organisation, AppError> {
        let code = check_code(code)?;
        let org = self
            .app
            .store
            .company_by_code(&code)
            .await?
            .ok_or_else(|| not_found("company", &code))?;
        if !self.is_supplier(&org.id).await? {
            return Err(ExchangeError::new("exchange.not_supplier")
                .with("code", code)
                .into());
        }
        Ok(org)
    }

    /// Registers a supplier (a company whose results arrive as packages) with its public key.
    pub async fn add_supplier(
        &self,
        code: &str,
        name: &str,
        public_key: &str,
    ) -> Result<(Organisation, KeyInfo), AppError> {
        let code = check_code(code)?;
        let name = check_name(name)?;
        let pk = PublicKey::parse(public_key)?;
        self.refuse_known_key(&pk.key_id).await?;
        if self.app.store.company_by_code(&code).await?.is_some() {
            return Err(ExchangeError::new("exchange.supplier_exists")
                .with("code", code)
                .into());
        }
        let org = self
            .app
            .store
            .add_supplier(&code, &name, &pk.key_id, &pk.base64, &self.actor.name)
            .await?;
        let key = self.key_added("supplier_add", &org, &pk.key_id).await?;
        Ok((org, key))
    }

    /// Registers a supplier's new key (its rotation); the earlier key stays valid for packages
    /// made before now.
    pub async fn add_supplier_key(
        &self,
        code: &str,
        public_key: &str,
    ) -> Result<KeyInfo, AppError> {
        let org = self.supplier(code).await?;
        let pk = PublicKey::parse(public_key)?;
        self.add_key_to(&org, &pk, "supplier_key").await
    }

    /// Receives a submission package: verifies its signature against the registered key of the
    /// supplier that signed it, every file hash, and the approved content hash; then files it
    /// as a received, read-only assessment. Any refusal changes nothing.
    pub async fn receive(
        &self,
        bytes: &[u8],
        expected_company: Option<&str>,
    ) -> Result<Received, AppError> {
        let unpacked = package::read(bytes)?;
        let key_id = unpacked.key_id()?;
        let key = self.app.store.company_key(&key_id).await?.ok_or_else(|| {
            ExchangeError::new("exchange.unknown_key").with("key", key_id.clone())
        })?;
        let supplier = self.supplier(&key.org_code).await.map_err(|_| {
            AppError::from(ExchangeError::new("exchange.unknown_key").with("key", key_id.clone()))
        })?;
        let info = KeyInfo::of(key.clone());
        let verified = unpacked.verify(&info.public())?;
        let m = &verified.manifest;
        if m.company.code != supplier.code {
            return Err(ExchangeError::new("exchange.other_supplier")
                .with("named", m.company.code.clone())
                .with("signer", supplier.code.clone())
                .into());
        }
        if let Some(expected) = expected_company
            && expected.trim() != supplier.code
        {
            return Err(ExchangeError::new("exchange.wrong_company")
                .with("named", supplier.code.clone())
                .with("expected", expected.trim().to_string())
                .into());
        }
        if let Some(retired) = &key.retired_at
            && m.created.as_str() >= retired.as_str()
        {
            return Err(ExchangeError::new("exchange.key_retired")
                .with("created", m.created.clone())
                .with("key", key.key_id.clone())
                .with("retired", retired.clone())
                .into());
        }
        let Ok(catalog) = self.app.catalog_by_id(&m.catalog_id) else {
            return Err(ExchangeError::new("exchange.unknown_catalog")
                .with("catalog", m.catalog_id.clone())
                .into());
        };
        verified.check_document()?;
        let d = &verified.doc;
        for a in &d.answers {
            if catalog.item(a.item).is_none() {
                return Err(ExchangeError::new("exchange.document_mismatch").into());
            }
        }
        let site_code = received_site_code(&supplier.code, &d.plant.code);
        let scope = match &d.line {
            Some(l) => format!("{site_code}/{}", l.code),
            None => site_code.clone(),
        };
        let receipt = kojo_store::Receipt {
            org_id: supplier.id.clone(),
            key_id: key.key_id.clone(),
            header: d.header.clone(),
            site_code: site_code.clone(),
            site_name: d.plant.name.clone(),
            line: d.line.as_ref().map(|l| (l.code.clone(), l.name.clone())),
            assessor: d.assessor.clone(),
            answers: d
                .answers
                .iter()
                .map(|a| ReceivedAnswer {
                    item: a.item,
                    answer: a.answer.clone(),
                    confirmed: a.confirmed,
                    updated_by: a.updated_by.clone(),
                    updated_at: a.updated_at.clone(),
                })
                .collect(),
            reviews: d.reviews.clone(),
            actions: d.actions.clone(),
            evidence: d
                .evidence
                .iter()
                .filter_map(|e| {
                    let data =
                        verified
                            .files
                            .get(&format!("{}{}", package::EVIDENCE_DIR, e.sha256))?;
                    Some(ReceivedEvidence {
                        item: e.item,
                        sha256: e.sha256.clone(),
                        name: e.name.clone(),
                        media_type: e.media_type.clone(),
                        uploaded_by: e.uploaded_by.clone(),
                        uploaded_at: e.uploaded_at.clone(),
                        valid_until: e.valid_until.clone(),
                        data,
                    })
                })
                .collect(),
            signoffs: d
                .signoffs
                .iter()
                .map(|s| {
                    Ok(ReceivedSignOff {
                        decision: s.decision.clone(),
                        by: s.by.clone(),
                        at: s.at.clone(),
                        comment: s.comment.clone(),
                        content_hash: s.content_hash.clone(),
                        item_hashes: serde_json::to_string(&s.item_hashes)
                            .map_err(|e| AppError::Internal(e.to_string()))?,
                        registers: s.registers.clone(),
                    })
                })
                .collect::<Result<_, AppError>>()?,
            package: bytes,
            by: self.actor.name.clone(),
        };
        let period = d.header.period;
        let revision = d.header.revision;
        let period_label = period.to_string();
        match self.app.store.receive(&receipt).await? {
            ReceiveOutcome::OwnData => Err(ExchangeError::new("exchange.same_database").into()),
            ReceiveOutcome::AlreadyReceived { at } => {
                Err(ExchangeError::new("exchange.already_received")
                    .with("revision", revision.to_string())
                    .with("scope", scope)
                    .with("period", period_label)
                    .with("at", at)
                    .into())
            }
            ReceiveOutcome::Filed { newer } => {
                self.audit(
                    "receive",
                    &d.header.id,
                    Some(&format!("{} {scope} {period} r{revision}", supplier.code)),
                )
                .await?;
                Ok(Received {
                    assessment_id: d.header.id.clone(),
                    company: supplier,
                    scope,
                    period,
                    revision,
                    key_id: key.key_id,
                    current: newer.is_none(),
                    newer_revision: newer,
                })
            }
        }
    }
}
