//! Scores a clustering against gold labels: ARI, pairwise precision/recall/F1, B-cubed
//! precision/recall/F1, and (when the labels have a `topic`) clusters that cross topics.
//!
//! ```text
//! neardup cluster --preset story tests/data/ecbplus/docs.jsonl > found.jsonl
//! cargo run --release --example eval -- found.jsonl tests/data/ecbplus/docs.jsonl
//! ```
//!
//! `found.jsonl` holds one JSON object per line with an `id` and a `cluster` (as `neardup
//! cluster` writes it); the labels file one per line with an `id` and a `label`, and optionally
//! a `topic` (ECB+'s `docs.jsonl` is one). Ids are strings or numbers. Only ids in both files
//! are scored; the counts of the others are reported. Output: one JSON object on stdout.

use std::collections::BTreeMap;
use std::process::ExitCode;

use neardup::eval::scores::{cross_topic, Scores};
use serde_json::{json, Value};

/// One line's fields by name, as text (`None` where absent).
type Record = BTreeMap<&'static str, String>;

/// Reads `fields` of every JSON line of `path`; `id` and the first other field are required.
fn read(path: &str, fields: &[&'static str]) -> Result<Vec<Record>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let at = || format!("{path}:{}", i + 1);
        let v: Value = serde_json::from_str(line).map_err(|e| format!("{}: {e}", at()))?;
        let mut record = Record::new();
        for (k, &field) in fields.iter().enumerate() {
            match &v[field] {
                Value::String(s) => {
                    record.insert(field, s.clone());
                }
                Value::Number(n) => {
                    record.insert(field, n.to_string());
                }
                Value::Null if k >= 2 => {}
                _ => return Err(format!("{}: no string or number {field:?}", at())),
            }
        }
        out.push(record);
    }
    Ok(out)
}

fn run(found_path: &str, labels_path: &str) -> Result<Value, String> {
    let found = read(found_path, &["id", "cluster"])?;
    let labels = read(labels_path, &["id", "label", "topic"])?;
    let mut cluster_of = BTreeMap::new();
    for r in &found {
        if cluster_of.insert(&r["id"], &r["cluster"]).is_some() {
            return Err(format!("{found_path}: id {:?} appears twice", r["id"]));
        }
    }
    let (mut f, mut g, mut t) = (Vec::new(), Vec::new(), Vec::new());
    let mut seen = std::collections::BTreeSet::new();
    for r in &labels {
        if !seen.insert(&r["id"]) {
            return Err(format!("{labels_path}: id {:?} appears twice", r["id"]));
        }
        if let Some(c) = cluster_of.get(&r["id"]) {
            f.push(c.as_str());
            g.push(r["label"].as_str());
            t.push(r.get("topic").map(String::as_str));
        }
    }
    if f.is_empty() {
        return Err(format!(
            "no id of {found_path} is in {labels_path}: nothing to score"
        ));
    }
    let s = Scores::new(&f, &g).map_err(|e| e.to_string())?;
    let mut out = json!({
        "scored": s.items,
        "unlabelled": found.len() - s.items,
        "unclustered": labels.len() - s.items,
        "clusters": s.clusters_found,
        "labels": s.classes_gold,
        "ari": s.ari(),
        "pair_precision": s.pair_precision(),
        "pair_recall": s.pair_recall(),
        "pair_f1": s.pair_f1(),
        "bcubed_precision": s.bcubed_precision,
        "bcubed_recall": s.bcubed_recall,
        "bcubed_f1": s.bcubed_f1(),
    });
    if t.iter().all(Option::is_some) {
        let cross = cross_topic(&f, &t).map_err(|e| e.to_string())?;
        out["clusters_across_topics"] = json!(cross.len());
    }
    Ok(out)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [found, labels] = args.as_slice() else {
        eprintln!("usage: eval FOUND.jsonl LABELS.jsonl");
        return ExitCode::from(2);
    };
    match run(found, labels) {
        Ok(v) => {
            println!("{v}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
