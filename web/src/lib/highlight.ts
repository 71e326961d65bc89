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

/** A piece of text with what marks it: a search match (numbered) and the reasons (indexes into
 * the lead's reasons) whose evidence covers it. */
export interface MarkedPiece {
  text: string;
  match: number | null;
  reasons: number[];
}

/** A range of characters `[start, end)` that one reason's evidence covers. */
export interface ReasonRange {
  start: number;
  end: number;
  reason: number;
}

/**
 * The text cut at every search range and every evidence range, each piece knowing which match
 * and which reasons cover it. Search ranges are numbered exactly as `splitHighlights` numbers
 * them; evidence ranges may overlap each other and the search's. Out-of-range ranges are clipped.
 */
export function splitMarks(
  text: string,
  ranges: readonly (readonly [number, number])[],
  firstMatch: number,
  evidence: readonly ReasonRange[],
): MarkedPiece[] {
  const chars = Array.from(text);
  const clip = (n: number) => Math.max(0, Math.min(n, chars.length));
  // The search's ranges as splitHighlights numbers them.
  const matches: { start: number; end: number; n: number }[] = [];
  let at = 0;
  for (const p of splitHighlights(text, ranges, firstMatch)) {
    const len = Array.from(p.text).length;
    if (p.match !== null) matches.push({ start: at, end: at + len, n: p.match });
    at += len;
  }
  const cuts = new Set<number>([0, chars.length]);
  for (const m of matches) {
    cuts.add(m.start);
    cuts.add(m.end);
  }
  for (const e of evidence) {
    cuts.add(clip(e.start));
    cuts.add(clip(e.end));
  }
  const points = [...cuts].sort((a, b) => a - b);
  const pieces: MarkedPiece[] = [];
  for (const [i, start] of points.entries()) {
    const end = points[i + 1];
    if (end === undefined || end <= start) continue;
    const match = matches.find((m) => m.start <= start && end <= m.end)?.n ?? null;
    const reasons = [...new Set(evidence.filter((e) => clip(e.start) <= start && end <= clip(e.end)).map((e) => e.reason))].sort(
      (a, b) => a - b,
    );
    pieces.push({ text: chars.slice(start, end).join(""), match, reasons });
  }
  if (pieces.length === 0) pieces.push({ text: "", match: null, reasons: [] });
  return pieces;
}
