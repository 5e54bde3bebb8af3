import * as eventBridge from '@aws-sdk/client-eventbridge';
import * as secretsManager from '@aws-sdk/client-secrets-manager';
import * as sns from '@aws-sdk/client-sns';

/**
 * The generic `arn:aws:states:::aws-sdk:<service>:<action>` adapter: a Task state's evaluated
 * Parameters (PascalCase, as Step Functions sends them) become the input of the real AWS SDK v3
 * command, sent with a client that resolves its endpoint from the environment
 * (AWS_ENDPOINT_URL_SECRETS_MANAGER and friends), so the local stack needs no special wiring.
 */

/** The smallest client surface the adapter needs: every SDK v3 client has it. */
export interface SdkClientLike {
  send(command: never): Promise<unknown>;
  destroy(): void;
}

/** One AWS service reachable through `aws-sdk:<key>:<action>` Task resources. */
export interface SdkServiceIntegration {
  /** Prefix of the error names Step Functions reports for this service (`SecretsManager` → `SecretsManager.ResourceNotFoundException`). */
  readonly errorPrefix: string;
  /** A fresh client; one is created per execution and destroyed when it ends. */
  createClient(): SdkClientLike;
  /** The SDK package's exports, where `<Action>Command` classes are looked up. */
  readonly commands: Readonly<Record<string, unknown>>;
}

/**
 * Services keyed by the name used in the Resource ARN (`aws-sdk:secretsmanager:...`). Add more here.
 *
 * Error prefixes follow the documented rule for SDK integrations ("ServiceName.ErrorName", the
 * service name in PascalCase, e.g. `AcmPca.ResourceNotFoundException`). `EventBridge` is what
 * deployed state machines match (`EventBridge.InternalException`); `Sns` (not `SNS`, the prefix
 * of the optimized `arn:aws:states:::sns:publish` integration) could not be confirmed from AWS's
 * own pages and follows the rule.
 */
export const SDK_SERVICE_INTEGRATIONS: Readonly<Record<string, SdkServiceIntegration>> = {
  secretsmanager: {
    errorPrefix: 'SecretsManager',
    createClient: () => new secretsManager.SecretsManagerClient({}),
    commands: secretsManager,
  },
  eventbridge: {
    errorPrefix: 'EventBridge',
    createClient: () => new eventBridge.EventBridgeClient({}),
    commands: eventBridge,
  },
  sns: {
    errorPrefix: 'Sns',
    createClient: () => new sns.SNSClient({}),
    commands: sns,
  },
};

const SDK_RESOURCE = /^arn:aws[a-z-]*:states:::aws-sdk:([a-z0-9]+):([a-zA-Z0-9]+)$/;

/** `arn:aws:states:::aws-sdk:secretsmanager:rotateSecret` → `{ service: 'secretsmanager', action: 'rotateSecret' }`. */
export function parseSdkResource(resource: string): { service: string; action: string } | undefined {
  const match = SDK_RESOURCE.exec(resource);
  if (!match?.[1] || !match[2]) return undefined;
  return { service: match[1], action: match[2] };
}

/** ASL actions are camelCase; SDK v3 commands are `<PascalCase>Command`. */
export function commandNameFor(action: string): string {
  return `${action.charAt(0).toUpperCase()}${action.slice(1)}Command`;
}

type CommandConstructor = new (input: unknown) => never;

/** Resolves the command class now, so an unknown action fails before the execution starts. */
export function resolveSdkCommand(
  integration: SdkServiceIntegration,
  service: string,
  action: string,
): CommandConstructor {
  const name = commandNameFor(action);
  const command = integration.commands[name];
  if (typeof command !== 'function') {
    throw new Error(`aws-sdk:${service}:${action}: the SDK for ${service} has no ${name}`);
  }
  return command as CommandConstructor;
}

/** An error as a Task state reports it: `name` is the Step Functions `Error`, `message` the `Cause`. */
export class TaskError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

interface ServiceExceptionLike {
  name: string;
  message: string;
  $metadata: { httpStatusCode?: number; requestId?: string };
}

function isServiceException(error: unknown): error is ServiceExceptionLike {
  return error instanceof Error && typeof (error as Partial<ServiceExceptionLike>).$metadata === 'object';
}

/**
 * Maps an SDK error the way Step Functions does for SDK integrations: a service exception
 * becomes `<Prefix>.<ExceptionName>` with AWS's "(Service: ..., Status Code: ...)" cause, the name
 * always ending in `Exception` (AWS: "include the Exception suffix ... even if the suffix isn't
 * already part of the service-provided error name": Secrets Manager's `InternalServiceError` is
 * `SecretsManager.InternalServiceErrorException`); anything else (a refused connection, a bad
 * parameter caught by the SDK) is `States.TaskFailed`.
 */
export function toStepFunctionsError(integration: SdkServiceIntegration, error: unknown): TaskError {
  if (isServiceException(error)) {
    const status = error.$metadata.httpStatusCode ?? 0;
    const requestId = error.$metadata.requestId ?? 'unknown';
    const name = error.name.endsWith('Exception') ? error.name : `${error.name}Exception`;
    return new TaskError(
      `${integration.errorPrefix}.${name}`,
      `${error.message} (Service: ${integration.errorPrefix}, Status Code: ${status}, Request ID: ${requestId})`,
    );
  }
  return new TaskError('States.TaskFailed', error instanceof Error ? error.message : String(error));
}

/** The task result: the SDK output without `$metadata`, as JSON (dates become ISO strings). */
export function toTaskResult(output: unknown): unknown {
  if (output === null || typeof output !== 'object') return output ?? {};
  const { $metadata: _metadata, ...rest } = output as Record<string, unknown>;
  return JSON.parse(JSON.stringify(rest)) as unknown;
}
