import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { Notice } from "../../components/Notice.tsx";
import type { ApiError } from "../../lib/api.ts";
import { useApp } from "../../lib/context.ts";
import { formatOffset } from "../../lib/format.ts";
import { countHighlights, splitMarks } from "../../lib/highlight.ts";
import type { ReasonRange } from "../../lib/highlight.ts";
import type { LeadDetail, SearchMatch } from "../../lib/types.ts";

/** A reason the CSR asked to see, and which time they asked (so asking again scrolls again). */
export interface Focus {
  reason: number;
  asked: number;
}

/**
 * The speaker-labelled, time-stamped transcript, with a search that marks every match, and the
 * places that produced each of the detector's reasons underlined (`evidence`, ranges by segment);
 * `focus` picks one reason out and scrolls to where it was first said.
 */
export function Transcript(props: { lead: LeadDetail; evidence: Map<number, ReasonRange[]>; focus: Focus | null }) {
  const { api } = useApp();
  const { lead, evidence, focus } = props;
  const [query, setQuery] = useState("");
  const [result, setResult] = useState<{ q: string; matches: SearchMatch[] } | null>(null);
  const [current, setCurrent] = useState(0);
  const [problem, setProblem] = useState<string | null>(null);
  const list = useRef<HTMLOListElement>(null);

  // Highlight ranges by segment, and each segment's first match number.
  const bySegment = useMemo(() => {
    const m = new Map<number, { ranges: [number, number][]; first: number }>();
    let n = 0;
    for (const match of [...(result?.matches ?? [])].sort((a, b) => a.segment_index - b.segment_index)) {
      m.set(match.segment_index, { ranges: match.highlights, first: n });
      n += countHighlights(match.text, match.highlights);
    }
    return { segments: m, total: n };
  }, [result]);

  useEffect(() => {
    if (!result || bySegment.total === 0) return;
    const el = list.current?.querySelector<HTMLElement>(`mark[data-match="${current}"]`);
    el?.scrollIntoView({ block: "center", behavior: "smooth" });
  }, [current, result, bySegment.total]);

  useEffect(() => {
    setResult(null);
    setQuery("");
  }, [lead.id]);

  useEffect(() => {
    if (!focus) return;
    const el = list.current?.querySelector<HTMLElement>(`.evidence[data-reasons~="${focus.reason}"]`);
    el?.scrollIntoView({ block: "center", behavior: "smooth" });
  }, [focus]);

  const search = (e: Event) => {
    e.preventDefault();
    const q = query.trim();
    if (!q) {
      setResult(null);
      return;
    }
    api
      .searchTranscript(lead.id, q)
      .then((matches) => {
        setResult({ q, matches });
        setCurrent(0);
        setProblem(null);
      })
      .catch((err: unknown) => {
        setProblem((err as ApiError).message);
      });
  };
  const step = (by: number) => {
    if (bySegment.total === 0) return;
    setCurrent((c) => (c + by + bySegment.total) % bySegment.total);
  };

  return (
    <section class="panel transcript" aria-labelledby="transcript-title">
      <h2 id="transcript-title">Transcript</h2>
      <form class="search" role="search" onSubmit={search}>
        <label for="transcript-search">Search the transcript</label>
        <input
          id="transcript-search"
          type="search"
          value={query}
          maxLength={200}
          onInput={(e) => {
            setQuery((e.target as HTMLInputElement).value);
          }}
          onKeyDown={(e) => {
            // Enter searches; once the same words are found, Enter moves to the next match.
            if (e.key === "Enter" && result && result.q === query.trim() && bySegment.total > 0) {
              e.preventDefault();
              step(e.shiftKey ? -1 : 1);
            }
          }}
        />
        <button type="submit">Search</button>
        <button type="button" disabled={bySegment.total === 0} onClick={() => { step(-1); }} aria-label="Previous match">
          ↑
        </button>
        <button type="button" disabled={bySegment.total === 0} onClick={() => { step(1); }} aria-label="Next match">
          ↓
        </button>
        <span class="match-count" role="status">
          {result
            ? bySegment.total === 0
              ? `No matches for “${result.q}”`
              : `Match ${current + 1} of ${bySegment.total}`
            : ""}
        </span>
      </form>
      {problem && <Notice kind="error">{problem}</Notice>}
      {lead.transcript.length === 0 ? (
        <p class="muted">This call has no transcript.</p>
      ) : (
        <ol class="segments" ref={list}>
          {lead.transcript.map((seg, i) => {
            const hit = bySegment.segments.get(i);
            const pieces = splitMarks(seg.text, hit?.ranges ?? [], hit?.first ?? 0, evidence.get(i) ?? []);
            return (
              <li key={i} class={`segment speaker-${seg.speaker}`}>
                <span class="speaker">{seg.speaker === "agent" ? "Agent" : "Customer"}</span>
                <span class="offset">{formatOffset(seg.start_ms)}</span>
                <p>
                  {pieces.map((p, j) => {
                    const text =
                      p.match === null ? (
                        p.text
                      ) : (
                        <mark key={j} data-match={p.match} class={p.match === current ? "current" : undefined}>
                          {p.text}
                        </mark>
                      );
                    if (p.reasons.length === 0) return text;
                    const focused = focus !== null && p.reasons.includes(focus.reason);
                    return (
                      <span
                        key={`e${j}`}
                        class={focused ? "evidence focused" : "evidence"}
                        data-reasons={p.reasons.join(" ")}
                        title={`Why flagged: ${p.reasons.map((r) => lead.detection.reasons[r]).join("; ")}`}
                      >
                        {text}
                      </span>
                    );
                  })}
                </p>
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}
