import type { LocalPostgres } from '../../local/databases/postgres';
import { LOCAL_ROTATION_FUNCTION_ARN, startLocalStack, type LocalStack } from '../../local/stack';
import { LOCAL_COORDINATOR_FUNCTION_ARN } from '../../local/stepfunctions/definitions';
import type { LambdaHandler } from '../../local/stepfunctions/runner';
import { createSecret, MANUAL_FUNCTION_ARN } from './secrets';

/** The local stack with PostgreSQL, its master secret, and the real coordinator and rotation function to run with. */
export interface PostgresLifecycleStack {
  readonly stack: LocalStack;
  readonly pg: LocalPostgres;
  readonly masterArn: string;
  readonly handlers: Record<string, LambdaHandler>;
}

/** What the lifecycle and emergency state machine tests run against; `name` keeps their secrets apart. */
export async function startPostgresLifecycleStack(name: string): Promise<PostgresLifecycleStack> {
  const stack = await startLocalStack({ postgres: true });
  const pg = stack.postgres as LocalPostgres;
  stack.secretsManager.registerRotationFunction(MANUAL_FUNCTION_ARN, () => Promise.resolve());
  const masterArn = (await createSecret(stack.client, `db/${name}/master`, pg.masterSecretValue())).arn;
  // The coordinator builds its clients at import: only now does the environment point at the stack.
  const coordinator = await import('../../functions/coordinator/handler');
  return {
    stack,
    pg,
    masterArn,
    handlers: {
      [LOCAL_COORDINATOR_FUNCTION_ARN]: coordinator.handler,
      // The rotation function runs the tasks that reach the database, whichever ARN the secret names.
      [LOCAL_ROTATION_FUNCTION_ARN]: stack.rotationHandler,
      [MANUAL_FUNCTION_ARN]: stack.rotationHandler,
    },
  };
}
