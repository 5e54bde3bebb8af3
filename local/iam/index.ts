/** The local IAM and STS: users, access keys and assumed roles, every request verified by its SigV4 signature. */
export {
  startLocalIam,
  LocalIam,
  type LocalIamOptions,
  type LocalIamCredentials,
  type LocalIamAccessKey,
  type LocalIamUser,
} from './local-iam';
export type { AuthenticationRecord } from './authenticate';
export type { AcceptedCall, AcceptedCallIdentity, AcceptedCallListener } from './accepted-calls';
export type { IamFaultControl, PendingIamFault, IamStsOperationName } from './faults';
export type { AccessKeyStatus, RoleInput } from './state';
export { ACCESS_KEYS_PER_USER } from './state';
export { IAM_OPERATION_NAMES, type IamOperationName } from './iam-operations';
export { STS_OPERATION_NAMES, type StsOperationName } from './sts-operations';
