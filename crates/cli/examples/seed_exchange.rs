//! Seeds the supplier side of `scripts/bench-exchange`: a company SUP with COUNT plants, each
//! with an approved FY2026 assessment (63 answers, signed by three people), a signing key, and
//! one submission package per plant in OUT_DIR (`Pnnnn.kojo`), plus `SUP.pub`.
//!
//!   cargo run --release -p kojo --example seed_exchange -- DB_URL OUT_DIR COUNT
//!
//! Built on the app's use cases (the same code `kojo submit` runs), so the packages are real:
//! signed, reproducible, with report.pdf and checksheet.xlsx.

use kojo_app::{Actor, App, Role, SubmitOptions};
use kojo_domain::{Decision, FiscalYear, ItemNo, RawAnswer};
use std::time::Instant;

const PASSPHRASE: &str = "bench passphrase 1234";

#[tokio::main(flavor = "multi_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, url, out, count] = args.as_slice() else {
        return Err("usage: seed_exchange DB_URL OUT_DIR COUNT".into());
    };
    let count: usize = count.parse()?;
    let out = std::path::PathBuf::from(out);
    std::fs::create_dir_all(&out)?;
    let app = App::open(url).await?;
    let cli = Actor::cli();
    let admin = app.admin(&cli).ok_or("no admin handle")?;
    admin.add_company("SUP", "Supplier Co").await?;
    let key = admin.generate_key("SUP", PASSPHRASE).await?;
    admin.register_key("SUP", &key.public).await?;
    std::fs::write(out.join("SUP.pub"), key.public.file_text())?;
    for (name, role) in [
        ("author", Role::Assessor),
        ("checker", Role::Reviewer),
        ("approver", Role::Approver),
    ] {
        admin
            .add_user(name, role, "bench password 1234 !", &[])
            .await?;
        admin.grant_company(name, "SUP").await?;
    }
    let signers = [
        (app.actor_for("author").await?, Decision::Submit),
        (app.actor_for("checker").await?, Decision::Confirm),
        (app.actor_for("approver").await?, Decision::Approve),
    ];
    let answers: Vec<(ItemNo, Option<RawAnswer>, i64)> = (1..=app.catalog.item_count() as u16)
        .map(|n| {
            let raw = RawAnswer {
                mark: Some("○".into()),
                ..RawAnswer::default()
            };
            (
                ItemNo::parse(&n.to_string(), app.catalog).unwrap(),
                Some(raw),
                0,
            )
        })
        .collect();
    let started = Instant::now();
    let mut bytes_total = 0usize;
    for i in 0..count {
        let code = format!("P{i:04}");
        admin
            .add_company_site("SUP", &code, &format!("Plant {i}"))
            .await?;
        let a = admin
            .new_assessment(&code, None, FiscalYear::new(2026).unwrap(), Some("bench"))
            .await?;
        admin.answer_versioned(&a.id, &answers).await?;
        for (actor, decision) in &signers {
            app.signer(actor)
                .ok_or("no signer")?
                .decide(&a.id, *decision, None)
                .await?;
        }
        let s = admin
            .submit(
                &a.id,
                SubmitOptions {
                    secret_key: &key.secret_file,
                    passphrase: PASSPHRASE,
                    with_evidence: false,
                    lang: kojo_i18n::Lang::Ja,
                },
            )
            .await?;
        bytes_total += s.bytes.len();
        std::fs::write(out.join(format!("{code}.kojo")), &s.bytes)?;
    }
    eprintln!(
        "seeded {count} packages ({:.1} MiB) in {:.1} s",
        bytes_total as f64 / 1048576.0,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
