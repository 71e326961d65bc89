import type { ComponentChildren } from "preact";

/** A message a screen reader announces: `alert` for problems, `status` for confirmations. */
export function Notice(props: { kind: "error" | "info" | "success"; children: ComponentChildren }) {
  return (
    <div class={`notice notice-${props.kind}`} role={props.kind === "error" ? "alert" : "status"}>
      {props.children}
    </div>
  );
}
