import { App, Validations, type AppProps } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { KeyturnStack, type KeyturnStackProps } from './stacks/keyturn-stack';

/** Name of the one stack keyturn deploys. */
export const KEYTURN_STACK_NAME = 'Keyturn';

/** Options of {@link createKeyturnApp}. */
export interface KeyturnAppOptions {
  /** @default - an App reading context and output directory from the CDK CLI */
  readonly appProps?: AppProps;
  /** @default - an environment-agnostic stack with default settings */
  readonly stackProps?: KeyturnStackProps;
}

/**
 * Builds the keyturn CDK app: the stack, checked at synthesis by cdk-nag's AWS Solutions rules.
 * Any unacknowledged finding fails the synthesis; acknowledgements sit next to the construct they excuse.
 */
export function createKeyturnApp(options: KeyturnAppOptions = {}): { app: App; stack: KeyturnStack } {
  const app = new App(options.appProps);
  const stack = new KeyturnStack(app, KEYTURN_STACK_NAME, options.stackProps);
  // writeSuppressionsToCloudFormation: every acknowledgement is also written into the template
  // (Metadata.cdk_nag), so the audit trail travels with what gets deployed.
  Validations.of(app).addPlugins(
    new AwsSolutionsChecks(app, { verbose: true, writeSuppressionsToCloudFormation: true }),
  );
  return { app, stack };
}
