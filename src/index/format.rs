//! The on-disk format of a saved [`Index`], version 4.
//!
//! Version 4 (this build) stores a MinHash document under exact verification as its shingle
//! set folded to the 32 bits the signature is made of, without the signature (it is signed
//! anew from the set on load), and under estimated verification as its signature alone.
//! Version 3 kept both and 64-bit shingle hashes; version 2 held rewrite terms unstemmed;
//! version 1 was bincode. Files of earlier versions are refused with [`Error::Version`] and
//! must be rebuilt from their articles.
//!
//! A file is a 28-byte header followed by the payload:
//!
//! | bytes  | field                                                        |
//! |--------|--------------------------------------------------------------|
//! | 0..8   | magic `NDUPIDX\0`                                             |
//! | 8..12  | format version, `u32` little-endian ([`FORMAT_VERSION`])    |
//! | 12..20 | payload length in bytes, `u64` little-endian                 |
//! | 20..28 | xxh3-64 of the payload, `u64` little-endian                  |
//! | 28..   | payload: one `Saved` record in [postcard]                    |
//!
//! [postcard]: https://postcard.jamesmunns.com/wire-format
//!
//! Behaviour that is not stored follows the build that loads a file: since the specificity
//! bound stopped growing at 100,000 documents ([`crate::profile::SPECIFIC_GROWTH_END`]), an
//! index saved with more live articles than that keeps words with up to 4,080 postings until
//! their next insert, which caps them at the new bound's 480.
//!
//! The payload record holds, in this order: the configuration (as `Config` serializes); the
//! window (`Option<i64>`) and the newest time seen (`i64`); the next insertion number and the
//! next cluster id (`u64`); the live documents in insertion order, each with its id, insertion
//! number, time, cluster id, xxh3-64 of its text, and features, an enum: `MinHash` (exact
//! verification: the sorted set of its shingle hashes `h` folded to `(h ^ h >> 32) as u32`), `SimHash` (fingerprint and shingle
//! count), `Weighted` (sorted content terms) or `Signature` (estimated verification: the
//! MinHash signature, `num_perm` × `u32`); the clusters
//! in id order, each with its id, its members (positions in the document list, in insertion
//! order) and its representative (a position); and the sorted words that lost their postings
//! (weighted method).
//!
//! Loading checks the header, the length and the checksum, then every field of the payload
//! (see `validate`), so a crafted file with a valid checksum is an error, never a panic,
//! an overflow or a hang.

use std::collections::{HashMap, HashSet};
use std::io::{Read, Write};

use serde::{Deserialize, Serialize};

use super::clusters::Cluster;
use super::features::DocFeatures;
use super::store::Doc;
use super::tables::NIL;
use super::{ClusterId, Index, Timestamp};
use crate::config::{Config, Method};
use crate::error::Error;

const MAGIC: &[u8; 8] = b"NDUPIDX\0";
const HEADER: usize = MAGIC.len() + 4 + 8 + 8;
/// Version of the saved-index format this build writes and reads.
pub const FORMAT_VERSION: u32 = 4;

/// The payload of a saved index; see the module docs.
#[derive(Serialize, Deserialize)]
struct Saved {
    config: Config,
    window: Option<Timestamp>,
    newest: Timestamp,
    next_seq: u64,
    next_cluster: ClusterId,
    /// Live documents in insertion order.
    docs: Vec<SavedDoc>,
    /// In id order.
    clusters: Vec<SavedCluster>,
    /// Weighted method: the words without postings, sorted.
    saturated: Vec<u64>,
}

#[derive(Serialize, Deserialize)]
struct SavedDoc {
    id: String,
    seq: u64,
    time: Timestamp,
    cluster: ClusterId,
    text_hash: u64,
    features: DocFeatures,
}

#[derive(Serialize, Deserialize)]
struct SavedCluster {
    id: ClusterId,
    /// Positions in `Saved::docs`, in insertion order.
    members: Vec<u32>,
    representative: u32,
}

/// Writes `index`: the header, then the payload.
pub(super) fn write<W: Write>(index: &Index, mut writer: W) -> Result<(), Error> {
    let payload = {
        let inner = index.read();
        let broken = || Error::Format("cannot encode: inconsistent index".into());
        // Slots are compacted on save, in insertion order: map each live slot to its position.
        let mut live: Vec<(u64, u32)> = inner
            .slots
            .iter()
            .filter_map(|(slot, d)| d.as_ref().map(|d| (d.seq, slot)))
            .collect();
        live.sort_unstable();
        let position: HashMap<u32, u32> = live
            .iter()
            .zip(0u32..)
            .map(|(&(_, slot), i)| (slot, i))
            .collect();
        let at = |slot: &u32| position.get(slot).copied().ok_or_else(broken);
        let mut saturated: Vec<u64> = inner.terms.saturated().collect();
        saturated.sort_unstable();
        let singles = inner.singles.iter().map(|(&id, &slot)| {
            Ok(SavedCluster {
                id,
                members: vec![at(&slot)?],
                representative: at(&slot)?,
            })
        });
        let mut clusters = inner
            .clusters
            .iter()
            .map(|(&id, c)| {
                Ok(SavedCluster {
                    id,
                    members: c.members.iter().map(at).collect::<Result<_, Error>>()?,
                    representative: at(&c.representative)?,
                })
            })
            .chain(singles)
            .collect::<Result<Vec<_>, Error>>()?;
        clusters.sort_unstable_by_key(|c| c.id);
        let saved = Saved {
            config: index.signer.config.clone(),
            window: inner.window,
            newest: inner.newest,
            next_seq: inner.next_seq,
            next_cluster: inner.next_cluster,
            docs: live
                .iter()
                .filter_map(|&(_, slot)| inner.doc(slot))
                .map(|d| SavedDoc {
                    id: d.id.to_string(),
                    seq: d.seq,
                    time: d.time,
                    cluster: d.cluster,
                    text_hash: d.text_hash,
                    features: inner.portable(&d.features).into_owned(),
                })
                .collect(),
            clusters,
            saturated,
        };
        postcard::to_allocvec(&saved).map_err(|e| Error::Format(format!("cannot encode: {e}")))?
    };
    let io = |source: std::io::Error| Error::Io {
        context: "writing index".into(),
        source,
    };
    writer.write_all(MAGIC).map_err(io)?;
    writer
        .write_all(&FORMAT_VERSION.to_le_bytes())
        .map_err(io)?;
    writer
        .write_all(&(payload.len() as u64).to_le_bytes())
        .map_err(io)?;
    writer
        .write_all(&xxhash_rust::xxh3::xxh3_64(&payload).to_le_bytes())
        .map_err(io)?;
    writer.write_all(&payload).map_err(io)?;
    writer.flush().map_err(io)
}

/// Reads an index written by [`write`]: header, length and checksum, then the payload, checked.
pub(super) fn read<R: Read>(mut reader: R) -> Result<Index, Error> {
    let mut bytes = Vec::new();
    reader.read_to_end(&mut bytes).map_err(|source| Error::Io {
        context: "reading index".into(),
        source,
    })?;
    if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
        return Err(Error::Format(
            "not a neardup index (bad magic bytes)".into(),
        ));
    }
    let (Some(version), Some(len), Some(checksum)) = (
        field::<4>(&bytes, MAGIC.len()).map(u32::from_le_bytes),
        field::<8>(&bytes, MAGIC.len() + 4).map(u64::from_le_bytes),
        field::<8>(&bytes, MAGIC.len() + 12).map(u64::from_le_bytes),
    ) else {
        return Err(Error::Format("truncated header".into()));
    };
    if version != FORMAT_VERSION {
        return Err(Error::Version {
            found: version,
            expected: FORMAT_VERSION,
        });
    }
    let payload = &bytes[HEADER..];
    if payload.len() as u64 != len {
        return Err(Error::Format(format!(
            "truncated or padded: payload is {} bytes, header says {len}",
            payload.len()
        )));
    }
    if xxhash_rust::xxh3::xxh3_64(payload) != checksum {
        return Err(Error::Format(
            "checksum mismatch: the file is corrupted".into(),
        ));
    }
    let (saved, rest): (Saved, _) = postcard::take_from_bytes(payload)
        .map_err(|e| Error::Format(format!("cannot decode: {e}")))?;
    if !rest.is_empty() {
        return Err(Error::Format(format!(
            "cannot decode: {} bytes after the payload",
            rest.len()
        )));
    }
    from_saved(saved)
}

/// `N` bytes at `at`, if the file has them.
fn field<const N: usize>(bytes: &[u8], at: usize) -> Option<[u8; N]> {
    bytes.get(at..at + N)?.try_into().ok()
}

/// Checks every field of `saved` (see [`validate`]) and rebuilds the index from it.
fn from_saved(saved: Saved) -> Result<Index, Error> {
    let index = Index::with_config(saved.config.clone())?;
    validate(&index, &saved)
        .map_err(|what| Error::Format(format!("inconsistent index: {what}")))?;
    {
        let mut inner = index.write();
        inner.window = saved.window;
        inner.newest = saved.newest;
        inner.next_cluster = saved.next_cluster;
        inner.next_seq = saved.next_seq;
        for &t in &saved.saturated {
            inner.terms.saturate(t);
        }
        for doc in saved.docs {
            let doc = Doc {
                id: doc.id.into(),
                seq: doc.seq,
                time: doc.time,
                cluster: doc.cluster,
                text_hash: doc.text_hash,
                features: doc.features,
            };
            // Postings as saved: no word saturates anew while the documents come back. The
            // index is empty, so each document lands in the slot of its position.
            let keys = index.signer.keys(&doc.features);
            inner.place(&index.signer, doc, &keys, false);
        }
        for c in saved.clusters {
            let cluster = Cluster {
                members: c.members.into(),
                representative: c.representative,
            };
            inner.put_cluster(c.id, cluster);
        }
    }
    Ok(index)
}

/// The checks of a loaded payload, so that no crafted file (with a valid checksum) can make a
/// later call overflow, panic or loop: counters below their maximum, a non-negative window, the
/// newest time not older than any document, insertion numbers increasing, unique ids, features
/// that fit the configuration, clusters with unique ids below the next one, each with members
/// (in range, in insertion order, pointing back to it) and a representative among them, every
/// document in exactly one cluster, and the saturated words sorted without repeats.
fn validate(index: &Index, saved: &Saved) -> Result<(), String> {
    if saved.next_seq == u64::MAX || saved.next_cluster == ClusterId::MAX {
        return Err("counters at their maximum".into());
    }
    if saved.window.is_some_and(|w| w < 0) {
        return Err("negative window".into());
    }
    let n = saved.docs.len();
    if n >= NIL as usize {
        return Err("too many articles".into());
    }
    // Each term of an article may need an id of its own (`u32`, NIL excluded).
    let terms: usize = saved
        .docs
        .iter()
        .map(|d| match &d.features {
            DocFeatures::Weighted { terms } => terms.len(),
            _ => 0,
        })
        .sum();
    if terms >= NIL as usize {
        return Err("too many terms".into());
    }
    let mut ids = HashSet::with_capacity(n);
    let mut last_seq = None;
    for (i, doc) in saved.docs.iter().enumerate() {
        let at = |what: &str| format!("article {i}: {what}");
        index.signer.check(&doc.features).map_err(at)?;
        if !ids.insert(doc.id.as_str()) {
            return Err(at("duplicate id"));
        }
        if doc.seq >= saved.next_seq || last_seq.is_some_and(|l| doc.seq <= l) {
            return Err(at("insertion number out of order"));
        }
        last_seq = Some(doc.seq);
        if doc.time > saved.newest {
            return Err(at("newer than the newest time"));
        }
    }
    let mut seen = vec![false; n];
    let mut last_id = None;
    for c in &saved.clusters {
        let at = |what: &str| format!("cluster {}: {what}", c.id);
        if c.id >= saved.next_cluster || last_id.is_some_and(|l| c.id <= l) {
            return Err(at("id out of order or not yet handed out"));
        }
        last_id = Some(c.id);
        if c.members.is_empty() || c.members.windows(2).any(|w| w[0] >= w[1]) {
            return Err(at("members empty or out of order"));
        }
        for &m in &c.members {
            let m = m as usize;
            match (saved.docs.get(m), seen.get_mut(m)) {
                (Some(doc), Some(seen)) if doc.cluster == c.id && !*seen => *seen = true,
                _ => return Err(at("a member out of range, repeated or of another cluster")),
            }
        }
        if c.members.binary_search(&c.representative).is_err() {
            return Err(at("representative not a member"));
        }
    }
    if let Some(i) = seen.iter().position(|&s| !s) {
        return Err(format!("article {i}: in no cluster"));
    }
    if saved.saturated.windows(2).any(|w| w[0] >= w[1]) {
        return Err("saturated words not sorted or repeated".into());
    }
    let weighted = matches!(index.signer.config.method, Method::Weighted | Method::Story);
    if !saved.saturated.is_empty() && !weighted {
        return Err("saturated words without the weighted method".into());
    }
    Ok(())
}
