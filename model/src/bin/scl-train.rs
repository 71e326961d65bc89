//! `make train`: fits the lead detector on every training writer's calls (model/corpus/writers/)
//! and writes what the detector compiles in (shared/detection/src/weights.rs and
//! hashed_weights.bin). It never reads the blind split.
//!
//! `scl-train --misses` also lists the training calls leave-one-writer-out gets wrong, with the
//! features that were on (for feature work on the training writers); `--explain 'C: ... | A:
//! ...'` shows how the current weights score one call, feature by feature.

use std::process::ExitCode;

use scl_detection::features::FEATURES;
use scl_model::fit::HYPER;
use scl_model::{corpus, Groups};

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
    for feat in FEATURES.iter().filter(|x| f.values[x.index()] > 0.0) {
        println!("  {:<24} {:+.3}", feat.name(), b.features[feat.index()]);
    }
    println!(
        "  {:<24} {:+.3}\n  {:<24} {:+.3}",
        "hashed n-grams", b.hashed, "bias", b.bias
    );
    let a = score_call(&transcript, &[], &Adjustment::default());
    println!(
        "score {:.3} (balanced threshold {:.3}); reasons: {:?}",
        a.score,
        model::MODEL.thresholds.balanced,
        a.reasons
            .iter()
            .map(|r| r.text.as_str())
            .collect::<Vec<_>>()
    );
}

fn misses(calls: &[corpus::Call]) {
    let examples = scl_model::examples(calls);
    let scored = scl_model::held_out_scores(
        &examples,
        &Groups::by_writer(calls),
        HYPER,
        scl_model::INNER_GROUPS,
    );
    for ((call, (score, t)), e) in calls.iter().zip(&scored).zip(&examples) {
        if (*score >= t.balanced) != call.is_lead {
            let on: Vec<&str> = FEATURES
                .iter()
                .filter(|f| e.features.values[f.index()] > 0.0)
                .map(|f| f.name())
                .collect();
            println!(
                "  miss {} ({}, {}) score {score:.3}: {}",
                call.id,
                call.kind,
                if call.is_lead { "lead" } else { "not_lead" },
                on.join(" ")
            );
        }
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--explain") {
        explain(args.get(i + 1).map(String::as_str).unwrap_or(""));
        return ExitCode::SUCCESS;
    }
    let calls = match scl_model::training_calls() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let leads = calls.iter().filter(|c| c.is_lead).count();
    println!("training writers: {} calls, {} leads", calls.len(), leads);
    if args.iter().any(|a| a == "--misses") {
        misses(&calls);
    }
    let trained = scl_model::train(&calls, HYPER);
    let t = trained.model.thresholds;
    println!(
        "thresholds: lenient {:.3}, balanced {:.3}, strict {:.3}; calibration {:?}",
        t.lenient, t.balanced, t.strict, trained.model.calibration
    );
    let (text, table) = scl_model::render(&trained);
    for (path, bytes) in [
        (scl_model::weights_path(), text.as_bytes()),
        (scl_model::hashed_weights_path(), table.as_slice()),
    ] {
        if let Err(e) = std::fs::write(&path, bytes) {
            eprintln!("{}: {e}", path.display());
            return ExitCode::FAILURE;
        }
        println!("wrote {} ({} bytes)", path.display(), bytes.len());
    }
    ExitCode::SUCCESS
}
