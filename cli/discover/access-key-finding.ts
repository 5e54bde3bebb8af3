import type { UserWithOldKeys } from './access-keys';
import { checkedProposal } from './checked-proposal';
import type { EntryIds } from './entry-ids';
import { OWNER_PLACEHOLDER, OWNER_PLACEHOLDER_NOTE, type Finding } from './finding';

/** IAM allows two access keys per user; a rotation needs one slot free for the new key. */
const IAM_KEYS_PER_USER = 2;

/** The finding for a user whose Active access keys are too old, and the iam-access-key entry that would rotate them. */
export function accessKeyFinding(user: UserWithOldKeys, ids: EntryIds): Finding {
  const [oldest] = user.oldKeys;
  const id = ids.allocate(`${user.userName}-access-key`, 'iam-user-access-key');
  const notes = [
    "Store the user's current key in this secret first, as JSON: accessKeyId, secretAccessKey, userName.",
    "keyturn adopts it: IAM shows a key's secret only once, and keyturn never mints the first key.",
  ];
  if (user.keyCount >= IAM_KEYS_PER_USER) {
    notes.push(
      "The user has two keys, IAM's limit: delete the one nobody uses first, or set options.allowReplacingUnknownKey.",
    );
  }
  const proposal = checkedProposal({
    list: 'entries',
    entry: {
      id,
      kind: 'iam-access-key',
      secret: { name: `iam/${user.userName}/access-key` },
      owner: { team: OWNER_PLACEHOLDER },
      options: { userName: user.userName, ...(user.path === '/' ? {} : { path: user.path }) },
    },
    notes,
    fieldNotes: { owner: OWNER_PLACEHOLDER_NOTE },
  });
  return {
    kind: 'access-key',
    arn: user.arn,
    name: user.userName,
    reason: reasonOf(user),
    ...(oldest ? { ageDays: oldest.ageDays } : {}),
    proposal,
  };
}

function reasonOf(user: UserWithOldKeys): string {
  const [first, second] = user.oldKeys;
  if (first === undefined) return 'no old access key';
  if (second === undefined) return `access key ${first.accessKeyId} ${first.ageDays} days old`;
  return `access keys ${first.accessKeyId} ${first.ageDays} and ${second.accessKeyId} ${second.ageDays} days old`;
}
