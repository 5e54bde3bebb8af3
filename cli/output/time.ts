/** Dates as the CLI prints them: ISO 8601 in UTC, to the second. */
export function formatTime(date: Date | undefined): string {
  return date === undefined ? '-' : date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
