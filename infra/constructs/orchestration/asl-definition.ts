/**
 * Reads an Amazon States Language file of `statemachines/` the way the constructs need it: which `${Name}`
 * placeholders it uses, and which AWS integrations its Task states call (so each state machine's role is
 * granted exactly those). Pure: no CDK.
 */
import * as fs from 'node:fs';

/** `${Name}` in a definition: what `definitionSubstitutions` fills. */
const PLACEHOLDER = /\$\{([^}]*)\}/g;
const PLACEHOLDER_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

/** A Task state's `Resource`: `arn:<partition>:states:::<integration>`. */
const INTEGRATION_RESOURCE = /^arn:[a-z-]+:states:::(.+)$/;

/** One Task state of a definition. */
export interface AslTask {
  /** The state's name (inside a Map or Parallel, prefixed with the enclosing states' names and `/`). */
  readonly state: string;
  /**
   * For a service integration, what follows `arn:<partition>:states:::`, e.g. `lambda:invoke` or
   * `aws-sdk:secretsmanager:rotateSecret`; for a Lambda function invoked directly (`"Resource": "${Name}"`),
   * `lambda:function`.
   */
  readonly integration: string;
  /** For `lambda:function`: the placeholder naming the function. */
  readonly functionPlaceholder?: string;
  /** The task's `Parameters` (JSONPath), if any. */
  readonly parameters: Readonly<Record<string, unknown>>;
}

/** The integration name of a Task whose `Resource` is a Lambda function's ARN (invoked directly). */
export const DIRECT_LAMBDA = 'lambda:function';

/** What a definition file holds, as far as the infrastructure is concerned. */
export interface AslDefinition {
  readonly file: string;
  /** The placeholder names it uses, sorted, each once. */
  readonly placeholders: readonly string[];
  /** Every Task state, nested ones included. */
  readonly tasks: readonly AslTask[];
  /** The definition as parsed (placeholders left in place). */
  readonly json: Readonly<Record<string, unknown>>;
}

/** A definition file the infrastructure cannot use; the message names the file and the problem. */
export class AslDefinitionError extends Error {
  override readonly name = 'AslDefinitionError';
}

interface StatesJson {
  readonly States?: Readonly<Record<string, StateJson>>;
}

interface StateJson {
  readonly Type?: unknown;
  readonly Resource?: unknown;
  readonly Parameters?: unknown;
  readonly Iterator?: StatesJson;
  readonly ItemProcessor?: StatesJson;
  readonly Branches?: readonly StatesJson[];
}

/** Reads and checks `file`: valid JSON with `StartAt` and `States`, placeholders well formed, JSONPath only. */
export function readAslDefinition(file: string): AslDefinition {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new AslDefinitionError(`cannot read state machine definition ${file}: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new AslDefinitionError(`state machine definition ${file} is not valid JSON: ${(error as Error).message}`);
  }
  const root = json as StatesJson & { StartAt?: unknown; QueryLanguage?: unknown };
  if (!isObject(json) || typeof root.StartAt !== 'string' || !isObject(root.States)) {
    throw new AslDefinitionError(`state machine definition ${file} needs "StartAt" and "States"`);
  }
  if (root.QueryLanguage !== undefined && root.QueryLanguage !== 'JSONPath') {
    throw new AslDefinitionError(
      `state machine definition ${file} uses QueryLanguage ${JSON.stringify(root.QueryLanguage)}: keyturn's ` +
        'definitions are JSONPath (the local runner cannot run JSONata)',
    );
  }

  const names = new Set<string>();
  for (const match of text.matchAll(PLACEHOLDER)) {
    const name = match[1] ?? '';
    if (!PLACEHOLDER_NAME.test(name)) {
      throw new AslDefinitionError(
        `state machine definition ${file} has a malformed placeholder "\${${name}}": names are letters, digits and _`,
      );
    }
    names.add(name);
  }

  const tasks: AslTask[] = [];
  collectTasks(root, '', file, tasks);
  return { file, placeholders: [...names].sort(), tasks, json: root as Record<string, unknown> };
}

function collectTasks(states: StatesJson, prefix: string, file: string, into: AslTask[]): void {
  for (const [name, state] of Object.entries(states.States ?? {})) {
    const path = `${prefix}${name}`;
    if (state.Type === 'Task') {
      const parameters = isObject(state.Parameters) ? (state.Parameters as Record<string, unknown>) : {};
      const functionPlaceholder = placeholderOf(state.Resource);
      const integration = INTEGRATION_RESOURCE.exec(typeof state.Resource === 'string' ? state.Resource : '')?.[1];
      if (functionPlaceholder !== undefined) {
        into.push({ state: path, integration: DIRECT_LAMBDA, functionPlaceholder, parameters });
      } else if (integration !== undefined) {
        into.push({ state: path, integration, parameters });
      } else {
        throw new AslDefinitionError(
          `state machine definition ${file}, state ${path}: Resource ${JSON.stringify(state.Resource)} is neither ` +
            'an AWS service integration (arn:aws:states:::...) nor a ${Placeholder} naming a function',
        );
      }
    }
    for (const nested of [state.Iterator, state.ItemProcessor]) {
      if (nested) collectTasks(nested, `${path}/`, file, into);
    }
    for (const [i, branch] of (state.Branches ?? []).entries()) collectTasks(branch, `${path}/${i}/`, file, into);
  }
}

function isObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The `${Name}` a whole parameter value is, if it is exactly one placeholder. */
export function placeholderOf(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  return /^\$\{([A-Za-z][A-Za-z0-9_]*)\}$/.exec(value)?.[1];
}
