import type { PolicyInput } from './schema';

/**
 * Declares a keyturn policy. It only gives the object its type, so an editor completes and
 * checks the file as it is written; validation and defaults happen at synth (load-policy.ts).
 */
export function definePolicy(policy: PolicyInput): PolicyInput {
  return policy;
}

export type { PolicyInput } from './schema';
