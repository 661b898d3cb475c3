// The collections of a selective restore (db.collection or db.*), and optional renames (from → to).
import { useTranslation } from "react-i18next";
import { NAMESPACE, type Rename } from "./wizard";

interface Props {
  namespaces: string[];
  renames: Rename[];
  onNamespaces: (namespaces: string[]) => void;
  onRenames: (renames: Rename[]) => void;
}

const invalid = (value: string) => value.trim() !== "" && !NAMESPACE.test(value.trim());

/** One namespace typed as db.collection, marked invalid once it is not one. */
interface NamespaceInputProps {
  label: string;
  value: string;
  /** A namespace shown while the field is empty. */
  example: string;
  onChange: (value: string) => void;
}

function NamespaceInput({ label, value, example, onChange }: NamespaceInputProps) {
  return (
    <label className="field">
      <span>{label}</span>
      <input
        value={value}
        placeholder={example}
        spellCheck={false}
        autoComplete="off"
        aria-invalid={invalid(value)}
        onChange={(event) => onChange(event.target.value)}
      />
    </label>
  );
}

export function NamespaceEditor({ namespaces, renames, onNamespaces, onRenames }: Props) {
  const { t } = useTranslation("restore");
  const setAt = <T,>(list: T[], index: number, value: T) => list.map((item, at) => (at === index ? value : item));
  return (
    <>
      <fieldset>
        <legend>{t("source.namespaces")}</legend>
        {namespaces.map((namespace, index) => (
          <div className="field-row" key={index}>
            <NamespaceInput
              label={t("source.namespace", { n: index + 1 })}
              value={namespace}
              example="shop.orders"
              onChange={(value) => onNamespaces(setAt(namespaces, index, value))}
            />
            {namespaces.length > 1 && (
              <button
                type="button"
                className="button secondary small"
                onClick={() => onNamespaces(namespaces.filter((_, at) => at !== index))}
              >
                {t("source.removeNamespace", { n: index + 1 })}
              </button>
            )}
          </div>
        ))}
        <button type="button" className="button secondary small" onClick={() => onNamespaces([...namespaces, ""])}>
          {t("source.addNamespace")}
        </button>
      </fieldset>
      <fieldset>
        <legend>{t("source.renames")}</legend>
        {renames.map((rename, index) => (
          <div className="field-row" key={index}>
            <NamespaceInput
              label={t("source.renameFrom", { n: index + 1 })}
              value={rename.from}
              example="shop.orders"
              onChange={(from) => onRenames(setAt(renames, index, { ...rename, from }))}
            />
            <span aria-hidden="true" className="arrow">→</span>
            <NamespaceInput
              label={t("source.renameTo", { n: index + 1 })}
              value={rename.to}
              example="shop.orders_restored"
              onChange={(to) => onRenames(setAt(renames, index, { ...rename, to }))}
            />
            <button
              type="button"
              className="button secondary small"
              onClick={() => onRenames(renames.filter((_, at) => at !== index))}
            >
              {t("source.removeRename", { n: index + 1 })}
            </button>
          </div>
        ))}
        <button type="button" className="button secondary small" onClick={() => onRenames([...renames, { from: "", to: "" }])}>
          {t("source.addRename")}
        </button>
      </fieldset>
    </>
  );
}
