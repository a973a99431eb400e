//! Clusters the texts in `seeds/` with the rewrite preset and prints each cluster, its
//! representative (the likely original) and the pairwise similarities.
//!
//! ```text
//! cargo run --release --example seeds [DIR]
//! ```

use std::path::PathBuf;

use neardup::{Clusterer, Preset};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "seeds".into()));
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    paths.sort();
    let mut names = Vec::new();
    let mut texts = Vec::new();
    for p in &paths {
        let text = std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))?;
        names.push(
            p.file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned(),
        );
        texts.push(text);
    }
    let clusterer = Clusterer::new(Preset::Rewrite);
    println!("{}", clusterer.config().explain());
    let clusters = clusterer.cluster(&texts);
    println!(
        "\n{} documents from {} → {} cluster(s)\n",
        texts.len(),
        dir.display(),
        clusters.len()
    );
    for c in &clusters {
        println!(
            "cluster {} ({} members), representative: {}",
            c.id,
            c.len(),
            names[c.representative]
        );
        for (&m, s) in c.members.iter().zip(&c.similarities) {
            println!("  {:<28} similarity to representative {s:.3}", names[m]);
        }
        if c.len() > 1 {
            println!("  pairwise:");
            for e in &c.edges {
                println!("    {} ~ {}  {:.3}", names[e.a], names[e.b], e.similarity);
            }
        }
    }
    Ok(())
}
