import pino from 'pino';
import { DEFAULT_STORY_OPTIONS, storyFeatures } from '../../src/dedup/story-match';
import { StoryLinker } from '../../src/ingest/story-linker';
import type { Store } from '../../src/store';
import { closeSharedPglite, dropTestDb, newTestDb, openTestStore, type TestDb } from '../helpers/db';

let db: TestDb;
let store: Store;

beforeAll(async () => {
  db = await newTestDb();
  store = await openTestStore(db);
  await store.migrate();
});

afterAll(async () => {
  await store?.close();
  if (db) await dropTestDb(db);
  await closeSharedPglite();
});

test('a failing batch leaves the rest of the handed-over items to the next poll\'s sweep: one error per attempt, not one per batch', async () => {
  // Every linker transaction starts by locking story_clock: without the table, each batch fails.
  await store.db.kysely.schema.dropTable('storyClock').execute();
  const lines: string[] = [];
  const logger = pino({ level: 'error' }, { write: (line: string) => void lines.push(line) });
  const failures = () => lines.filter((l) => l.includes('story linking failed')).length;
  // One entry per batch: three batches were handed over.
  const linker = new StoryLinker(store, DEFAULT_STORY_OPTIONS, logger, 1);
  const entry = (itemId: number) => ({
    itemId,
    sourceId: 'wire',
    publishedAt: new Date('2020-02-10T06:30:00Z'),
    rank: 0,
    features: storyFeatures({ title: 'Turkey deploys army in Idlib', text: null, canonicalUrl: null }),
  });
  linker.kick([entry(1), entry(2)]);
  linker.kick([entry(3)]);
  // The first batch fails and the other two are not tried; the first poll's sweep fails too.
  await linker.drain();
  expect(failures()).toBe(2);
  // After a failure the next poll sweeps the queue again, whenever the last sweep was (and fails again, once).
  await linker.drain();
  expect(failures()).toBe(3);
  await linker.stop();
  expect(lines.every((l) => l.includes('story_clock'))).toBe(true);
});
