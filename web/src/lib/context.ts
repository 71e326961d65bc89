import { createContext } from "preact";
import { useContext } from "preact/hooks";
import type { Api } from "./api.ts";
import type { Session } from "./auth.ts";
import type { ConsoleConfig } from "./config.ts";

export interface AppContext {
  api: Api;
  session: Session;
  config: ConsoleConfig;
  /** Seconds between the queue's, the bell's and an open lead's own refreshes. */
  refreshSeconds: number;
}

export const Ctx = createContext<AppContext | null>(null);

export function useApp(): AppContext {
  const c = useContext(Ctx);
  if (!c) throw new Error("useApp outside the signed-in app");
  return c;
}

export function canAdminister(s: Session): boolean {
  return s.scopes.includes("scl.admin");
}
