import * as fleetErrors from '../../../functions/fleet/errors';
import * as kmsKeyErrors from '../../../functions/kms-key/errors';
import * as rewrapErrors from '../../../functions/kms-rewrap/errors';
import * as deadline from '../../../functions/shared/deadline';
import * as strategyErrors from '../../../functions/strategies/errors';
import * as taskErrors from '../../../functions/tasks/errors';
import { KeyturnError } from '../../../functions/shared/errors';
import { AslPlaceholder } from '../../../functions/shared/lifecycle-contract';
import { loadStateMachine, type StateMachineName } from '../../../local/stepfunctions/definitions';
import { assertValidAsl } from '../../support/asl';

const MACHINES: StateMachineName[] = ['lifecycle', 'emergency', 'fleet', 'kms-key', 'rewrap', 'rewrap-start'];
const FILLED = Object.fromEntries(
  Object.values(AslPlaceholder).map((name) => [name, `arn:aws:lambda:us-east-1:123456789012:function:${name}`]),
);
FILLED[AslPlaceholder.LifecycleStateMachine] = 'arn:aws:states:us-east-1:123456789012:stateMachine:keyturn-lifecycle';

interface State {
  readonly Type: string;
  readonly Resource?: string;
  readonly Retry?: { ErrorEquals: string[] }[];
  readonly Catch?: { ErrorEquals: string[] }[];
  readonly ItemProcessor?: { States: Record<string, State> };
  readonly Iterator?: { States: Record<string, State> };
}

function statesOf(states: Record<string, State>): [string, State][] {
  return Object.entries(states).flatMap(([name, state]) => [
    [name, state] as [string, State],
    ...statesOf(state.ItemProcessor?.States ?? state.Iterator?.States ?? {}),
  ]);
}

/** Error names keyturn's task code raises on purpose (KeyturnError subclasses name themselves). */
const KEYTURN_ERROR_NAMES = new Set(
  [
    ...Object.values(taskErrors),
    ...Object.values(fleetErrors),
    ...Object.values(strategyErrors),
    ...Object.values(kmsKeyErrors),
    ...Object.values(deadline),
    ...Object.values(rewrapErrors),
  ].flatMap((value: unknown) => {
    if (typeof value !== 'function' || !(value.prototype instanceof KeyturnError)) return [];
    try {
      return [new (value as new (message: string, extra?: string) => Error)('probe', 'probe').name];
    } catch {
      return [];
    }
  }),
);
/** Names from Step Functions and the services it integrates with. */
const SERVICE_ERROR = /^(States|Lambda|SecretsManager|StepFunctions)\.[A-Za-z]+$/;
/** AWS SDK errors a task function lets through unchanged, for the state machine to retry (throttling). */
const SDK_ERRORS_PASSED_THROUGH = new Set(['ThrottlingException']);

describe.each(MACHINES)('%s.asl.json', (name) => {
  const definition = loadStateMachine(name, FILLED) as { States: Record<string, State> };
  const tasks = statesOf(definition.States).filter(([, state]) => state.Type === 'Task');

  it('is valid ASL', () => {
    expect(() => {
      assertValidAsl(definition);
    }).not.toThrow();
  });

  it('gives every task a Retry for transient errors and a Catch', () => {
    expect(tasks.length).toBeGreaterThan(0);
    for (const [stateName, state] of tasks) {
      expect({ stateName, retry: (state.Retry ?? []).length > 0 }).toEqual({ stateName, retry: true });
      expect({ stateName, catch: (state.Catch ?? []).length > 0 }).toEqual({ stateName, catch: true });
    }
  });

  it("retries and catches only errors that exist: the services' own, or named errors of the task code", () => {
    const names = tasks.flatMap(([, state]) =>
      [...(state.Retry ?? []), ...(state.Catch ?? [])].flatMap((r) => r.ErrorEquals),
    );
    const unknown = names.filter(
      (n) => !SERVICE_ERROR.test(n) && !KEYTURN_ERROR_NAMES.has(n) && !SDK_ERRORS_PASSED_THROUGH.has(n),
    );
    expect(unknown).toEqual([]);
  });
});
