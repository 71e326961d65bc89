//! Request paths must use Query/GetItem, never Scan: no source file may call the Scan API.

use std::path::Path;

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let p = entry.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn no_source_file_calls_scan() {
    let root = scl_tests::repo_root();
    let mut files = vec![];
    for dir in ["shared", "functions", "local/src"] {
        rust_files(&root.join(dir), &mut files);
    }
    assert!(files.len() > 10, "found only {} files", files.len());
    let offenders: Vec<String> = files
        .iter()
        .filter(|f| {
            let text = std::fs::read_to_string(f).unwrap();
            text.contains(".scan()")
                || text.contains("ScanInput")
                || text.contains("operation::scan")
        })
        .map(|f| f.display().to_string())
        .collect();
    assert!(offenders.is_empty(), "Scan used in {offenders:?}");
}
