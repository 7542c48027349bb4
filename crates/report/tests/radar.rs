//! The radar chart: well-formed XML, 17 labelled axes, geometry of the rates, determinism.

mod common;

use common::*;
use kojo_domain::{Counts, LabelStats, Stats, Summary};
use kojo_i18n::Lang;
use roxmltree::{Document, Node};

/// A summary whose label `i` has `rates[i]`.
fn summary_with(rates: &[Option<f64>]) -> Summary {
    let stats = |rate: Option<f64>| Stats {
        items: 4,
        answered: 4,
        counts: Counts::default(),
        achievement_rate: rate,
        completion: 1.0,
        unconfirmed: 0,
        inherited: 0,
    };
    Summary {
        overall: stats(Some(0.5)),
        labels: rates
            .iter()
            .enumerate()
            .map(|(i, r)| LabelStats {
                label: i as u16 + 1,
                stats: stats(*r),
            })
            .collect(),
        residual_risks: vec![],
        unconfirmed: vec![],
        inherited: vec![],
    }
}

fn rates() -> Vec<Option<f64>> {
    let mut r = vec![Some(0.25); 17];
    r[0] = Some(1.0);
    r[1] = Some(0.5);
    r[2] = None;
    r[3] = Some(0.0);
    r[4] = Some(0.75);
    r
}

fn by_id<'a>(doc: &'a Document, id: &str) -> Node<'a, 'a> {
    doc.descendants()
        .find(|n| n.attribute("id") == Some(id))
        .unwrap_or_else(|| panic!("no element #{id}"))
}

fn pts(n: Node) -> Vec<(f64, f64)> {
    n.attribute("points")
        .expect("points")
        .split_whitespace()
        .map(|p| {
            let (x, y) = p.split_once(',').expect("x,y");
            (x.parse().expect("x"), y.parse().expect("y"))
        })
        .collect()
}

fn f(n: Node, attr: &str) -> f64 {
    n.attribute(attr)
        .unwrap_or_else(|| panic!("no {attr}"))
        .parse()
        .expect("number")
}

fn dist(a: (f64, f64), b: (f64, f64)) -> f64 {
    ((a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)).sqrt()
}

#[test]
fn svg_is_well_formed_with_title_desc_and_no_script() {
    let svg = kojo_report::radar_svg(catalog(), &summary_with(&rates()), Lang::Ja);
    let doc = Document::parse(&svg).expect("radar SVG must be well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    assert_eq!(
        root.tag_name().namespace(),
        Some("http://www.w3.org/2000/svg")
    );
    let title = root
        .children()
        .find(|n| n.has_tag_name("title"))
        .expect("<title>");
    assert_eq!(title.text(), Some("ラベル別達成率のレーダーチャート"));
    let desc = root
        .children()
        .find(|n| n.has_tag_name("desc"))
        .expect("<desc>")
        .text()
        .expect("desc text")
        .to_string();
    assert!(desc.contains("1 体制 (平時): 100.0%"), "{desc}");
    assert!(desc.contains("3 事故時の手順: — (達成率なし)"), "{desc}");
    assert!(!svg.contains("<script"), "no script");
    for n in doc.descendants() {
        for a in n.attributes() {
            assert!(
                !a.name().starts_with("on"),
                "event handler {} on <{}>",
                a.name(),
                n.tag_name().name()
            );
        }
    }
    let en = kojo_report::radar_svg(catalog(), &summary_with(&rates()), Lang::En);
    Document::parse(&en).expect("English SVG well-formed");
    assert!(en.contains("Backup and recovery (restore)"));
}

#[test]
fn seventeen_axes_labelled_1_to_17_with_grid_rings() {
    let svg = kojo_report::radar_svg(catalog(), &summary_with(&rates()), Lang::Ja);
    let doc = Document::parse(&svg).expect("xml");
    let axes: Vec<_> = doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("kojo-radar-axis"))
        .collect();
    assert_eq!(axes.len(), 17);
    let labels: Vec<String> = doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("kojo-radar-label"))
        .map(|n| n.text().unwrap_or_default().to_string())
        .collect();
    let expected: Vec<String> = (1..=17).map(|i| i.to_string()).collect();
    assert_eq!(labels, expected);
    for pct in [25, 50, 75, 100] {
        let ring = by_id(&doc, &format!("kojo-radar-ring-{pct}"));
        assert_eq!(pts(ring).len(), 17, "ring {pct}");
    }
    // Grid rings are distinguished by line pattern, not colour only.
    assert!(
        by_id(&doc, "kojo-radar-ring-50")
            .attribute("stroke-dasharray")
            .is_some()
    );
    assert!(
        by_id(&doc, "kojo-radar-ring-100")
            .attribute("stroke-dasharray")
            .is_none()
    );
}

#[test]
fn rates_sit_on_their_rings() {
    let svg = kojo_report::radar_svg(catalog(), &summary_with(&rates()), Lang::Ja);
    let doc = Document::parse(&svg).expect("xml");
    let axis0 = doc
        .descendants()
        .find(|n| n.attribute("class") == Some("kojo-radar-axis"))
        .expect("axis");
    let center = (f(axis0, "x1"), f(axis0, "y1"));
    let outer = pts(by_id(&doc, "kojo-radar-ring-100"));
    let half = pts(by_id(&doc, "kojo-radar-ring-50"));
    let quarter = pts(by_id(&doc, "kojo-radar-ring-25"));
    let three = pts(by_id(&doc, "kojo-radar-ring-75"));
    let r = dist(center, outer[0]);
    assert!(r > 50.0);
    for (i, p) in outer.iter().enumerate() {
        assert!(
            (dist(center, *p) - r).abs() < 0.02,
            "outer ring vertex {i} off the circle"
        );
    }
    // Axis 1 points straight up.
    assert!((outer[0].0 - center.0).abs() < 0.01 && outer[0].1 < center.1);
    let poly = pts(by_id(&doc, "kojo-radar-rates"));
    assert_eq!(poly.len(), 17);
    let close = |a: (f64, f64), b: (f64, f64)| dist(a, b) < 0.02;
    assert!(close(poly[0], outer[0]), "rate 1.0 lies on the outer ring");
    assert!(close(poly[1], half[1]), "rate 0.5 lies on the 50 % ring");
    assert!(
        (dist(center, poly[1]) - r / 2.0).abs() < 0.02,
        "rate 0.5 is halfway"
    );
    assert!(close(poly[2], center), "undefined rate is drawn at 0");
    assert!(close(poly[3], center), "rate 0 is at the centre");
    assert!(close(poly[4], three[4]));
    assert!(close(poly[5], quarter[5]));
    // Markers: a dot for a rate, a hollow diamond for no rate.
    let marker = |label: &str| {
        doc.descendants()
            .find(|n| {
                n.attribute("data-label") == Some(label)
                    && n.attribute("class")
                        .is_some_and(|c| c.contains("kojo-radar-marker"))
            })
            .expect("marker")
    };
    assert_eq!(marker("1").tag_name().name(), "circle");
    assert!(close(
        (f(marker("1"), "cx"), f(marker("1"), "cy")),
        outer[0]
    ));
    let undefined = marker("3");
    assert_eq!(undefined.tag_name().name(), "path");
    assert_eq!(undefined.attribute("data-rate"), Some("undefined"));
    assert_eq!(undefined.attribute("fill"), Some("#ffffff"));
    let dotted = doc
        .descendants()
        .find(|n| {
            n.attribute("class") == Some("kojo-radar-axis")
                && n.attribute("data-label") == Some("3")
        })
        .expect("axis 3");
    assert!(
        dotted.attribute("stroke-dasharray").is_some(),
        "axis without rate is dotted"
    );
    // Values are printed beside the axes.
    let value = |label: &str| {
        doc.descendants()
            .find(|n| {
                n.attribute("class") == Some("kojo-radar-value")
                    && n.attribute("data-label") == Some(label)
            })
            .and_then(|n| n.text())
            .unwrap_or_default()
            .to_string()
    };
    assert_eq!(value("1"), "100.0%");
    assert_eq!(value("2"), "50.0%");
    assert_eq!(value("3"), "—");
}

#[test]
fn output_is_deterministic() {
    let a = kojo_report::radar_svg(catalog(), &summary_with(&rates()), Lang::Ja);
    let b = kojo_report::radar_svg(catalog(), &summary_with(&rates()), Lang::Ja);
    assert_eq!(a, b);
    let sheet = sheet();
    let s = summary(&sheet);
    assert_eq!(
        kojo_report::radar_svg(catalog(), &s, Lang::Ja),
        kojo_report::radar_svg(catalog(), &s, Lang::Ja)
    );
}
