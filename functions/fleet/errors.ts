import { KeyturnError } from '../shared/errors';

/**
 * The fleet path's named failures. Step Functions Retry/Catch match on `name`; messages name
 * fields and counts, never secret values.
 */

/** The fleet request is malformed (names the field), or asks for both or neither selection. */
export class InvalidFleetRequestError extends KeyturnError {
  readonly name = 'InvalidFleetRequestError';
}

/** The selection matches no secret: nothing would rotate, which is almost certainly a mistake. */
export class EmptyFleetSelectionError extends KeyturnError {
  readonly name = 'EmptyFleetSelectionError';
}

/** A page token that this fleet run did not hand out. */
export class InvalidFleetTokenError extends KeyturnError {
  readonly name = 'InvalidFleetTokenError';
}

/** The `Error` of a fleet execution that ended with more failed rotations than tolerated. */
export const FLEET_TOLERANCE_EXCEEDED = 'FleetFailureToleranceExceeded';
