import { InvalidSecretValueError } from '../errors';
import { AdminCredentialError, ProviderSpecError } from './errors';

/**
 * Templates of a provider spec: `{name}` (the new key's name), `{id}` (the id of the key a call acts on),
 * `{token}` (the rotation token), `{key.apiKey}` / `{key.keyId}` (the key that authenticates or is verified),
 * `{secret.<field>}` (another field of the rotated secret, such as an account id) and `{admin.<field>}` (a
 * field of the admin credential's secret). Values are never logged: a rendered template may hold a key.
 */

const PLACEHOLDER = /\{([a-z]+)(?:\.([A-Za-z0-9_-]+))?\}/g;
const WHOLE_PLACEHOLDER = /^\{([a-z]+)(?:\.([A-Za-z0-9_-]+))?\}$/;

/** Names that take no field, and namespaces whose values are a field of an object. */
export const SCALAR_VARIABLES = ['name', 'id', 'token'] as const;
export const FIELD_NAMESPACES = ['key', 'secret', 'admin'] as const;
export const KEY_FIELDS = ['apiKey', 'keyId'] as const;

export type ScalarVariable = (typeof SCALAR_VARIABLES)[number];
export type FieldNamespace = (typeof FIELD_NAMESPACES)[number];

export interface TemplateValues {
  readonly name?: string;
  readonly id?: string;
  readonly token?: string;
  readonly key?: { readonly apiKey: string; readonly keyId: string };
  readonly secret?: Readonly<Record<string, unknown>>;
  readonly admin?: Readonly<Record<string, unknown>>;
}

/** A placeholder found in a template: `{admin.authToken}` is `{ variable: 'admin', field: 'authToken' }`. */
export interface Placeholder {
  readonly variable: string;
  readonly field?: string;
}

/** Every placeholder in a string. */
export function placeholdersIn(template: string): Placeholder[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => ({ variable: m[1] ?? '', field: m[2] }));
}

/** Every placeholder in the string leaves of a JSON value (a body template). */
export function placeholdersInJson(value: unknown): Placeholder[] {
  if (typeof value === 'string') return placeholdersIn(value);
  if (Array.isArray(value)) return value.flatMap(placeholdersInJson);
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).flatMap(([k, v]) => [...placeholdersIn(k), ...placeholdersInJson(v)]);
  }
  return [];
}

/** Why a placeholder cannot be filled by any call, or undefined when it is well formed. */
export function placeholderProblem(p: Placeholder): string | undefined {
  const text = `{${p.variable}${p.field === undefined ? '' : `.${p.field}`}}`;
  if ((SCALAR_VARIABLES as readonly string[]).includes(p.variable)) {
    return p.field === undefined ? undefined : `${text}: {${p.variable}} takes no field`;
  }
  if ((FIELD_NAMESPACES as readonly string[]).includes(p.variable)) {
    if (p.field === undefined) return `${text}: name a field, such as {${p.variable}.apiKey}`;
    if (p.variable === 'key' && !(KEY_FIELDS as readonly string[]).includes(p.field)) {
      return `${text}: a key has only apiKey and keyId`;
    }
    return undefined;
  }
  return `${text} is not a known placeholder (known: {name}, {id}, {token}, {key.*}, {secret.*}, {admin.*})`;
}

function lookup(values: TemplateValues, p: Placeholder): unknown {
  switch (p.variable) {
    case 'name':
    case 'id':
    case 'token': {
      const value = values[p.variable];
      if (value === undefined) throw new ProviderSpecError(`{${p.variable}} has no value in this call`);
      return value;
    }
    case 'key': {
      if (!values.key) throw new ProviderSpecError(`{key.${p.field ?? ''}} has no key in this call`);
      return p.field === 'keyId' ? values.key.keyId : values.key.apiKey;
    }
    case 'secret': {
      const value = values.secret?.[p.field ?? ''];
      if (value === undefined || value === null) {
        throw new InvalidSecretValueError(`the secret has no field "${p.field ?? ''}", which the provider spec uses`);
      }
      return value;
    }
    case 'admin': {
      if (!values.admin)
        throw new AdminCredentialError('the spec uses {admin.*}, and no admin credential secret is set');
      const value = values.admin[p.field ?? ''];
      if (value === undefined || value === null) {
        throw new AdminCredentialError(`the admin credential's secret has no field "${p.field ?? ''}"`);
      }
      return value;
    }
    default:
      throw new ProviderSpecError(`{${p.variable}} is not a known placeholder`);
  }
}

function asText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** A string template with its placeholders filled; `encode` escapes each value (URL path segments). */
export function renderString(
  template: string,
  values: TemplateValues,
  encode: (v: string) => string = (v) => v,
): string {
  return template.replace(PLACEHOLDER, (_, variable: string, field: string | undefined) =>
    encode(asText(lookup(values, { variable, field }))),
  );
}

/** A header value: like renderString, and never with a line break (no header injection from a secret's field). */
export function renderHeader(template: string, values: TemplateValues): string {
  const rendered = renderString(template, values);
  if (/[\r\n]/.test(rendered))
    throw new InvalidSecretValueError('a header value filled from a secret holds a line break');
  return rendered;
}

/**
 * A JSON body template with its placeholders filled. A string that is one placeholder and nothing else takes
 * the value as it is (an array of policies stays an array); placeholders inside longer strings become text.
 */
export function renderJson(template: unknown, values: TemplateValues): unknown {
  if (typeof template === 'string') {
    const whole = WHOLE_PLACEHOLDER.exec(template);
    if (whole) return lookup(values, { variable: whole[1] ?? '', field: whole[2] });
    return renderString(template, values);
  }
  if (Array.isArray(template)) return template.map((item) => renderJson(item, values));
  if (typeof template === 'object' && template !== null) {
    return Object.fromEntries(
      Object.entries(template).map(([k, v]) => [renderString(k, values), renderJson(v, values)]),
    );
  }
  return template;
}
