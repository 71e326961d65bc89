//! `make train`: fits the lead detector on model/corpus/train.txt and writes the weights file
//! the detector compiles in (shared/src/domain/detection/weights.rs). Prints cross-validated
//! quality on the training split. It never reads the frozen test split.

use std::process::ExitCode;

use scl_model::corpus;
use scl_model::fit::HYPER;
use scl_model::metrics::Confusion;

fn main() -> ExitCode {
    let calls = match corpus::load(&scl_model::train_path()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let leads = calls.iter().filter(|c| c.is_lead).count();
    println!("training split: {} calls, {} leads", calls.len(), leads);
    let examples = scl_model::examples(&calls);
    let cv = scl_model::nested_cross_validation(&calls, &examples, scl_model::FOLDS, HYPER);
    println!("nested {}-fold cross-validation at balanced: {cv}", scl_model::FOLDS);
    let trained = scl_model::train(&calls, HYPER);
    let t = trained.thresholds;
    println!(
        "thresholds: lenient {:.3}, balanced {:.3}, strict {:.3}",
        t.lenient, t.balanced, t.strict
    );
    if std::env::args().any(|a| a == "--misses") {
        let fold = scl_model::folds(&calls, scl_model::FOLDS);
        let oof = scl_model::out_of_fold_scores(&examples, &fold, scl_model::FOLDS, HYPER);
        let mut c = Confusion::default();
        for ((call, s), e) in calls.iter().zip(&oof).zip(&examples) {
            let predicted = *s >= t.balanced;
            c.add(predicted, call.is_lead);
            if predicted != call.is_lead {
                let on: Vec<&str> = scl_shared::domain::detection::features::FEATURES
                    .iter()
                    .filter(|f| e.features.values[f.index()] > 0.0)
                    .map(|f| f.name())
                    .collect();
                println!("  miss {} ({}, {}) score {s:.3}: {}", call.id, call.kind, if call.is_lead { "lead" } else { "not_lead" }, on.join(" "));
            }
        }
        println!("out-of-fold at balanced: {c}");
    }
    let text = scl_model::render(&trained);
    let path = scl_model::weights_path();
    if let Err(e) = std::fs::write(&path, &text) {
        eprintln!("{}: {e}", path.display());
        return ExitCode::FAILURE;
    }
    println!(
        "wrote {} ({} n-gram weights, {} bytes)",
        path.display(),
        trained.weights.ngrams.len(),
        text.len()
    );
    ExitCode::SUCCESS
}
