import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { AuditTrail } from '../shared/audit';
import type { SecretStore } from '../shared/secret-store';
import type { AlertPublisher } from './alerts';
import type { ConsumerApis } from './consumer-apis';

/** What the coordinator's tasks (begin, report) are given; tests pass their own. */
export interface CoordinatorDeps {
  readonly store: SecretStore;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly audit: AuditTrail;
  readonly alerts: AlertPublisher;
  /** The policy's default alert route, for runs whose request names none. */
  readonly defaultAlertTopicArn?: string;
  /** @default crypto.randomUUID */
  readonly newRotationId?: () => string;
  /** ECS and Lambda, for refreshing consumers (`refresh-consumers`). @default none: every refresh fails, alerted */
  readonly consumerApis?: ConsumerApis;
  /** @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
}
