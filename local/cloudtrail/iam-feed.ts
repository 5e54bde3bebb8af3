import type { AcceptedCall } from '../iam/accepted-calls';
import type { CloudTrailEventInput } from './events';
import { isReadOnlyAction } from './events';

/**
 * How a call the local IAM or STS accepted shows in event history: the action is the event
 * name, the service its source; the signer's identity as CloudTrail's userIdentity (an IAM user,
 * or an assumed role's session with the role as its issuer); the User-Agent as sent. IAM is a
 * global service whose events CloudTrail records in us-east-1; STS events land in the region
 * the request was signed for. Only non-secret fields of the call exist to be copied.
 */

/** The region CloudTrail records global IAM calls in. */
export const IAM_EVENT_REGION = 'us-east-1';

export function eventOfAcceptedCall(call: AcceptedCall): CloudTrailEventInput {
  const { identity } = call;
  const userIdentity =
    identity.type === 'IAMUser'
      ? {
          type: 'IAMUser',
          principalId: identity.principalId,
          arn: identity.arn,
          accountId: identity.accountId,
          accessKeyId: call.accessKeyId,
          userName: identity.userName,
        }
      : {
          type: 'AssumedRole',
          principalId: identity.principalId,
          arn: identity.arn,
          accountId: identity.accountId,
          accessKeyId: call.accessKeyId,
          sessionContext: {
            sessionIssuer: {
              type: 'Role',
              principalId: identity.roleId,
              arn: identity.roleArn,
              accountId: identity.accountId,
              userName: identity.roleName,
            },
            attributes: { mfaAuthenticated: 'false' },
          },
        };
  return {
    eventName: call.action,
    eventSource: `${call.service}.amazonaws.com`,
    time: call.time,
    awsRegion: call.service === 'iam' ? IAM_EVENT_REGION : call.signingRegion,
    recipientAccountId: identity.accountId,
    readOnly: isReadOnlyAction(call.action),
    userIdentity,
    accessKeyId: call.accessKeyId,
    username: identity.type === 'IAMUser' ? identity.userName : identity.sessionName,
    ...(call.userAgent === undefined ? {} : { userAgent: call.userAgent }),
    ...(call.sourceIpAddress === undefined ? {} : { sourceIpAddress: call.sourceIpAddress }),
    ...(call.requestId === undefined ? {} : { requestId: call.requestId }),
  };
}
