import { queryErrorResponse as errorXml, queryResponse as responseXml, type QueryError } from '../http/query-xml';

export { element, escapeXml } from '../http/query-xml';

export const SNS_XML_NAMESPACE = 'http://sns.amazonaws.com/doc/2010-03-31/';

export const queryResponse = (action: string, result: string | undefined, requestId: string): string =>
  responseXml(SNS_XML_NAMESPACE, action, result, requestId);

export const queryErrorResponse = (error: QueryError, requestId: string): string =>
  errorXml(SNS_XML_NAMESPACE, error, requestId);
