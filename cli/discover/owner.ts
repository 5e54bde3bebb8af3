import { TAG_TEXT } from '../../infra/policy/fields';
import { OWNER_PLACEHOLDER, OWNER_PLACEHOLDER_NOTE } from './finding';

/** Tag keys people put a resource's team in, most specific first. */
const OWNER_TAG_KEYS = ['team', 'owner', 'owning-team', 'owner-team'];
const MAX_TEAM_LENGTH = 128;

/**
 * The owner of a proposed entry: the team a tag names (when it is a valid policy team), or the placeholder with a
 * note to fill it in.
 */
export function ownerFromTags(tags: Readonly<Record<string, string>>): { team: string; note: string } {
  for (const wanted of OWNER_TAG_KEYS) {
    const tag = Object.entries(tags).find(([key]) => key.toLowerCase() === wanted);
    const team = tag?.[1].trim();
    if (tag && team && team.length <= MAX_TEAM_LENGTH && TAG_TEXT.test(team)) {
      return { team, note: `from its tag ${tag[0]}; add a contact email` };
    }
  }
  return { team: OWNER_PLACEHOLDER, note: OWNER_PLACEHOLDER_NOTE };
}
