import { expect, test } from "@playwright/test";
import { match } from "./router.ts";

test("console addresses match their pages and decode their parameters", () => {
  expect(match("/review/:id", "/review/01ABC")).toEqual({ id: "01ABC" });
  expect(match("/queue/:tab", "/queue/cold/")).toEqual({ tab: "cold" });
  expect(match("/review/:id", "/review")).toBeNull();
  expect(match("/review/:id", "/reports/x")).toBeNull();
  expect(match("/review/:id", "/review/a%20b")).toEqual({ id: "a b" });
});
