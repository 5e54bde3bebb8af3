import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { runObservedRotationStep } from '../../../functions/rotate-secret/observed-step';
import {
  METRICS_NAMESPACE,
  MetricDimension,
  MetricService,
  RotationMetric,
  StepMetric,
  UNRESOLVED_STRATEGY,
} from '../../../functions/shared/metric-names';
import { SecretStore } from '../../../functions/shared/secret-store';
import { createStrategyRegistry } from '../../../functions/strategies/registry';
import { ROTATE_SECRET_ENVIRONMENT } from '../../../infra/constructs/bundling-options';
import { RotationAlarms } from '../../../infra/constructs/observability';
import { captureEmf, type EmfDocument } from '../../support/emf';
import { alarmNamed, alarmsByName, dimensionsOf, newStack } from './support';

/** The EMF documents a rotation function with production settings prints for one step. */
async function emfOfOneStep(event: unknown): Promise<EmfDocument[]> {
  return captureEmf(async () => {
    const metrics = new Metrics({
      namespace: ROTATE_SECRET_ENVIRONMENT.POWERTOOLS_METRICS_NAMESPACE,
      serviceName: ROTATE_SECRET_ENVIRONMENT.POWERTOOLS_SERVICE_NAME,
    });
    const deps = {
      store: new SecretStore(new SecretsManagerClient({})),
      strategies: createStrategyRegistry(),
      logger: new Logger({ serviceName: 'test', logLevel: 'SILENT' }),
      metrics,
    };
    await expect(runObservedRotationStep(event, deps)).rejects.toThrow();
  });
}

describe('metric names shared by the rotation function and the alarms', () => {
  test('the rotation function runs with the service name and namespace the alarms watch', () => {
    // THEN
    expect(ROTATE_SECRET_ENVIRONMENT.POWERTOOLS_SERVICE_NAME).toBe(MetricService.RotateSecret);
    expect(ROTATE_SECRET_ENVIRONMENT.POWERTOOLS_METRICS_NAMESPACE).toBe(METRICS_NAMESPACE);
  });

  test('keeps the names the rotation function already publishes', () => {
    // THEN
    expect(RotationMetric).toEqual({
      Started: 'RotationStarted',
      Succeeded: 'RotationSucceeded',
      Failed: 'RotationFailed',
      Duration: 'RotationDuration',
    });
    expect(StepMetric).toEqual({
      Started: 'RotationStepStarted',
      Succeeded: 'RotationStepSucceeded',
      Failed: 'RotationStepFailed',
      Duration: 'RotationStepDuration',
      WriteQuotaWait: 'RotationStepWriteQuotaWait',
    });
    expect(MetricDimension).toMatchObject({ Strategy: 'Strategy', Step: 'Step', ErrorName: 'ErrorName' });
  });

  test('a failed step publishes RotationFailed in exactly the dimension set its failure alarm watches', async () => {
    // GIVEN the failure alarms
    const { stack } = newStack();
    new RotationAlarms(stack, 'Alarms', { pageTopic: new sns.Topic(stack, 'Topic') });
    const alarm = alarmNamed(alarmsByName(Template.fromStack(stack)), `Keyturn-rotation-failed-${UNRESOLVED_STRATEGY}`);
    const watched = alarm.Metrics?.find((m) => m.MetricStat)?.MetricStat?.Metric;

    // WHEN the rotation function fails a step before knowing its strategy (not a rotation event)
    const documents = await emfOfOneStep({ Step: 'createSecret' });

    // THEN the document holding RotationFailed has the alarm's namespace, dimension names and values
    const failed = documents.filter((d) =>
      d._aws.CloudWatchMetrics.some((m) => m.Metrics.some((x) => x.Name === RotationMetric.Failed)),
    );
    expect(failed).toHaveLength(1);
    const document = failed[0] as EmfDocument;
    const directive = document._aws.CloudWatchMetrics[0];
    expect(directive?.Namespace).toBe(watched?.Namespace);
    const expected = dimensionsOf(watched?.Dimensions);
    expect(directive?.Dimensions.map((set) => [...set].sort())).toContainEqual(Object.keys(expected).sort());
    for (const [name, value] of Object.entries(expected)) expect(document[name]).toBe(value);
  });

  test('a failed step also publishes RotationFailed in [service] alone, which the success-rate alarm watches', async () => {
    // WHEN the rotation function fails a step
    const documents = await emfOfOneStep({ Step: 'createSecret' });

    // THEN the same document carries the aggregate set next to [service, Strategy]
    const failed = documents.find((d) =>
      d._aws.CloudWatchMetrics.some((m) => m.Metrics.some((x) => x.Name === RotationMetric.Failed)),
    );
    const sets = failed?._aws.CloudWatchMetrics[0]?.Dimensions.map((set) => [...set].sort());
    expect(sets).toContainEqual([MetricDimension.Service]);
    expect(sets).toContainEqual([MetricDimension.Service, MetricDimension.Strategy].sort());
    expect(failed?.[MetricDimension.Service]).toBe(MetricService.RotateSecret);
  });
});
