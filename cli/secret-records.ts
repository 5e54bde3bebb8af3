import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { StateMachineRef } from './executions/runs';

/** Where a secret's record is read from, for `status` and `history`: the secret, its runs and the audit log. */
export interface SecretRecordsDeps {
  readonly secretsManager: SecretsManagerClient;
  readonly sfn: SFNClient;
  readonly logs: CloudWatchLogsClient;
  readonly stateMachines: readonly StateMachineRef[];
  /** The audit log group; undefined when the stack has no such output. */
  readonly auditLogGroupName?: string;
  /** Executions looked at per state machine. */
  readonly scan?: number;
}
