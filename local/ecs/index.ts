/** The local ECS: services and deployments (UpdateService forceNewDeployment, DescribeServices) for consumer refreshes. */
export {
  startLocalEcs,
  LocalEcs,
  type LocalEcsOptions,
  type LocalEcsServiceView,
  type EcsFaultControl,
} from './local-ecs';
export { ECS_OPERATION_NAMES, type EcsOperationName } from './operations';
