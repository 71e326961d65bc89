// A small history-API router: console pages have their own addresses (a reload or a shared
// link opens the same page), without a routing dependency.

import { useEffect, useState } from "preact/hooks";

export interface Location {
  path: string;
  search: URLSearchParams;
}

const EVENT = "scl:navigate";

function read(): Location {
  return { path: window.location.pathname, search: new URLSearchParams(window.location.search) };
}

export function navigate(to: string, opts: { replace?: boolean } = {}): void {
  if (opts.replace) window.history.replaceState(null, "", to);
  else window.history.pushState(null, "", to);
  window.dispatchEvent(new Event(EVENT));
}

export function useLocation(): Location {
  const [loc, setLoc] = useState(read);
  useEffect(() => {
    const update = () => {
      setLoc((old) => {
        const now = read();
        return old.path === now.path && old.search.toString() === now.search.toString() ? old : now;
      });
    };
    window.addEventListener("popstate", update);
    window.addEventListener(EVENT, update);
    // A child's effect may have navigated before this listener existed (effects run
    // children first): catch up.
    update();
    return () => {
      window.removeEventListener("popstate", update);
      window.removeEventListener(EVENT, update);
    };
  }, []);
  return loc;
}

/** `/review/:id` against `/review/01ABC` → `{id: "01ABC"}`; null when it does not match. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const p = pattern.split("/").filter(Boolean);
  const s = path.split("/").filter(Boolean);
  if (p.length !== s.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    const want = p[i] ?? "";
    const got = s[i] ?? "";
    if (want.startsWith(":")) params[want.slice(1)] = decodeURIComponent(got);
    else if (want !== got) return null;
  }
  return params;
}

/** Follows an in-app link without a page load (new-tab clicks keep the browser's behaviour). */
export function onLinkClick(e: MouseEvent, to: string): void {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  e.preventDefault();
  navigate(to);
}
