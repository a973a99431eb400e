//! `Index::load` on arbitrary bytes.
//!
//! Loading returns `Ok` or `Err`, never panics, hangs or runs out of memory. An index it
//! accepts is one the rest of the API can use without panicking, and saving it is stable: save,
//! load and save again gives the same bytes. Random bytes rarely get past the checksum, so
//! each input is also tried with its header repaired (length and checksum recomputed).

use neardup::Index;

/// Checks one input as the contents of a saved index, as is and with its header repaired.
pub fn index_load(data: &[u8]) {
    check(data);
    if let Some(repaired) = repair_header(data) {
        check(&repaired);
    }
}

fn check(bytes: &[u8]) {
    let Ok(index) = Index::load(bytes) else {
        return;
    };
    let saved = save(&index);
    let again = match Index::load(&saved[..]) {
        Ok(again) => again,
        Err(e) => panic!("a saved index does not load: {e}"),
    };
    assert_eq!(save(&again), saved, "save → load → save changes the bytes");
    exercise(&index);
}

fn save(index: &Index) -> Vec<u8> {
    let mut out = Vec::new();
    if let Err(e) = index.save(&mut out) {
        panic!("saving a loaded index fails: {e}");
    }
    out
}

/// Uses a loaded index every way the public API allows: none of it may panic.
fn exercise(index: &Index) {
    let text = "The central bank raised interest rates by half a point on Tuesday, citing \
                persistent inflation and a tight labour market.";
    let _ = index.query(text);
    let _ = index.memory_bytes();
    let clusters = index.clusters();
    let first = index.insert("fuzz: a new article", text, 0);
    let _ = index.insert("fuzz: its copy", &format!("{text} (Reuters)"), i64::MAX);
    assert!(
        index.clusters() <= clusters + 2,
        "two inserts add at most two clusters"
    );
    if let Some(cluster) = index.cluster_of("fuzz: a new article") {
        assert!(index.members(cluster).is_some(), "a cluster's members");
    }
    if first.is_ok() && index.cluster_of("fuzz: a new article").is_some() {
        assert!(
            index.remove("fuzz: a new article"),
            "an inserted article can be removed"
        );
    }
    let _ = index.evict_older_than(i64::MIN);
    let _ = index.evict_older_than(i64::MAX);
    let _ = index.query(text);
}

/// The magic bytes, then version, payload length and checksum words (format v4, as v1 to v3).
const MAGIC: &[u8] = b"NDUPIDX\0";
const HEADER: usize = 8 + 4 + 8 + 8;

/// `data` with a correct payload length and checksum, if it starts like an index.
fn repair_header(data: &[u8]) -> Option<Vec<u8>> {
    if data.len() < HEADER || !data.starts_with(MAGIC) {
        return None;
    }
    let payload = &data[HEADER..];
    let mut out = data[..12].to_vec();
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&xxhash_rust::xxh3::xxh3_64(payload).to_le_bytes());
    out.extend_from_slice(payload);
    (out != data).then_some(out)
}
