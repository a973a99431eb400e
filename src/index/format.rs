//! The on-disk format of a saved [`Index`].

use std::collections::HashMap;
use std::io::{Read, Write};

use serde::{Deserialize, Serialize};

use super::clusters::Cluster;
use super::store::Doc;
use super::{ClusterId, Index, Timestamp};
use crate::config::Config;
use crate::error::Error;

const MAGIC: &[u8; 8] = b"NDUPIDX\0";
/// Version of the saved-index format this build writes and reads.
pub const FORMAT_VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
struct Saved {
    pub(super) config: Config,
    /// Live documents in insertion order.
    pub(super) docs: Vec<Doc>,
    /// Weighted method: the words without postings.
    pub(super) saturated: Vec<u64>,
    pub(super) next_seq: u64,
    pub(super) clusters: Vec<(ClusterId, Cluster)>,
    pub(super) next_cluster: ClusterId,
    pub(super) window: Option<Timestamp>,
    pub(super) newest: Timestamp,
}

/// Writes `index`: magic bytes, format version, payload length, checksum, payload.
pub(super) fn write<W: Write>(index: &Index, mut writer: W) -> Result<(), Error> {
    let inner = index.read();
    // Slots are compacted on save, in insertion order: map each live slot to its position.
    let mut live: Vec<(u64, u32)> = inner
        .slots
        .iter()
        .enumerate()
        .filter_map(|(slot, d)| d.as_ref().map(|d| (d.seq, slot as u32)))
        .collect();
    live.sort_unstable();
    let position: HashMap<u32, u32> = live
        .iter()
        .enumerate()
        .map(|(i, &(_, slot))| (slot, i as u32))
        .collect();
    let mut saturated: Vec<u64> = inner.saturated.keys().copied().collect();
    saturated.sort_unstable();
    let saved = Saved {
        config: index.signer.config.clone(),
        docs: live
            .iter()
            .filter_map(|&(_, slot)| inner.doc(slot).cloned())
            .collect(),
        saturated,
        next_seq: inner.next_seq,
        clusters: {
            let mut clusters: Vec<(ClusterId, Cluster)> = inner
                .clusters
                .iter()
                .map(|(&id, s)| {
                    (
                        id,
                        Cluster {
                            members: s.members.iter().map(|m| position[m]).collect(),
                            representative: position[&s.representative],
                        },
                    )
                })
                .collect();
            clusters.sort_unstable_by_key(|s| s.0);
            clusters
        },
        next_cluster: inner.next_cluster,
        window: inner.window,
        newest: inner.newest,
    };
    let payload =
        bincode::serialize(&saved).map_err(|e| Error::Format(format!("cannot encode: {e}")))?;
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

/// Reads an index written by [`write`].
pub(super) fn read<R: Read>(mut reader: R) -> Result<Index, Error> {
    let mut bytes = Vec::new();
    reader
        .read_to_end(&mut bytes)
        .map_err(|e| Error::Input(format!("reading index: {e}")))?;
    let header = MAGIC.len() + 4 + 8 + 8;
    if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
        return Err(Error::Format(
            "not a neardup index (bad magic bytes)".into(),
        ));
    }
    if bytes.len() < header {
        return Err(Error::Format("truncated header".into()));
    }
    let word = |at: usize, n: usize| {
        let mut b = [0u8; 8];
        b[..n].copy_from_slice(&bytes[at..at + n]);
        u64::from_le_bytes(b)
    };
    let version = word(MAGIC.len(), 4) as u32;
    if version != FORMAT_VERSION {
        return Err(Error::Version {
            found: version,
            expected: FORMAT_VERSION,
        });
    }
    let len = word(MAGIC.len() + 4, 8);
    let checksum = word(MAGIC.len() + 12, 8);
    let payload = &bytes[header..];
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
    use bincode::Options;
    let saved: Saved = bincode::DefaultOptions::new()
        .with_fixint_encoding()
        .with_limit(len)
        .deserialize(payload)
        .map_err(|e| Error::Format(format!("cannot decode: {e}")))?;
    from_saved(saved)
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
            // Postings as saved: no word saturates anew while the documents come back.
            inner.place(&index.signer, doc, false);
        }
        let mut seen = vec![false; n];
        for (id, cluster) in saved.clusters {
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
