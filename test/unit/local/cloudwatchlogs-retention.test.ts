/**
 * The retention periods the local CloudWatch Logs accepts are the ones the audit trail construct
 * validates against: one list of CloudWatch Logs' values, kept in two places that must agree.
 */
import { CLOUDWATCH_LOGS_RETENTION_DAYS } from '../../../infra/constructs/observability/audit-trail';
import { RETENTION_DAYS } from '../../../local/cloudwatchlogs';

test('PutRetentionPolicy locally takes exactly the retention periods the audit trail accepts at synthesis', () => {
  expect([...RETENTION_DAYS]).toEqual([...CLOUDWATCH_LOGS_RETENTION_DAYS]);
});
