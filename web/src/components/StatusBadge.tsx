import type { LeadStatus } from "../lib/types.ts";

export function StatusBadge(props: { status: LeadStatus; label: string }) {
  return <span class={`status status-${props.status}`}>{props.label}</span>;
}
