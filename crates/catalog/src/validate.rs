//! Invariants of catalog data, checked at load time.

use crate::{Catalog, CatalogError, Text};

fn squash(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

fn check_text(problems: &mut Vec<String>, what: &str, t: &Text, allow_empty: bool) {
    if t.ja.trim().is_empty() && !allow_empty {
        problems.push(format!("{what}: Japanese text is empty"));
    }
    if t.ja.trim().is_empty() != t.en.trim().is_empty() {
        problems.push(format!(
            "{what}: Japanese and English must both be present (or both empty)"
        ));
    }
}

/// The Japanese text(s) an erratum target names, or `None` if the target does not exist.
fn target_texts(c: &Catalog, target: &str) -> Option<Vec<String>> {
    let parts: Vec<&str> = target.split('.').collect();
    let num = |i: usize| parts.get(i).and_then(|p| p.parse::<u16>().ok());
    match parts.first().copied()? {
        "item" => {
            let v = c.item(num(1)?)?;
            match *parts.get(2)? {
                "condition" => Some(vec![v.item.condition.ja.clone()]),
                "criteria" => Some(
                    v.item
                        .criteria
                        .iter()
                        .flat_map(|s| s.heading.iter().chain(s.entries.iter()))
                        .map(|t| t.ja.clone())
                        .collect(),
                ),
                _ => None,
            }
        }
        "label" => {
            let l = c.label(num(1)?)?;
            match *parts.get(2)? {
                "name" => Some(vec![l.name.ja.clone()]),
                "objective" => Some(vec![l.objective.ja.clone()]),
                _ => None,
            }
        }
        "requirement" => {
            let l = c.label(num(1)?)?;
            let r = l.requirements.get(usize::from(num(2)?).checked_sub(1)?)?;
            match *parts.get(3)? {
                "text" => Some(vec![r.text.ja.clone()]),
                _ => None,
            }
        }
        "glossary" => {
            let t = c.glossary.iter().find(|t| Some(t.number) == num(1))?;
            Some(vec![t.explanation.ja.clone()])
        }
        _ => None,
    }
}

pub(crate) fn validate(c: &Catalog) -> Result<(), CatalogError> {
    let mut p = Vec::new();
    match c.id.split_once('@') {
        Some((name, version)) if !name.is_empty() && version == c.version => {}
        _ => p.push(format!("id {} must be NAME@{}", c.id, c.version)),
    }
    for (what, t) in [
        ("title", &c.title),
        ("subtitle", &c.subtitle),
        ("translation_note", &c.translation_note),
    ] {
        check_text(&mut p, what, t, false);
    }
    let symbols: Vec<&str> = c.marks.iter().map(|m| m.symbol.as_str()).collect();
    if symbols != ["○", "□", "△", "×", "－"] {
        p.push(format!(
            "marks must be ○ □ △ × － in that order, found {symbols:?}"
        ));
    }
    for (i, l) in c.labels.iter().enumerate() {
        let what = format!("label {}", l.number);
        if usize::from(l.number) != i + 1 {
            p.push(format!(
                "{what}: labels must be numbered 1..n in order (position {})",
                i + 1
            ));
        }
        check_text(&mut p, &format!("{what} name"), &l.name, false);
        check_text(&mut p, &format!("{what} objective"), &l.objective, false);
        if let Some(r) = l.objective_refers_to
            && (r >= l.number || r == 0)
        {
            {
                p.push(format!(
                    "{what}: objective_refers_to {r} must name an earlier label"
                ));
            }
        }
        if l.requirements.is_empty() {
            p.push(format!("{what}: no requirements"));
        }
        for (ri, r) in l.requirements.iter().enumerate() {
            let rwhat = format!("{what} requirement {}", ri + 1);
            // An empty requirement cell is allowed only where an erratum explains it.
            let explained = c.errata.iter().any(|e| e.label() == Some(l.number));
            check_text(&mut p, &rwhat, &r.text, explained);
            if let Some(o) = &r.objective {
                check_text(&mut p, &format!("{rwhat} objective"), o, false);
            }
            if r.items.is_empty() {
                p.push(format!("{rwhat}: no items"));
            }
        }
    }
    for (i, v) in c.items().enumerate() {
        let it = v.item;
        let what = format!("item {}", it.number);
        if usize::from(it.number) != i + 1 {
            p.push(format!(
                "{what}: items must be numbered 1..n contiguously (position {})",
                i + 1
            ));
        }
        check_text(&mut p, &format!("{what} condition"), &it.condition, false);
        if c.area(&it.area).is_none() {
            p.push(format!("{what}: unknown responsible area {}", it.area));
        }
        if it.criteria.is_empty() {
            p.push(format!("{what}: no criteria"));
        }
        for (si, s) in it.criteria.iter().enumerate() {
            if let Some(h) = &s.heading {
                check_text(
                    &mut p,
                    &format!("{what} criteria {} heading", si + 1),
                    h,
                    false,
                );
            }
            if s.entries.is_empty() && s.heading.is_none() {
                p.push(format!("{what} criteria {}: empty section", si + 1));
            }
            for (ei, e) in s.entries.iter().enumerate() {
                check_text(
                    &mut p,
                    &format!("{what} criteria {} entry {}", si + 1, ei + 1),
                    e,
                    false,
                );
            }
        }
        let criteria_text: String = it
            .criteria
            .iter()
            .flat_map(|s| s.heading.iter().chain(s.entries.iter()))
            .map(|t| squash(&t.ja))
            .collect();
        for r in &it.references {
            if r.items.is_empty() || r.citation.trim().is_empty() {
                p.push(format!(
                    "{what}: reference {:?} must have a citation and items",
                    r.citation
                ));
            }
            for n in &r.items {
                if c.item(*n).is_none() {
                    p.push(format!(
                        "{what}: reference {} → item {n} does not exist",
                        r.citation
                    ));
                }
            }
            if !criteria_text.contains(&squash(&r.citation)) {
                p.push(format!(
                    "{what}: citation {:?} does not occur in the criteria",
                    r.citation
                ));
            }
        }
    }
    for (i, t) in c.glossary.iter().enumerate() {
        if usize::from(t.number) != i + 1 {
            p.push(format!(
                "glossary term {}: terms must be numbered 1..n",
                t.number
            ));
        }
        check_text(
            &mut p,
            &format!("glossary {} term", t.number),
            &t.term,
            false,
        );
        check_text(
            &mut p,
            &format!("glossary {} explanation", t.number),
            &t.explanation,
            false,
        );
    }
    let mut ids = std::collections::HashSet::new();
    for e in &c.errata {
        if !ids.insert(e.id.as_str()) {
            p.push(format!("erratum {}: duplicate id", e.id));
        }
        if !["typo", "duplicate", "layout", "ambiguity"].contains(&e.kind.as_str()) {
            p.push(format!("erratum {}: unknown kind {}", e.id, e.kind));
        }
        check_text(&mut p, &format!("erratum {} note", e.id), &e.note, false);
        match target_texts(c, &e.target) {
            None => p.push(format!(
                "erratum {}: target {} does not exist",
                e.id, e.target
            )),
            Some(texts) => {
                // Typos and duplicates quote text that must still be there, verbatim.
                if matches!(e.kind.as_str(), "typo" | "duplicate")
                    && !texts
                        .iter()
                        .any(|t| squash(t).contains(&squash(&e.original)))
                {
                    p.push(format!(
                        "erratum {}: {:?} not found in {}",
                        e.id, e.original, e.target
                    ));
                }
            }
        }
    }
    if p.is_empty() {
        Ok(())
    } else {
        Err(CatalogError::Invalid {
            id: c.id.clone(),
            problems: p,
        })
    }
}
