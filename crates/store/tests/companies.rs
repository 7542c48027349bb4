//! Companies above plants, on SQLite and PostgreSQL: plant codes unique across companies,
//! company grants covering present and future plants, and visibility through either kind of
//! grant, everywhere the store filters by user.

mod common;

use common::*;
use kojo_domain::Role;
use kojo_store::*;

suite!(
    companies_are_listed_added_and_renamed,
    plant_codes_are_unique_across_companies,
    a_company_grant_covers_its_plants_present_and_future,
);

async fn companies_are_listed_added_and_renamed(s: &Store) {
    let default = s.default_org("（会社名未設定）").await.unwrap();
    let b = s.add_company("B", "B部品株式会社").await.unwrap();
    match s.add_company("B", "dup").await {
        Err(StoreError::Duplicate {
            what: "company",
            key,
        }) => assert_eq!(key, "B"),
        other => panic!("expected duplicate, got {other:?}"),
    }
    let codes: Vec<String> = s
        .companies()
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.code)
        .collect();
    assert_eq!(codes, ["B", "default"]);
    assert_eq!(s.company_by_code("B").await.unwrap(), Some(b.clone()));
    assert_eq!(s.company_by_code("Z").await.unwrap(), None);
    s.rename_org(&default.id, "A自動車部品株式会社")
        .await
        .unwrap();
    assert_eq!(
        s.company_by_code("default").await.unwrap().unwrap().name,
        "A自動車部品株式会社"
    );
    // The name is what assessments of its plants carry (the report's header).
    let (_, _, a) = setup(s).await;
    assert_eq!(
        s.assessment(&a.id).await.unwrap().unwrap().org_name,
        "A自動車部品株式会社"
    );
}

async fn plant_codes_are_unique_across_companies(s: &Store) {
    let a = s.default_org("A社").await.unwrap();
    let b = s.add_company("B", "B社").await.unwrap();
    s.add_site(&a.id, "P1", "A第一工場").await.unwrap();
    match s.add_site(&b.id, "P1", "B第一工場").await {
        Err(StoreError::Duplicate { what: "site", key }) => assert_eq!(key, "P1"),
        other => panic!("expected duplicate, got {other:?}"),
    }
    s.add_site(&b.id, "B1", "B第一工場").await.unwrap();
    let of = |org: Option<&str>| {
        let org = org.map(str::to_string);
        async move {
            s.sites(org.as_deref())
                .await
                .unwrap()
                .into_iter()
                .map(|x| x.code)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(of(None).await, ["B1", "P1"]);
    assert_eq!(of(Some(&a.id)).await, ["P1"]);
    assert_eq!(of(Some(&b.id)).await, ["B1"]);
    assert_eq!(s.site_by_code("B1").await.unwrap().unwrap().org_id, b.id);
}

async fn a_company_grant_covers_its_plants_present_and_future(s: &Store) {
    let a = s.default_org("A社").await.unwrap();
    let b = s.add_company("B", "B社").await.unwrap();
    let a1 = s.add_site(&a.id, "A1", "A第一工場").await.unwrap();
    let b1 = s.add_site(&b.id, "B1", "B第一工場").await.unwrap();
    let u = s.add_user("佐藤", Role::Viewer, "h", "ja").await.unwrap();
    let other = s.add_user("鈴木", Role::Viewer, "h", "ja").await.unwrap();
    let seen = |user: String| async move {
        s.sites_granted(&user)
            .await
            .unwrap()
            .into_iter()
            .map(|x| x.code)
            .collect::<Vec<_>>()
    };
    assert!(seen(u.id.clone()).await.is_empty());

    s.grant_company(&u.id, &b.id).await.unwrap();
    s.grant_company(&u.id, &b.id).await.unwrap(); // idempotent
    assert_eq!(seen(u.id.clone()).await, ["B1"]);
    // A plant added to the company later is covered too.
    let b2 = s.add_site(&b.id, "B2", "B第二工場").await.unwrap();
    assert_eq!(seen(u.id.clone()).await, ["B1", "B2"]);
    assert!(s.is_granted(&u.id, &b2.id).await.unwrap());
    assert!(!s.is_granted(&u.id, &a1.id).await.unwrap());
    assert!(seen(other.id.clone()).await.is_empty());

    // Assessments follow the same grants: B's are visible, A's are not, not even by prefix.
    let new = |site: &Site| NewAssessment {
        site_id: site.id.clone(),
        line_id: None,
        period: fy(2026),
        catalog_id: "jama-japia-factory@0.9".into(),
        assessor: None,
        based_on: None,
        inherits_from: None,
        created_by: "tester".into(),
    };
    let in_a = s.create_assessment(&new(&a1), &[]).await.unwrap();
    let in_b = s.create_assessment(&new(&b1), &[]).await.unwrap();
    let visible: Vec<String> = s
        .assessments(None, None, Some(&u.id))
        .await
        .unwrap()
        .into_iter()
        .map(|(x, _)| x.id)
        .collect();
    assert_eq!(visible, [in_b.id.as_str()]);
    assert_eq!(s.assessments(None, None, None).await.unwrap().len(), 2);
    assert_eq!(
        s.assessments(Some(&a.id), None, None).await.unwrap()[0]
            .0
            .id,
        in_a.id
    );
    assert!(
        s.assessments_by_prefix(&in_a.id[..8], Some(&u.id))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        s.assessments_by_prefix(&in_b.id[..8], Some(&u.id))
            .await
            .unwrap()
            .len(),
        1
    );

    // A plant grant and a company grant side by side; revoking the company leaves the plant.
    s.grant(&u.id, &a1.id).await.unwrap();
    assert_eq!(seen(u.id.clone()).await, ["A1", "B1", "B2"]);
    let grants = s.all_company_grants().await.unwrap();
    assert_eq!(grants.len(), 1);
    assert_eq!(
        (grants[0].0.as_str(), grants[0].1.code.as_str()),
        (u.id.as_str(), "B")
    );
    s.revoke_company(&u.id, &b.id).await.unwrap();
    assert_eq!(seen(u.id.clone()).await, ["A1"]);
    assert!(s.all_company_grants().await.unwrap().is_empty());
}
