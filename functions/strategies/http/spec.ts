import * as z from 'zod/mini';
import { urlProblem } from './hosts';
import { isJsonPointer } from './json-pointer';
import { placeholderProblem, placeholdersIn, placeholdersInJson, type Placeholder } from './template';

/**
 * A provider spec: how keyturn creates, lists, verifies and revokes API keys at one provider's HTTP API.
 * Built-in presets (presets.ts) and users' own specs (in the policy file) are both checked by this schema: at
 * synth (infra/policy/) and again when the rotation function reads them.
 */

const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$/;
const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

// zod/mini, as everywhere in functions/: the classic API would add about 450 KB to the rotation function's bundle.
const template = z.string().check(z.minLength(1), z.maxLength(1024));
const pointer = z.string().check(
  z.maxLength(256),
  z.refine(isJsonPointer, {
    message: 'must be a JSON Pointer (RFC 6901) such as /result/id, or "" for the whole body',
  }),
);
const path = z.string().check(z.regex(/^\/[^\s?#]*(\?[^\s#]*)?$/, 'must be a path from the base URL, starting with /'));
const statuses = z.array(z.int().check(z.minimum(100), z.maximum(599))).check(z.minLength(1));
const headerName = z.string().check(z.regex(HEADER_NAME, 'must be an HTTP header name'));
const intBetween = (min: number, max: number) => z.int().check(z.minimum(min), z.maximum(max));

/** Which credential authenticates a call: the key being rotated (or verified), or the admin credential. */
export const credentialSchema = z.enum(['key', 'admin']);
export type CallCredential = z.infer<typeof credentialSchema>;

const authSchema = z.union([
  z.strictObject({ bearer: template }),
  z.strictObject({ basic: z.strictObject({ username: template, password: template }) }),
  z.strictObject({ header: headerName, value: template }),
]);
export type CallAuth = z.infer<typeof authSchema>;

const callFields = {
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']),
  /** From the base URL; `{...}` placeholders are URL-encoded. */
  path,
  credential: credentialSchema,
  auth: authSchema,
  /** More headers (Datadog's second key, an API version); templates like auth's. */
  headers: z.optional(z.record(headerName, template)),
};

const createSchema = z.strictObject({
  ...callFields,
  method: z.enum(['POST', 'PUT']),
  /** A JSON body template; must hold `{name}` (the name carries the rotation token). */
  body: z.optional(z.json()),
  /** Or a form body (`application/x-www-form-urlencoded`), as Twilio takes. */
  form: z.optional(z.record(z.string().check(z.minLength(1)), template)),
  /** Where the new key's id and value are in the response. */
  idPointer: pointer,
  valuePointer: pointer,
});

const listSchema = z.strictObject({
  ...callFields,
  method: z.literal('GET'),
  /** The array of keys in the response, and in each item its id and name. */
  itemsPointer: pointer,
  idPointer: pointer,
  namePointer: pointer,
  /** When the key was last used (an ISO 8601 or RFC 2822 date), where the provider says. */
  lastUsedPointer: z.optional(pointer),
  /** The next page's path (or absolute URL on an allowed host), where the provider pages by link. */
  nextPointer: z.optional(pointer),
  /** @default 10 */
  maxPages: z.optional(intBetween(1, 100)),
});

const verifySchema = z.strictObject({
  ...callFields,
  /** The key being verified always authenticates its own check. */
  credential: z.literal('key'),
  /** @default [200] */
  okStatus: z.optional(statuses),
  /** Statuses that mean "this key is not accepted". @default [401, 403] */
  rejectedStatus: z.optional(statuses),
  /** A body condition on top of the status (Datadog's `{"valid": true}`, Cloudflare's `"status": "active"`). */
  expect: z.optional(z.strictObject({ pointer, equals: z.union([z.string(), z.boolean(), z.number()]) })),
  /** Who the key authenticates as, where the provider says: it must equal the template (`{key.keyId}`). */
  identity: z.optional(z.strictObject({ pointer, equals: template })),
  /**
   * How long a new key may take to start working at the provider (eventual consistency): testSecret retries a
   * rejected new key this long, at this interval, never past the invocation's deadline. @default 10 s, every 1 s
   */
  propagation: z.optional(z.strictObject({ maxWaitMs: intBetween(0, 60_000), intervalMs: intBetween(100, 10_000) })),
});

const revokeSchema = z.strictObject({
  ...callFields,
  method: z.enum(['DELETE', 'POST', 'PATCH', 'PUT']),
  /** Answers that mean the key is already gone. @default [404, 410] */
  goneStatus: z.optional(statuses),
  body: z.optional(z.json()),
});

const rateLimitSchema = z.strictObject({
  /**
   * Besides `Retry-After`, a header saying when the limit resets (SendGrid's and Datadog's `X-RateLimit-Reset`)
   * and in which unit: a Unix time in seconds, or seconds from now.
   */
  resetHeader: headerName,
  resetUnit: z.enum(['epoch-seconds', 'seconds']),
});

export const providerSpecSchema = z
  .strictObject({
    /** Lowercase letters, digits and hyphens: the name tags and errors use. */
    name: z
      .string()
      .check(z.regex(/^[a-z][a-z0-9-]{0,39}$/, 'must be lowercase letters, digits and hyphens (at most 40)')),
    /** Where the API lives (`https://api.sendgrid.com`); no path beyond `/`. */
    baseUrl: z.url(),
    /** Every host calls may go to (the base URL's, other regions'). @default the base URL's host */
    allowedHosts: z.optional(
      z
        .array(z.string().check(z.regex(HOSTNAME, 'must be a lowercase host name')))
        .check(z.minLength(1), z.maxLength(20)),
    ),
    /** Per request. @default 10000 */
    timeoutMs: z.optional(intBetween(100, 30_000)),
    /** The most keys the provider allows on an account: createSecret refuses to mint one past it. */
    maxKeys: z.optional(intBetween(1, 100_000)),
    rateLimit: z.optional(rateLimitSchema),
    create: createSchema,
    list: listSchema,
    verify: verifySchema,
    revoke: revokeSchema,
  })
  .check(
    z.superRefine((spec, ctx) => {
      let base: URL | undefined;
      try {
        base = new URL(spec.baseUrl);
      } catch {
        return; // z.url() reported it
      }
      if (base.pathname !== '/' || base.search !== '' || base.hash !== '') {
        ctx.addIssue({
          code: 'custom',
          path: ['baseUrl'],
          message: 'must be scheme and host only, such as https://api.example.com',
        });
      }
      const hosts = spec.allowedHosts ?? [base.hostname];
      const problem = urlProblem(base, hosts);
      if (problem) ctx.addIssue({ code: 'custom', path: ['baseUrl'], message: problem });
      const calls = { create: spec.create, list: spec.list, verify: spec.verify, revoke: spec.revoke } as const;
      for (const [callName, call] of Object.entries(calls)) {
        const found: Placeholder[] = [
          ...placeholdersIn(call.path),
          ...authTemplates(call.auth).flatMap(placeholdersIn),
          ...Object.values(call.headers ?? {}).flatMap(placeholdersIn),
          ...('body' in call && call.body !== undefined ? placeholdersInJson(call.body) : []),
          ...('form' in call && call.form !== undefined ? Object.values(call.form).flatMap(placeholdersIn) : []),
        ];
        for (const p of found) {
          const wrong = placeholderProblem(p) ?? credentialProblem(p, call.credential, callName);
          if (wrong) ctx.addIssue({ code: 'custom', path: [callName], message: wrong });
        }
      }
      const createTemplates = [
        ...(spec.create.body === undefined ? [] : placeholdersInJson(spec.create.body)),
        ...Object.values(spec.create.form ?? {}).flatMap(placeholdersIn),
      ];
      if (!createTemplates.some((p) => p.variable === 'name')) {
        ctx.addIssue({
          code: 'custom',
          path: ['create'],
          message: 'the body (or form) must send {name}: the key name carries the rotation token, so a retry finds it',
        });
      }
      if (spec.create.body !== undefined && spec.create.form !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['create'], message: 'give a JSON body or a form, not both' });
      }
      if (!placeholdersIn(spec.revoke.path).some((p) => p.variable === 'id')) {
        ctx.addIssue({ code: 'custom', path: ['revoke', 'path'], message: 'must name the key to revoke with {id}' });
      }
    }),
  );

export type ProviderSpecInput = z.input<typeof providerSpecSchema>;
export type ProviderSpec = z.output<typeof providerSpecSchema>;
export type CallSpec = ProviderSpec['create'] | ProviderSpec['list'] | ProviderSpec['verify'] | ProviderSpec['revoke'];

function authTemplates(auth: CallAuth): string[] {
  if ('bearer' in auth) return [auth.bearer];
  if ('basic' in auth) return [auth.basic.username, auth.basic.password];
  return [auth.value];
}

/** A call that the admin credential authenticates must not send the rotated key, and the reverse. */
function credentialProblem(p: Placeholder, credential: CallCredential, call: string): string | undefined {
  if (credential === 'key' && p.variable === 'admin') {
    return `${call} is authenticated by the key: it cannot use {admin.${p.field ?? ''}} (set credential: "admin")`;
  }
  if (credential === 'admin' && p.variable === 'key' && call !== 'verify') {
    return `${call} is authenticated by the admin credential: it cannot send {key.${p.field ?? ''}}`;
  }
  return undefined;
}

/** Whether any call of the spec authenticates with the admin credential (the entry must then name its secret). */
export function usesAdminCredential(spec: ProviderSpec): boolean {
  return [spec.create, spec.list, spec.verify, spec.revoke].some((call) => call.credential === 'admin');
}

/** The hosts the spec's calls may go to. */
export function allowedHostsOf(spec: ProviderSpec): readonly string[] {
  return spec.allowedHosts ?? [new URL(spec.baseUrl).hostname];
}

/** The issues of an invalid spec as one line each (`create.path: must be ...`). */
export function specIssues(error: z.core.$ZodError): string[] {
  return error.issues.map((issue) => `${issue.path.join('.') || '(spec)'}: ${issueMessage(issue)}`);
}

/** A record key's issue says only "Invalid input": its own checks say what is wrong with the key. */
function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code !== 'invalid_key' || issue.issues.length === 0) return issue.message;
  return `invalid key: ${issue.issues.map((inner) => inner.message).join('; ')}`;
}
