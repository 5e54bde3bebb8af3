import { compressedJsonText, encodeCompressedJson } from '../../shared/compressed-json';
import { InvalidStrategyOptionError } from '../errors';
import { OptionTag, tagValue } from '../tag-options';
import { ProviderHostNotAllowedError, ProviderSpecError } from './errors';
import { urlProblem } from './hosts';
import { PRESET_NAMES, PROVIDER_PRESETS } from './presets';
import { allowedHostsOf, providerSpecSchema, specIssues, usesAdminCredential, type ProviderSpec } from './spec';

/**
 * How a secret's provider spec reaches the rotation function. A tag value holds at most 256 characters and a
 * secret at most 50 tags, too little for a spec; so the tag `keyturn:http-provider` names the provider, a
 * preset (presets.ts) or a user's spec, and users' specs travel in the function's environment
 * (`KEYTURN_HTTP_PROVIDERS`, a JSON array the policy writes at synth, gzip-compressed): deployed with the function, read at cold
 * start, no extra call or permission. Only the base URL (a region) and the admin secret's ARN are per secret.
 */
export const HTTP_PROVIDERS_ENV = 'KEYTURN_HTTP_PROVIDERS';

/** The value of KEYTURN_HTTP_PROVIDERS for `specs`: compressed, as Lambda's environment holds 4 KB in all. */
export function encodeProviderSpecs(specs: readonly ProviderSpec[]): string {
  return encodeCompressedJson(specs);
}

function decodeProviderSpecs(value: string, source: string): string {
  const text = compressedJsonText(value);
  if (text === undefined) throw new ProviderSpecError(`${source} is not a valid gzip-compressed spec list`);
  return text;
}

/** Users' specs by name, validated; a name may not shadow a preset. */
export function parseCustomSpecs(
  json: string | undefined,
  source: string = HTTP_PROVIDERS_ENV,
): ReadonlyMap<string, ProviderSpec> {
  if (json === undefined || json.trim() === '') return new Map();
  const text = decodeProviderSpecs(json.trim(), source);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ProviderSpecError(`${source} is not valid JSON`);
  }
  if (!Array.isArray(parsed)) throw new ProviderSpecError(`${source} must be a JSON array of provider specs`);
  const specs = new Map<string, ProviderSpec>();
  parsed.forEach((input, i) => {
    const result = providerSpecSchema.safeParse(input);
    if (!result.success) {
      throw new ProviderSpecError(
        `${source}[${i}] is not a valid provider spec: ${specIssues(result.error).join('; ')}`,
      );
    }
    const spec = result.data;
    if (PRESET_NAMES.includes(spec.name) || specs.has(spec.name)) {
      throw new ProviderSpecError(`${source}[${i}]: provider name "${spec.name}" is already taken`);
    }
    specs.set(spec.name, spec);
  });
  return specs;
}

/** The provider of a secret, as its tags name it. */
export interface ResolvedProvider {
  readonly spec: ProviderSpec;
  /** The admin credential's secret, when any call uses it. */
  readonly adminSecretArn?: string;
}

export function resolveProvider(
  tags: Readonly<Record<string, string>>,
  custom: ReadonlyMap<string, ProviderSpec>,
): ResolvedProvider {
  const name = tagValue(tags, OptionTag.httpProvider);
  if (name === undefined || name === '') {
    throw new InvalidStrategyOptionError(
      `tag ${OptionTag.httpProvider} is missing: name a preset (${PRESET_NAMES.join(', ')}) or a custom provider spec`,
    );
  }
  let spec = PROVIDER_PRESETS[name] ?? custom.get(name);
  if (!spec) {
    throw new ProviderSpecError(
      `provider "${name.slice(0, 40)}" (tag ${OptionTag.httpProvider}) is neither a preset (${PRESET_NAMES.join(', ')}) ` +
        `nor a custom spec in ${HTTP_PROVIDERS_ENV}${custom.size ? ` (${[...custom.keys()].join(', ')})` : ''}`,
    );
  }
  const baseUrl = tagValue(tags, OptionTag.httpBaseUrl);
  if (baseUrl !== undefined) {
    let url: URL;
    try {
      url = new URL(baseUrl);
    } catch {
      throw new InvalidStrategyOptionError(`tag ${OptionTag.httpBaseUrl} is not a URL`);
    }
    const problem = urlProblem(url, allowedHostsOf(spec));
    if (problem || url.pathname !== '/') {
      throw new ProviderHostNotAllowedError(
        `${spec.name}: tag ${OptionTag.httpBaseUrl} refused, ${problem ?? 'it must be scheme and host only'}`,
      );
    }
    // The hosts stay the spec's: the override cannot widen them.
    spec = { ...spec, allowedHosts: [...allowedHostsOf(spec)], baseUrl: url.origin };
  }
  const adminSecretArn = tagValue(tags, OptionTag.httpAdminSecret);
  if (usesAdminCredential(spec) && !adminSecretArn) {
    throw new InvalidStrategyOptionError(
      `${spec.name} mints and revokes keys with an admin credential: tag ${OptionTag.httpAdminSecret} must name its secret`,
    );
  }
  return { spec, ...(adminSecretArn ? { adminSecretArn } : {}) };
}
