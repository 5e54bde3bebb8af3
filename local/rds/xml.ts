import {
  element,
  queryErrorResponse as errorXml,
  queryResponse as responseXml,
  type QueryError,
} from '../http/query-xml';

/** awsQuery responses of RDS: `<XResponse><XResult>...</XResult><ResponseMetadata>` and `<ErrorResponse>`. */

export { element, escapeXml } from '../http/query-xml';

export const RDS_XML_NAMESPACE = 'http://rds.amazonaws.com/doc/2014-10-31/';

/** `<name>text</name>` for a value that is set; nothing when it is not (RDS leaves unset fields out). */
export function optionalElement(name: string, value: string | number | boolean | undefined): string {
  return value === undefined ? '' : element(name, String(value));
}

/** `<Name><Member>a</Member><Member>b</Member></Name>`, with RDS's member names (not `member`) where the model has them. */
export function listElement(name: string, memberName: string, members: readonly string[]): string {
  return `<${name}>${members.map((m) => element(memberName, m)).join('')}</${name}>`;
}

export const queryResponse = (action: string, result: string, requestId: string): string =>
  responseXml(RDS_XML_NAMESPACE, action, result, requestId);

export const queryErrorResponse = (error: QueryError, requestId: string): string =>
  errorXml(RDS_XML_NAMESPACE, error, requestId);
