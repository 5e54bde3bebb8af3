import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { waitForLogLine } from './server-log-file';

/**
 * Runs Debian's MariaDB server (package mariadb-server: /usr/sbin/mariadbd and
 * mariadb-install-db) in a temp dir on a loopback port, with no option files read
 * (--no-defaults). mariadb-install-db creates root accounts without a password; the first
 * start runs an init file (read before the server accepts a connection) that keeps only
 * root@127.0.0.1, with the given password, and drops every other account it created.
 *
 * mariadb-install-db takes 1 to 5 s (mostly waiting on the disk); a server starts in about
 * 0.5 s. So the freshly installed data directory is kept once per machine and MariaDB version
 * as a template (never started, so it holds no password and no test data) in the temp dir,
 * `keyturn-mariadb-template-<version>`, and each server starts on a copy of it.
 */
export interface MariadbServerOptions {
  readonly port: number;
  readonly rootPassword: string;
  /** Serve TLS with this certificate and key (PEM); plaintext stays allowed unless an account says REQUIRE SSL. */
  readonly tls?: { readonly certificatePem: string; readonly privateKeyPem: string };
}

export interface MariadbServer {
  readonly dir: string;
  /**
   * The error log (`--log-error`), with `log_warnings=2` as on RDS for MariaDB, so a failed login
   * is logged: `... [Warning] Access denied for user '<name>'@'<host>' (using password: YES)`.
   */
  readonly logFile: string;
  stop(): Promise<void>;
}

export const MARIADBD = '/usr/sbin/mariadbd';
export const MARIADB_INSTALL_DB = '/usr/bin/mariadb-install-db';
const READY_TIMEOUT_MS = 30_000;

/** Why no MariaDB can be started here, or undefined when the binaries are installed. */
export function mariadbUnavailableReason(): string | undefined {
  const missing = [MARIADBD, MARIADB_INSTALL_DB].filter((path) => !existsSync(path));
  return missing.length === 0
    ? undefined
    : `MariaDB is not installed (${missing.join(', ')} missing): install the Debian package mariadb-server`;
}

function run(command: string, args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`${command} exited with ${code}: ${output.slice(-800)}`));
    });
  });
}

function sqlString(value: string): string {
  return "'" + value.replace(/\\/g, '\\\\').replace(/'/g, "''") + "'";
}

const INSTALL_OPTIONS = ['--innodb-log-file-size=16M', '--skip-log-bin'];
let templateReady: Promise<string> | undefined;

async function mariadbVersion(): Promise<string> {
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn(MARIADBD, ['--version'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let text = '';
    child.stdout.on('data', (chunk: Buffer) => {
      text += chunk.toString();
    });
    child.on('error', reject);
    child.on('exit', () => {
      resolve(text);
    });
  });
  return /Ver\s+(\S+)/.exec(output)?.[1]?.replace(/[^A-Za-z0-9.+-]/g, '_') ?? 'unknown';
}

/** A pristine data directory for this MariaDB version, installed once and shared by copy. */
function dataTemplate(asRoot: readonly string[]): Promise<string> {
  templateReady ??= (async () => {
    const template = join(tmpdir(), `keyturn-mariadb-template-${await mariadbVersion()}`);
    if (
      await stat(join(template, 'mysql')).then(
        () => true,
        () => false,
      )
    )
      return template;
    const staging = await mkdtemp(join(tmpdir(), 'keyturn-mariadb-install-'));
    try {
      await run(MARIADB_INSTALL_DB, [
        '--no-defaults',
        `--datadir=${join(staging, 'data')}`,
        ...asRoot,
        '--auth-root-authentication-method=normal',
        '--skip-test-db',
        '--skip-name-resolve',
        ...INSTALL_OPTIONS,
      ]);
      // Another process may have won the race: its template is as good as this one.
      await rename(join(staging, 'data'), template).catch(async (error: unknown) => {
        if (
          !(await stat(join(template, 'mysql')).then(
            () => true,
            () => false,
          ))
        )
          throw error;
      });
      return template;
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  })().catch((error: unknown) => {
    templateReady = undefined;
    throw error;
  });
  return templateReady;
}

export async function startMariadbServer(options: MariadbServerOptions): Promise<MariadbServer> {
  const unavailable = mariadbUnavailableReason();
  if (unavailable) throw new Error(unavailable);
  const dir = await mkdtemp(join(tmpdir(), 'keyturn-mariadb-'));
  const dataDir = join(dir, 'data');
  const initFile = join(dir, 'init.sql');
  const asRoot = userInfo().uid === 0 ? ['--user=root'] : [];
  try {
    await cp(await dataTemplate(asRoot), dataDir, { recursive: true });
    await writeFile(
      initFile,
      [
        // Only root@127.0.0.1 stays, with a password; the other passwordless accounts go.
        "DELETE FROM mysql.global_priv WHERE User = 'root' AND Host <> '127.0.0.1';",
        "DELETE FROM mysql.global_priv WHERE User = '';",
        "DELETE FROM mysql.proxies_priv WHERE Host <> '127.0.0.1';",
        'FLUSH PRIVILEGES;',
        `ALTER USER 'root'@'127.0.0.1' IDENTIFIED BY ${sqlString(options.rootPassword)};`,
        // The locked definer of the sys schema keeps its lock, and gets a password nobody knows.
        `ALTER USER IF EXISTS 'mariadb.sys'@'localhost' IDENTIFIED BY ${sqlString(randomBytes(24).toString('base64'))};`,
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
    const tls: string[] = [];
    if (options.tls) {
      const cert = join(dir, 'server.crt');
      const key = join(dir, 'server.key');
      await writeFile(cert, options.tls.certificatePem, { mode: 0o600 });
      await writeFile(key, options.tls.privateKeyPem, { mode: 0o600 });
      tls.push(`--ssl-cert=${cert}`, `--ssl-key=${key}`);
    }
    const logFile = join(dir, 'mariadb.err');
    const server = spawn(
      MARIADBD,
      [
        '--no-defaults',
        `--datadir=${dataDir}`,
        ...asRoot,
        `--port=${options.port}`,
        '--bind-address=127.0.0.1',
        `--socket=${join(dir, 'mariadb.sock')}`,
        `--pid-file=${join(dir, 'mariadb.pid')}`,
        `--init-file=${initFile}`,
        '--skip-name-resolve',
        ...INSTALL_OPTIONS,
        '--innodb-buffer-pool-size=32M',
        '--innodb-flush-log-at-trx-commit=0',
        '--plugin-load-add=auth_ed25519',
        `--log-error=${logFile}`,
        // 2 (MariaDB's default, and RDS's) logs failed logins as warnings; 1 would not.
        '--log-warnings=2',
        ...tls,
      ],
      { stdio: ['ignore', 'ignore', 'ignore'] },
    );
    try {
      await waitForLogLine(logFile, server, 'ready for connections', READY_TIMEOUT_MS, 'MariaDB');
    } catch (error) {
      server.kill('SIGKILL');
      throw error;
    }
    await rm(initFile, { force: true });

    return {
      dir,
      logFile,
      async stop() {
        if (server.exitCode === null && server.signalCode === null) {
          const exited = new Promise((resolve) => server.once('exit', resolve));
          server.kill('SIGTERM'); // a clean shutdown
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
