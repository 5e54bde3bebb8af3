import { element } from '../http/query-xml';

/** Pieces of RDS's awsQuery XML (the envelope is local/http/query-xml.ts). */

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
