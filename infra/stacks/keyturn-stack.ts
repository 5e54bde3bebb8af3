import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { RotationFunction, type RotationFunctionProps } from '../constructs/rotation-function';

/** Properties of the {@link KeyturnStack}. */
export interface KeyturnStackProps extends StackProps {
  /**
   * Settings of the rotation function Secrets Manager invokes.
   *
   * @default - the {@link RotationFunction} defaults (45 s timeout, 256 MB, logs kept three months)
   */
  readonly rotationFunction?: RotationFunctionProps;
}

/**
 * Everything keyturn deploys into one account and region.
 *
 * For now that is the rotation function; the policy file, the state machines, their schedules and the
 * alarms join it here. Secrets are granted to the function through {@link RotationFunction.grantRotate}.
 */
export class KeyturnStack extends Stack {
  /** The function Secrets Manager invokes to rotate a secret. */
  public readonly rotationFunction: RotationFunction;

  constructor(scope: Construct, id: string, props: KeyturnStackProps = {}) {
    super(scope, id, {
      description: 'keyturn: automated, observable, zero-downtime secret rotation',
      ...props,
    });

    this.rotationFunction = new RotationFunction(this, 'RotateSecret', props.rotationFunction);
  }
}
