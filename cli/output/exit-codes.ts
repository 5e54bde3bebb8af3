/**
 * The CLI's exit codes, documented in docs/cli.md: scripts branch on them, so they never change meaning.
 */
export const ExitCode = {
  /** The command did what was asked. */
  Success: 0,
  /** The operation failed (a rotation failed, AWS refused, something was not found). */
  Failed: 1,
  /** The command line was wrong; nothing was started. */
  Usage: 2,
  /** The command completed, with findings: e.g. rotated but the old credential was left in use, a stuck AWSPENDING. */
  Findings: 3,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];
