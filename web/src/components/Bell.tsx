import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import type { ApiError } from "../lib/api.ts";
import { useApp } from "../lib/context.ts";
import { formatAge } from "../lib/format.ts";
import { useAutoRefresh } from "../lib/refresh.ts";
import { navigate } from "../lib/router.ts";
import type { AppNotification } from "../lib/types.ts";

/** The notification bell: unread count, the latest notifications, a click opens the lead. */
export function Bell() {
  const { api, refreshSeconds } = useApp();
  const [items, setItems] = useState<AppNotification[]>([]);
  const [open, setOpen] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const panel = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);

  const load = useCallback(() => {
    api
      .notifications()
      .then((n) => {
        setItems(n);
        setProblem(null);
      })
      .catch((e: unknown) => {
        setProblem((e as ApiError).message);
      });
  }, [api]);
  useEffect(load, [load]);
  useAutoRefresh(load, refreshSeconds);

  useEffect(() => {
    if (!open) return;
    const close = (e: KeyboardEvent | MouseEvent) => {
      if (e instanceof KeyboardEvent) {
        if (e.key === "Escape") {
          setOpen(false);
          button.current?.focus();
        }
        return;
      }
      const t = e.target as Node;
      if (!panel.current?.contains(t) && !button.current?.contains(t)) setOpen(false);
    };
    document.addEventListener("keydown", close);
    document.addEventListener("mousedown", close);
    return () => {
      document.removeEventListener("keydown", close);
      document.removeEventListener("mousedown", close);
    };
  }, [open]);

  const unread = items.filter((n) => !n.read_at).length;
  const openLead = (n: AppNotification) => {
    setOpen(false);
    if (!n.read_at) {
      setItems((all) => all.map((x) => (x.id === n.id ? { ...x, read_at: new Date().toISOString() } : x)));
      api.markRead(n.id).catch(() => {
        /* the next refresh shows it unread again */
      });
    }
    navigate(`/review/${encodeURIComponent(n.lead_id)}`);
  };

  return (
    <div class="bell">
      <button
        ref={button}
        type="button"
        class="bell-button"
        aria-expanded={open}
        aria-controls="bell-panel"
        aria-label={unread > 0 ? `Notifications, ${unread} unread` : "Notifications, none unread"}
        onClick={() => {
          setOpen(!open);
          if (!open) load();
        }}
      >
        <svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true">
          <path
            d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6V11a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1Z"
            fill="currentColor"
          />
        </svg>
        {unread > 0 && (
          <span class="badge" aria-hidden="true">
            {unread > 99 ? "99+" : unread}
          </span>
        )}
      </button>
      {open && (
        <div ref={panel} id="bell-panel" class="bell-panel" role="region" aria-label="Notifications">
          <h2>Notifications</h2>
          {problem && <p role="alert">{problem}</p>}
          {items.length === 0 && !problem && <p class="muted">Nothing yet. New Second Chance Leads appear here.</p>}
          <ul>
            {items.map((n) => (
              <li key={n.id} class={n.read_at ? "read" : "unread"}>
                <button
                  type="button"
                  onClick={() => {
                    openLead(n);
                  }}
                >
                  <span class="title">
                    {!n.read_at && <span class="dot" aria-label="Unread" />}
                    {n.title}
                  </span>
                  <span class="body">{n.body}</span>
                  <span class="when">{formatAge(n.created_at)}</span>
                </button>
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}
