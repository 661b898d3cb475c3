// The API's rule for a new password (12 to 256 characters), checked before sending so a typo in the confirmation
// never reaches the server. Characters are counted as the API counts them: code points, not UTF-16 units.

export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 256;

export type PasswordProblem = "tooShort" | "tooLong" | "mismatch";

/** What is wrong with a new password and its confirmation, or null when the API will accept it. */
export function passwordProblem(password: string, confirmation: string): PasswordProblem | null {
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH) return "tooShort";
  if (length > PASSWORD_MAX_LENGTH) return "tooLong";
  if (password !== confirmation) return "mismatch";
  return null;
}
