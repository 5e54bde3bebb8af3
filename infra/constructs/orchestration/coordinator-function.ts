import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import type { RefreshTarget } from '../../../functions/shared/consumer-refresh';
import { COORDINATOR_FUNCTION } from '../bundling-options';
import { KeyturnFunctionValidationError } from '../keyturn-function';
import { ReportingFunction, type ReportingFunctionOptions } from './reporting-function';
import type { RotatableSecrets } from './rotatable-secrets';

/** Properties of a {@link CoordinatorFunction} (`report` alerts and puts each run's outcome on the audit bus). */
export interface CoordinatorFunctionProps extends ReportingFunctionOptions {
  /** The secrets a run may be opened for (`begin` describes the secret: metadata and tags, never its value). */
  readonly secrets: RotatableSecrets;
}

/** Thrown when a {@link CoordinatorFunction} is given props it cannot work with. */
export class CoordinatorFunctionValidationError extends KeyturnFunctionValidationError {
  override readonly name: string = 'CoordinatorFunctionValidationError';
}

/**
 * The state machines' coordinator (`functions/coordinator/handler.ts`): `{"task": "begin"}` opens a run (checks
 * the secret is managed and has a rotation function, draws the rotation id), `{"task": "report"}` records how it
 * ended on the audit bus and alerts the run's route, `{"task": "plan"}` builds a dry run's plan (no AWS call, so
 * no permission of its own). Not in a VPC: it reaches only AWS APIs.
 *
 * Its role may, besides writing its logs: `secretsmanager:DescribeSecret` on the given secrets (for keyturn, those
 * tagged `keyturn:managed=true`); `sns:Publish` on every alert route's topic, with `kms:GenerateDataKey` and
 * `kms:Decrypt` on their key; `events:PutEvents` on the audit bus for keyturn's event source only.
 */
export class CoordinatorFunction extends ReportingFunction {
  constructor(scope: Construct, id: string, props: CoordinatorFunctionProps) {
    super(scope, id, COORDINATOR_FUNCTION, props, {
      description: 'keyturn: opens each rotation run (begin) and reports how it ended (report: audit event, alert)',
      roleDescription: 'keyturn coordinator: describes managed secrets, publishes alerts and audit events',
    });
    props.secrets.grant(this, 'ManagedSecretsPolicy', this.role, ['secretsmanager:DescribeSecret']);
  }

  /**
   * Lets the `refresh-consumers` task refresh exactly these consumers' targets, in this stack's account and Region:
   * `ecs:DescribeServices` and `ecs:UpdateService` on each named service, `lambda:GetFunctionConfiguration` and
   * `lambda:UpdateFunctionConfiguration` on each named function (unqualified: its `$LATEST`). Nothing for none.
   */
  public grantConsumerRefresh(targets: readonly RefreshTarget[]): void {
    const stack = Stack.of(this);
    const services = new Set<string>();
    const functions = new Set<string>();
    for (const target of targets) {
      if (target.kind === 'ecs-service') {
        services.add(
          stack.formatArn({
            service: 'ecs',
            resource: 'service',
            resourceName: `${target.cluster}/${target.service}`,
            arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
          }),
        );
      } else if (target.kind === 'lambda-function') {
        functions.add(
          stack.formatArn({
            service: 'lambda',
            resource: 'function',
            resourceName: target.functionName,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        );
      }
    }
    const statements: iam.PolicyStatement[] = [];
    if (services.size > 0) {
      statements.push(
        new iam.PolicyStatement({
          sid: 'RefreshConsumerEcsServices',
          actions: ['ecs:DescribeServices', 'ecs:UpdateService'],
          resources: [...services].sort(),
        }),
      );
    }
    if (functions.size > 0) {
      statements.push(
        new iam.PolicyStatement({
          sid: 'RefreshConsumerLambdaFunctions',
          actions: ['lambda:GetFunctionConfiguration', 'lambda:UpdateFunctionConfiguration'],
          resources: [...functions].sort(),
        }),
      );
    }
    if (statements.length === 0) return;
    // A policy of its own: IAM counts a role's inline policies together, and this one grows with the policy file.
    new iam.Policy(this, 'ConsumerRefreshPolicy', { roles: [this.role], statements });
  }

  protected override validationError(message: string): KeyturnFunctionValidationError {
    return new CoordinatorFunctionValidationError(this, message);
  }
}
