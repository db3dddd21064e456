import { sql } from 'kysely';
import { parseConfig } from '../../src/config/load';
import { readMigrations } from '../../src/store/migrate';
import { closeSharedPglite, dropTestDb, newTestDb, openTestStore, BACKEND, type TestDb } from '../helpers/db';

afterAll(() => closeSharedPglite());

describe(`migrations (${BACKEND})`, () => {
  let db: TestDb;
  beforeEach(async () => {
    db = await newTestDb();
  });
  afterEach(() => dropTestDb(db));

  test('apply in order, once, and are recorded', async () => {
    const store = await openTestStore(db);
    try {
      const names = readMigrations().map((m) => m.name);
      expect(await store.migrate()).toEqual(names);
      expect(await store.migrate()).toEqual([]);
      const rows = await sql<{ version: number }>`SELECT version FROM tidings_migrations ORDER BY version`.execute(store.db.kysely);
      expect(rows.rows.map((r) => r.version)).toEqual(readMigrations().map((m) => m.version));
    } finally {
      await store.close();
    }
  });

  // PGlite is one embedded session that only one process can open, so there is no race to test there.
  const postgresOnly = BACKEND === 'postgres' ? test : test.skip;
  postgresOnly('two processes migrating at once apply each file exactly once', async () => {
    const a = await openTestStore(db);
    const b = await openTestStore(db);
    try {
      const [ra, rb] = await Promise.all([a.migrate(), b.migrate()]);
      expect([...ra, ...rb].sort()).toEqual(readMigrations().map((m) => m.name).sort());
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe(`syncing sources from the YAML (${BACKEND})`, () => {
  let db: TestDb;
  beforeEach(async () => {
    db = await newTestDb();
  });
  afterEach(() => dropTestDb(db));

  const yaml = (sources: string) => parseConfig(`sources:\n${sources}`, 't.yaml', {}).sources;

  test('a source removed from the YAML is disabled and keeps its items; it comes back when re-added', async () => {
    const store = await openTestStore(db);
    try {
      await store.migrate();
      const both = yaml(`  - { name: A, feeds: [https://a.example/1, https://a.example/2] }\n  - { name: B, url: https://b.example/rss }\n`);
      await store.syncSources(both);
      const feedB = (await store.listSources()).find((s) => s.id === 'b')!.feeds[0]!;
      await store.db.kysely
        .insertInto('items')
        .values({ sourceId: 'b', feedId: feedB.id, title: 'kept', titleKey: 'kept', contentHash: 'h', publishedAt: new Date(), publishedEstimated: false, categories: [], enclosures: '[]' })
        .execute();

      await store.syncSources(yaml(`  - { name: A, url: https://a.example/1 }\n`));
      let sources = await store.listSources();
      const b = sources.find((s) => s.id === 'b')!;
      expect(b.enabled).toBe(false);
      expect(b.itemCount).toBe(1);
      const a = sources.find((s) => s.id === 'a')!;
      expect(a.feeds.map((f) => [f.url, f.enabled, f.disabledReason])).toEqual([
        ['https://a.example/1', true, null],
        ['https://a.example/2', false, 'removed from config'],
      ]);
      // Disabled feeds are never claimed.
      const claimed = await store.claimFeeds({ workerId: 'w', limit: 10, leaseSeconds: 60, ignoreSchedule: true });
      expect(claimed.map((c) => c.url)).toEqual(['https://a.example/1']);

      await store.syncSources(both);
      sources = await store.listSources();
      expect(sources.every((s) => s.enabled)).toBe(true);
      expect(sources.find((s) => s.id === 'a')!.feeds.every((f) => f.enabled)).toBe(true);
    } finally {
      await store.close();
    }
  });
});
