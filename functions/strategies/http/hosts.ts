import { ProviderHostNotAllowedError } from './errors';

/**
 * Where a provider spec may send keys: HTTPS to the hosts it lists, and plain HTTP only to loopback (the local
 * fakes keyturn's tests and `npm start` run; nothing listens there in Lambda). Never a silent downgrade: an
 * `https` base stays `https`, and redirects are refused (client.ts).
 */

/** Whether a URL's hostname is the local machine (`localhost`, 127.0.0.0/8, `[::1]`). */
export function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname) || hostname === '[::1]';
}

/** Why `url` may not carry a provider call, or undefined when it may. */
export function urlProblem(url: URL, allowedHosts: readonly string[]): string | undefined {
  const loopback = isLoopbackHost(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    return `${url.protocol}//${url.host} is not HTTPS (plain HTTP is allowed to loopback hosts only)`;
  }
  if (url.username !== '' || url.password !== '') return `the URL of ${url.host} holds credentials`;
  if (!loopback && !allowedHosts.includes(url.hostname)) {
    return `host ${url.hostname} is not among the spec's allowed hosts (${allowedHosts.join(', ')})`;
  }
  return undefined;
}

/** Throws ProviderHostNotAllowedError naming the provider and the call when `url` is not allowed. */
export function requireAllowedUrl(url: URL, allowedHosts: readonly string[], provider: string, call: string): void {
  const problem = urlProblem(url, allowedHosts);
  if (problem) throw new ProviderHostNotAllowedError(`${provider} ${call}: refused, ${problem}`);
}
