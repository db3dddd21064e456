import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { main } from '../../src/cli';

function capture(): { out: string[]; err: string[]; restore: () => void } {
  const out: string[] = [];
  const err: string[] = [];
  const o = jest.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
  const e = jest.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true));
  return { out, err, restore: () => (o.mockRestore(), e.mockRestore()) };
}

test('check-config prints every bad rule with file:line:col and exits 2; a good rule language file passes', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tidings-rules-'));
  const bad = path.join(dir, 'bad.yaml');
  writeFileSync(
    bad,
    `sources:
  - { name: Wire, id: wire, url: "http://wire.example/rss", tags: [world] }
topics:
  - slug: turkey
    title: Turkey
    match:
      any: [Türkiye]
      regex: ["a(?<=b)"]
      anyOf: [{ languages: [turkish!] }]
`,
  );
  const c = capture();
  let code: number;
  try {
    code = await main(['--config', bad, 'check-config']);
  } finally {
    c.restore();
  }
  expect(code).toBe(2);
  const text = c.err.join('');
  expect(text).toContain(`${bad}:8:15: topics[0].match.regex[0]: invalid regex`);
  expect(text).toMatch(new RegExp(`${bad.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:9:\\d+: topics\\[0\\]\\.match\\.anyOf\\[0\\]\\.languages\\[0\\]: expected a language code`));
  expect(text).toContain('2 problems in');

  const good = path.join(dir, 'good.yaml');
  writeFileSync(
    good,
    `sources:
  - { name: Wire, id: wire, url: "http://wire.example/rss", tags: [world] }
topics:
  - slug: turkey
    title: Turkey
    match:
      any: [Türkiye, Турци*, "Black Sea"]
      regex: ["\\\\bF-?16s?\\\\b"]
      fields: [title, summary]
      maxAge: 30d
      not: { sourceTags: [world], languages: [de] }
  - slug: region
    title: Region
    include: [turkey]
`,
  );
  const c2 = capture();
  try {
    expect(await main(['--config', good, 'check-config'])).toBe(0);
  } finally {
    c2.restore();
  }
  expect(c2.out.join('')).toContain('ok (1 sources, 2 topics)');
});
