/** The local Step Functions API over keyturn's in-process runner. */
export {
  startLocalStepFunctions,
  LocalStepFunctions,
  DEFAULT_MAX_WAIT_MS,
  type LocalStepFunctionsOptions,
  type LocalStateMachine,
} from './local-stepfunctions';
export type { StepFunctionsFaultControl } from './faults';
