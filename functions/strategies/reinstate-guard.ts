import { versionWithStage } from '../shared/secret-store';
import { AWSCURRENT, AWSPENDING } from '../shared/stages';
import type { SecretVersion } from '../shared/secret-store';
import { ReinstateRefusedError } from './errors';
import type { StrategyContext } from './strategy';

/**
 * Checked by a reinstate under the target's own lock for the user (the lock a next rotation's setSecret takes too):
 * the secret's labels are still as the reinstate found them, so putting the old password back cannot undo a newer
 * one. A next rotation labels its AWSPENDING version before its setSecret asks for the lock.
 */
export async function assertNoRotationSince(ctx: StrategyContext, current: SecretVersion): Promise<void> {
  const description = await ctx.store.describe(ctx.secretArn);
  const currentNow = versionWithStage(description, AWSCURRENT);
  const pending = versionWithStage(description, AWSPENDING);
  if (currentNow !== current.versionId || (pending !== undefined && pending !== currentNow)) {
    throw new ReinstateRefusedError(
      `secret ${description.arn} changed since the reinstate began (AWSCURRENT on ${currentNow ?? 'none'}` +
        `${pending !== undefined && pending !== currentNow ? `, a rotation under way on ${pending}` : ''}): ` +
        'the old credential is not brought back',
    );
  }
}
