import type { ReceivedRequest } from '../http/aws-query-server';
import type { Caller } from './state';

/**
 * Calls the local IAM or STS accepted, told to whoever listens (the local CloudTrail records
 * them as event history). Only what an audit log may show: who signed (the access key id, the
 * user or the role session), what was called, when, from where and with which user agent. Never
 * a secret access key, a session token, a signature or a request or response body.
 */

/** Who signed an accepted call. */
export type AcceptedCallIdentity =
  | {
      readonly type: 'IAMUser';
      readonly accountId: string;
      /** `arn:aws:iam::<account>:user/<path><name>` */
      readonly arn: string;
      /** The user's unique id (AIDA…). */
      readonly principalId: string;
      readonly userName: string;
    }
  | {
      readonly type: 'AssumedRole';
      /** The role's account: the session acts there. */
      readonly accountId: string;
      /** `arn:aws:sts::<account>:assumed-role/<role>/<session>` */
      readonly arn: string;
      /** `<role id>:<session name>` */
      readonly principalId: string;
      readonly roleArn: string;
      readonly roleId: string;
      readonly roleName: string;
      readonly sessionName: string;
    };

export interface AcceptedCall {
  /** The local IAM's clock when the signature was verified. */
  readonly time: Date;
  readonly service: 'iam' | 'sts';
  /** The action called: a known IAM or STS action (requests naming an unknown one are not reported). */
  readonly action: string;
  /** The access key id that signed the request (AKIA… long-term, ASIA… a session's). */
  readonly accessKeyId: string;
  readonly identity: AcceptedCallIdentity;
  /** The region of the request's SigV4 credential scope. */
  readonly signingRegion: string;
  /** The User-Agent header, as sent. */
  readonly userAgent?: string;
  /** The client's address. */
  readonly sourceIpAddress?: string;
  /** The id the caller received in x-amzn-requestid. */
  readonly requestId?: string;
}

export type AcceptedCallListener = (call: AcceptedCall) => void;

/** The listeners of one local IAM, told of each accepted call in the order they subscribed. */
export class AcceptedCallListeners {
  private readonly listeners = new Set<AcceptedCallListener>();

  /** Adds a listener; the function returned removes it again. */
  add(listener: AcceptedCallListener): () => void {
    // A wrapper per subscription: the same function subscribed twice is told twice, and removed once each.
    const entry: AcceptedCallListener = (call) => {
      listener(call);
    };
    this.listeners.add(entry);
    return () => {
      this.listeners.delete(entry);
    };
  }

  emit(call: AcceptedCall): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(call);
      } catch {
        // A listener's failure is its own: the call it was told of has been accepted and is answered as usual.
      }
    }
  }
}

/** The AcceptedCall for a request `authenticate` accepted from `caller`. */
export function acceptedCall(
  caller: Caller,
  details: {
    readonly time: Date;
    readonly service: 'iam' | 'sts';
    readonly action: string;
    readonly signingRegion: string;
    readonly request: ReceivedRequest;
  },
): AcceptedCall {
  const { request } = details;
  const userAgent = request.headers.get('user-agent')?.[0];
  return {
    time: details.time,
    service: details.service,
    action: details.action,
    accessKeyId: caller.accessKeyId,
    identity: identityOf(caller),
    signingRegion: details.signingRegion,
    ...(userAgent === undefined ? {} : { userAgent }),
    ...(request.remoteAddress === undefined ? {} : { sourceIpAddress: request.remoteAddress }),
    ...(request.requestId === undefined ? {} : { requestId: request.requestId }),
  };
}

function identityOf(caller: Caller): AcceptedCallIdentity {
  if (caller.kind === 'user') {
    return {
      type: 'IAMUser',
      accountId: caller.accountId,
      arn: caller.arn,
      principalId: caller.user.userId,
      userName: caller.user.userName,
    };
  }
  const { role, sessionName } = caller.session;
  return {
    type: 'AssumedRole',
    accountId: caller.accountId,
    arn: caller.arn,
    principalId: `${role.roleId}:${sessionName}`,
    roleArn: role.arn,
    roleId: role.roleId,
    roleName: role.roleName,
    sessionName,
  };
}
