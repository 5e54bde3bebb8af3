/**
 * The XML of awsQuery responses (SNS, RDS): `<XResponse><XResult>...</XResult><ResponseMetadata>`
 * and `<ErrorResponse>`, each in its service's namespace.
 */

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

/** An awsQuery error: `type` is Sender or Receiver, `name` the error code. */
export interface QueryError {
  readonly type: string;
  readonly name: string;
  readonly message: string;
}

/** A successful response; `result` is the inner XML of `<ActionResult>`, absent for actions without one. */
export function queryResponse(
  namespace: string,
  action: string,
  result: string | undefined,
  requestId: string,
): string {
  const resultXml = result === undefined ? '' : `<${action}Result>${result}</${action}Result>`;
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<${action}Response xmlns="${namespace}">${resultXml}` +
    `<ResponseMetadata>${element('RequestId', requestId)}</ResponseMetadata></${action}Response>`
  );
}

export function queryErrorResponse(namespace: string, error: QueryError, requestId: string): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<ErrorResponse xmlns="${namespace}"><Error>` +
    `${element('Type', error.type)}${element('Code', error.name)}${element('Message', error.message)}` +
    `</Error>${element('RequestId', requestId)}</ErrorResponse>`
  );
}
