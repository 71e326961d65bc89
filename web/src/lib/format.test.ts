import { expect, test } from "@playwright/test";
import { addDays, formatAge, formatDuration, formatOffset, formatPhone } from "./format.ts";

test("North American numbers read as (512) 555-0100; others stay E.164", () => {
  expect(formatPhone("+15125550100")).toBe("(512) 555-0100");
  expect(formatPhone("+442071838750")).toBe("+442071838750");
  expect(formatPhone(null)).toBe("");
});

test("ages are in the largest whole unit", () => {
  const now = Date.parse("2026-11-26T12:00:00Z");
  expect(formatAge("2026-11-26T11:59:30Z", now)).toBe("just now");
  expect(formatAge("2026-11-26T11:55:00Z", now)).toBe("5 min ago");
  expect(formatAge("2026-11-26T09:00:00Z", now)).toBe("3 h ago");
  expect(formatAge("2026-11-25T11:00:00Z", now)).toBe("1 day ago");
  expect(formatAge("2026-11-20T12:00:00Z", now)).toBe("6 days ago");
});

test("durations and transcript offsets read as m:ss", () => {
  expect(formatDuration(252)).toBe("4:12");
  expect(formatDuration(3723)).toBe("1:02:03");
  expect(formatOffset(19_500)).toBe("0:19");
});

test("report periods step across months and leap days", () => {
  expect(addDays("2028-03-01", -1)).toBe("2028-02-29");
  expect(addDays("2026-11-30", -29)).toBe("2026-11-01");
});
