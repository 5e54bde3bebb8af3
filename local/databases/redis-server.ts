import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Runs Debian's `redis-server` (package redis-server) in a temp dir on a loopback port:
 * no persistence (`save ""`, `appendonly no`), the `default` user disabled (no open server),
 * users created from ACL rules in the config file (passwords only as SHA-256, never in the
 * process list or on disk in clear).
 */
export interface RedisServerOptions {
  readonly port: number;
  /** `user` lines of the config, without the leading `user`: `['app on #<sha256> ~* +@all']`. */
  readonly users: readonly string[];
  /**
   * Serve TLS only, on `port`, with this certificate and key (PEM); the plaintext port is closed,
   * so a client that fell back to plaintext could not log in.
   */
  readonly tls?: { readonly certificatePem: string; readonly privateKeyPem: string };
  /** @default process.env.KEYTURN_REDIS_SERVER ?? '/usr/bin/redis-server' */
  readonly binary?: string;
}

export interface RedisServer {
  readonly dir: string;
  /** Milliseconds from spawn to "Ready to accept connections". */
  readonly startupMs: number;
  stop(): Promise<void>;
}

export const DEFAULT_REDIS_SERVER_BINARY = '/usr/bin/redis-server';
const READY_TIMEOUT_MS = 15_000;

/** The binary to run, or why there is none. */
export function redisServerBinary(binary?: string): { path: string } | { missing: string } {
  const path = binary ?? process.env.KEYTURN_REDIS_SERVER ?? DEFAULT_REDIS_SERVER_BINARY;
  try {
    accessSync(path, constants.X_OK);
    return { path };
  } catch {
    return {
      missing: `redis-server is not installed at ${path}: install Debian's package (apt-get install redis-server) or set KEYTURN_REDIS_SERVER`,
    };
  }
}

/** A config value in redis.conf's quoting (double quotes, backslash escapes). */
function quote(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export async function startRedisServer(options: RedisServerOptions): Promise<RedisServer> {
  const binary = redisServerBinary(options.binary);
  if ('missing' in binary) throw new Error(binary.missing);
  const dir = await mkdtemp(join(tmpdir(), 'keyturn-redis-'));
  try {
    const lines = [
      'bind 127.0.0.1',
      `dir ${quote(dir)}`,
      'save ""',
      'appendonly no',
      'daemonize no',
      'logfile ""',
      'databases 1',
      // Room for many groups of denials: the local ElastiCache counts failed logins from the ACL LOG.
      'acllog-max-len 1024',
      // No open server: the default user has no password and is off.
      'user default off resetpass resetkeys resetchannels -@all',
      ...options.users.map((rules) => `user ${rules}`),
    ];
    if (options.tls) {
      const certFile = join(dir, 'server.crt');
      const keyFile = join(dir, 'server.key');
      await writeFile(certFile, options.tls.certificatePem, { mode: 0o600 });
      await writeFile(keyFile, options.tls.privateKeyPem, { mode: 0o600 });
      lines.push(
        'port 0',
        `tls-port ${options.port}`,
        `tls-cert-file ${quote(certFile)}`,
        `tls-key-file ${quote(keyFile)}`,
        'tls-auth-clients no',
      );
    } else {
      lines.push(`port ${options.port}`);
    }
    const configFile = join(dir, 'redis.conf');
    await writeFile(configFile, lines.join('\n') + '\n', { mode: 0o600 });

    const started = Date.now();
    const server = spawn(binary.path, [configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    await new Promise<void>((resolve, reject) => {
      let log = '';
      const timer = setTimeout(() => {
        server.kill('SIGKILL');
        reject(new Error(`redis-server did not start within ${READY_TIMEOUT_MS} ms: ${log.slice(-500)}`));
      }, READY_TIMEOUT_MS);
      const onData = (chunk: Buffer) => {
        log += chunk.toString();
        if (log.includes('Ready to accept connections')) {
          clearTimeout(timer);
          server.removeListener('exit', onExit);
          resolve();
        }
      };
      const onExit = (code: number | null) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited with ${String(code)} while starting: ${log.slice(-500)}`));
      };
      server.stdout.on('data', onData);
      server.stderr.on('data', onData);
      server.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      server.once('exit', onExit);
    });
    const startupMs = Date.now() - started;
    // Keep draining the log so the server never blocks on a full pipe.
    server.stdout.removeAllListeners('data');
    server.stderr.removeAllListeners('data');
    server.stdout.resume();
    server.stderr.resume();

    return {
      dir,
      startupMs,
      async stop() {
        if (server.exitCode === null && server.signalCode === null) {
          const exited = new Promise((resolve) => server.once('exit', resolve));
          server.kill('SIGTERM'); // no save is configured: shuts down at once
          await exited;
        }
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
