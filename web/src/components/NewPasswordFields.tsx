// A new password and its confirmation (creating a user, changing your own password), with the API's length rule as
// a hint and the problem, once there is one to show, tied to the fields (aria-invalid, aria-describedby) so a
// screen reader reads it with them. `useNewPassword` holds the two values and decides when the problem shows.
import { useId, useState } from "react";
import { useTranslation } from "react-i18next";
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, passwordProblem, type PasswordProblem } from "../lib/password";
import { HintedField } from "./HintedField";

interface FieldsProps {
  password: string;
  confirmation: string;
  onPassword: (value: string) => void;
  onConfirmation: (value: string) => void;
  /** The problem to show (the parent decides when: after a submit attempt). */
  problem: PasswordProblem | null;
}

/** The two values, and their problem once the form was submitted (not while the first one is still being typed). */
export function useNewPassword() {
  const [password, setPassword] = useState("");
  const [confirmation, setConfirmation] = useState("");
  const [checked, setChecked] = useState(false);
  const fields: FieldsProps = {
    password,
    confirmation,
    onPassword: setPassword,
    onConfirmation: setConfirmation,
    problem: checked ? passwordProblem(password, confirmation) : null,
  };
  return {
    password,
    fields,
    /** On submit: show the problem from now on; true when the API will accept the password. */
    accept: () => {
      setChecked(true);
      return passwordProblem(password, confirmation) === null;
    },
    /** Empty both fields and hide the problem again (after the API took the password). */
    reset: () => {
      setPassword("");
      setConfirmation("");
      setChecked(false);
    },
  };
}

type Props = FieldsProps & {
  /** The new password's label (the confirmation's is always "Confirm password"). */
  label: string;
};

export function NewPasswordFields({ password, confirmation, onPassword, onConfirmation, problem, label }: Props) {
  const { t } = useTranslation();
  const problemId = `${useId()}-problem`;
  const passwordWrong = problem === "tooShort" || problem === "tooLong";
  const lengths = { min: PASSWORD_MIN_LENGTH, max: PASSWORD_MAX_LENGTH };
  return (
    <>
      <HintedField label={label} hint={t("newPassword.hint", lengths)} describedBy={passwordWrong ? problemId : undefined}>
        {(control) => (
          <input
            {...control}
            type="password"
            name="new-password"
            autoComplete="new-password"
            required
            value={password}
            onChange={(event) => onPassword(event.target.value)}
            aria-invalid={passwordWrong || undefined}
          />
        )}
      </HintedField>
      <label className="field">
        <span>{t("newPassword.confirm")}</span>
        <input
          type="password"
          name="confirm-password"
          autoComplete="new-password"
          required
          value={confirmation}
          onChange={(event) => onConfirmation(event.target.value)}
          aria-invalid={problem === "mismatch" || undefined}
          aria-describedby={problem === "mismatch" ? problemId : undefined}
        />
      </label>
      <p id={problemId} className="field-problem" aria-live="polite">
        {problem ? t(`newPassword.${problem}`, lengths) : null}
      </p>
    </>
  );
}
