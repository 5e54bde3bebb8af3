import type { RotationVersions } from './strategy';

/**
 * Whether this testSecret is Secrets Manager's configuration test, not a rotation: RotateSecret
 * with RotateImmediately=false runs only testSecret, against a temporary AWSPENDING version that
 * holds the current value. A real rotation's createSecret always makes a new password, so a
 * pending value equal to the current one means the test. The strategies then check that they can
 * reach the target with what they hold (the credential, the master, the probe), and change nothing.
 */
export function isConfigurationTest(versions: RotationVersions): boolean {
  return versions.pending.value === versions.current.value;
}
