//! Worker 0's output: the JSON Lines `neardup cluster` writes, byte for byte.

use crate::components::Row;
use crate::error::RunError;
use crate::Written;

/// One line per document in input order: `{"id":…,"cluster":…,"representative":…,
/// "similarity":…}`, with `rows` for the documents of components (sorted by document) and
/// every other document a cluster of its own. `ids` holds every document's JSON id, sorted.
pub fn write(total: usize, rows: &[Row], ids: &[(u32, String)]) -> Result<Written, RunError> {
    if ids.len() != total || ids.iter().enumerate().any(|(i, (d, _))| *d as usize != i) {
        return Err(RunError::Workers(format!(
            "worker 0 received {} of {total} document ids",
            ids.len()
        )));
    }
    let mut out = Vec::with_capacity(total * 80);
    let mut rows = rows.iter().peekable();
    let (mut clusters, mut largest) = (0usize, 0usize);
    let mut sizes = std::collections::HashMap::<u32, usize>::new();
    for (doc, id) in ids {
        let (cluster, representative, similarity) = match rows.peek() {
            Some(&&(d, cluster, rep, bits)) if d == *doc => {
                rows.next();
                *sizes.entry(cluster).or_default() += 1;
                (cluster, rep, f64::from_bits(bits))
            }
            _ => {
                clusters += 1;
                largest = largest.max(1);
                (*doc, true, 1.0)
            }
        };
        let similarity =
            serde_json::to_string(&similarity).map_err(|e| RunError::Write(e.to_string()))?;
        out.extend_from_slice(
            format!(
                "{{\"id\":{id},\"cluster\":{},\"representative\":{representative},\
                 \"similarity\":{similarity}}}\n",
                ids[cluster as usize].1
            )
            .as_bytes(),
        );
    }
    clusters += sizes.len();
    largest = sizes.values().copied().fold(largest, usize::max);
    Ok(Written {
        bytes: out,
        summary: format!("{total} documents, {clusters} clusters, largest {largest}"),
    })
}
