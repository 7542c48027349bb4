//! `kojo assessment override|inherit`: a line's items that follow its plant, or not.

use crate::cycle_cmd::items_text;
use crate::db::app_failure;
use crate::output::{Failure, outln};
use kojo_app::Editor;
use kojo_domain::ItemNo;
use kojo_i18n::{Lang, t, tr};

fn parse_items(editor: &Editor<'_>, items: &[String]) -> Result<Vec<ItemNo>, Failure> {
    items
        .iter()
        .map(|i| editor.item(i))
        .collect::<Result<_, _>>()
        .map_err(app_failure)
}

/// Makes inherited items the line's own (from the plant's current answer).
pub async fn override_items(
    editor: &Editor<'_>,
    id: &str,
    items: &[String],
    lang: Lang,
) -> Result<(), Failure> {
    let items = parse_items(editor, items)?;
    let done = editor
        .override_items(id, &items)
        .await
        .map_err(app_failure)?;
    let done: Vec<u16> = done.iter().map(|s| s.item).collect();
    if done.is_empty() {
        outln!("{}", t(lang, "inherit.cli_overridden_none"));
    } else {
        outln!(
            "{}",
            tr(
                lang,
                "inherit.cli_overridden",
                &[("n", &done.len()), ("items", &items_text(&done))]
            )
        );
    }
    Ok(())
}

/// Puts overridden items back on the plant's answers.
pub async fn inherit_items(
    editor: &Editor<'_>,
    id: &str,
    items: &[String],
    lang: Lang,
) -> Result<(), Failure> {
    let items = parse_items(editor, items)?;
    let list: Vec<(ItemNo, Option<i64>)> = items.iter().map(|i| (*i, None)).collect();
    let done = editor.inherit_items(id, &list).await.map_err(app_failure)?;
    let done: Vec<u16> = done.iter().map(|s| s.item).collect();
    outln!(
        "{}",
        tr(
            lang,
            "inherit.cli_inherited",
            &[("n", &done.len()), ("items", &items_text(&done))]
        )
    );
    Ok(())
}
