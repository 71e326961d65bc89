import { expect, test } from "@playwright/test";
import { countHighlights, splitHighlights } from "./highlight.ts";

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
