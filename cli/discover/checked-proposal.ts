import { keyEntrySchema } from '../../infra/policy/key-schema';
import { entrySchema } from '../../infra/policy/schema';
import type { NoProposal, Proposal } from './finding';

/**
 * A proposal checked against the policy's own schema for one entry: a proposal it refuses (a user name or path
 * the policy cannot take, say) becomes no proposal with the schema's words, so no snippet is one synth refuses.
 * Checks across entries (ids, routes) are the caller's: ids are unique by construction (EntryIds), and the
 * entries name no route or network.
 */
export function checkedProposal(proposal: Proposal): Proposal | NoProposal {
  const result =
    proposal.list === 'entries' ? entrySchema.safeParse(proposal.entry) : keyEntrySchema.safeParse(proposal.entry);
  if (result.success) return proposal;
  return {
    list: proposal.list,
    entry: null,
    notes: [
      'No entry can adopt it as it is:',
      ...result.error.issues.map((issue) => `${issue.path.join('.') || 'entry'}: ${issue.message}`),
    ],
  };
}
