import type { Server } from 'node:http';
import type { ControlHandler } from '../http/aws-json-server';
import { createAwsQueryServer } from '../http/aws-query-server';
import { authenticate, type AuthenticationContext } from './authenticate';
import { IamError, internalFailure, serviceFailure } from './errors';
import type { IamFaults } from './faults';
import {
  IAM_XML_NAMESPACE,
  isIamOperationName,
  type IamOperationHandler,
  type IamOperationName,
} from './iam-operations';
import type { Caller } from './state';
import {
  isStsOperationName,
  STS_XML_NAMESPACE,
  type StsOperationHandler,
  type StsOperationName,
} from './sts-operations';

/**
 * The HTTP faces of the local IAM (API version 2010-05-08) and STS (2011-06-15): awsQuery on
 * two loopback endpoints sharing one model, as AWS serves them on iam.amazonaws.com and
 * sts.<region>.amazonaws.com. Every request is authenticated (SigV4, local/iam/authenticate.ts)
 * before its action is even read. The IAM endpoint also carries the control surface under
 * /_keyturn/. Bodies are never logged: CreateAccessKey and AssumeRole answers hold secrets.
 */

export const CONTROL_PATH_PREFIX = '/_keyturn/';
const MAX_BODY_BYTES = 64 * 1024;
const bodyTooLarge = () => new IamError('MalformedQueryString', 'The request is too large.');

export function createIamServer(
  handlers: Record<IamOperationName, IamOperationHandler>,
  faults: IamFaults,
  auth: AuthenticationContext,
  control: ControlHandler,
): Server {
  return createAwsQueryServer<IamOperationName, Caller>({
    apiVersion: '2010-05-08',
    serviceId: 'AWSIdentityManagementV20100508',
    displayName: 'IAM',
    xmlNamespace: IAM_XML_NAMESPACE,
    maxBodyBytes: MAX_BODY_BYTES,
    handlers,
    isOperationName: isIamOperationName,
    authenticate: (request) => authenticate(auth, 'iam', request),
    control: { pathPrefix: CONTROL_PATH_PREFIX, handle: control },
    takeFault: (action) => faults.takeIam(action),
    error: (code, message) => new IamError(code, message),
    internalError: serviceFailure,
    bodyTooLarge,
  });
}

export function createStsServer(
  handlers: Record<StsOperationName, StsOperationHandler>,
  faults: IamFaults,
  auth: AuthenticationContext,
): Server {
  return createAwsQueryServer<StsOperationName, Caller>({
    apiVersion: '2011-06-15',
    serviceId: 'AWSSecurityTokenServiceV20110615',
    displayName: 'STS',
    xmlNamespace: STS_XML_NAMESPACE,
    maxBodyBytes: MAX_BODY_BYTES,
    handlers,
    isOperationName: isStsOperationName,
    authenticate: (request) => authenticate(auth, 'sts', request),
    takeFault: (action) => faults.takeSts(action),
    error: (code, message) => new IamError(code, message),
    internalError: internalFailure,
    bodyTooLarge,
  });
}
