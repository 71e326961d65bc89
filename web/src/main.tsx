import { render } from "preact";
import "./styles.css";
import { App } from "./App.tsx";
import { Api } from "./lib/api.ts";
import { beginSignIn, CALLBACK_PATH, completeSignIn, currentSession, signOut } from "./lib/auth.ts";
import { loadConfig } from "./lib/config.ts";
import type { ConsoleConfig } from "./lib/config.ts";
import { Ctx } from "./lib/context.ts";

const root = document.getElementById("app");

function Problem(props: { message: string; config: ConsoleConfig | null }) {
  const { config } = props;
  return (
    <main class="signin-problem" id="main">
      <h1>Second Chance Leads</h1>
      <p role="alert">{props.message}</p>
      {config && (
        <button
          type="button"
          class="primary"
          onClick={() => {
            void beginSignIn(config, "/");
          }}
        >
          Sign in again
        </button>
      )}
    </main>
  );
}

async function start(): Promise<void> {
  if (!root) return;
  let config: ConsoleConfig | null = null;
  try {
    config = await loadConfig();
    if (window.location.pathname === CALLBACK_PATH) {
      const returnTo = await completeSignIn(config, window.location.search);
      window.history.replaceState(null, "", returnTo);
    }
    const session = currentSession(config.oidc);
    if (!session) {
      render(<p class="loading">Signing you in…</p>, root);
      await beginSignIn(config, window.location.pathname + window.location.search);
      return;
    }
    const cfg = config;
    const api = new Api(cfg.api_url, () => currentSession(cfg.oidc)?.token ?? null, () => {
      // The token expired or was refused: sign in again, coming back to this page.
      signOut();
      void beginSignIn(cfg, window.location.pathname + window.location.search);
    });
    render(
      <Ctx.Provider value={{ api, session, config: cfg, refreshSeconds: 30 }}>
        <App />
      </Ctx.Provider>,
      root,
    );
  } catch (e) {
    render(<Problem message={e instanceof Error ? e.message : String(e)} config={config} />, root);
  }
}

void start();
