import { InvalidLifecycleSettingError } from './errors';

/** A change freeze: no scheduled, on-demand or fleet rotation starts inside it (an emergency one does). */
export interface Blackout {
  readonly start: Date;
  readonly end: Date;
  readonly reason?: string;
}

/**
 * The blackout list from its environment variable (JSON, written by the infrastructure from the policy).
 * A malformed list stops every rotation with an error naming the variable, rather than being ignored.
 */
export function parseBlackouts(json: string | undefined, variable: string): Blackout[] {
  if (json === undefined || json.trim() === '') return [];
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw new InvalidLifecycleSettingError(`${variable} is not valid JSON`);
  }
  if (!Array.isArray(raw)) throw new InvalidLifecycleSettingError(`${variable} must be a JSON array`);
  return raw.map((item: unknown, index) => {
    const { start, end, reason } = (item ?? {}) as { start?: unknown; end?: unknown; reason?: unknown };
    const startDate = typeof start === 'string' ? new Date(start) : undefined;
    const endDate = typeof end === 'string' ? new Date(end) : undefined;
    if (!startDate || Number.isNaN(startDate.getTime()) || !endDate || Number.isNaN(endDate.getTime())) {
      throw new InvalidLifecycleSettingError(`${variable}[${index}] needs ISO 8601 "start" and "end"`);
    }
    if (endDate <= startDate) throw new InvalidLifecycleSettingError(`${variable}[${index}]: end is not after start`);
    return { start: startDate, end: endDate, ...(typeof reason === 'string' ? { reason } : {}) };
  });
}

/** The blackout `at` falls in, if any. */
export function activeBlackout(blackouts: readonly Blackout[], at: Date): Blackout | undefined {
  return blackouts.find((b) => b.start <= at && at < b.end);
}
