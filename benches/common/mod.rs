//! Shared by the benches and `examples/compare.rs`: the benchmark corpus and the
//! tokenize-and-hash floor every shingling is measured against.
#![allow(dead_code)] // each target uses a different part

use xxhash_rust::xxh3::xxh3_64_with_seed;

/// The Reuters-21578 texts when the corpus is present (`eval::reuters::find`), else a
/// generated corpus of similar size and shape, so the benches run anywhere.
pub fn corpus() -> (&'static str, Vec<String>) {
    if let Some(dir) = neardup::eval::reuters::find() {
        if let Ok(articles) = neardup::eval::reuters::read(&dir) {
            return ("reuters", articles.into_iter().map(|a| a.text).collect());
        }
    }
    ("generated", generated(19_000, 7))
}

/// Total bytes of `texts`, for throughput.
pub fn bytes(texts: &[String]) -> u64 {
    texts.iter().map(|t| t.len() as u64).sum()
}

fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// `n` texts of 30–300 words drawn from a Zipf-like vocabulary of 20,000 pseudo-words; every
/// tenth text is a copy of an earlier one with about 5% of its words replaced, so the LSH and
/// clustering stages have real work.
pub fn generated(n: usize, seed: u64) -> Vec<String> {
    let mut s = seed;
    let vocab: Vec<String> = (0..20_000)
        .map(|_| {
            let len = 2 + splitmix64(&mut s) % 8;
            (0..len)
                .map(|_| (b'a' + (splitmix64(&mut s) % 26) as u8) as char)
                .collect()
        })
        .collect();
    // Cubing a uniform draw favours low ranks: a cheap heavy-headed word distribution.
    let word = |s: &mut u64| {
        let u = (splitmix64(s) >> 11) as f64 / (1u64 << 53) as f64;
        &vocab[((u * u * u) * vocab.len() as f64) as usize]
    };
    let mut texts: Vec<String> = Vec::with_capacity(n);
    for i in 0..n {
        if i % 10 == 9 {
            let src = &texts[(splitmix64(&mut s) % i as u64) as usize];
            let edited: Vec<&str> = src
                .split(' ')
                .map(|w| {
                    if splitmix64(&mut s).is_multiple_of(20) {
                        word(&mut s).as_str()
                    } else {
                        w
                    }
                })
                .collect();
            texts.push(edited.join(" "));
        } else {
            let len = 30 + splitmix64(&mut s) % 270;
            let words: Vec<&str> = (0..len).map(|_| word(&mut s).as_str()).collect();
            texts.push(words.join(" "));
        }
    }
    texts
}

/// The floor: lower-case ASCII on the fly, split on non-alphanumerics (bytes ≥ 0x80 count as
/// letters), xxh3 per token and per word n-gram of token hashes, sort + dedup. No Unicode
/// normalization, so a lower bound for [`neardup::shingle::Shingler`] on the same n-grams.
pub fn floor_shingles(text: &str, n: usize, seed: u64, tokens: &mut Vec<u64>, out: &mut Vec<u64>) {
    tokens.clear();
    out.clear();
    let mut word = [0u8; 64];
    let mut len = 0;
    for &b in text.as_bytes().iter().chain(std::iter::once(&b' ')) {
        if b.is_ascii_alphanumeric() || b >= 0x80 {
            if len < word.len() {
                word[len] = b.to_ascii_lowercase();
                len += 1;
            }
        } else if len > 0 {
            tokens.push(xxh3_64_with_seed(&word[..len], seed));
            len = 0;
        }
    }
    if tokens.is_empty() {
        return;
    }
    let window = n.min(tokens.len());
    let mut buf = [0u8; 8 * 32];
    for gram in tokens.windows(window) {
        for (chunk, t) in buf.chunks_exact_mut(8).zip(gram) {
            chunk.copy_from_slice(&t.to_le_bytes());
        }
        out.push(xxh3_64_with_seed(&buf[..8 * window], seed));
    }
    out.sort_unstable();
    out.dedup();
}

/// `usage` per article of `n`: `documents D, features F, tables T, ids I, clusters C, order O`.
#[allow(dead_code)] // each bench binary compiles this module and uses a different part of it
pub fn per_article(usage: &neardup::index::MemoryUsage, n: usize) -> String {
    let part = |b: usize| b as f64 / n.max(1) as f64;
    format!(
        "documents {:.0}, features {:.0}, tables {:.0}, ids {:.0}, clusters {:.0}, order {:.0}",
        part(usage.documents),
        part(usage.features),
        part(usage.tables),
        part(usage.ids),
        part(usage.clusters),
        part(usage.order),
    )
}
