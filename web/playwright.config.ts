import { defineConfig } from "@playwright/test";
import type { PlaywrightTestOptions, PlaywrightWorkerOptions } from "@playwright/test";

// Three projects: `unit` (the console's pure functions, no browser), `console` (Debian's
// Chromium against the real local stack, started by tests/console.rs, which passes its
// addresses in SCL_CONSOLE_URL and SCL_INVOKE_URL) and `bench` (`make bench-console`). No
// browser is downloaded: Playwright drives the system's /usr/bin/chromium (scripts/tools.sh
// installs it).
const CHROMIUM: Partial<PlaywrightTestOptions & PlaywrightWorkerOptions> = {
  baseURL: process.env.SCL_CONSOLE_URL ?? "http://127.0.0.1:3000",
  browserName: "chromium",
  viewport: { width: 1366, height: 900 },
  launchOptions: {
    executablePath: process.env.SCL_CHROMIUM ?? "/usr/bin/chromium",
    // This machine's network is closed: keep Chromium from calling home.
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  },
  trace: "retain-on-failure",
  screenshot: "only-on-failure",
};

export default defineConfig({
  testDir: ".",
  outputDir: "test-results/output",
  fullyParallel: true,
  workers: 2,
  forbidOnly: true,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [["list"]],
  projects: [
    { name: "unit", testMatch: /src\/.*\.test\.ts$/ },
    {
      name: "console",
      testMatch: /e2e\/.*\.spec\.ts$/,
      use: CHROMIUM,
    },
    { name: "bench", testMatch: /e2e\/.*\.bench\.ts$/, use: CHROMIUM },
  ],
});
