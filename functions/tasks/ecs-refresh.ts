/**
 * Refreshing a consumer's ECS service: a new deployment, whose tasks read the secret (AWSCURRENT) when they start.
 * Crash-safe and idempotent without a marker: a deployment that started after the switch already picks up the new
 * credential, so a retry (after a crash, or a twin invocation) that finds the service's PRIMARY deployment created
 * at or after the switch starts no second one.
 */

/** The service as DescribeServices shows it: only what the refresh decides on. */
export interface EcsServiceState {
  /** `ACTIVE`, `DRAINING` or `INACTIVE`. */
  readonly status: string;
  /** The newest deployment (status PRIMARY), if any. */
  readonly primaryDeployment?: { readonly id: string; readonly createdAt?: Date };
}

/** The two ECS calls a refresh makes (functions/tasks/consumer-apis.ts builds them on the SDK; tests pass their own). */
export interface EcsServiceApi {
  /** undefined when ECS reports the service missing. */
  describeService(cluster: string, service: string): Promise<EcsServiceState | undefined>;
  /** UpdateService with forceNewDeployment; the id of the deployment it started. */
  forceNewDeployment(cluster: string, service: string): Promise<{ readonly deploymentId?: string }>;
}

export type RefreshOutcome =
  | { readonly outcome: 'refreshed' | 'already-refreshed'; readonly detail: string }
  | { readonly outcome: 'failed'; readonly error: string; readonly detail: string };

/** Longest AWS message carried into audit events and alerts (ECS's messages name resources, never values). */
const MAX_MESSAGE = 300;

/**
 * Starts a new deployment of the service unless one started at or after `switchedAt` (the moment the new
 * version became AWSCURRENT, or earlier). Never throws: a failure is an outcome.
 */
export async function refreshEcsService(
  api: EcsServiceApi,
  target: { readonly cluster: string; readonly service: string },
  switchedAt: Date,
): Promise<RefreshOutcome> {
  const where = `ECS service ${target.service} in cluster ${target.cluster}`;
  try {
    const state = await api.describeService(target.cluster, target.service);
    if (state === undefined) {
      return { outcome: 'failed', error: 'ServiceNotFoundException', detail: `${where} does not exist` };
    }
    if (state.status !== 'ACTIVE') {
      return { outcome: 'failed', error: 'ServiceNotActiveException', detail: `${where} is ${state.status}` };
    }
    const primary = state.primaryDeployment;
    if (primary?.createdAt !== undefined && primary.createdAt.getTime() >= switchedAt.getTime()) {
      return {
        outcome: 'already-refreshed',
        detail: `${where}: deployment ${primary.id} started at ${primary.createdAt.toISOString()}, after the switch`,
      };
    }
    const started = await api.forceNewDeployment(target.cluster, target.service);
    return {
      outcome: 'refreshed',
      detail: `${where}: new deployment ${started.deploymentId ?? '(id not reported)'} started`,
    };
  } catch (error) {
    const name = error instanceof Error ? error.name : 'Error';
    const message = error instanceof Error ? error.message.slice(0, MAX_MESSAGE) : '';
    return { outcome: 'failed', error: name, detail: `${where}: ${message}` };
  }
}
