//! Seeds the database of `scripts/bench-ops`: COUNT assessments (a tenth as many plants, each
//! with ten fiscal years FY2017–FY2026), 63 answers each, and EVIDENCE_MIB of evidence spread
//! over them (one file per assessment, incompressible bytes, each file distinct).
//!
//!   cargo run --release -p kojo --example seed_ops -- DB_URL COUNT EVIDENCE_MIB
//!
//! Built on the app's use cases, so every answer has its history and audit record.

use kojo_app::{Actor, App};
use kojo_domain::{FiscalYear, ItemNo, RawAnswer};
use std::time::Instant;

#[tokio::main(flavor = "multi_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, url, count, mib] = args.as_slice() else {
        return Err("usage: seed_ops DB_URL COUNT EVIDENCE_MIB".into());
    };
    let count: usize = count.parse()?;
    let mib: usize = mib.parse()?;
    let app = App::open(url).await?;
    let cli = Actor::cli();
    let admin = app.admin(&cli).ok_or("no admin handle")?;
    let per_file = (mib << 20) / count.max(1);
    let answers: Vec<(ItemNo, Option<kojo_domain::ItemAnswer>)> = (1..=app.catalog.item_count()
        as u16)
        .map(|n| {
            let raw = RawAnswer {
                mark: Some(if n % 7 == 0 { "×" } else { "○" }.into()),
                ..RawAnswer::default()
            };
            (
                ItemNo::parse(&n.to_string(), app.catalog).unwrap(),
                Some(raw.parse().unwrap()),
            )
        })
        .collect();
    let item1 = ItemNo::parse("1", app.catalog).unwrap();
    let started = Instant::now();
    let plants = count.div_ceil(10);
    let mut made = 0usize;
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    for p in 0..plants {
        let code = format!("P{p:05}");
        admin.add_site(&code, &format!("工場 {p}")).await?;
        for year in 2017..2027u16 {
            if made == count {
                break;
            }
            let a = admin
                .new_assessment(&code, None, FiscalYear::new(year).unwrap(), Some("bench"))
                .await?;
            admin.answer_many(&a.id, answers.clone()).await?;
            if per_file > 0 {
                let mut data = vec![0u8; per_file];
                for chunk in data.chunks_mut(8) {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    let b = state.to_le_bytes();
                    chunk.copy_from_slice(&b[..chunk.len()]);
                }
                admin
                    .add_evidence(&a.id, item1, "evidence.bin", &data, None)
                    .await?;
            }
            made += 1;
        }
        if p % 100 == 99 {
            eprintln!(
                "seeded {made} assessments in {:.1} s",
                started.elapsed().as_secs_f64()
            );
        }
    }
    println!(
        "seeded {made} assessments, {} MiB of evidence, in {:.1} s",
        (per_file * made) >> 20,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
