// Splitting a transcript segment's text at the search's highlight ranges (character offsets
// into the text, as the API gives them), so every match can be marked.

export interface Piece {
  text: string;
  /** The match's index among all of the transcript's matches, for a marked piece. */
  match: number | null;
}

/**
 * The text in pieces, matched ones numbered from `firstMatch` on. Ranges are `[start, end)` in
 * characters (Unicode code points); overlapping or out-of-range ones are clipped, never thrown.
 */
export function splitHighlights(text: string, ranges: readonly (readonly [number, number])[], firstMatch: number): Piece[] {
  const chars = Array.from(text);
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const pieces: Piece[] = [];
  let at = 0;
  let n = firstMatch;
  for (const [rawStart, rawEnd] of sorted) {
    const start = Math.max(at, Math.min(rawStart, chars.length));
    const end = Math.max(start, Math.min(rawEnd, chars.length));
    if (end === start) continue;
    if (start > at) pieces.push({ text: chars.slice(at, start).join(""), match: null });
    pieces.push({ text: chars.slice(start, end).join(""), match: n++ });
    at = end;
  }
  if (at < chars.length || pieces.length === 0) pieces.push({ text: chars.slice(at).join(""), match: null });
  return pieces;
}

/** How many marked pieces a segment's ranges give (what `splitHighlights` would number). */
export function countHighlights(text: string, ranges: readonly (readonly [number, number])[]): number {
  return splitHighlights(text, ranges, 0).filter((p) => p.match !== null).length;
}
