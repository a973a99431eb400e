//! One connected component's edges → its clusters, with the batch's linking rules.
//!
//! This is `neardup::cluster::link` over similarity and content functions instead of a
//! `verify::Features` (which cannot be built from profiles weighted across workers): edges
//! strongest first into a union-find whose root is the smallest member, the optional chain
//! guard, and the same representatives, ties and float sums. Linking one component alone gives
//! what linking the whole corpus gives it, because a component's merges, checks and ties only
//! involve its own members. `tests` checks it against `cluster::link`.

use neardup::verify::Edge;
use neardup::Cluster;

/// Clusters documents `0..n` joined by `edges` (`a < b < n`), as `cluster::link` does with the
/// chain guard `floor`; `similarity(a, b)` and `content(i)` are the features' measures.
pub fn link(
    n: usize,
    mut edges: Vec<Edge>,
    floor: Option<f64>,
    similarity: impl Fn(usize, usize) -> f64,
    content: impl Fn(usize) -> f64,
) -> Vec<Cluster> {
    edges.sort_unstable_by(|x, y| {
        y.similarity
            .total_cmp(&x.similarity)
            .then((x.a, x.b).cmp(&(y.a, y.b)))
    });
    let mut parent: Vec<usize> = (0..n).collect();
    let mut rep: Vec<usize> = (0..n).collect();
    let mut members: Vec<Vec<usize>> = if floor.is_some() {
        (0..n).map(|i| vec![i]).collect()
    } else {
        Vec::new()
    };
    let mut size = vec![1usize; n];
    for e in &edges {
        let (ra, rb) = (find(&mut parent, e.a), find(&mut parent, e.b));
        if ra == rb {
            continue;
        }
        // The larger cluster keeps its representative (ties: the fuller text, then the earlier).
        let (big, small) =
            if (size[ra], content(rep[ra]), rb).partial_cmp(&(size[rb], content(rep[rb]), ra))
                == Some(std::cmp::Ordering::Less)
            {
                (rb, ra)
            } else {
                (ra, rb)
            };
        if let Some(floor) = floor {
            let r = rep[big];
            if members[small]
                .iter()
                .any(|&m| m != r && similarity(m, r) < floor)
            {
                continue;
            }
            let moved = std::mem::take(&mut members[small]);
            members[big].extend(moved);
        }
        let (root, child) = (ra.min(rb), ra.max(rb));
        parent[child] = root;
        rep[root] = rep[big];
        size[root] = size[ra] + size[rb];
        if floor.is_some() && root != big {
            members.swap(root, big);
        }
    }
    // Group members by root; roots are the smallest member, so ids come out sorted.
    let mut index_of_root = vec![usize::MAX; n];
    let mut groups: Vec<(Vec<usize>, Vec<Edge>)> = Vec::new();
    for i in 0..n {
        let r = find(&mut parent, i);
        if index_of_root[r] == usize::MAX {
            index_of_root[r] = groups.len();
            groups.push((Vec::new(), Vec::new()));
        }
        groups[index_of_root[r]].0.push(i);
    }
    for e in edges {
        let (ra, rb) = (find(&mut parent, e.a), find(&mut parent, e.b));
        if ra == rb {
            groups[index_of_root[ra]].1.push(e);
        }
    }
    groups
        .into_iter()
        .map(|(members, edges)| {
            let guard_rep = floor.map(|_| rep[members[0]]);
            finish(members, edges, guard_rep, &similarity, &content)
        })
        .collect()
}

/// The root (smallest member) of `x`'s set, halving the path on the way.
fn find(parent: &mut [usize], mut x: usize) -> usize {
    while parent[x] != x {
        parent[x] = parent[parent[x]];
        x = parent[x];
    }
    x
}

/// The representative (the guard's, or else the member with the strongest edges, ties to the
/// fuller text, then the earlier) and every member's similarity to it.
fn finish(
    members: Vec<usize>,
    edges: Vec<Edge>,
    guard_rep: Option<usize>,
    similarity: &impl Fn(usize, usize) -> f64,
    content: &impl Fn(usize) -> f64,
) -> Cluster {
    let representative = if let Some(r) = guard_rep {
        r
    } else if members.len() == 1 {
        members[0]
    } else {
        let mut score = vec![0.0f64; members.len()];
        for e in &edges {
            for d in [e.a, e.b] {
                if let Ok(i) = members.binary_search(&d) {
                    score[i] += e.similarity;
                }
            }
        }
        let key = |i: usize| (score[i], content(members[i]));
        let best = (0..members.len())
            .max_by(|&x, &y| {
                let (kx, ky) = (key(x), key(y));
                kx.0.total_cmp(&ky.0)
                    .then(kx.1.total_cmp(&ky.1))
                    .then(y.cmp(&x)) // earlier wins ties
            })
            .unwrap_or(0);
        members[best]
    };
    let similarities = members
        .iter()
        .map(|&m| {
            if m == representative {
                1.0
            } else {
                similarity(m, representative)
            }
        })
        .collect();
    Cluster {
        id: members[0],
        members,
        representative,
        similarities,
        edges,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use neardup::config::Config;
    use neardup::verify::Features;
    use neardup::{cluster, Preset};

    /// Stories of five variants each, sharing words with the next story: chains to guard.
    fn texts() -> Vec<String> {
        // Neighbouring stories share half their words, each word is in about ten texts.
        let words: Vec<String> = (0..820).map(|i| format!("tok{i}")).collect();
        let mut state = 17u64;
        let mut next = move || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) as usize
        };
        (0..400)
            .map(|i| {
                let start = (i / 5) * 10;
                let mut t: Vec<&str> = words[start..start + 20]
                    .iter()
                    .map(|s| s.as_str())
                    .collect();
                for _ in 0..(next() % 6) {
                    let at = next() % t.len();
                    t[at] = &words[next() % words.len()];
                }
                t.join(" ")
            })
            .collect()
    }

    /// The same clusters as `cluster::link`, with and without the chain guard, for both
    /// presets' methods.
    #[test]
    fn links_as_the_batch_does() {
        let texts = texts();
        for preset in [Preset::NearDuplicate, Preset::Rewrite] {
            for threshold in [0.3, 0.6] {
                let config = Config::builder(preset)
                    .threshold(threshold)
                    .build()
                    .unwrap();
                let features = Features::compute(&config, &texts).unwrap();
                let candidates = features.candidates(&config).unwrap();
                let edges = features.verify(&candidates, config.threshold()).unwrap();
                assert!(edges.len() > 30, "{preset:?} {threshold}: {}", edges.len());
                for floor in [None, Some(0.2), Some(0.5)] {
                    let want = cluster::link(&features, edges.clone(), floor).unwrap();
                    let got = link(
                        texts.len(),
                        edges.clone(),
                        floor,
                        |a, b| features.similarity(a, b).unwrap(),
                        |i| features.content(i).unwrap(),
                    );
                    assert!(want.iter().any(|c| c.len() > 2));
                    assert_eq!(got, want, "{preset:?} {threshold} {floor:?}");
                }
            }
        }
    }
}
