import { RotateSecretCommand } from '@aws-sdk/client-secrets-manager';
import type { RotationRecord } from './secretsmanager';
import { LOCAL_ROTATION_FUNCTION_ARN, type LocalStack } from './stack';

/** How long a local rotation may take before the caller is told (a real one is bounded by Lambda's timeout). */
const ROTATION_TIMEOUT_MS = 30_000;

/**
 * Starts a rotation the way Secrets Manager's schedule would (`RotateSecret` through the SDK) and
 * waits until the rotation function's last step ended: the run's record (outcome, failed step,
 * error name and message), with the version it made.
 */
export async function rotateNow(
  stack: LocalStack,
  secretId: string,
  options: { readonly functionArn?: string; readonly token?: string } = {},
): Promise<RotationRecord & { readonly versionId: string }> {
  const out = await stack.client.send(
    new RotateSecretCommand({
      SecretId: secretId,
      RotationLambdaARN: options.functionArn ?? LOCAL_ROTATION_FUNCTION_ARN,
      RotationRules: { AutomaticallyAfterDays: 30 },
      ClientRequestToken: options.token,
    }),
  );
  const record = await stack.secretsManager.waitForRotation(secretId, out.VersionId, ROTATION_TIMEOUT_MS);
  return { ...record, versionId: out.VersionId as string };
}
