import type { App } from '../../src/app';
import { withKeys } from '../../src/dedup/keys';
import { resolveAgainstStored } from '../../src/dedup/publisher';
import type { NormalizedItem } from '../../src/domain/item';
import { openTestApp } from '../helpers/app';
import { closeSharedPglite, dropTestDb, newTestDb, type TestDb } from '../helpers/db';

/**
 * Items are written as column arrays (unnest): every field must come back
 * as it went in, whatever characters it holds, and the topic memberships
 * must land on the right rows.
 */
let db: TestDb;
let app: App;

beforeAll(async () => {
  db = await newTestDb();
  app = await openTestApp('sources:\n  - { id: s, name: S, url: "http://feeds.test/s.xml" }\ntopics:\n  - { slug: a, title: A, match: { any: [x] } }\n  - { slug: b, title: B, match: { any: [y] } }\n', db);
});

afterAll(async () => {
  await app.close();
  await dropTestDb(db);
  await closeSharedPglite();
});

const HARD = ['quote " here', 'back\\slash', '{braces}', 'comma, inside', 'NULL', 'null', '', ' spaced ', 'Türkiye İ ı', 'Москва', '\u00a0nbsp', 'emoji 😀', "it's"];

function item(i: number, over: Partial<NormalizedItem> = {}): NormalizedItem {
  return {
    guid: i % 3 === 0 ? null : `g-${i} ${HARD[i % HARD.length]}`,
    url: `http://news.test/${i}?q="a"&b=\\`,
    canonicalUrl: `http://news.test/${i}`,
    title: `Title ${i}: ${HARD[i % HARD.length]}`,
    summary: i % 2 ? null : `Summary ${HARD[(i + 1) % HARD.length]}`,
    contentHtml: i % 4 === 1 ? null : `<p>${HARD[(i + 2) % HARD.length]} &amp; more</p>`,
    author: i % 5 === 0 ? null : `Author "${i}"`,
    categories: i % 6 === 0 ? [] : [...HARD.slice(i % 4, (i % 4) + 4), `c${i}`],
    publishedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i, 123)),
    publishedEstimated: i % 7 === 0,
    updatedAt: i % 2 ? null : new Date(Date.UTC(2026, 0, 2, 0, 0, i)),
    enclosures: i % 3 ? [] : [{ url: `http://news.test/${i}.mp3`, type: 'audio/mpeg', length: i * 10 }, { url: 'http://x.test/"q".ogg', type: null, length: null }],
    language: i % 2 ? 'tr' : null,
    ...over,
  };
}

test('every field of every item comes back as it was written, and topics land on the right items', async () => {
  const [feed] = await app.store.claimFeeds({ workerId: 'w', limit: 1, leaseSeconds: 60 });
  const items = Array.from({ length: 40 }, (_, i) => item(i));
  const toSave = items.map((it, i) => ({ ...withKeys(it), topics: i % 2 ? ['a', 'b'] : i % 3 ? ['a'] : [] }));
  const saved = await app.store.saveItems('s', feed!.feedId, toSave, resolveAgainstStored, null);
  expect(saved.inserted).toBe(40);

  const rows = await app.store.db.kysely.selectFrom('items').selectAll().orderBy('publishedAt').execute();
  expect(rows).toHaveLength(40);
  rows.forEach((r, i) => {
    const want = toSave[i]!;
    expect({
      guid: r.guid, url: r.url, canonicalUrl: r.canonicalUrl, title: r.title, titleKey: r.titleKey, summary: r.summary, contentHtml: r.contentHtml, author: r.author,
      categories: r.categories, enclosures: r.enclosures, language: r.language, contentHash: r.contentHash, publishedAt: r.publishedAt.toISOString(),
      publishedEstimated: r.publishedEstimated, updatedAt: r.updatedAt?.toISOString() ?? null, feedId: r.feedId, sourceId: r.sourceId,
    }).toEqual({
      guid: want.guid, url: want.url, canonicalUrl: want.canonicalUrl, title: want.title, titleKey: want.titleKey, summary: want.summary, contentHtml: want.contentHtml,
      author: want.author, categories: want.categories, enclosures: want.enclosures, language: want.language, contentHash: want.contentHash,
      publishedAt: want.publishedAt.toISOString(), publishedEstimated: want.publishedEstimated, updatedAt: want.updatedAt?.toISOString() ?? null, feedId: feed!.feedId, sourceId: 's',
    });
  });

  const members = await app.store.db.kysely.selectFrom('itemTopics').innerJoin('items', 'items.id', 'itemTopics.itemId').select(['items.title', 'itemTopics.topicSlug']).execute();
  const want = toSave.flatMap((it) => it.topics.map((slug) => `${it.title}|${slug}`)).sort();
  expect(members.map((m) => `${m.title}|${m.topicSlug}`).sort()).toEqual(want);

  // The same batch again: all duplicates, nothing written twice.
  const again = await app.store.saveItems('s', feed!.feedId, toSave, resolveAgainstStored, null);
  expect(again.inserted).toBe(0);
  expect(await app.store.db.kysely.selectFrom('items').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst()).toEqual({ n: 40 });
});
