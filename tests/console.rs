//! The CSR console in a real browser (web/e2e/console.spec.ts): Playwright's library drives
//! Debian's Chromium against the whole local stack started here (the real function binaries
//! under the runtime emulator, DynamoDB Local with streams, moto), the console served at `/`
//! with its dev sign-in. Screenshots of every screen land in web/test-results/screenshots/.
//!
//! `make test` builds the console (web/dist) and installs Chromium before this runs.

use std::process::Command;

use scl_tests::{repo_root, start_stack};

#[tokio::test]
async fn the_console_works_in_a_real_browser_against_the_local_stack() {
    let root = repo_root();
    let web = root.join("web");
    assert!(
        web.join("dist/index.html").exists(),
        "the console is not built: run `npm run build` in web/ (make test does)"
    );
    assert!(
        web.join("node_modules/@playwright/test").exists(),
        "the console's packages are not installed: run scripts/tools.sh (make test does)"
    );
    let chromium = std::env::var("SCL_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    assert!(
        std::path::Path::new(&chromium).exists(),
        "Chromium is missing at {chromium}: run scripts/tools.sh (make test does)"
    );
    let stack = start_stack("console", "test-secret").await;
    let console = format!("http://{}", stack.api_addr);
    let invoke = format!("http://{}", stack.invoke_addr);
    // Playwright runs beside the stack (which keeps serving on this test's runtime).
    let status = tokio::task::spawn_blocking(move || {
        Command::new("npx")
            .args(["--no-install", "playwright", "test", "--project", "console"])
            .current_dir(&web)
            .env("SCL_CONSOLE_URL", &console)
            .env("SCL_INVOKE_URL", &invoke)
            .env("SCL_DEV_JWT_SECRET", "test-secret")
            .env("SCL_CHROMIUM", &chromium)
            .env("CI", "1")
            .status()
    })
    .await
    .expect("the browser run's thread")
    .expect("npx runs (Node.js installed?)");
    assert!(
        status.success(),
        "browser tests failed ({status}); traces and screenshots in web/test-results/"
    );
    drop(stack);
}
