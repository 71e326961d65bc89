import type { ComponentChildren } from "preact";
import { useEffect, useRef } from "preact/hooks";

/**
 * A modal on the browser's own `<dialog>`: it traps focus, closes on Escape and returns focus
 * to what opened it.
 */
export function Dialog(props: { title: string; open: boolean; onClose: () => void; children: ComponentChildren; id?: string }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (props.open && !d.open) d.showModal();
    if (!props.open && d.open) d.close();
  }, [props.open]);
  const headingId = `${props.id ?? "dialog"}-title`;
  return (
    <dialog
      ref={ref}
      id={props.id}
      aria-labelledby={headingId}
      onClose={() => {
        props.onClose();
      }}
      onCancel={() => {
        props.onClose();
      }}
    >
      <h2 id={headingId}>{props.title}</h2>
      {props.open && props.children}
    </dialog>
  );
}
