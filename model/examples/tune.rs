//! Leave-one-writer-out figures for several fitting settings (feature work on the training
//! writers only): `cargo run --release -p scl-model --example tune -- l2f,l2h,iters,lr[,augment] ...`.
use scl_model::fit::Hyper;
use scl_model::metrics::Confusion;

fn main() {
    let calls = scl_model::training_calls().unwrap();
    let examples = scl_model::examples(&calls);
    let groups = scl_model::Groups::by_writer(&calls);
    for arg in std::env::args().skip(1) {
        let v: Vec<f64> = arg.split(',').map(|x| x.parse().unwrap()).collect();
        let hyper = Hyper {
            l2_features: v[0],
            l2_hashed: v[1],
            iterations: v[2] as usize,
            learning_rate: v[3],
            augment: v.get(4).is_some_and(|a| *a > 0.0),
        };
        let t = std::time::Instant::now();
        let scored = scl_model::held_out_scores(&examples, &groups, hyper, scl_model::INNER_GROUPS);
        let mut c = Confusion::default();
        for (call, (s, th)) in calls.iter().zip(&scored) {
            c.add(*s >= th.balanced, call.is_lead);
        }
        println!("{arg}: {c} ({:?})", t.elapsed());
    }
}
