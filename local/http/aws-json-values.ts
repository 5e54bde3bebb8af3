/** Value conventions of AWS JSON responses, shared by the JSON emulators. */

/** Dates in AWS JSON 1.1 responses are epoch seconds (JSON numbers, fractional). */
export type EpochSeconds = number;

export function epochSeconds(date: Date): EpochSeconds {
  return date.getTime() / 1000;
}

/** Drops undefined fields, so the JSON carries only what is set, as AWS leaves unset fields out. */
export function compact<T extends Record<string, unknown>>(fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as Partial<T>;
}
