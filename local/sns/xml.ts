export { element, escapeXml } from '../http/query-xml';

/** SNS's awsQuery XML namespace (API version 2010-03-31). */
export const SNS_XML_NAMESPACE = 'http://sns.amazonaws.com/doc/2010-03-31/';
