import { expect, test } from "@playwright/test";
import { countHighlights, splitHighlights, splitMarks } from "./highlight.ts";

test("every range becomes a numbered mark, in order, with the text between kept", () => {
  const pieces = splitHighlights("The price, the PRICE.", [[15, 20], [4, 9]], 3);
  expect(pieces).toEqual([
    { text: "The ", match: null },
    { text: "price", match: 3 },
    { text: ", the ", match: null },
    { text: "PRICE", match: 4 },
    { text: ".", match: null },
  ]);
});

test("ranges count characters, not UTF-16 units, as the API does", () => {
  // "é" and the emoji are one character each.
  const pieces = splitHighlights("café 🙂 price", [[7, 12]], 0);
  expect(pieces.map((p) => p.text)).toEqual(["café 🙂 ", "price"]);
});

test("overlapping and out-of-range ranges are clipped, never thrown", () => {
  expect(splitHighlights("abcdef", [[1, 4], [2, 5], [10, 12]], 0)).toEqual([
    { text: "a", match: null },
    { text: "bcd", match: 0 },
    { text: "e", match: 1 },
    { text: "f", match: null },
  ]);
  expect(countHighlights("abc", [[5, 9]])).toBe(0);
  expect(splitHighlights("", [], 0)).toEqual([{ text: "", match: null }]);
});

test("evidence and search marks cut the text together, each piece knowing both", () => {
  // "stopped cooling" is reason 0's evidence, "AC" reason 1's; the search found "cooling".
  const pieces = splitMarks("My AC stopped cooling.", [[14, 21]], 0, [
    { start: 6, end: 21, reason: 0 },
    { start: 3, end: 5, reason: 1 },
  ]);
  expect(pieces).toEqual([
    { text: "My ", match: null, reasons: [] },
    { text: "AC", match: null, reasons: [1] },
    { text: " ", match: null, reasons: [] },
    { text: "stopped ", match: null, reasons: [0] },
    { text: "cooling", match: 0, reasons: [0] },
    { text: ".", match: null, reasons: [] },
  ]);
});

test("overlapping evidence of two reasons, and ranges past the end, are clipped", () => {
  expect(splitMarks("abcdef", [], 0, [{ start: 1, end: 4, reason: 2 }, { start: 3, end: 99, reason: 0 }])).toEqual([
    { text: "a", match: null, reasons: [] },
    { text: "bc", match: null, reasons: [2] },
    { text: "d", match: null, reasons: [0, 2] },
    { text: "ef", match: null, reasons: [0] },
  ]);
});
