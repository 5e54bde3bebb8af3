/**
 * Metric names and dimensions keyturn emits. The functions publish them through
 * Powertools Metrics and the infrastructure builds alarms and dashboards on them:
 * both import this module so the two sides cannot drift.
 */
export const METRICS_NAMESPACE = 'keyturn';

export const RotationMetric = {
  /** A rotation began: createSecret stored a new pending value. */
  Started: 'RotationStarted',
  /** finishSecret made the new version AWSCURRENT. */
  Succeeded: 'RotationSucceeded',
  /** A rotation step failed (Secrets Manager will retry the rotation). */
  Failed: 'RotationFailed',
  /** Milliseconds from the pending version's creation to finishSecret: the time-to-rotate SLI. */
  Duration: 'RotationDuration',
} as const;

export const StepMetric = {
  /** Published as the step begins: started minus finished counts steps that died (timeouts). */
  Started: 'RotationStepStarted',
  Succeeded: 'RotationStepSucceeded',
  Failed: 'RotationStepFailed',
  Duration: 'RotationStepDuration',
} as const;

export const MetricDimension = {
  Strategy: 'Strategy',
  Step: 'Step',
  ErrorName: 'ErrorName',
} as const;
