import { useState } from "preact/hooks";
import { Link } from "../components/Link.tsx";
import { Notice } from "../components/Notice.tsx";
import type { ApiError } from "../lib/api.ts";
import { useApp } from "../lib/context.ts";
import { formatDateTime } from "../lib/format.ts";
import type { BannerAnswer } from "../lib/types.ts";

/**
 * The job-booking banner as a booking screen shows it: type the caller's number in any
 * spelling; if it belongs to a Second Chance Lead, the banner says so and links the lead.
 */
export function BannerDemo() {
  const { api } = useApp();
  const [phone, setPhone] = useState("");
  const [answer, setAnswer] = useState<{ phone: string; banner: BannerAnswer } | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  const lookUp = (e: Event) => {
    e.preventDefault();
    const p = phone.trim();
    if (!p) {
      setProblem("Type a phone number.");
      return;
    }
    api
      .banner(p)
      .then((banner) => {
        setAnswer({ phone: p, banner });
        setProblem(null);
      })
      .catch((err: unknown) => {
        setAnswer(null);
        setProblem((err as ApiError).message);
      });
  };

  const lead = answer?.banner.lead;
  return (
    <section aria-labelledby="banner-title">
      <h1 id="banner-title">Job-booking banner</h1>
      <p class="muted">
        What a booking screen shows when the customer on it called and became a Second Chance Lead. Any spelling of the number works:
        (512) 555-0100, 512.555.0100, +1 512 555 0100.
      </p>
      <form class="banner-form" onSubmit={lookUp}>
        <label for="banner-phone">Customer phone number</label>
        <input
          id="banner-phone"
          type="tel"
          autoComplete="off"
          value={phone}
          aria-invalid={problem ? true : undefined}
          aria-describedby={problem ? "banner-problem" : undefined}
          onInput={(e) => {
            setPhone((e.target as HTMLInputElement).value);
          }}
        />
        <button type="submit" class="primary">
          Look up
        </button>
      </form>
      {problem && (
        <div id="banner-problem">
          <Notice kind="error">{problem}</Notice>
        </div>
      )}
      <div class="booking-screen" aria-live="polite">
        {answer && lead && (
          <div class="scl-banner" role="status">
            <strong>Second Chance Lead</strong> — this customer called on {formatDateTime(lead.call_started_at)} and is in the{" "}
            {lead.tab === "done" ? "Done" : lead.tab === "cold" ? "Cold" : "Open"} queue as <em>{lead.status_label}</em>. {lead.summary}{" "}
            <Link to={`/review/${lead.id}`}>Open the lead</Link>. Book the job from this banner so it counts for Second Chance Leads.
          </div>
        )}
        {answer && !answer.banner.linked && (
          <p class="no-banner" role="status">
            No Second Chance Lead for {answer.phone}: the booking screen shows no banner.
          </p>
        )}
      </div>
    </section>
  );
}
