import type { SnsError } from './errors';

/** awsQuery responses of SNS: `<XResponse><XResult>...</XResult><ResponseMetadata>` and `<ErrorResponse>`. */

export const SNS_XML_NAMESPACE = 'http://sns.amazonaws.com/doc/2010-03-31/';

const XML_ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => XML_ENTITIES[char] ?? char);
}

/** `<name>escaped text</name>`. */
export function element(name: string, text: string): string {
  return `<${name}>${escapeXml(text)}</${name}>`;
}

/** A successful response; `result` is the inner XML of `<ActionResult>`, absent for actions without one. */
export function queryResponse(action: string, result: string | undefined, requestId: string): string {
  const resultXml = result === undefined ? '' : `<${action}Result>${result}</${action}Result>`;
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<${action}Response xmlns="${SNS_XML_NAMESPACE}">${resultXml}` +
    `<ResponseMetadata>${element('RequestId', requestId)}</ResponseMetadata></${action}Response>`
  );
}

export function queryErrorResponse(error: SnsError, requestId: string): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<ErrorResponse xmlns="${SNS_XML_NAMESPACE}"><Error>` +
    `${element('Type', error.type)}${element('Code', error.name)}${element('Message', error.message)}` +
    `</Error>${element('RequestId', requestId)}</ErrorResponse>`
  );
}
