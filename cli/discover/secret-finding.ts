import type { PolicyEntryInput } from '../../infra/policy/schema';
import { KMS_KEY_ARN } from '../../infra/policy/fields';
import { checkedProposal } from './checked-proposal';
import type { EntryIds } from './entry-ids';
import { daysBetween, type Finding, type NoProposal, type Proposal } from './finding';
import { ownerFromTags } from './owner';
import { guessSecretKind, type SecretGuess } from './secret-kind';
import type { UnrotatedSecret } from './secrets';

const SERVER_NOTES = [
  "The secret must hold AWS's database shape: engine, host, port, username, password, dbname.",
  'Single user: rotated in place. A user several clients log in with is better as alternating users',
  '(with a master): the previous user keeps working through the grace window (README, strategies).',
  "If the database is in a VPC, add options.network: a name in the policy's networks.",
];

/** The finding for a secret nothing rotates, and the entry that would adopt it (its kind guessed without its value). */
export function secretFinding(secret: UnrotatedSecret, now: Date, ids: EntryIds): Finding {
  const guess = guessSecretKind(secret);
  const id = ids.allocate(secret.name, 'secret');
  const owner = ownerFromTags(secret.tags);
  const reference = secretReference(secret);
  const common = { secret: reference.secret, owner: { team: owner.team } };
  const proposal = proposalFor(guess, id, common, reference.notes);
  const age = ageOf(secret, now);
  return {
    kind: 'secret',
    arn: secret.arn,
    name: secret.name,
    reason: `${secret.rotationDisabled ? 'rotation disabled' : 'no rotation configured'}${age ? `; ${age.text}` : ''}`,
    ...(age ? { ageDays: age.days } : {}),
    proposal: proposal.entry === null ? proposal : checkedProposal({ ...proposal, fieldNotes: { owner: owner.note } }),
  };
}

type CommonFields = Pick<PolicyEntryInput, 'secret' | 'owner'>;

/** The entry for the guess, its fields in the order the policy files write them: id, kind, secret, owner. */
function proposalFor(
  guess: SecretGuess,
  id: string,
  common: CommonFields,
  secretNotes: readonly string[],
): Proposal | NoProposal {
  switch (guess.kind) {
    case 'postgres':
    case 'mysql': {
      const engine = guess.kind === 'postgres' ? 'PostgreSQL' : 'MySQL or MariaDB';
      return {
        list: 'entries',
        entry: { id, kind: guess.kind === 'postgres' ? 'postgres-single-user' : 'mysql-single-user', ...common },
        notes: [`Guessed from ${guess.from}: a ${engine} user.`, ...SERVER_NOTES, ...secretNotes],
      };
    }
    case 'database':
      return {
        list: 'entries',
        entry: { id, kind: 'postgres-single-user', ...common },
        notes: [
          `Guessed from ${guess.from}: a database user, engine unknown. For MySQL or MariaDB use mysql-single-user.`,
          ...SERVER_NOTES,
          ...secretNotes,
        ],
      };
    case 'redis':
      return {
        list: 'entries',
        entry: null,
        notes: [
          `Guessed from ${guess.from}: a Redis user. Adopt it as redis-user (its master: the admin user's secret) or`,
          'elasticache-user (its ElastiCache user id): both need what discover cannot see (README, strategies).',
        ],
      };
    case 'unsupported-engine':
      return {
        list: 'entries',
        entry: null,
        notes: [`Guessed from ${guess.from}: a ${guess.engine} credential, which keyturn has no strategy for.`],
      };
    case 'unknown':
      return {
        list: 'entries',
        entry: { id, kind: 'random', ...common },
        notes: [
          'CHECK: nothing in its name, tags or description says what it holds, so random is a guess. random replaces',
          'the whole value with a random string: for a JSON secret list the fields to regenerate (options.fields),',
          'and set the length and characters its users accept. A credential a service issues needs that kind instead.',
          ...secretNotes,
        ],
      };
  }
}

/** The secret by name, with its customer managed key when ListSecrets gave the key's ARN. */
function secretReference(secret: UnrotatedSecret): { secret: CommonFields['secret']; notes: string[] } {
  const keyId = secret.kmsKeyId;
  if (keyId === undefined) return { secret: { name: secret.name }, notes: [] };
  if (KMS_KEY_ARN.test(keyId)) return { secret: { name: secret.name, kmsKeyArn: keyId }, notes: [] };
  return {
    secret: { name: secret.name },
    notes: [`It is encrypted with ${keyId}: set secret.kmsKeyArn to that key's ARN.`],
  };
}

function ageOf(secret: UnrotatedSecret, now: Date): { days: number; text: string } | undefined {
  if (secret.lastRotatedDate) {
    const days = daysBetween(secret.lastRotatedDate, now);
    return { days, text: `last rotated ${days} days ago` };
  }
  if (secret.createdDate) {
    const days = daysBetween(secret.createdDate, now);
    return { days, text: `created ${days} days ago, never rotated` };
  }
  return undefined;
}
