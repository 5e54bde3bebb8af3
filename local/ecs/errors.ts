import { AwsProtocolError } from '../http/aws-error';

/** ECS's exceptions, as AWS names them (the SDK turns `__type` into the error's name). ServerException is HTTP 500. */
export class EcsError extends AwsProtocolError {
  constructor(name: string, message: string) {
    super(name, message, name === 'ServerException' ? 500 : 400);
  }
}

export const invalidParameter = (message: string) => new EcsError('InvalidParameterException', message);
export const clusterNotFound = () => new EcsError('ClusterNotFoundException', 'Cluster not found.');
export const serviceNotFound = () => new EcsError('ServiceNotFoundException', 'Service not found.');
export const serviceNotActive = () => new EcsError('ServiceNotActiveException', 'Service was not ACTIVE.');
export const serverException = () => new EcsError('ServerException', 'An internal error occurred in the local ECS.');
