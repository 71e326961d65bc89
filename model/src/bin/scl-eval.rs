//! `make eval`: the detector's quality on calls it was not fitted on (model/src/eval.rs says
//! what is measured), recorded in model/EVALUATIONS.md; fails below the floors. `--no-record`
//! prints the same figures without recording them, and `--fast` (with it, `make test`)
//! calibrates each held-out model on two inner groups instead of four; `--training-only` leaves the
//! blind split out (feature work), and records nothing.

use std::io::Write;
use std::process::{Command, ExitCode};

fn git(args: &[&str]) -> String {
    Command::new("git")
        .args(args)
        .current_dir(scl_model::repo_root())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_else(|| "unknown".to_owned())
}

fn record(report: &scl_model::eval::Report) -> std::io::Result<()> {
    let commit = git(&["rev-parse", "--short=12", "HEAD"]);
    let dirty = if git(&["status", "--porcelain", "--untracked-files=no"]).is_empty() {
        ""
    } else {
        " (with uncommitted changes)"
    };
    let date = git(&["log", "-1", "--format=%cs"]);
    let now = Command::new("date")
        .args(["-u", "+%Y-%m-%d %H:%M UTC"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or(date);
    let path = scl_model::repo_root().join("model/EVALUATIONS.md");
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)?;
    writeln!(f, "\n## {now} — commit {commit}{dirty}\n\n```")?;
    for line in &report.lines {
        writeln!(f, "{line}")?;
    }
    if report.below_floor.is_empty() {
        writeln!(f, "every floor met")?;
    }
    for b in &report.below_floor {
        writeln!(f, "BELOW FLOOR: {b}")?;
    }
    writeln!(f, "```")
}

fn main() -> ExitCode {
    let training_only = std::env::args().any(|a| a == "--training-only");
    let scope = if training_only {
        scl_model::eval::Scope::TrainingOnly
    } else {
        scl_model::eval::Scope::Everything
    };
    // Feature work may try other fitting settings on the training writers alone:
    // SCL_EVAL_HYPER="l2_features,l2_hashed,iterations,learning_rate,augment(0|1)".
    let mut hyper = scl_model::fit::HYPER;
    if let (true, Ok(h)) = (training_only, std::env::var("SCL_EVAL_HYPER")) {
        let v: Vec<f64> = h.split(',').filter_map(|x| x.trim().parse().ok()).collect();
        if let [l2f, l2h, it, lr, aug] = v[..] {
            hyper = scl_model::fit::Hyper {
                l2_features: l2f,
                l2_hashed: l2h,
                iterations: it as usize,
                learning_rate: lr,
                augment: aug > 0.0,
            };
            println!("fitting with {hyper:?}");
        }
    }
    let inner = if std::env::args().any(|a| a == "--fast") {
        scl_model::INNER_GROUPS_FAST
    } else {
        scl_model::INNER_GROUPS
    };
    let report = match scl_model::eval::run(scope, hyper, inner) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    if !training_only && !std::env::args().any(|a| a == "--no-record") {
        if let Err(e) = record(&report) {
            eprintln!("model/EVALUATIONS.md: {e}");
            return ExitCode::FAILURE;
        }
    }
    if report.below_floor.is_empty() {
        println!("detection: every floor met");
        ExitCode::SUCCESS
    } else {
        for b in &report.below_floor {
            eprintln!("detection below its floor: {b}");
        }
        ExitCode::FAILURE
    }
}
