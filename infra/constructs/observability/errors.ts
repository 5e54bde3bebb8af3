import type { Construct } from 'constructs';

/** Thrown when an observability construct is given props it cannot work with; the message shows the bad value. */
export class ObservabilityValidationError extends Error {
  override readonly name = 'ObservabilityValidationError';

  constructor(scope: Construct, message: string) {
    super(`[${scope.node.path}] ${message}`);
  }
}
