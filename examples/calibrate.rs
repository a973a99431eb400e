use neardup::profile::{ProfileParams, Profiles};
fn main() {
    let dir = neardup::corpus::find_reuters().expect("reuters");
    let mut texts: Vec<String> = neardup::corpus::read_reuters(&dir).unwrap().into_iter().map(|a| a.text).collect();
    let nr = texts.len();
    let mut seeds: Vec<_> = std::fs::read_dir("seeds").unwrap().map(|e| e.unwrap().path()).collect();
    seeds.sort();
    for s in &seeds { texts.push(std::fs::read_to_string(s).unwrap()); }
    let mut params = ProfileParams::default();
    let args: Vec<String> = std::env::args().collect();
    if args.len() > 1 { params.prior = args[1].parse().unwrap(); }
    if args.len() > 2 { params.anchors = args[2].parse().unwrap(); }
    if args.len() > 3 { params.min_shared_anchors = args[3].parse().unwrap(); }
    if args.len() > 5 { params.specific_base = args[5].parse().unwrap(); }
    if args.len() > 6 { params.specific_frac = args[6].parse().unwrap(); }
    if std::env::var("SEEDSONLY").is_ok() { let p = Profiles::build(&texts[nr..], &params); let mut m=1.0f64; for i in 0..5 { for j in i+1..5 { m = m.min(p.similarity(i,j)); } } println!("seeds-only weakest wj {m:.3} cands {:?}", p.candidates(params.min_shared_anchors)); }
    let t0 = std::time::Instant::now();
    let p = Profiles::build(&texts, &params);
    let cands = p.candidates(params.min_shared_anchors);
    println!("docs {} candidates {} in {:?}", texts.len(), cands.len(), t0.elapsed());
    let ns = seeds.len();
    let mut minj = 1.0f64; let mut minc = 1.0f64;
    for i in 0..ns { for j in i+1..ns { let (a,b)=(nr+i,nr+j); let [o,sp]=p.overlap(a,b); let (s,wa,wb)=(o[0],o[1],o[2]); println!("  all {:.3} spec {:.3}", o[0]/(o[1]+o[2]-o[0]), sp[0]/(sp[1]+sp[2]-sp[0])); let jac=p.similarity(a,b); let c = s/wa.min(wb);
        println!("seed {i}-{j}: wj {jac:.3} contain {c:.3} cand {}", cands.binary_search(&(a as u32,b as u32)).is_ok()); minj=minj.min(jac); minc=minc.min(c);} }
    let mut best = (0.0, 0.0, 0);
    for i in 0..nr { for j in 0..ns { let jac = p.similarity(i, nr+j); let [o,_]=p.overlap(i,nr+j); let (s,wa,wb)=(o[0],o[1],o[2]); let c = s/wa.min(wb); if jac > best.0 { best=(jac,c,i);} } }
    println!("weakest seed wj {minj:.3} contain {minc:.3}; closest reuters wj {:.3} (contain {:.3}) {}", best.0, best.1, &texts[best.2][..80.min(texts[best.2].len())]);
    let sims: Vec<(f64, f64, u32, u32)> = cands.iter().map(|&(a,b)| { let [o,_]=p.overlap(a as usize,b as usize); let (s,wa,wb)=(o[0],o[1],o[2]); (p.similarity(a as usize,b as usize), s/wa.min(wb), a, b)}).collect();
    for t in [0.10, 0.12, 0.15, 0.2, 0.25, 0.3] {
        let mut parent: Vec<usize> = (0..texts.len()).collect();
        fn find(p: &mut Vec<usize>, mut x: usize) -> usize { while p[x]!=x { p[x]=p[p[x]]; x=p[x];} x }
        let mut edges=0;
        let floor: f64 = std::env::var("FLOOR").map(|f| f.parse().unwrap()).unwrap_or(0.0);
        let mut rep: Vec<usize> = (0..texts.len()).collect();
        let mut order: Vec<&(f64,f64,u32,u32)> = sims.iter().filter(|e| e.0 >= t).collect();
        order.sort_by(|a,b| b.0.partial_cmp(&a.0).unwrap().then((a.2,a.3).cmp(&(b.2,b.3))));
        for &&(_j,_c,a,b) in &order { edges+=1; let (x,y)=(find(&mut parent,a as usize),find(&mut parent,b as usize)); if x!=y {
            let (rx, ry) = (rep[x], rep[y]);
            if floor > 0.0 && p.similarity(rx, ry) < floor { continue; }
            let r = if p.total(rx) >= p.total(ry) { rx } else { ry };
            let root = x.min(y); parent[x.max(y)]=root; rep[root] = r; } }
        let mut sizes = std::collections::HashMap::new();
        for i in 0..texts.len() { *sizes.entry(find(&mut parent,i)).or_insert(0)+=1; }
        let mut v: Vec<_> = sizes.values().copied().collect(); v.sort_unstable_by(|a,b| b.cmp(a));
        let seedc = find(&mut parent, nr); let seedsize = sizes[&seedc];
        let seeds_together = (0..ns).all(|i| find(&mut parent, nr+i)==seedc);
        if std::env::var("DUMP").map(|d| d.parse::<f64>().unwrap()==t).unwrap_or(false) {
            let mut by: Vec<(usize,usize)> = sizes.iter().map(|(&r,&s)|(s,r)).collect(); by.sort_unstable_by(|a,b| b.cmp(a));
            for &(sz, root) in by.iter().take(3) { println!("--- cluster size {sz}");
                let mut k=0; for i in 0..texts.len() { if find(&mut parent,i)==root { k+=1; if k%(sz/15+1)==0 { println!("  {}", texts[i].lines().next().unwrap_or("")); } } } }
            let mut shown=0; for &(j,c,a,b) in &sims { if j>=t && j < t+0.03 && shown<12 && find(&mut parent,a as usize)==by[0].1 { shown+=1; println!("  edge {j:.3} c {c:.3}: [{}] ~ [{}]", texts[a as usize].lines().next().unwrap_or(""), texts[b as usize].lines().next().unwrap_or("")); } }
        }
        println!("t={t}: edges {edges} clusters {} top {:?} seeds together {seeds_together} seed cluster size {seedsize}", v.len(), &v[..8]);
    }
}
#[allow(dead_code)]
fn unused() {}
