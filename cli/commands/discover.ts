import type { IAMClient } from '@aws-sdk/client-iam';
import type { KMSClient } from '@aws-sdk/client-kms';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { discover } from '../discover/discover';
import { discoverJson, discoverText } from '../discover/render';

/**
 * `keyturn discover [--json] [--access-key-max-age-days N]`: what the account has that nothing rotates, with the
 * policy entries that would adopt it (docs/discover.md). Exit 3: completed with findings; 0: nothing found.
 */

export interface DiscoverCommandDeps {
  readonly secretsManager: SecretsManagerClient;
  readonly iam: IAMClient;
  readonly kms: KMSClient;
  readonly now: () => Date;
}

export interface DiscoverCommandOptions {
  readonly json: boolean;
  readonly accessKeyMaxAgeDays: number;
}

/** Exit code of a run that completed and found something (docs/discover.md; the CLI's convention). */
export const EXIT_FINDINGS = 3;

export async function discoverCommand(
  deps: DiscoverCommandDeps,
  options: DiscoverCommandOptions,
): Promise<{ stdout: string; exitCode: 0 | 3 }> {
  if (!Number.isInteger(options.accessKeyMaxAgeDays) || options.accessKeyMaxAgeDays < 0) {
    throw new RangeError(
      `--access-key-max-age-days must be a whole number of days, 0 or more, got ${String(options.accessKeyMaxAgeDays)}`,
    );
  }
  const findings = await discover(deps, { accessKeyMaxAgeDays: options.accessKeyMaxAgeDays });
  const stdout = options.json
    ? `${JSON.stringify(discoverJson(findings), null, 2)}\n`
    : discoverText(findings, { accessKeyMaxAgeDays: options.accessKeyMaxAgeDays });
  return { stdout, exitCode: findings.length > 0 ? EXIT_FINDINGS : 0 };
}
