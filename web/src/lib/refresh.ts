import { useEffect, useRef } from "preact/hooks";

/**
 * Calls `refresh` every `seconds` while the page is visible, and at once when the window gets
 * focus back or the page becomes visible again (a CSR returning from the phone sees the latest).
 */
export function useAutoRefresh(refresh: () => void, seconds: number): void {
  const latest = useRef(refresh);
  latest.current = refresh;
  useEffect(() => {
    const run = () => {
      if (document.visibilityState === "visible") latest.current();
    };
    const timer = window.setInterval(run, seconds * 1000);
    window.addEventListener("focus", run);
    document.addEventListener("visibilitychange", run);
    return () => {
      window.clearInterval(timer);
      window.removeEventListener("focus", run);
      document.removeEventListener("visibilitychange", run);
    };
  }, [seconds]);
}
