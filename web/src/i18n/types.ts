/** A translation of the English messages `T`: the same keys, every leaf a string. */
export type Translation<T> = { [K in keyof T]: T[K] extends string ? string : Translation<T[K]> };

/** One namespace of messages: English, and Korean with exactly the same keys. */
export interface Messages<T> {
  en: T;
  ko: Translation<T>;
}
