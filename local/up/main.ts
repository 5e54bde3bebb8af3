import { parseArgs } from 'node:util';
import { LOCAL_DATABASES, startLocalAws, type LocalAws, type LocalDatabase } from './local-aws';
import { readyJson, readyText } from './report';

/**
 * `npm run local`: keyturn's local AWS, up until SIGINT or SIGTERM (docs/local-aws.md). Prints the
 * endpoints and the environment to export, or with `--json` one JSON line once ready.
 */

const USAGE = `Usage: npm run local -- [--json] [--max-wait-seconds N] [--databases LIST] [--verbose]
  --json                one JSON line (endpoints, environment, state machines) once ready
  --max-wait-seconds N  the longest a Wait state pauses (default 2; 0 skips waits)
  --databases LIST      the throwaway servers to start, of ${LOCAL_DATABASES.join(',')}, or none
                        (default: every one installed; fewer start faster)
  --verbose             the functions' own JSON logs too`;

interface UpOptions {
  readonly json: boolean;
  readonly maxWaitMs: number;
  readonly databases: readonly LocalDatabase[];
  readonly verbose: boolean;
}

/** `--databases postgres,redis` (or `none`); undefined names the value that is not a database. */
function databasesOption(value: string): LocalDatabase[] | string {
  if (value === 'none') return [];
  const names = value.split(',').map((name) => name.trim());
  const unknown = names.find((name) => !(LOCAL_DATABASES as readonly string[]).includes(name));
  if (unknown !== undefined) {
    return `--databases takes ${LOCAL_DATABASES.join(', ')} or none, comma-separated (got "${unknown}")`;
  }
  return names as LocalDatabase[];
}

function options(): UpOptions | string {
  let parsed;
  try {
    parsed = parseArgs({
      options: {
        json: { type: 'boolean', default: false },
        'max-wait-seconds': { type: 'string', default: '2' },
        databases: { type: 'string', default: LOCAL_DATABASES.join(',') },
        verbose: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    }).values;
  } catch (error) {
    return `${error instanceof Error ? error.message : String(error)}\n${USAGE}`;
  }
  if (parsed.help) return USAGE;
  const seconds = Number(parsed['max-wait-seconds']);
  if (!Number.isFinite(seconds) || seconds < 0) {
    return `--max-wait-seconds must be a number of seconds, 0 or more (got ${parsed['max-wait-seconds']})\n${USAGE}`;
  }
  const databases = databasesOption(parsed.databases);
  if (typeof databases === 'string') return `${databases}\n${USAGE}`;
  return { json: parsed.json, maxWaitMs: seconds * 1000, databases, verbose: parsed.verbose };
}

async function main(): Promise<void> {
  const chosen = options();
  if (typeof chosen === 'string') {
    // --help answers on stdout with success; a usage error on stderr with 2.
    if (chosen === USAGE) console.log(chosen);
    else console.error(chosen);
    process.exitCode = chosen === USAGE ? 0 : 2;
    return;
  }
  if (!chosen.verbose) process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

  if (!chosen.json) console.log('Starting keyturn local AWS...');
  const starting = startLocalAws({ maxWaitMs: chosen.maxWaitMs, databases: chosen.databases });
  let stopping: Promise<void> | undefined;
  const shutdown = (signal: NodeJS.Signals) => {
    stopping ??= (async () => {
      if (!chosen.json) console.log(`\n${signal}: stopping the local services...`);
      try {
        // A signal while starting stops what started, once it can be stopped (no orphan database server).
        const aws: LocalAws | undefined = await starting.catch(() => undefined);
        await aws?.stop();
        process.exit(0);
      } catch (error) {
        console.error(`stopping failed: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(1);
      }
    })();
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);

  const aws = await starting;
  if (stopping) return;
  console.log(chosen.json ? readyJson(aws) : readyText(aws, chosen.maxWaitMs));
}

main().catch((error: unknown) => {
  console.error(`npm run local failed: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
  process.exit(1);
});
