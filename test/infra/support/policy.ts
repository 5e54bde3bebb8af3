import { PolicyError } from '../../../infra/policy/load-policy';
import type { PolicyEntryInput, PolicyInput } from '../../../infra/policy/schema';

/** A policy with one alert route (`platform`) around `entries`. */
export function policyWith(entries: PolicyEntryInput[], extra: Partial<PolicyInput> = {}): PolicyInput {
  return { version: 1, alerts: { routes: { platform: {} }, defaultRoute: 'platform' }, entries, ...extra };
}

/** The problems `parse` reports for a policy it refuses; a policy it accepts fails the test. */
export function policyProblems(parse: () => unknown): string[] {
  try {
    parse();
  } catch (error) {
    if (error instanceof PolicyError) return [...error.problems];
    throw error;
  }
  throw new Error('the policy was accepted');
}
