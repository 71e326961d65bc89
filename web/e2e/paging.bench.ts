// How the queue pages through a large backlog (`make bench-console`; figures in BENCHMARKS.md,
// "The console"): 1,000 leads in one business, every page of 50 from newest to oldest, timing
// each from the click to the page's rows on screen, and the page's JS heap at the end. Not
// part of `make test`: figures are reported, not asserted.

import { expect, test } from "@playwright/test";
import { sendCall, signIn, uniquePhone, uniqueTenant } from "./support.ts";

const LEADS = Number(process.env.SCL_BENCH_LEADS ?? 1000);

test("paging through the whole Open tab", async ({ page }) => {
  test.setTimeout(30 * 60_000);
  const tenant = uniqueTenant("paging");
  const started = Date.now();
  // Eight at a time, calls a minute apart so the order is known.
  for (let i = 0; i < LEADS; i += 8) {
    await Promise.all(
      Array.from({ length: Math.min(8, LEADS - i) }, (_, j) => sendCall(tenant, { from_number: uniquePhone() }, 60 + i + j)),
    );
  }
  const loadSeconds = (Date.now() - started) / 1000;
  await signIn(page, { tenant });
  const rows = page.locator("table.queue tbody tr");
  await expect(rows).toHaveCount(50);
  const times: number[] = [];
  const apiTimes: number[] = [];
  let seen = 50;
  for (;;) {
    if (await page.getByRole("button", { name: "Older →" }).isDisabled()) break;
    const first = await rows.first().getAttribute("data-lead-id");
    // Timed in the page: from the click to the frame that shows the next page's first row,
    // and the list request's own time (Resource Timing) within it.
    await page.evaluate(() => {
      performance.clearResourceTimings();
      (window as unknown as { t0: number }).t0 = performance.now();
      const older = [...document.querySelectorAll("button")].find((b) => b.textContent.includes("Older"));
      older?.click();
    });
    const shown = await page.waitForFunction(
      (before) => {
        const id = document.querySelector("table.queue tbody tr")?.getAttribute("data-lead-id");
        return id && id !== before ? performance.now() - (window as unknown as { t0: number }).t0 : false;
      },
      first,
      { polling: "raf" },
    );
    times.push(Number(await shown.jsonValue()));
    const list = await page.evaluate(() =>
      performance
        .getEntriesByType("resource")
        .filter((e) => e.name.includes("/leads?"))
        .map((e) => e.duration),
    );
    apiTimes.push(list[0] ?? 0);
    seen += await rows.count();
  }
  expect(seen).toBe(LEADS);
  const heap = await page.evaluate(() => (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? 0);
  const pct = (xs: number[], p: number) => {
    const sorted = [...xs].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
  };
  const firstHalf = times.slice(0, Math.floor(times.length / 2));
  const lastHalf = times.slice(Math.floor(times.length / 2));
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  console.log(
    `console paging: ${LEADS} leads (loaded in ${loadSeconds.toFixed(0)} s), ${times.length} page turns: ` +
      `click to rows on screen p50 ${pct(times, 0.5).toFixed(0)} ms, p90 ${pct(times, 0.9).toFixed(0)} ms, max ${pct(times, 1).toFixed(0)} ms ` +
      `(of which the list request p50 ${pct(apiTimes, 0.5).toFixed(0)} ms); ` +
      `first half mean ${mean(firstHalf).toFixed(0)} ms, last half ${mean(lastHalf).toFixed(0)} ms; ` +
      `JS heap ${(heap / 1048576).toFixed(1)} MiB after the last page`,
  );
});
