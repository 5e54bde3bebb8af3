import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { FleetSelection } from '../../functions/fleet/contract';
import { EmptyFleetSelectionError } from '../../functions/fleet/errors';
import { selectPage } from '../../functions/fleet/select';
import { CliError } from '../output/errors';

/** What a fleet run would rotate, read with the fleet's own selection code (read-only: ListSecrets). */
export interface SelectionPreview {
  readonly secretArns: readonly string[];
  /** Matched by the tags but left out (rotation not enabled). */
  readonly excluded: number;
}

/** A placeholder for select's fleetExecutionArn, which only lands in the lifecycle input it returns. */
const PREVIEW_EXECUTION = 'arn:aws:states:us-east-1:000000000000:execution:keyturn-cli:preview';

/** Every secret the selection picks, page by page as the fleet state machine would. */
export async function previewSelection(
  client: SecretsManagerClient,
  selection: FleetSelection,
): Promise<SelectionPreview> {
  const secretArns: string[] = [];
  let excluded = 0;
  let nextToken: string | null = null;
  let pages = 0;
  try {
    do {
      const page = await selectPage(
        {
          request: { selection },
          progress: {
            pagesThisExecution: 0,
            fleetId: PREVIEW_EXECUTION,
            pages,
            nextToken,
            selected: secretArns.length,
            succeeded: 0,
            leftInUse: 0,
            skipped: 0,
            failed: 0,
            wouldRotate: 0,
            excluded,
            failedSample: [],
          },
          fleetExecutionArn: PREVIEW_EXECUTION,
        },
        { secretsManager: client },
      );
      secretArns.push(...page.chunks.flat());
      excluded += page.excluded;
      nextToken = page.nextToken;
      pages++;
    } while (nextToken !== null);
  } catch (error) {
    if (error instanceof EmptyFleetSelectionError) throw new CliError(error.message);
    throw error;
  }
  return { secretArns, excluded };
}
