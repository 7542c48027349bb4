//! `kojo assessment new --from ID --catalog X`: 新版で作成.

use crate::assessment_cmd::scope;
use crate::db::app_failure;
use crate::output::{Failure, outln};
use kojo_app::{AppError, Editor};
use kojo_domain::{FiscalYear, Lang};
use kojo_i18n::tr;

fn list(items: &[u16]) -> String {
    if items.is_empty() {
        return "-".into();
    }
    items
        .iter()
        .map(u16::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

#[allow(clippy::too_many_arguments)]
pub async fn run(
    editor: &Editor<'_>,
    from: &str,
    catalog: &str,
    site: Option<&str>,
    line: Option<&str>,
    period: Option<FiscalYear>,
    assessor: Option<&str>,
    lang: Lang,
) -> Result<(), Failure> {
    let source = editor.find(from).await.map_err(app_failure)?;
    // --site / --line, when given, must name the source's scope.
    let other_scope = site.is_some_and(|s| s.trim() != source.site_code)
        || (site.is_some() && line.map(str::trim) != source.line_code.as_deref());
    if other_scope {
        return Err(app_failure(AppError::bad(
            "cycle.from_other_scope",
            &[("from", &source.id)],
        )));
    }
    let m = editor
        .migrate_catalog(&source.id, catalog, period, assessor)
        .await
        .map_err(app_failure)?;
    let a = &m.assessment;
    let scope = scope(
        &a.site_code,
        &a.site_name,
        a.line_code.as_deref(),
        a.line_name.as_deref(),
    );
    outln!(
        "{}",
        tr(
            lang,
            "version.cli_migrated",
            &[
                ("scope", &scope),
                ("period", &crate::cycle_cmd::period_label(a.period, lang)),
                ("revision", &a.revision),
                ("catalog", &a.catalog_id),
                ("source", &source.catalog_id),
            ]
        )
    );
    for (key, items) in [
        ("version.cli_confirmed", &m.confirmed),
        ("version.cli_unconfirmed", &m.unconfirmed),
        ("version.cli_new", &m.new_items),
        ("version.cli_removed", &m.removed),
    ] {
        outln!(
            "  {}",
            tr(lang, key, &[("n", &items.len()), ("items", &list(items))])
        );
    }
    outln!("{}", a.id);
    Ok(())
}
