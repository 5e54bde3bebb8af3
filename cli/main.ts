/**
 * `keyturn`: the operators' command line (docs/cli.md). Run it with `npx keyturn …` (bin/keyturn.js)
 * or `npm run keyturn -- …`.
 */
import { processIo } from './output/io';
import { runCli } from './program';

void runCli(process.argv.slice(2), { io: processIo() }).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`keyturn: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
