//! The on-disk format of a saved [`Index`], version 2.
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
//! The payload record holds, in this order: the configuration (as `Config` serializes); the
//! window (`Option<i64>`) and the newest time seen (`i64`); the next insertion number and the
//! next cluster id (`u64`); the live documents in insertion order, each with its id, insertion
//! number, time, cluster id, xxh3-64 of its text, and features (MinHash signature and sorted
//! shingle set, SimHash fingerprint and shingle count, or sorted content terms); the clusters
//! in id order, each with its id, its members (positions in the document list, in insertion
//! order) and its representative (a position); and the sorted words that lost their postings
//! (weighted method).
//!
//! Loading checks the header, the length and the checksum, then every field of the payload
//! (see `validate`), so a crafted file with a valid checksum is an error, never a panic,
//! an overflow or a hang. Version 1 (bincode) files are refused with [`Error::Version`]: rebuild
//! the index from its articles.

use std::collections::HashMap;
use std::io::{Read, Write};

use serde::{Deserialize, Serialize};

use super::clusters::Cluster;
use super::features::DocFeatures;
use super::store::Doc;
use super::{ClusterId, Index, Timestamp};
use crate::config::Config;
use crate::error::Error;

const MAGIC: &[u8; 8] = b"NDUPIDX\0";
const HEADER: usize = MAGIC.len() + 4 + 8 + 8;
/// Version of the saved-index format this build writes and reads.
pub const FORMAT_VERSION: u32 = 2;

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
            .zip(0u32..)
            .filter_map(|(d, slot)| d.as_ref().map(|d| (d.seq, slot)))
            .collect();
        live.sort_unstable();
        let position: HashMap<u32, u32> = live
            .iter()
            .zip(0u32..)
            .map(|(&(_, slot), i)| (slot, i))
            .collect();
        let at = |slot: &u32| position.get(slot).copied().ok_or_else(broken);
        let mut saturated: Vec<u64> = inner.saturated.keys().copied().collect();
        saturated.sort_unstable();
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
                    id: d.id.clone(),
                    seq: d.seq,
                    time: d.time,
                    cluster: d.cluster,
                    text_hash: d.text_hash,
                    features: d.features.clone(),
                })
                .collect(),
            clusters,
            saturated,
        };
        postcard::to_allocvec(&saved).map_err(|e| Error::Format(format!("cannot encode: {e}")))?
    };
    let io = |e: std::io::Error| Error::Input(format!("writing index: {e}"));
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
    reader
        .read_to_end(&mut bytes)
        .map_err(|e| Error::Input(format!("reading index: {e}")))?;
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

fn from_saved(saved: Saved) -> Result<Index, Error> {
    let bad = |what: &str| Error::Format(format!("inconsistent index: {what}"));
    let index = Index::with_config(saved.config)?;
    {
        let mut inner = index.write();
        inner.window = saved.window;
        inner.newest = saved.newest;
        inner.next_cluster = saved.next_cluster;
        inner.next_seq = saved.next_seq;
        inner.saturated = saved.saturated.iter().map(|&t| (t, ())).collect();
        let n = saved.docs.len();
        let mut last_seq = None;
        for doc in saved.docs {
            if !index.signer.accepts(&doc.features) {
                return Err(bad("features do not match the configuration"));
            }
            if inner.ids.contains_key(&doc.id) {
                return Err(bad("duplicate id"));
            }
            if doc.seq >= saved.next_seq || last_seq.is_some_and(|l| doc.seq <= l) {
                return Err(bad("insertion order"));
            }
            last_seq = Some(doc.seq);
            let doc = Doc {
                id: doc.id,
                seq: doc.seq,
                time: doc.time,
                cluster: doc.cluster,
                text_hash: doc.text_hash,
                features: doc.features,
            };
            // Postings as saved: no word saturates anew while the documents come back.
            inner.place(&index.signer, doc, false);
        }
        let mut seen = vec![false; n];
        for SavedCluster {
            id,
            members,
            representative,
        } in saved.clusters
        {
            let cluster = Cluster {
                members,
                representative,
            };
            if id >= saved.next_cluster
                || cluster.members.is_empty()
                || inner.clusters.contains_key(&id)
            {
                return Err(bad("cluster ids"));
            }
            for &m in &cluster.members {
                let m = m as usize;
                if m >= n || seen[m] || inner.slots[m].as_ref().map(|d| d.cluster) != Some(id) {
                    return Err(bad("cluster members"));
                }
                seen[m] = true;
            }
            if !cluster.members.contains(&cluster.representative) {
                return Err(bad("cluster representative"));
            }
            inner.clusters.insert(id, cluster);
        }
        if seen.iter().any(|&s| !s) {
            return Err(bad("an article without a cluster"));
        }
    }
    Ok(index)
}
