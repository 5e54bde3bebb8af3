import { parameterValueInvalid } from './errors';
import type { QueryParams } from '../http/query-params';
import type { MessageAttribute } from './state';

/**
 * Publish's MessageAttributes (`MessageAttributes.entry.N.Name`, `.Value.DataType`,
 * `.Value.StringValue` / `.Value.BinaryValue`), validated by the rules of "Amazon SNS message
 * attributes": names of letters, digits, `_`, `-` and `.` (not first or last, never doubled),
 * up to 256 characters, not starting with `AWS.` or `Amazon.`, unique; types String,
 * String.Array, Number, Binary (optionally with a custom `.label`); name, type and value
 * never empty.
 */

const NAME = /^[A-Za-z0-9_-](?:[A-Za-z0-9_.-]{0,254}[A-Za-z0-9_-])?$/;
const RESERVED_PREFIX = /^(aws|amazon)\./i;
const MAX_DATA_TYPE_BYTES = 256;
/** Up to 38 significant digits, between 10^-128 and 10^+126 (checked loosely: the format and the digit count). */
const NUMBER = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;
const MAX_NUMBER_DIGITS = 38;

export function parseMessageAttributes(params: QueryParams): Record<string, MessageAttribute> {
  const attributes: Record<string, MessageAttribute> = {};
  for (const entry of params.groups('MessageAttributes.entry')) {
    const name = entry.get('Name') ?? '';
    if (!NAME.test(name) || name.includes('..') || RESERVED_PREFIX.test(name)) {
      throw parameterValueInvalid(`The message attribute name '${name}' is invalid.`);
    }
    if (Object.hasOwn(attributes, name)) {
      throw parameterValueInvalid(`Message attribute name '${name}' has multiple values.`);
    }
    attributes[name] = attributeValue(
      name,
      entry.get('Value.DataType') ?? '',
      entry.get('Value.StringValue'),
      entry.get('Value.BinaryValue'),
    );
  }
  return attributes;
}

function attributeValue(
  name: string,
  dataType: string,
  stringValue: string | undefined,
  binaryValue: string | undefined,
): MessageAttribute {
  if (dataType === '')
    throw parameterValueInvalid(`The message attribute '${name}' must contain non-empty message attribute type.`);
  const base = dataType.split('.')[0] ?? '';
  if (!['String', 'Number', 'Binary'].includes(base) || Buffer.byteLength(dataType) > MAX_DATA_TYPE_BYTES) {
    throw parameterValueInvalid(
      `The message attribute '${name}' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.`,
    );
  }
  if (base === 'Binary') {
    if (binaryValue === undefined) {
      throw parameterValueInvalid(`The message attribute '${name}' with type 'Binary' must use field 'Binary'.`);
    }
    const bytes = Buffer.from(binaryValue, 'base64');
    if (bytes.length === 0) throw emptyValue(name, base);
    return { dataType, binaryValue: new Uint8Array(bytes) };
  }
  if (stringValue === undefined) {
    throw parameterValueInvalid(`The message attribute '${name}' with type '${base}' must use field 'String'.`);
  }
  if (stringValue === '') throw emptyValue(name, base);
  if (base === 'Number' && !isNumber(stringValue)) {
    throw parameterValueInvalid(`Could not cast message attribute '${name}' value to number.`);
  }
  if (dataType === 'String.Array' && !isStringArray(stringValue)) {
    throw parameterValueInvalid(
      `The message attribute '${name}' with type 'String.Array' must be a JSON array of strings, numbers, booleans or null.`,
    );
  }
  return { dataType, stringValue };
}

function emptyValue(name: string, base: string) {
  return parameterValueInvalid(
    `The message attribute '${name}' must contain non-empty message attribute value for message attribute type '${base}'.`,
  );
}

function isNumber(text: string): boolean {
  if (!NUMBER.test(text)) return false;
  const mantissa = text
    .replace(/[eE].*$/, '')
    .replace(/[^0-9]/g, '')
    .replace(/^0+/, '');
  return mantissa.length <= MAX_NUMBER_DIGITS;
}

function isStringArray(text: string): boolean {
  try {
    const parsed: unknown = JSON.parse(text);
    return (
      Array.isArray(parsed) &&
      parsed.every((item) => item === null || ['string', 'number', 'boolean'].includes(typeof item))
    );
  } catch {
    return false;
  }
}

/** Bytes an attribute counts toward the message size limit: name, type and value. */
export function attributeBytes(name: string, attribute: MessageAttribute): number {
  return (
    Buffer.byteLength(name) +
    Buffer.byteLength(attribute.dataType) +
    (attribute.binaryValue?.length ?? Buffer.byteLength(attribute.stringValue ?? ''))
  );
}
