import type { SecretConsumers } from '../policy-consumers';
import type { Colors } from './colors';

/** What an emergency rotation will do to whom: shown before asking to confirm. */
export function emergencyWarningLines(secretName: string, consumers: SecretConsumers, colors: Colors): string[] {
  const who =
    consumers.consumers.length === 0
      ? [`  consumers: ${consumers.note ?? `none listed in ${consumers.policyFile}`}`]
      : [
          `  consumers (${consumers.policyFile}, entry ${consumers.entryId ?? '?'}${consumers.owner === undefined ? '' : `, owner ${consumers.owner}`}):`,
          ...consumers.consumers.map((c) => `    - ${c.name}${c.roleArn === undefined ? '' : ` (${c.roleArn})`}`),
        ];
  return [
    colors.bold(colors.red(`EMERGENCY rotation of ${secretName}`)),
    '  no grace window, no rollback: the old credential is revoked (and its sessions ended) as soon as the new one verifies.',
    '  Every consumer still using the old credential loses access then, until it reads the new one.',
    ...who,
  ];
}
