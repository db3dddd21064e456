import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { request } from 'undici';
import { BACKEND, freshSchema, TEST_DATABASE_URL } from '../helpers/db';

/**
 * `tidings serve` as a real process: SIGHUP reloads the YAML (a new topic
 * appears), an invalid file is rejected while the old config keeps serving,
 * and SIGTERM exits 0.
 */
const ROOT = path.join(__dirname, '..', '..');

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

async function status(url: string): Promise<number> {
  try {
    const res = await request(url);
    await res.body.dump();
    return res.statusCode;
  } catch {
    return 0;
  }
}

async function until(what: string, check: () => Promise<boolean>, ms = 45_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe(`tidings serve as a process (${BACKEND})`, () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tidings-serve-'));
  const file = path.join(dir, 'tidings.yaml');
  const schema = freshSchema();
  let child: ChildProcess;
  let base: string;
  let log = '';

  const yaml = (topics: string) => `
database:
  url: "${TEST_DATABASE_URL ?? ''}"
  dataDir: ${path.join(dir, 'data')}
${TEST_DATABASE_URL ? `  schema: ${schema}\n` : ''}schedule: { tick: "0 0 1 1 *" }
sources: []
topics:
${topics}`;

  beforeAll(async () => {
    writeFileSync(file, yaml('  - { slug: turkey, title: Turkey, match: { any: [Turkey] } }\n'));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve', '--config', file], {
      cwd: ROOT,
      env: { ...process.env, PORT: String(port), LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
    await until('the server to answer /healthz', async () => (await status(`${base}/healthz`)) === 200);
  }, 90_000);

  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    if (TEST_DATABASE_URL) {
      const pg = await import('pg');
      const client = new pg.default.Client({ connectionString: TEST_DATABASE_URL });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
    }
  });

  test('SIGHUP reloads the file; a bad file is rejected and the running config stays; SIGTERM exits 0', async () => {
    expect(await status(`${base}/topics/turkey.rss`)).toBe(200);
    expect(await status(`${base}/topics/syria.rss`)).toBe(404);

    writeFileSync(file, yaml('  - { slug: turkey, title: Turkey, match: { any: [Turkey] } }\n  - { slug: syria, title: Syria, match: { any: [Syria] } }\n'));
    child.kill('SIGHUP');
    await until('the new topic to be served', async () => (await status(`${base}/topics/syria.rss`)) === 200);

    writeFileSync(file, yaml('  - { slug: Not A Slug, title: Broken }\n'));
    child.kill('SIGHUP');
    await until('the rejection to be logged', async () => log.includes('config reload rejected'));
    expect(log).toMatch(/tidings\.yaml:\d+:\d+/);
    expect(await status(`${base}/topics/syria.rss`)).toBe(200);
    expect(child.exitCode).toBeNull();

    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 90_000);
});
