import type { ComponentChildren } from "preact";
import { onLinkClick } from "../lib/router.ts";

export function Link(props: { to: string; children: ComponentChildren; class?: string; current?: boolean; "aria-label"?: string }) {
  return (
    <a
      href={props.to}
      class={props.class}
      aria-current={props.current ? "page" : undefined}
      aria-label={props["aria-label"]}
      onClick={(e) => {
        onLinkClick(e, props.to);
      }}
    >
      {props.children}
    </a>
  );
}
