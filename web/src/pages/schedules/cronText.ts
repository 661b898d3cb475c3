// A five-field cron expression in words, in the interface language (cronstrue, with its Korean locale).
import cronstrue from "cronstrue";
import "cronstrue/locales/ko";

/** "30 2 * * 1-5" → "At 02:30, Monday through Friday" (en) or "02:30, 월요일부터 금요일까지" (ko); null when it is not
 * a five-field expression cronstrue can read (the API's preview is the judge of what runs). */
export function describeCron(expression: string, language: string): string | null {
  const text = expression.trim();
  if (text.split(/\s+/).length !== 5) return null;
  try {
    return cronstrue.toString(text, {
      locale: language === "ko" ? "ko" : "en",
      use24HourTimeFormat: true,
      throwExceptionOnParseError: true,
    });
  } catch {
    return null;
  }
}
