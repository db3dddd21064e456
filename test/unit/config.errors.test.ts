import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfigFile, parseConfig, resolveConfigPath } from '../../src/config/load';
import { main } from '../../src/cli';
import { captureOutput } from '../helpers/output';

function problems(yaml: string, env: NodeJS.ProcessEnv = {}) {
  try {
    parseConfig(yaml, 'tidings.yaml', env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('config errors name file:line:col, the key and what was expected', () => {
  test('a wrong type points at the key', () => {
    const p = problems(`server:\n  port: eighty\n`);
    expect(p).toEqual([
      { file: 'tidings.yaml', line: 2, col: 3, key: 'server.port', message: 'expected number, got string "eighty"' },
    ]);
  });

  test('every problem is reported at once, in file order', () => {
    const p = problems(`fetch:
  timeout: soon
sources:
  - name: A
    url: ftp://a.example/feed
  - name: B
    url: https://b.example/rss
    colour: blue
topics:
  - slug: Bad Slug
    title: T
    match: { any: [x] }
`);
    expect(p.map((x) => `${x.line}:${x.col} ${x.key}: ${x.message}`)).toEqual([
      '2:3 fetch.timeout: expected a duration such as "20s", "15m" or "1h", got "soon"',
      '5:5 sources[0].url: expected an absolute http(s) URL',
      '6:5 sources[1]: unknown key "colour"',
      '10:5 topics[0].slug: expected lower-case letters, digits, "-" or "_" (for example "vestnik-kavkaza")',
    ]);
  });

  test('a missing required key points at its parent', () => {
    const p = problems(`sources:\n  - url: https://a.example/rss\n`);
    expect(p).toHaveLength(1);
    expect(p[0]).toMatchObject({ line: 2, col: 5, key: 'sources[0].name', message: 'expected string, but it is missing' });
  });

  test('duplicate source ids, unknown source references and empty rules are refused', () => {
    const p = problems(`sources:
  - name: Vestnik Kavkaza
    url: https://a.example/rss
  - id: vestnik-kavkaza
    name: Other
    url: https://b.example/rss
topics:
  - slug: t
    title: T
    match: { sources: [nowhere] }
  - slug: u
    title: U
    match: {}
`);
    expect(p.map((x) => `${x.line} ${x.key}: ${x.message}`)).toEqual([
      '4 sources[1].id: duplicate source id "vestnik-kavkaza" (also sources[0])',
      '10 topics[0].match.sources[0]: unknown source id "nowhere"',
      '13 topics[1].match: expected at least one condition: any, all, none, regex, categories, sources, sourceTags, languages, anyOf, allOf, not',
    ]);
  });

  test('YAML syntax errors carry their position', () => {
    const p = problems(`sources:\n  - name: A\n    url: [unclosed\n`);
    expect(p[0]!.line).toBeGreaterThanOrEqual(3);
    expect(p[0]!.message).toMatch(/flow|collection|unexpected|missing/i);
  });

  test('${ENV} is substituted, with defaults; an unset variable is empty, so the database falls back to PGlite', () => {
    const yaml = `server: { baseUrl: "\${BASE:-http://localhost:9}" }\ndatabase: { url: "\${DATABASE_URL}" }\nsources:\n  - name: A\n    url: "\${FEED}"\n`;
    const cfg = parseConfig(yaml, 't.yaml', { FEED: 'https://a.example/rss' });
    expect(cfg.server.baseUrl).toBe('http://localhost:9');
    expect(cfg.database.url).toBeNull();
    expect(cfg.sources[0]!.feeds).toEqual(['https://a.example/rss']);
    const pg = parseConfig(yaml, 't.yaml', { FEED: 'https://a.example/rss', DATABASE_URL: 'postgres://x@h/db' });
    expect(pg.database.url).toBe('postgres://x@h/db');
  });

  test('durations, sizes and derived ids come out in machine units', () => {
    const cfg = parseConfig(
      `fetch: { timeout: 1m30s, maxBytes: 2MB }\nschedule: { defaultInterval: 10m }\nsources:\n  - name: Türkçe Haber\n    feeds: [https://a.example/1, https://a.example/2]\n    interval: 1h\n  - name: Other\n    url: https://b.example/\n`,
      't.yaml',
      {},
    );
    expect(cfg.fetch.timeoutMs).toBe(90_000);
    expect(cfg.fetch.maxBytes).toBe(2 * 1024 * 1024);
    expect(cfg.sources.map((s) => [s.id, s.intervalSeconds, s.feeds.length])).toEqual([
      ['turkce-haber', 3600, 2],
      ['other', 600, 1],
    ]);
    expect(cfg.fetch.userAgent).toMatch(/^Tidings\/\d+\.\d+\.\d+ \(\+https?:\/\/\S+\)$/);
  });

  test('--config wins over TIDINGS_CONFIG, which wins over the default', () => {
    expect(resolveConfigPath('a.yaml', { TIDINGS_CONFIG: 'b.yaml' })).toBe('a.yaml');
    expect(resolveConfigPath(undefined, { TIDINGS_CONFIG: 'b.yaml' })).toBe('b.yaml');
    expect(resolveConfigPath(undefined, {})).toBe('config/tidings.yaml');
  });

  test('the example config is valid', () => {
    const cfg = loadConfigFile(path.join(__dirname, '..', '..', 'config', 'tidings.yaml'), {});
    expect(cfg.sources.length).toBeGreaterThanOrEqual(12);
    expect(cfg.topics.map((t) => t.slug)).toEqual(expect.arrayContaining(['turkey', 'syria', 'russia']));
  });
});

describe('tidings check-config', () => {
  const output = captureOutput();

  test('prints every problem with file:line:col and exits non-zero', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tidings-'));
    const file = path.join(dir, 'bad.yaml');
    writeFileSync(file, `fetch:\n  concurrency: 0\nsources:\n  - name: A\n`);
    const code = await main(['check-config', '--config', file]);
    expect(code).toBe(2);
    const out = output.stderr();
    expect(out).toContain(`${file}:2:3: fetch.concurrency: Too small: expected number to be >=1`);
    expect(out).toContain(`${file}:4:5: sources[0]: expected exactly one of "url" or "feeds"`);
    expect(out).toContain('2 problems in');
  });

  test('exits 0 on a valid file', async () => {
    const code = await main(['check-config', '--config', path.join(__dirname, '..', '..', 'config', 'tidings.yaml')]);
    expect(code).toBe(0);
    expect(output.stdout()).toMatch(/ok \(14 sources, \d+ topics\)/);
  });
});
