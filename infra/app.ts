/**
 * CDK app entry (`cdk.json` runs it with tsx). The CLI synthesizes the app when this process exits.
 *
 * The policy file is the one the `policy` context value names (cdk.json sets the example;
 * `cdk synth -c policy=path/to/my.policy.ts` picks another). An invalid policy ends the process with
 * exit code 1 and the problems, each naming the entry and the field, on stderr — no stack trace.
 */
import { createKeyturnApp } from './keyturn-app';
import { PolicyError } from './policy/load-policy';

try {
  createKeyturnApp();
} catch (error) {
  if (!(error instanceof PolicyError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}
