//! Writes the Reuters-21578 articles as JSON Lines, `{"id": "r<NEWID>", "text": title + "\n" +
//! body}`, the corpus the peer benchmark (`benches/compare/run.sh`) feeds to every library.
//!
//! ```text
//! cargo run --release --example export_jsonl [REUTERS_DIR] > reuters.jsonl
//! ```

use std::io::{BufWriter, Write};
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = match std::env::args().nth(1) {
        Some(d) => PathBuf::from(d),
        None => neardup::eval::reuters::find()
            .ok_or("Reuters-21578 not found: pass its directory or set NEARDUP_REUTERS")?,
    };
    let articles = neardup::eval::reuters::read(&dir)?;
    let mut out = BufWriter::new(std::io::stdout().lock());
    for a in &articles {
        serde_json::to_writer(&mut out, &serde_json::json!({"id": a.id, "text": a.text}))?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    eprintln!("{} articles from {}", articles.len(), dir.display());
    Ok(())
}
