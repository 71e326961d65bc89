//! `make train`: fits the lead detector on model/corpus/train.txt and writes the weights file
//! the detector compiles in (shared/detection/src/weights.rs). Prints cross-validated
//! quality on the training split. It never reads the frozen test split.

use std::process::ExitCode;

use scl_model::corpus;
use scl_model::fit::HYPER;
use scl_model::metrics::Confusion;

/// `scl-train --explain 'C: my furnace is blowing cold air | A: we can come at 2'`: how the
/// current weights score one call, feature by feature (for feature work on the training split).
fn explain(call: &str) {
    use scl_detection::{adaptation::Adjustment, features, model, score_call, Speaker, Utterance};
    let transcript: Vec<Utterance> = call
        .split('|')
        .filter_map(|part| {
            let (who, text) = part.trim().split_once(':')?;
            let speaker = if who.trim() == "A" {
                Speaker::Agent
            } else {
                Speaker::Customer
            };
            Some(Utterance {
                speaker,
                text: text.trim(),
            })
        })
        .collect();
    let f = features::extract(&transcript, &[]);
    let b = model::MODEL.weights.breakdown(&f);
    for feat in features::FEATURES
        .iter()
        .filter(|x| f.values[x.index()] > 0.0)
    {
        println!("  {:<24} {:+.3}", feat.name(), b.features[feat.index()]);
    }
    println!(
        "  {:<24} {:+.3}\n  {:<24} {:+.3}",
        "n-grams", b.ngrams, "bias", b.bias
    );
    let a = score_call(&transcript, &[], &Adjustment::default());
    println!(
        "score {:.3} (balanced threshold {:.3}); reasons: {:?}",
        a.score,
        model::MODEL.thresholds.balanced,
        a.reasons
    );
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--explain") {
        explain(args.get(i + 1).map(String::as_str).unwrap_or(""));
        return ExitCode::SUCCESS;
    }
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
    println!(
        "nested {}-fold cross-validation at balanced: {cv}",
        scl_model::FOLDS
    );
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
                let on: Vec<&str> = scl_detection::features::FEATURES
                    .iter()
                    .filter(|f| e.features.values[f.index()] > 0.0)
                    .map(|f| f.name())
                    .collect();
                println!(
                    "  miss {} ({}, {}) score {s:.3}: {}",
                    call.id,
                    call.kind,
                    if call.is_lead { "lead" } else { "not_lead" },
                    on.join(" ")
                );
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
