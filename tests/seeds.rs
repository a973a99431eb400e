//! The mission's case: the Reuters article in `seeds/` and its four rewrites form one cluster,
//! alone and mixed with all of Reuters-21578, which itself does not collapse.

use std::collections::HashMap;
use std::path::PathBuf;

use neardup::eval::reuters;
use neardup::{Cluster, Clusterer, Preset};

fn seeds() -> Vec<String> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("seeds");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    paths.sort();
    assert_eq!(
        paths.len(),
        5,
        "seeds/ holds the original and four rewrites"
    );
    paths
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect()
}

#[test]
fn seeds_form_one_cluster() {
    let texts = seeds();
    let clusters = Clusterer::new(Preset::Rewrite).cluster(&texts);
    assert_eq!(clusters.len(), 1, "{clusters:#?}");
    assert_eq!(clusters[0].members, [0, 1, 2, 3, 4]);
    // The Reuters original (000) is the likely original.
    assert_eq!(clusters[0].representative, 0);
    // Near-duplicate is the wrong tool for heavy rewrites: it must not claim them.
    let strict = Clusterer::new(Preset::NearDuplicate).cluster(&texts);
    assert_eq!(strict.len(), 5);
}

fn title(text: &str) -> &str {
    text.lines().next().unwrap_or("")
}

#[test]
#[ignore = "needs Reuters-21578 (NEARDUP_REUTERS)"]
fn seeds_among_reuters() {
    let reuters = reuters::load().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(reuters.len(), 19_043);
    let mut texts: Vec<String> = reuters.into_iter().map(|a| a.text).collect();
    let first_seed = texts.len();
    texts.extend(seeds());
    let clusters = Clusterer::new(Preset::Rewrite).cluster(&texts);

    let with_seed: Vec<&Cluster> = clusters
        .iter()
        .filter(|c| c.members.iter().any(|&m| m >= first_seed))
        .collect();
    assert_eq!(with_seed.len(), 1, "the seeds split");
    let story = with_seed[0];
    let intruders: Vec<&str> = story
        .members
        .iter()
        .filter(|&&m| m < first_seed)
        .map(|&m| title(&texts[m]))
        .collect();
    assert!(
        intruders.is_empty(),
        "Reuters articles joined the seeds: {intruders:?}"
    );
    assert_eq!(story.len(), 5);

    // Reuters itself: no giant clusters.
    let mut sizes: Vec<usize> = clusters.iter().map(Cluster::len).collect();
    sizes.sort_unstable_by(|a, b| b.cmp(a));
    eprintln!(
        "rewrite preset on Reuters-21578 + seeds: {} clusters, largest {:?}",
        clusters.len(),
        &sizes[..10]
    );
    assert!(sizes[0] <= 100, "a cluster of {} articles", sizes[0]);

    // Templated earnings reports of different companies stay apart: a cluster may hold
    // several reports of one company (its quarterly and its annual figures), not of many.
    let mut worst = (0, String::new());
    for c in &clusters {
        let mut companies: HashMap<String, usize> = HashMap::new();
        for &m in &c.members {
            let t = title(&texts[m]);
            let body = &texts[m][t.len()..];
            let earnings = body.contains("Shr ") && body.contains(" vs ");
            if earnings {
                let company = t.split(['<', '(']).next().unwrap_or(t).trim().to_string();
                *companies.entry(company).or_default() += 1;
            }
        }
        if companies.len() > worst.0 {
            worst = (companies.len(), format!("{companies:?}"));
        }
    }
    eprintln!(
        "most companies' earnings reports in one cluster: {} {}",
        worst.0, worst.1
    );
    assert!(
        worst.0 <= 3,
        "earnings template merged companies: {}",
        worst.1
    );
}
