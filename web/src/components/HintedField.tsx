// A labelled control with a hint under it. The hint is the control's description (aria-describedby), outside the
// <label>, so a screen reader names the field by its label alone and reads the hint after it.
import { useId, type ReactElement, type ReactNode } from "react";

interface ControlProps {
  id: string;
  "aria-describedby": string;
}

interface Props {
  label: string;
  hint: ReactNode;
  /** Ids of further descriptions (a problem shown elsewhere), read after the hint. */
  describedBy?: string;
  className?: string;
  children: (control: ControlProps) => ReactElement;
}

export function HintedField({ label, hint, describedBy, className, children }: Props) {
  const id = useId();
  const hintId = `${id}-hint`;
  return (
    <div className={`field${className ? ` ${className}` : ""}`}>
      <label htmlFor={id}>{label}</label>
      {children({ id, "aria-describedby": describedBy ? `${hintId} ${describedBy}` : hintId })}
      <span className="hint" id={hintId}>
        {hint}
      </span>
    </div>
  );
}
