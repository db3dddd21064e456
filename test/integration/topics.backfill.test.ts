import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { reloadConfigFile, type App } from '../../src/app';
import { parseConfig } from '../../src/config/load';
import { pollFeeds } from '../../src/ingest/poll';
import { silentLogger } from '../../src/shared/logger';
import { backfillTopics } from '../../src/topics/backfill';
import { backtestTopic } from '../../src/topics/backtest';
import { TopicMatcher } from '../../src/topics/matcher';
import { closeSharedPglite, dropTestDb, newTestDb, type TestDb } from '../helpers/db';
import { fixture, startFeedServer, type FeedServer } from '../helpers/feed-server';
import { fixtureRoutes, openTestApp } from '../helpers/app';

let feeds: FeedServer;
let db: TestDb;
let app: App | null = null;

const config = (base: string, topics: string) => `
server: { baseUrl: "http://tidings.test" }
fetch: { allowPrivateNetworks: true, timeout: 5s }
sources:
  - { name: Wire Daily, id: wire, feeds: ["${base}/wire/world.xml", "${base}/wire/turkey.xml"], tags: [world] }
  - { name: Kommersant, url: "${base}/kommersant.xml", tags: [ru] }
  - { name: Hurriyet, url: "${base}/hurriyet.xml", tags: [tr] }
topics:
${topics}`;

// Version 1: English words only. Version 2: the Russian and Turkish sources only, and a new topic.
const V1 = `
  - slug: turkey
    title: Turkey
    match: { any: [Turkey, Turkish] }`;
const V2 = `
  - slug: turkey
    title: Turkey
    match: { any: [Türkiye, Турци*], sourceTags: [ru, tr] }
  - slug: idlib
    title: Idlib
    match: { any: [Idlib, Идлиб*, İdlib*] }`;

async function titles(a: App, topic: string): Promise<string[]> {
  return (await a.store.listItems({ topic, limit: 100 })).map((i) => i.title).sort();
}

beforeAll(async () => {
  feeds = await startFeedServer(fixtureRoutes(fixture));
  db = await newTestDb();
});

afterAll(async () => {
  await app?.close();
  if (db) await dropTestDb(db);
  await feeds?.close();
  await closeSharedPglite();
});

test('a changed rule moves stored items in and out after a restart; backtest predicts it without writing; a bad reload keeps the old config', async () => {
  app = await openTestApp(config(feeds.url, V1), db);
  await app.backfiller.idle();
  await pollFeeds(app.ingest, { ignoreSchedule: true, concurrency: 4, leaseSeconds: 60 });
  const before = await titles(app, 'turkey');
  expect(before).toContain('Turkey deploys army in Idlib, citing failure of negotiations with Russia');
  expect(before).not.toContain('Турция ввела войска в Идлиб после провала переговоров с Россией');

  // Backtest the edited rule: it lists the changes and writes nothing.
  const edited = parseConfig(config(feeds.url, V2), 'edited.yaml', {});
  const bt = await backtestTopic(app.store, new TopicMatcher(edited.topics), 'turkey', null);
  // The Soçi item says TÜRKİYE but comes from the wire (tagged world), so sourceTags keeps it out.
  expect(bt.added.map((i) => i.title).sort()).toEqual([
    "Türkiye İdlib'e asker sevk etti",
    'Турция ввела войска в Идлиб после провала переговоров с Россией',
  ]);
  expect(bt.removed.map((i) => i.title)).toContain('Turkey deploys army in Idlib, citing failure of negotiations with Russia');
  expect(await titles(app, 'turkey')).toEqual(before);

  // Restart with the edited rule: membership is recomputed from history in the background.
  await app.close();
  app = await openTestApp(config(feeds.url, V2), db);
  await app.backfiller.idle();
  expect(await titles(app, 'turkey')).toEqual(bt.added.map((i) => i.title).sort());
  // The new topic filled from history: the Idlib story in English, Russian and Turkish.
  expect((await titles(app, 'idlib')).length).toBeGreaterThanOrEqual(3);
  // A second start with the same rule finds nothing to do.
  const stats = await app.store.syncTopics(app.config.topics.map((t) => ({ slug: t.slug, title: t.title, ruleHash: app!.matcher().ruleHashes.get(t.slug)! })));
  expect(stats).toEqual([]);

  // A reload with an invalid file is rejected; the running config and topics stay.
  const dir = mkdtempSync(path.join(tmpdir(), 'tidings-reload-'));
  const file = path.join(dir, 'tidings.yaml');
  writeFileSync(file, config(feeds.url, `${V2}\n  - slug: broken\n    title: Broken\n    match: { regex: ["(unclosed"] }`));
  expect(await reloadConfigFile(app, file, silentLogger())).toBe(false);
  expect(app.config.topics.map((t) => t.slug)).toEqual(['turkey', 'idlib']);
  expect(app.publisher.hasTopic('broken')).toBe(false);

  // A valid reload swaps the topics in place and backfills the changed one.
  writeFileSync(file, config(feeds.url, V1));
  expect(await reloadConfigFile(app, file, silentLogger())).toBe(true);
  await app.backfiller.idle();
  expect(app.publisher.hasTopic('idlib')).toBe(false);
  expect(await titles(app, 'turkey')).toEqual(before);
  expect(await titles(app, 'idlib')).toEqual([]);
});

test('an interrupted backfill resumes from its cursor at the next start', async () => {
  await app?.close();
  app = await openTestApp(config(feeds.url, V1), db);
  await app.backfiller.idle();
  const edited = parseConfig(config(feeds.url, V2), 'edited.yaml', {});
  const m = new TopicMatcher(edited.topics);
  const [job] = await app.store.syncTopics([{ slug: 'turkey', title: 'Turkey', ruleHash: m.ruleHashes.get('turkey')! }]);
  expect(job).toMatchObject({ slug: 'turkey', after: 0 });
  // Stop after the first batch of 3 items (the clock is read once per batch).
  const stop = new AbortController();
  const partial = await backfillTopics(app.store, m, [job!], stop.signal, () => (stop.abort(), new Date()), 3);
  expect(partial).toMatchObject({ scanned: 3, completed: [] });
  // The next start sees the same rule, not yet complete, and resumes after the 3 items done.
  const [resumed] = await app.store.syncTopics([{ slug: 'turkey', title: 'Turkey', ruleHash: m.ruleHashes.get('turkey')! }]);
  expect(resumed!.after).toBeGreaterThan(0);
  const rest = await backfillTopics(app.store, m, [resumed!], undefined, undefined, 3);
  expect(rest.completed).toEqual(['turkey']);
  expect(await titles(app, 'turkey')).toEqual([
    "Türkiye İdlib'e asker sevk etti",
    'Турция ввела войска в Идлиб после провала переговоров с Россией',
  ]);
  expect(await app.store.syncTopics([{ slug: 'turkey', title: 'Turkey', ruleHash: m.ruleHashes.get('turkey')! }])).toEqual([]);
});
