/** The local Lambda API: function configuration (GetFunctionConfiguration, UpdateFunctionConfiguration with RevisionId). */
export {
  startLocalLambda,
  LocalLambda,
  LAMBDA_OPERATION_NAMES,
  type LambdaOperationName,
  type LocalLambdaOptions,
  type LocalLambdaFunctionView,
  type LambdaFaultControl,
} from './local-lambda';
