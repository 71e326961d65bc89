// The CSR console in Debian's Chromium against the real local stack (the real function
// binaries under AWS's runtime emulator, DynamoDB Local with streams, moto): what a CSR and an
// administrator do, each test in a business of its own.

import { expect, test } from "@playwright/test";
import type { Page } from "@playwright/test";
import {
  api,
  cspViolations,
  sendBooking,
  sendCall,
  sendNearMiss,
  setUp,
  seriousViolations,
  shot,
  signIn,
  token,
  uniquePhone,
  uniqueTenant,
  watchCsp,
} from "./support.ts";

/** A transcript where the customer asks the price twice. */
const TRANSCRIPT = [
  { speaker: "agent", start_ms: 0, text: "Thanks for calling Cool Air, this is Sam." },
  { speaker: "customer", start_ms: 3000, text: "Hi, my AC stopped cooling last night and the house is 85 degrees." },
  { speaker: "agent", start_ms: 9000, text: "Sorry to hear that. We can get a technician out." },
  { speaker: "customer", start_ms: 12000, text: "What's the price for a diagnostic visit?" },
  { speaker: "agent", start_ms: 15000, text: "It's $89, waived if you do the repair." },
  { speaker: "customer", start_ms: 19000, text: "Okay, let me think about it and call you back. The price seems fair." },
];

// Every test runs under the console's Content-Security-Policy and fails on a violation.
test.beforeEach(({ page }) => {
  watchCsp(page);
});
test.afterEach(({ page }) => {
  expect(cspViolations(page)).toEqual([]);
});

const CALLING = { callback_caller_id: "+15125550000", voicemail_callback_number: "+15125550001" };

async function openLead(page: Page, leadId: string): Promise<void> {
  await page.locator(`tr[data-lead-id="${leadId}"]`).getByRole("link").click();
  await expect(page.getByRole("heading", { name: "Transcript" })).toBeVisible();
}

/** Lets the console's 30-second refresh come round at once. */
async function waitForRefresh(page: Page): Promise<void> {
  await page.clock.fastForward(31_000);
}

test("a new call appears in the queue by itself, newest first, with what a CSR scans for", async ({ page }) => {
  const tenant = uniqueTenant("queue");
  const older = await sendCall(tenant, { from_number: uniquePhone(), customer_name: "Pat Older" }, 50);
  await page.clock.install();
  await signIn(page, { tenant });
  await expect(page).toHaveURL(/\/queue\/open$/);
  const rows = page.locator("table.queue tbody tr");
  await expect(rows).toHaveCount(1);

  const phone = uniquePhone();
  const lead = await sendCall(tenant, { from_number: phone, customer_name: "Dana Reyes", call_reason: "AC not cooling" }, 6);
  await waitForRefresh(page);
  await expect(rows).toHaveCount(2);
  const first = rows.first();
  await expect(first).toHaveAttribute("data-lead-id", lead);
  await expect(first).toContainText("Dana Reyes");
  await expect(first).toContainText(`(${phone.slice(2, 5)}) ${phone.slice(5, 8)}-${phone.slice(8)}`);
  await expect(first).toContainText("AC not cooling");
  await expect(first).toContainText("New");
  await expect(first).toContainText("min ago");
  await expect(rows.nth(1)).toHaveAttribute("data-lead-id", older);
  // The tabs count their leads (kept by the report stream, so they may lag a refresh).
  await expect(async () => {
    await waitForRefresh(page);
    await expect(page.locator('[data-tab-count="open"]')).toHaveText(/^, 2 leads$/, { timeout: 1000 });
  }).toPass({ timeout: 20_000 });
  await expect(page.locator('[data-tab-count="done"]')).toHaveText(/^, 0 leads$/);

  // The status filter offers only the tab's statuses.
  const options = await page.getByLabel("Status").locator("option").allTextContents();
  expect(options).toEqual(["All in Open", "New", "Lead - Call Back Attempted"]);
  await shot(page, "queue");
});

test("review a lead: details, machine summary, recording, transcript search highlights and jumps", async ({ page }) => {
  const tenant = uniqueTenant("review");
  const lead = await sendCall(tenant, { transcript: TRANSCRIPT });
  await signIn(page, { tenant });
  await openLead(page, lead);
  await expect(page).toHaveURL(new RegExp(`/review/${lead}$`));
  await expect(page.getByRole("heading", { name: /^Every call from this number/ })).toHaveCount(0);
  await expect(page.getByText("Machine-generated")).toBeVisible();
  await expect(page.locator("audio")).toHaveAttribute("src", /^https:\/\//);
  await expect(page.locator(".csr-notes")).not.toBeEmpty();
  await expect(page.locator(".segment").first()).toContainText("Agent");
  await expect(page.locator(".segment .offset").nth(1)).toHaveText(/^0:0\d$/);

  await page.getByLabel("Search the transcript").fill("PRICE");
  await page.getByRole("button", { name: "Search", exact: true }).click();
  // Every match the API finds is marked (the sample's customer asks the price twice).
  const found = (await api(token(tenant, "u-1", "scl.view"), "GET", `/leads/${lead}/transcript/search?q=PRICE`)).body as {
    matches: { highlights: unknown[] }[];
  };
  const total = found.matches.reduce((n, m) => n + m.highlights.length, 0);
  expect(total).toBe(2);
  const marks = page.locator(".segments mark");
  await expect(marks).toHaveCount(total);
  await expect(marks.first()).toHaveText(/^price$/i);
  await expect(page.getByText(`Match 1 of ${total}`)).toBeVisible();
  await expect(marks.first()).toHaveClass(/current/);
  await page.getByRole("button", { name: "Next match" }).click();
  await expect(page.getByText(`Match 2 of ${total}`)).toBeVisible();
  await expect(marks.nth(1)).toHaveClass(/current/);
  await expect(marks.first()).not.toHaveClass(/current/);
  await page.getByRole("button", { name: "Previous match" }).click();
  await expect(page.getByText(`Match 1 of ${total}`)).toBeVisible();
  await shot(page, "review");

  // The same number calls again: one lead, both calls listed, newest first.
  // (Six minutes ago: past the default five minutes of After Call Work Time.)
  expect(await sendCall(tenant, { transcript: TRANSCRIPT, call_reason: "Second try" }, 6, "attached")).toBe(lead);
  await page.reload();
  await expect(page.getByRole("heading", { name: "Every call from this number (2)" })).toBeVisible();
  await expect(page.locator(".calls li").first()).toContainText("Second try");

  await page.getByLabel("Search the transcript").fill("zebra crossing");
  await page.getByLabel("Search the transcript").press("Enter");
  await expect(page.getByText("No matches for “zebra crossing”")).toBeVisible();
  await expect(marks).toHaveCount(0);
});

test("why a call was flagged: a click on a reason shows where the transcript says it", async ({ page }) => {
  const tenant = uniqueTenant("evidence");
  const lead = await sendCall(tenant, { transcript: TRANSCRIPT });
  // The API places every detector reason in the call; gate reasons have no place.
  const detail = (await api(token(tenant, "u-1", "scl.view"), "GET", `/leads/${lead}`)).body as {
    detection: { reasons: string[]; evidence: { reason: string; spans: { field: string; segment_index?: number; start: number; end: number }[] }[] };
  };
  const placed = detail.detection.evidence.filter((e) => e.spans.some((s) => s.field === "transcript"));
  expect(placed.length).toBeGreaterThanOrEqual(2);
  for (const e of detail.detection.evidence) expect(detail.detection.reasons).toContain(e.reason);
  const said = (s: { segment_index?: number; start: number; end: number }) =>
    Array.from(TRANSCRIPT[s.segment_index ?? 0]?.text ?? "")
      .slice(s.start, s.end)
      .join("");

  await signIn(page, { tenant });
  await openLead(page, lead);
  // Every place is underlined in the transcript, whichever reason it belongs to.
  await expect(page.locator(".segments .evidence").first()).toBeVisible();
  for (const e of placed) {
    const button = page.getByRole("button", { name: e.reason, exact: true });
    await button.click();
    await expect(button).toHaveAttribute("aria-pressed", "true");
    const first = e.spans.find((s) => s.field === "transcript");
    if (!first) continue;
    const focused = page.locator(".segments .evidence.focused");
    // The reason's first place is picked out (its words, perhaps cut by another reason's)...
    await expect(focused.first()).toBeInViewport();
    const shown = (await focused.allTextContents()).join("");
    expect(shown).toContain(said(first).split(" ")[0]);
    // ... and only its places: another reason's words are not picked out with it.
    expect(shown.length).toBeLessThanOrEqual(e.spans.reduce((n, s) => n + (s.end - s.start), 0));
  }
  // The gate reasons are plain text, not links.
  await expect(page.getByRole("button", { name: "no job booked" })).toHaveCount(0);
  await expect(page.locator(".reasons li", { hasText: "no job booked" })).toBeVisible();
  await shot(page, "review-evidence");
});

test("add a note copied to the customer; it shows in notes and history", async ({ page }) => {
  const tenant = uniqueTenant("note");
  const lead = await sendCall(tenant);
  await signIn(page, { tenant, name: "Kim Lee" });
  await page.goto(`/review/${lead}`);
  await page.getByLabel("Add a note").fill("Asked for a Tuesday morning slot.");
  await page.getByLabel(/the customer/).check();
  await page.getByRole("button", { name: "Add note" }).click();
  await expect(page.getByText("Note added and copied to the customer.")).toBeVisible();
  const note = page.locator(".notes li").first();
  await expect(note).toContainText("Asked for a Tuesday morning slot.");
  await expect(note).toContainText("Kim Lee");
  await expect(note).toContainText("Copied to customer");
  await expect(page.locator(".history li").first()).toContainText("Added a note");
  // Stored, not just shown: the API has it with its copy.
  const detail = (await api(token(tenant, "u-1", "scl.view"), "GET", `/leads/${lead}`)).body as { notes: { copied_to: string[] }[] };
  expect(detail.notes[0]?.copied_to).toEqual(["customer"]);
});

test("call back shows the caller ID and the voicemail number, and counts the attempt", async ({ page }) => {
  const tenant = uniqueTenant("callback");
  await setUp(tenant, CALLING);
  const lead = await sendCall(tenant);
  // A CSR without the settings permission still sees both numbers.
  await signIn(page, { tenant, scopes: ["scl.view"] });
  await page.goto(`/review/${lead}`);
  await page.getByRole("button", { name: "Call Customer Back" }).click();
  await expect(page.locator(".caller-id")).toHaveText("(512) 555-0000");
  await expect(page.locator(".voicemail-number")).toHaveText("(512) 555-0001");
  await expect(page.locator(".review-head .status")).toHaveText("Lead - Call Back Attempted");
  await expect(page.locator(".details")).toContainText(/Call-back attempts\s*1/);
  await shot(page, "call-back");
});

test("dismiss with a reason and comment moves the lead to Done", async ({ page }) => {
  const tenant = uniqueTenant("dismiss");
  const lead = await sendCall(tenant);
  await signIn(page, { tenant });
  await page.goto(`/review/${lead}`);
  await page.getByRole("button", { name: "Dismiss…" }).click();
  const dialog = page.getByRole("dialog", { name: "Dismiss this lead" });
  await expect(dialog).toBeVisible();
  await shot(page, "dismiss");
  await dialog.getByRole("button", { name: "Dismiss lead" }).click();
  await expect(dialog.getByText("Choose why the lead is dismissed.")).toBeVisible();
  await dialog.getByLabel(/Lead Not Following Up/).check();
  await dialog.getByLabel("Comment (optional)").fill("Went with a competitor.");
  await dialog.getByRole("button", { name: "Dismiss lead" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByText("Dismissed: Lead - Not following up. The lead moved to Done.")).toBeVisible();
  await expect(page.locator(".history li").first()).toContainText("Went with a competitor.");
  await page.goto("/queue/done");
  await expect(page.locator(`tr[data-lead-id="${lead}"]`)).toContainText("Lead - Not following up");
});

test("a status change that lost a race says someone else changed the lead, and reloads it", async ({ page }) => {
  const tenant = uniqueTenant("race");
  const lead = await sendCall(tenant);
  await signIn(page, { tenant });
  await page.goto(`/review/${lead}`);
  await expect(page.getByLabel("Change status")).toBeVisible();
  // The status choices are the manual ones, never the two booked statuses.
  const offered = await page.getByLabel("Change status").locator("option").allTextContents();
  expect(offered).toEqual(["Choose…", "Lead - Call Back Attempted", "Lead - Not able to save", "Lead - Not following up", "Reviewed - Not a Lead"]);
  // Someone else changes it first.
  const other = await api(token(tenant, "u-2", "scl.view", "Other CSR"), "POST", `/leads/${lead}/notes`, { text: "I'm on it." });
  expect(other.status).toBe(201);
  await page.getByLabel("Change status").selectOption("not_able_to_save");
  await page.getByRole("button", { name: "Change status" }).click();
  await expect(page.getByRole("alert")).toContainText("Someone else changed this lead");
  await expect(page.locator(".notes li").first()).toContainText("I'm on it.");
  await expect(page.locator(".review-head .status")).toHaveText("New");
  await shot(page, "conflict");
  // Trying again on the reloaded lead works.
  await page.getByLabel("Change status").selectOption("not_able_to_save");
  await page.getByRole("button", { name: "Change status" }).click();
  await expect(page.locator(".review-head .status")).toHaveText("Lead - Not able to save");
});

test("a booking moves the lead to Done by itself and makes it read-only", async ({ page }) => {
  const tenant = uniqueTenant("booking");
  const phone = uniquePhone();
  const lead = await sendCall(tenant, { from_number: phone });
  await page.clock.install();
  await signIn(page, { tenant });
  await expect(page.locator(`tr[data-lead-id="${lead}"]`)).toBeVisible();
  await sendBooking(tenant, phone, { scl_lead_id: lead, job_value: "1450.00" });
  // The stream applies the booking within about a second; the queue's own refresh shows it.
  await expect(async () => {
    await waitForRefresh(page);
    await expect(page.locator(`tr[data-lead-id="${lead}"]`)).toHaveCount(0, { timeout: 1000 });
  }).toPass({ timeout: 20_000 });
  await page.getByRole("link", { name: "Done" }).click();
  await expect(page.locator(`tr[data-lead-id="${lead}"]`)).toContainText("Job booked by SCL");
  await openLead(page, lead);
  await expect(page.locator(".locked")).toContainText("booked by Second Chance Leads");
  await expect(page.locator(".locked")).toContainText("$1,450.00");
  await expect(page.getByRole("button", { name: "Call Customer Back" })).toHaveCount(0);
  await expect(page.getByLabel("Change status")).toHaveCount(0);
  await shot(page, "booked");
});

test("the banner page links a number written three ways", async ({ page }) => {
  const tenant = uniqueTenant("banner");
  const phone = uniquePhone();
  await sendCall(tenant, { from_number: phone });
  await signIn(page, { tenant, scopes: ["scl.view"] });
  await page.getByRole("link", { name: "Booking banner" }).click();
  const [area, exchange, line] = [phone.slice(2, 5), phone.slice(5, 8), phone.slice(8)];
  for (const spelling of [`(${area}) ${exchange}-${line}`, `${area}.${exchange}.${line}`, `+1 ${area} ${exchange} ${line}`]) {
    await page.getByLabel("Customer phone number").fill(spelling);
    await page.getByRole("button", { name: "Look up" }).click();
    await expect(page.locator(".scl-banner")).toContainText("Second Chance Lead");
    await expect(page.locator(".scl-banner")).toContainText("New");
  }
  await shot(page, "banner");
  await page.getByLabel("Customer phone number").fill("(512) 555-0199");
  await page.getByRole("button", { name: "Look up" }).click();
  await expect(page.getByText("No Second Chance Lead for (512) 555-0199")).toBeVisible();
  await page.getByLabel("Customer phone number").fill("call me maybe");
  await page.getByRole("button", { name: "Look up" }).click();
  await expect(page.getByRole("alert")).toBeVisible();
});

test("the bell shows a new lead; opening it marks it read and opens the lead", async ({ page }) => {
  const tenant = uniqueTenant("bell");
  await setUp(tenant, { recipients: [{ user_id: "u-1", name: "Sam Carter", channels: ["in_app"] }] });
  await page.clock.install();
  await signIn(page, { tenant, user: "u-1" });
  await expect(page.getByRole("button", { name: "Notifications, none unread" })).toBeVisible();
  const lead = await sendCall(tenant, { customer_name: "Robin Bell" });
  await expect(async () => {
    await waitForRefresh(page);
    await expect(page.getByRole("button", { name: "Notifications, 1 unread" })).toBeVisible({ timeout: 1000 });
  }).toPass({ timeout: 20_000 });
  await page.getByRole("button", { name: "Notifications, 1 unread" }).click();
  const panel = page.getByRole("region", { name: "Notifications" });
  await expect(panel.locator("li.unread")).toHaveCount(1);
  await shot(page, "bell");
  await panel.locator("li.unread button").click();
  await expect(page).toHaveURL(new RegExp(`/review/${lead}$`));
  await expect(page.getByRole("button", { name: "Notifications, none unread" })).toBeVisible();
});

test("an scl.view user cannot open settings; an administrator's bad value is shown on its field", async ({ page, browser }) => {
  const tenant = uniqueTenant("settings");
  await signIn(page, { tenant, scopes: ["scl.view"] });
  await expect(page.getByRole("link", { name: "Settings" })).toHaveCount(0);
  await page.goto("/settings");
  await expect(page.getByText("Settings are for administrators.")).toBeVisible();
  await expect(page.getByLabel("Caller ID for call-backs")).toHaveCount(0);

  const admin = await browser.newPage();
  await signIn(admin, { tenant, user: "admin-1", scopes: ["scl.view", "scl.admin"] });
  await admin.getByRole("link", { name: "Settings" }).click();
  await admin.getByLabel("Caller ID for call-backs").fill("call me");
  await admin.getByRole("button", { name: "Save settings" }).click();
  const callerId = admin.getByLabel("Caller ID for call-backs");
  await expect(callerId).toHaveAttribute("aria-invalid", "true");
  await expect(callerId).toBeFocused();
  await expect(admin.locator("#s-callback-caller-id-error")).toBeVisible();
  await shot(admin, "settings-error");
  // The wrap-up time's bad value is shown on its own field too.
  const wrapUp = admin.getByLabel("After Call Work Time (minutes)");
  await expect(wrapUp).toHaveValue("5");
  await wrapUp.fill("90");
  await admin.getByRole("button", { name: "Save settings" }).click();
  await expect(wrapUp).toHaveAttribute("aria-invalid", "true");
  await expect(admin.locator("#s-after-call-work-minutes-error")).toContainText("0 to 60");
  await wrapUp.fill("0");
  await callerId.fill("(512) 555-0000");
  await admin.getByRole("button", { name: "Add a recipient" }).click();
  const recipient = admin.getByRole("group", { name: "Recipient 1" });
  await recipient.getByLabel("User id").fill("u-7");
  const email = admin.locator("#s-recipients-0-email");
  await email.fill("not-an-email");
  await admin.getByRole("button", { name: "Save settings" }).click();
  await expect(email).toHaveAttribute("aria-invalid", "true");
  await expect(email).toBeFocused();
  await email.fill("sam@example.com");
  await admin.getByRole("button", { name: "Save settings" }).click();
  await expect(admin.getByText("Settings saved.")).toBeVisible();
  await expect(callerId).toHaveValue("+15125550000");
  await expect(wrapUp).toHaveValue("0");
  await expect(admin.getByLabel("Find Second Chance Leads for this business")).toBeChecked();
  await shot(admin, "settings");
});

test("keyboard only: queue → review → dismiss", async ({ page }) => {
  const tenant = uniqueTenant("keyboard");
  const lead = await sendCall(tenant, { customer_name: "Kai Keys" });
  await signIn(page, { tenant });
  // Tab from the top of the page to the lead's link, as a keyboard user would.
  const link = page.locator(`tr[data-lead-id="${lead}"] a`);
  for (let i = 0; i < 30 && !(await link.evaluate((el) => el === document.activeElement)); i++) {
    await page.keyboard.press("Tab");
  }
  await expect(link).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(new RegExp(`/review/${lead}$`));
  const dismiss = page.getByRole("button", { name: "Dismiss…" });
  for (let i = 0; i < 40 && !(await dismiss.evaluate((el) => el === document.activeElement)); i++) {
    await page.keyboard.press("Tab");
  }
  await expect(dismiss).toBeFocused();
  await page.keyboard.press("Enter");
  const dialog = page.getByRole("dialog", { name: "Dismiss this lead" });
  await expect(dialog).toBeVisible();
  // Focus is inside the dialog; Tab reaches the first reason, Space picks it.
  await page.keyboard.press("Tab");
  for (let i = 0; i < 5 && !(await dialog.getByLabel(/Not a Lead/).evaluate((el) => el === document.activeElement)); i++) {
    await page.keyboard.press("Tab");
  }
  await page.keyboard.press("Space");
  await expect(dialog.getByLabel(/Not a Lead/)).toBeChecked();
  const submit = dialog.getByRole("button", { name: "Dismiss lead" });
  for (let i = 0; i < 6 && !(await submit.evaluate((el) => el === document.activeElement)); i++) {
    await page.keyboard.press("Tab");
  }
  await expect(submit).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(page.getByText("Dismissed: Reviewed - Not a Lead. The lead moved to Done.")).toBeVisible();
});

test("every screen passes an axe-core scan with no serious or critical violation", async ({ page }) => {
  const tenant = uniqueTenant("axe");
  await setUp(tenant, { ...CALLING, recipients: [{ user_id: "u-1", name: "Sam Carter", channels: ["in_app"] }] });
  const lead = await sendCall(tenant, { transcript: TRANSCRIPT });
  await sendCall(tenant, { from_number: uniquePhone(), customer_name: "Lee Park" }, 30);
  const problems: string[] = [];
  const scan = async (name: string) => {
    await shot(page, name);
    for (const v of await seriousViolations(page)) problems.push(`${name}: ${v}`);
  };

  await page.goto("/");
  await expect(page.getByRole("heading", { name: "Sign in to Second Chance Leads" })).toBeVisible();
  await scan("sign-in");
  await signIn(page, { tenant, user: "u-1" });
  await expect(page.locator("table.queue tbody tr")).toHaveCount(2);
  await scan("queue-open");
  await page.goto("/queue/done");
  await expect(page.getByText("No leads in Done.")).toBeVisible();
  await scan("queue-done");
  await page.goto(`/review/${lead}`);
  await page.getByLabel("Search the transcript").fill("price");
  await page.getByLabel("Search the transcript").press("Enter");
  await expect(page.getByText("Match 1 of 2")).toBeVisible();
  await scan("review-search");
  await page.getByRole("button", { name: "Dismiss…" }).click();
  await scan("review-dismiss-dialog");
  await page.keyboard.press("Escape");
  await page.getByRole("button", { name: /^Notifications/ }).click();
  await scan("bell-open");
  await page.goto("/near-misses");
  await expect(page.getByRole("heading", { name: "Near misses" })).toBeVisible();
  await expect(page.getByText("No near misses in the last 30 days.")).toBeVisible();
  await scan("near-misses");
  await page.goto("/reports");
  await expect(page.locator(".tiles")).toBeVisible();
  await scan("reports");
  await page.goto("/banner");
  await scan("banner-empty");
  await page.goto("/settings");
  await expect(page.getByLabel("Caller ID for call-backs")).toHaveValue("+15125550000");
  await scan("settings");
  expect(problems).toEqual([]);
});

test("a near miss can be promoted into the queue", async ({ page }) => {
  const tenant = uniqueTenant("near");
  const phone = uniquePhone();
  const callId = await sendNearMiss(tenant, phone);
  await signIn(page, { tenant, scopes: ["scl.view"] });
  await page.getByRole("link", { name: "Near misses" }).click();
  const row = page.locator("table.queue tbody tr").filter({ hasText: `(${phone.slice(2, 5)}) ${phone.slice(5, 8)}-${phone.slice(8)}` });
  await expect(row).toHaveCount(1);
  await shot(page, "near-misses");
  await row.getByRole("button", { name: /^Promote/ }).click();
  await expect(page).toHaveURL(/\/review\/[0-9A-Z]{26}$/);
  await expect(page.locator(".history li").first()).toContainText("Promoted from near misses");
  // Promoted once: the API refuses a second promotion of the call.
  const again = await api(token(tenant, "u-1", "scl.view"), "POST", `/calls/${callId}/promote`, {});
  expect(again.status).toBe(409);
});

test("reports show the period's figures and charts, and download as CSV", async ({ page }) => {
  const tenant = uniqueTenant("reports");
  await setUp(tenant, CALLING);
  const phone = uniquePhone();
  const lead = await sendCall(tenant, { from_number: phone });
  await sendCall(tenant, { from_number: uniquePhone() });
  await api(token(tenant, "u-1", "scl.view", "Sam Carter"), "POST", `/leads/${lead}/callback`, {});
  await sendBooking(tenant, phone, { scl_lead_id: lead, job_value: "325.50" });
  await signIn(page, { tenant, scopes: ["scl.view"] });
  const tile = (label: string) => page.locator(".tile").filter({ has: page.getByText(label, { exact: true }) }).locator("dd");
  // The report stream counts within a second or so; reload until it has.
  await expect(async () => {
    await page.goto("/reports");
    await expect(tile("Booked by SCL")).toHaveText("1", { timeout: 1500 });
  }).toPass({ timeout: 20_000 });
  await expect(tile("Flagged")).toHaveText("2");
  await expect(tile("Revenue booked by SCL")).toHaveText("$325.50");
  await expect(tile("Conversion")).toHaveText("50.0%");
  await expect(page.getByRole("img", { name: "Leads flagged and booked by SCL per day" })).toBeVisible();
  await expect(page.locator("table").filter({ hasText: "Sam Carter" })).toContainText("Sam Carter");
  await shot(page, "reports");
  const download = page.waitForEvent("download");
  await page.getByRole("button", { name: "Download CSV" }).click();
  const file = await download;
  expect(file.suggestedFilename()).toMatch(/^scl-report-\d{4}-\d{2}-\d{2}-to-\d{4}-\d{2}-\d{2}\.csv$/);
  const stream = await file.createReadStream();
  let csv = "";
  for await (const chunk of stream) csv += String(chunk);
  expect(csv.split("\r\n")[0]).toMatch(/^row,day,user_id,name,flagged,/);
  expect(csv).toContain("csr,,u-1,Sam Carter,");
  // A period the API refuses says which end is wrong.
  await page.getByLabel("From").fill("2020-01-01");
  await page.getByRole("button", { name: "Show" }).click();
  await expect(page.getByRole("alert")).toContainText("from");
  await expect(page.getByLabel("From")).toHaveAttribute("aria-invalid", "true");
});

test("on a tablet the review window stacks and every action stays reachable", async ({ page }) => {
  const tenant = uniqueTenant("tablet");
  await setUp(tenant, CALLING);
  const lead = await sendCall(tenant, { transcript: TRANSCRIPT });
  await page.setViewportSize({ width: 820, height: 1180 });
  await signIn(page, { tenant });
  await shot(page, "tablet-queue");
  await page.goto(`/review/${lead}`);
  await expect(page.getByRole("heading", { name: "Transcript" })).toBeVisible();
  // Nothing is wider than the screen: no sideways scrolling.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  await page.getByRole("button", { name: "Call Customer Back" }).click();
  await expect(page.locator(".caller-id")).toBeVisible();
  await shot(page, "tablet-review");
});

test("a reload on any console address shows the console, never API JSON", async ({ page }) => {
  const tenant = uniqueTenant("reload");
  const lead = await sendCall(tenant);
  await signIn(page, { tenant });
  for (const route of [`/review/${lead}`, "/queue/cold", "/reports", "/settings", "/banner", "/near-misses"]) {
    await page.goto(route);
    await expect(page.getByRole("navigation", { name: "Console" })).toBeVisible();
    await page.reload();
    await expect(page.getByRole("navigation", { name: "Console" })).toBeVisible();
  }
  // A notification's link ({AppBaseUrl}/leads/{id}, also the API's path) opens the lead.
  await page.goto(`/leads/${lead}`);
  await expect(page).toHaveURL(new RegExp(`/review/${lead}$`));
  await expect(page.getByRole("heading", { name: "Transcript" })).toBeVisible();
});
