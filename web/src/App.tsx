import type { ComponentChildren } from "preact";
import { useEffect } from "preact/hooks";
import { Bell } from "./components/Bell.tsx";
import { Link } from "./components/Link.tsx";
import { beginSignIn, signOut } from "./lib/auth.ts";
import { canAdminister, useApp } from "./lib/context.ts";
import { match, navigate, useLocation } from "./lib/router.ts";
import { BannerDemo } from "./screens/BannerDemo.tsx";
import { NearMisses } from "./screens/NearMisses.tsx";
import { Queue } from "./screens/Queue.tsx";
import { Reports } from "./screens/Reports.tsx";
import { Review } from "./screens/Review.tsx";
import { Settings } from "./screens/Settings.tsx";
import type { Tab } from "./lib/types.ts";

const TABS: readonly Tab[] = ["open", "cold", "done"];

function Page(props: { title: string; children: ComponentChildren }) {
  useEffect(() => {
    document.title = `${props.title} — Second Chance Leads`;
  }, [props.title]);
  return <>{props.children}</>;
}

function Screen() {
  const { path, search } = useLocation();
  const { session } = useApp();
  if (path === "/" || path === "/queue") {
    return <Redirect to="/queue/open" />;
  }
  const queue = match("/queue/:tab", path);
  if (queue && TABS.includes(queue.tab as Tab)) {
    const tab = queue.tab as Tab;
    return (
      <Page title={`Queue: ${tab[0]?.toUpperCase() ?? ""}${tab.slice(1)}`}>
        <Queue tab={tab} status={search.get("status")} cursor={search.get("cursor")} />
      </Page>
    );
  }
  // Notification emails and SMS link to {AppBaseUrl}/leads/{id}.
  const linked = match("/leads/:id", path);
  if (linked?.id) {
    return <Redirect to={`/review/${encodeURIComponent(linked.id)}`} />;
  }
  const review = match("/review/:id", path);
  if (review?.id) {
    return (
      <Page title="Review lead">
        <Review id={review.id} />
      </Page>
    );
  }
  if (path === "/near-misses") {
    return (
      <Page title="Near misses">
        <NearMisses />
      </Page>
    );
  }
  if (path === "/reports") {
    return (
      <Page title="Reports">
        <Reports from={search.get("from")} to={search.get("to")} />
      </Page>
    );
  }
  if (path === "/banner") {
    return (
      <Page title="Job-booking banner">
        <BannerDemo />
      </Page>
    );
  }
  if (path === "/settings") {
    return (
      <Page title="Settings">
        {canAdminister(session) ? (
          <Settings />
        ) : (
          <section class="panel">
            <h1>Settings</h1>
            <p role="alert">
              Settings are for administrators. Your sign-in does not include the <strong>Administer settings</strong>{" "}
              permission (<code>scl.admin</code>); ask an administrator.
            </p>
          </section>
        )}
      </Page>
    );
  }
  return (
    <Page title="Not found">
      <section class="panel">
        <h1>Page not found</h1>
        <p>
          There is no console page at <code>{path}</code>. <Link to="/queue/open">Go to the queue</Link>.
        </p>
      </section>
    </Page>
  );
}

function Redirect(props: { to: string }) {
  useEffect(() => {
    navigate(props.to, { replace: true });
  }, [props.to]);
  return null;
}

export function App() {
  const { path } = useLocation();
  const { session, config } = useApp();
  const nav: [string, string, boolean][] = [
    ["/queue/open", "Queue", path.startsWith("/queue") || path.startsWith("/review")],
    ["/near-misses", "Near misses", path === "/near-misses"],
    ["/reports", "Reports", path === "/reports"],
    ["/banner", "Booking banner", path === "/banner"],
  ];
  if (canAdminister(session)) nav.push(["/settings", "Settings", path === "/settings"]);
  return (
    <>
      <a class="skip" href="#main">
        Skip to main content
      </a>
      <header class="top">
        <div class="brand">
          <span class="logo" aria-hidden="true" />
          Second Chance Leads
        </div>
        <nav aria-label="Console">
          <ul>
            {nav.map(([to, label, current]) => (
              <li key={to}>
                <Link to={to} current={current}>
                  {label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <div class="who">
          <Bell />
          <span class="user" title={`User ${session.userId}, business ${session.tenantId}`}>
            {session.name ?? session.userId}
            <span class="tenant"> · {session.tenantId}</span>
          </span>
          <button
            type="button"
            class="link"
            onClick={() => {
              signOut();
              void beginSignIn(config, "/");
            }}
          >
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Screen />
      </main>
    </>
  );
}
