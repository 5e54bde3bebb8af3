import type { ChildProcess } from 'node:child_process';
import { LogFileTail } from '../logexport/log-file-tail';

/**
 * The throwaway PostgreSQL and MariaDB servers write their log to a file in their temp dir (the
 * server holds the file itself, as on RDS, so a log shipper can tail it and nothing can block on
 * a full pipe); they are ready once a marker line appears there.
 */

const POLL_MS = 20;

/** Resolves when a line of `file` contains `marker`; rejects when the server exits first or `timeoutMs` passes. */
export function waitForLogLine(
  file: string,
  server: ChildProcess,
  marker: string,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const tail = new LogFileTail(file);
  let seen = '';
  const lastWords = () => seen.slice(-800);
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    const finish = (error?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearInterval(poller);
      server.removeListener('exit', onExit);
      if (error) reject(error);
      else resolve();
    };
    const check = async () => {
      const lines = await tail.readLines();
      seen += lines.map((line) => `${line}\n`).join('');
      if (lines.some((line) => line.includes(marker))) finish();
    };
    const onExit = (code: number | null) => {
      // The log may hold the reason: read it once more first.
      void check()
        .catch(() => undefined)
        .then(() => {
          finish(new Error(`${what} exited with ${String(code)} while starting: ${lastWords()}`));
        });
    };
    const timer = setTimeout(() => {
      finish(new Error(`${what} did not start in time: ${lastWords()}`));
    }, timeoutMs);
    const poller = setInterval(() => {
      check().catch((error: unknown) => {
        finish(error instanceof Error ? error : new Error(String(error)));
      });
    }, POLL_MS);
    server.once('exit', onExit);
    server.once('error', (error) => {
      finish(error);
    });
  });
}
