// Step 1: what to restore (the whole cluster from a backup or to a point in time, one shard, selected collections,
// or the config servers).
import { useId } from "react";
import { useTranslation } from "react-i18next";
import { CHOICES, type Choice } from "./wizard";

export function KindStep({ choice, onChoose }: { choice: Choice | null; onChoose: (choice: Choice) => void }) {
  const { t } = useTranslation("restore");
  const id = useId();
  return (
    <fieldset className="kind-choices">
      <legend>{t("kind.legend")}</legend>
      {CHOICES.map((value) => (
        // The whole card is the click target; the radio is named by the title alone and described by the hint.
        <label key={value} className="choice card-choice">
          <input
            type="radio"
            name="restore-kind"
            value={value}
            checked={choice === value}
            onChange={() => onChoose(value)}
            aria-labelledby={`${id}-${value}`}
            aria-describedby={`${id}-${value}-hint`}
          />
          <span>
            <strong id={`${id}-${value}`}>{t(`kind.${value}`)}</strong>
            <span className="hint" id={`${id}-${value}-hint`}>
              {t(`kind.${value}Hint`)}
            </span>
          </span>
        </label>
      ))}
    </fieldset>
  );
}
