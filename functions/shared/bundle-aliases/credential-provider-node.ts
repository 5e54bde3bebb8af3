import { fromEnv } from '@aws-sdk/credential-provider-env';

/**
 * Stands in for `@aws-sdk/credential-provider-node` in keyturn's Lambda bundles (an esbuild
 * alias, see infra/constructs/bundling-options.ts). Lambda always hands a function its role's
 * credentials in environment variables, so the full chain (SSO, profiles, IMDS, web identity
 * and the STS/SSO clients behind them) is a third of the bundle and of its cold-start time
 * for nothing. Outside the bundle — tests, local runs — the SDK keeps its real chain.
 */
export const defaultProvider = (): ReturnType<typeof fromEnv> => fromEnv();
