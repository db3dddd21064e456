import Parser from 'rss-parser';
import { request } from 'undici';
import type { App } from '../../src/app';
import { pollFeeds } from '../../src/ingest/poll';
import type { StoredItem } from '../../src/domain/stored';
import { dropTestDb, newTestDb, type TestDb } from '../helpers/db';
import { startFeedServer, type FeedServer } from '../helpers/feed-server';
import { openTestApp, startHttp, closeAll } from '../helpers/app';

interface FeedEntry {
  title: string;
  link: string;
  date: string;
  description?: string;
}

function rss(entries: readonly FeedEntry[]): string {
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  return `<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title><link>http://x.example/</link><description>d</description>${entries
    .map((e) => `<item><title>${esc(e.title)}</title><link>${esc(e.link)}</link><guid>${esc(e.link)}</guid><pubDate>${e.date}</pubDate><description>${esc(e.description ?? '')}</description></item>`)
    .join('')}</channel></rss>`;
}

const LEAD = "Ankara sent troops and armoured vehicles into Syria's Idlib province on Monday, saying talks with Moscow on a ceasefire had failed.";
const WIRE: FeedEntry[] = [
  { title: 'Turkey deploys army in Idlib, citing failure of negotiations with Russia', link: 'http://news.example/2020/02/turkey-idlib.html', date: 'Mon, 10 Feb 2020 06:30:00 GMT', description: LEAD },
  // The same desk's follow-up: similar words, never merged with its own first story.
  { title: 'Turkey deploys army in Idlib, citing failure of talks with Russia', link: 'http://news.example/2020/02/turkey-idlib-2.html', date: 'Mon, 10 Feb 2020 09:30:00 GMT', description: LEAD },
  // Same place, same actors, another event.
  { title: 'Turkey withdraws army from Idlib observation posts', link: 'http://news.example/2020/02/idlib-posts.html', date: 'Mon, 10 Feb 2020 10:00:00 GMT', description: 'Turkish forces began leaving two observation posts in Idlib, a monitor said.' },
];
const AA: FeedEntry[] = [
  { title: 'AA - Turkey deploys army in Idlib, citing failure of negotiations with Russia', link: 'https://aa.example/en/idlib-123', date: 'Mon, 10 Feb 2020 07:00:00 GMT', description: 'ANKARA (AA) - Turkish troops entered Idlib.' },
];
const LEVANT: FeedEntry[] = [
  { title: 'Turkey deploys army in Idlib citing failed negotiations with Russia', link: 'https://levant.example/idlib', date: 'Mon, 10 Feb 2020 08:00:00 GMT', description: LEAD },
];
// An aggregator that copies the wire story (tracking parameters on the same URL): earliest, but never the representative.
const SYNDIC: FeedEntry[] = [
  { title: 'Idlib: Turkish army moves in', link: 'http://news.example/2020/02/turkey-idlib.html?utm_source=syndic', date: 'Mon, 10 Feb 2020 06:00:00 GMT' },
];

const CONFIG = (base: string) => `
server: { baseUrl: "http://tidings.test" }
fetch: { allowPrivateNetworks: true, timeout: 5s }
dedup:
  sourcePriority: [wire]
  neverRepresentative: [syndic]
sources:
  - { name: Wire Daily, id: wire, url: "${base}/wire.xml" }
  - { name: Anadolu Agency, id: aa, url: "${base}/aa.xml" }
  - { name: Levant Observer, id: levant, url: "${base}/levant.xml" }
  - { name: Syndic, id: syndic, url: "${base}/syndic.xml" }
topics:
  - slug: syria
    title: Syria
    match: { any: [Idlib] }
  - slug: turkey-stories
    title: Turkey, one entry per story
    collapse: story
    match: { any: [Turkey, Turkish] }
`;

let feeds: FeedServer;
let db: TestDb;
let app: App;
let base: string;
let http: Awaited<ReturnType<typeof startHttp>>;

async function get(path: string) {
  const res = await request(`${base}${path}`);
  return { status: res.statusCode, body: await res.body.text() };
}

const poll = () => pollFeeds(app.ingest, { ignoreSchedule: true, concurrency: 1, leaseSeconds: 60 });

async function item(sourceId: string, titleStart: string): Promise<StoredItem> {
  const items = await app.store.listItems({ sourceId, limit: 50 });
  const found = items.find((i) => i.title.startsWith(titleStart));
  if (!found) throw new Error(`no item "${titleStart}" of ${sourceId}`);
  return found;
}

async function storyOf(id: number) {
  return (await app.store.storiesOf([id])).get(id) ?? null;
}

beforeAll(async () => {
  feeds = await startFeedServer({
    '/wire.xml': { body: rss(WIRE) },
    '/aa.xml': { body: rss(AA) },
    '/levant.xml': { body: rss([]) },
    '/syndic.xml': { body: rss([]) },
  });
  db = await newTestDb();
  app = await openTestApp(CONFIG(feeds.url), db);
  http = await startHttp(app);
  base = http.base;
});

afterAll(() => closeAll({ http, app, db, feeds }));

describe('one story across publishers, as it grows', () => {
  let storyId: number;

  test('the AA copy joins the wire story by its title without the "AA - " byline', async () => {
    const summaries = await poll();
    expect(summaries.filter((s) => s.status === 'error')).toEqual([]);
    const w1 = await item('wire', 'Turkey deploys army in Idlib, citing failure of negotiations');
    const aa = await item('aa', 'AA - Turkey deploys');
    const story = await storyOf(aa.id);
    expect(story).not.toBeNull();
    storyId = story!.id;
    expect(story!.members.map((m) => m.itemId).sort()).toEqual([w1.id, aa.id].sort());
    const aaLink = story!.members.find((m) => m.itemId === aa.id)!;
    expect(aaLink).toMatchObject({ layer: 'title', score: 1, matchedItemId: w1.id });
    expect(story!.representativeItemId).toBe(w1.id); // sourcePriority: [wire]
  });

  test('the same publisher\'s similar follow-up and an other-event item stay stories of their own', async () => {
    const w2 = await item('wire', 'Turkey deploys army in Idlib, citing failure of talks');
    const w3 = await item('wire', 'Turkey withdraws army');
    const s2 = await storyOf(w2.id);
    const s3 = await storyOf(w3.id);
    expect(s2!.id).not.toBe(storyId);
    expect(s3!.id).not.toBe(storyId);
    expect(s2!.members).toHaveLength(1);
    expect(s3!.members).toHaveLength(1);
  });

  test('a near-duplicate and a copy of the same URL join later, and the story keeps its id and representative', async () => {
    feeds.route('/levant.xml', { body: rss(LEVANT) });
    feeds.route('/syndic.xml', { body: rss(SYNDIC) });
    await poll();
    const w1 = await item('wire', 'Turkey deploys army in Idlib, citing failure of negotiations');
    const lev = await item('levant', 'Turkey deploys');
    const syn = await item('syndic', 'Idlib: Turkish army');
    const story = await storyOf(lev.id);
    expect(story!.id).toBe(storyId);
    expect(story!.members).toHaveLength(4);
    const byItem = new Map(story!.members.map((m) => [m.itemId, m]));
    expect(byItem.get(lev.id)!.layer).toBe('minhash');
    expect(byItem.get(lev.id)!.score).toBeGreaterThanOrEqual(0.6);
    expect(byItem.get(syn.id)).toMatchObject({ layer: 'url', score: 1 });
    // Syndic published first but opted out; wire has priority.
    expect(story!.representativeItemId).toBe(w1.id);
  });

  test('polling the same feeds again adds no members', async () => {
    await poll();
    const w1 = await item('wire', 'Turkey deploys army in Idlib, citing failure of negotiations');
    expect((await storyOf(w1.id))!.members).toHaveLength(4);
  });

  test('GET /api/items/:id shows the story with each member and the reason this item joined', async () => {
    const lev = await item('levant', 'Turkey deploys');
    const res = await get(`/api/items/${lev.id}`);
    expect(res.status).toBe(200);
    const body = JSON.parse(res.body) as { story: { id: number; items: { sourceId: string }[]; reason: { layer: string; score: number } } };
    expect(body.story.id).toBe(storyId);
    expect(body.story.items.map((i) => i.sourceId).sort()).toEqual(['aa', 'levant', 'syndic', 'wire']);
    expect(body.story.reason.layer).toBe('minhash');
    expect((await get('/api/items/abc')).status).toBe(400);
    expect((await get('/api/items/999999999')).status).toBe(404);
  });

  test('?collapse=story gives one entry per story with the story guid and "Also reported by"; off, one per item', async () => {
    const plain = await new Parser().parseString((await get('/topics/syria.rss')).body);
    expect(plain.items).toHaveLength(6);
    const res = await get('/topics/syria.rss?collapse=story');
    expect(res.status).toBe(200);
    const feed = await new Parser().parseString(res.body);
    expect(feed.items).toHaveLength(3); // the story, the follow-up, the other event
    const entry = feed.items.find((i) => i.guid === `urn:tidings:story:${storyId}`)!;
    expect(entry.title).toBe('Turkey deploys army in Idlib, citing failure of negotiations with Russia');
    const content = (entry as { 'content:encoded'?: string })['content:encoded'] ?? '';
    expect(content).toContain('Also reported by:');
    for (const name of ['Anadolu Agency', 'Levant Observer', 'Syndic']) expect(content).toContain(name);
    expect(content).toContain('href="https://levant.example/idlib"');
    expect(content).not.toContain('>Wire Daily<'); // the representative is not "also" reporting
    const categories = (entry.categories as unknown as ({ _: string } | string)[]).map((c) => (typeof c === 'string' ? c : c._));
    // The representative's publisher is the entry's <source>; the others are categories too.
    expect(categories).toEqual(expect.arrayContaining(['Anadolu Agency', 'Levant Observer', 'Syndic']));
    expect(res.body).toMatch(/<source url="[^"]+">Wire Daily<\/source>/);
    const json = JSON.parse((await get('/topics/syria.json?collapse=story')).body) as { items: { id: string; _tidings: { story?: { publishers: { name: string }[] } } }[] };
    const story = json.items.find((i) => i.id === `urn:tidings:story:${storyId}`)!;
    expect(story._tidings.story!.publishers.map((p) => p.name).sort()).toEqual(['Anadolu Agency', 'Levant Observer', 'Syndic', 'Wire Daily']);
    expect((await get('/topics/syria.rss?collapse=sideways')).status).toBe(400);
  });

  test('a topic with collapse: story collapses by default, and JSON Feed names every publisher', async () => {
    const json = JSON.parse((await get('/topics/turkey-stories.json')).body) as { items: { id: string; _tidings: { story?: { publishers: { id: string }[] } } }[] };
    const entries = json.items.filter((i) => i.id === `urn:tidings:story:${storyId}`);
    expect(entries).toHaveLength(1);
    expect(entries[0]!._tidings.story!.publishers.map((p) => p.id).sort()).toEqual(['aa', 'levant', 'syndic', 'wire']);
    const off = JSON.parse((await get('/topics/turkey-stories.json?collapse=none')).body) as { items: { id: string }[] };
    expect(off.items.some((i) => i.id === `urn:tidings:story:${storyId}`)).toBe(false);
  });

  test('deleting the representative hands the story over to the next member; the guid stays', async () => {
    const w1 = await item('wire', 'Turkey deploys army in Idlib, citing failure of negotiations');
    const aa = await item('aa', 'AA - Turkey deploys');
    expect(await app.store.deleteItems([w1.id])).toBe(1);
    const story = await storyOf(aa.id);
    expect(story!.id).toBe(storyId);
    expect(story!.members).toHaveLength(3);
    // Unlisted sources rank alike; the earliest of them wins: AA (07:00) before Levant (08:00); Syndic opted out.
    expect(story!.representativeItemId).toBe(aa.id);
    const feed = await new Parser().parseString((await get('/topics/syria.rss?collapse=story')).body);
    const entry = feed.items.find((i) => i.guid === `urn:tidings:story:${storyId}`)!;
    expect(entry.title).toBe('AA - Turkey deploys army in Idlib, citing failure of negotiations with Russia');
  });
});

describe('dedup.stories: false', () => {
  let offDb: TestDb;
  let offApp: App;

  afterAll(async () => {
    await offApp?.close();
    if (offDb) await dropTestDb(offDb);
  });

  test('items are stored without stories, and topic feeds keep one entry per item', async () => {
    offDb = await newTestDb();
    offApp = await openTestApp(CONFIG(feeds.url).replace('dedup:\n', 'dedup:\n  stories: false\n'), offDb);
    await pollFeeds(offApp.ingest, { ignoreSchedule: true, concurrency: 1, leaseSeconds: 60 });
    const items = await offApp.store.listItems({ limit: 50 });
    expect(items.length).toBe(6);
    expect((await offApp.store.storiesOf(items.map((i) => i.id))).size).toBe(0);
    const feed = await offApp.publisher.topicFeed('turkey-stories', 'rss');
    const parsed = await new Parser().parseString(feed!.body.toString('utf8'));
    expect(parsed.items).toHaveLength(6);
  });
});

describe('the story linker', () => {
  let qDb: TestDb;
  let qApp: App;

  afterAll(async () => {
    await qApp?.close();
    if (qDb) await dropTestDb(qDb);
  });

  test('items a process stored but never linked (it died first) wait out of collapsed feeds, and the next poll links them', async () => {
    qDb = await newTestDb();
    qApp = await openTestApp(CONFIG(feeds.url), qDb);
    // The items commit; no linker runs, as if the process died right after (they have no story rows yet).
    await pollFeeds({ ...qApp.ingest, linker: null }, { ignoreSchedule: true, concurrency: 1, leaseSeconds: 60 });
    const items = await qApp.store.listItems({ limit: 50 });
    expect(items.length).toBeGreaterThanOrEqual(4);
    expect((await qApp.store.storiesOf(items.map((i) => i.id))).size).toBe(0);
    const collapsed = async () => (await new Parser().parseString((await qApp.publisher.topicFeed('turkey-stories', 'rss'))!.body.toString('utf8'))).items;
    const plain = async () => (await new Parser().parseString((await qApp.publisher.feed({ scope: { kind: 'topic', slug: 'turkey-stories' }, format: 'rss', collapse: false }))!.body.toString('utf8'))).items;
    // Uncollapsed feeds show every item at once; collapsed ones hold back the items still waiting for their story.
    const inTopic = (await plain()).length;
    expect(inTopic).toBeGreaterThanOrEqual(4);
    expect(await collapsed()).toHaveLength(0);

    // A poll with nothing due still sweeps for unlinked items before it returns.
    await pollFeeds(qApp.ingest, { ignoreSchedule: false, concurrency: 1, leaseSeconds: 60 });
    const stories = await qApp.store.storiesOf(items.map((i) => i.id));
    expect(stories.size).toBe(items.length);
    const wire = items.find((i) => i.sourceId === 'wire' && i.title.startsWith('Turkey deploys army in Idlib, citing failure of negotiations'))!;
    const aa = items.find((i) => i.sourceId === 'aa')!;
    expect(stories.get(aa.id)!.id).toBe(stories.get(wire.id)!.id);
    qApp.publisher.invalidate();
    const entries = await collapsed();
    // The copies are folded into the wire story's one entry.
    expect(entries.length).toBeLessThan(inTopic);
    expect(entries.filter((e) => e.guid === `urn:tidings:story:${stories.get(wire.id)!.id}`)).toHaveLength(1);
  });
  test('old keys are pruned only for items both published and stored long ago; their stories stay', async () => {
    const db = qApp.store.db.kysely;
    const keysOf = async (ids: readonly number[]) =>
      (await db.selectFrom('storyKeys').select('itemId').where('itemId', 'in', [...ids]).execute()).length;
    const items = await qApp.store.listItems({ limit: 50 });
    const aa = items.filter((i) => i.sourceId === 'aa').map((i) => i.id);
    const others = items.filter((i) => i.sourceId !== 'aa').map((i) => i.id);
    const othersBefore = await keysOf(others);
    expect(await keysOf(aa)).toBeGreaterThan(0);
    const cutoff = new Date(Date.now() - 4 * 86_400_000);
    // Every item here is published in 2020 but was stored today: nothing goes.
    expect(await qApp.store.pruneStoryKeys(cutoff, 10_000)).toBe(0);
    // The AA items are now "stored in 2020" too: their keys go, in chunks, and nothing else's.
    await db.updateTable('items').set({ firstSeenAt: new Date('2020-02-11T00:00:00Z') }).where('sourceId', '=', 'aa').execute();
    const aaKeys = await keysOf(aa);
    expect(await qApp.store.pruneStoryKeys(cutoff, 1)).toBe(1);
    expect(await qApp.store.pruneStoryKeys(cutoff, 10_000)).toBe(aaKeys - 1);
    expect(await keysOf(aa)).toBe(0);
    expect(await keysOf(others)).toBe(othersBefore);
    const stories = await qApp.store.storiesOf(aa);
    expect(stories.size).toBe(aa.length);
  });
});

describe('publishers polled at once', () => {
  let raceDb: TestDb;
  let raceApp: App;
  const PUBLISHERS = 8;
  const EVENTS = 20;

  afterAll(async () => {
    await raceApp?.close();
    if (raceDb) await dropTestDb(raceDb);
  });

  // On Postgres the eight feeds are stored on eight connections at once and
  // their items queued for the linker in any order; each copy must still meet
  // the others, within one linker batch or across successive ones
  // (sql/0006_story_linker.sql).
  test('every copy of an event joins one story, however the story steps interleave, and the preferred publisher represents it', async () => {
    const ids = Array.from({ length: PUBLISHERS }, (_, p) => `pub${p}`);
    for (const id of ids) {
      const body = rss(
        Array.from({ length: EVENTS }, (_, e) => ({
          title: `${id === 'pub0' ? '' : 'UPDATE 1-'}Harbour authority number ${e} closes the northern quay after a crane collapse`,
          link: `https://${id}.example/news/${e}`,
          date: 'Mon, 10 Feb 2020 08:00:00 GMT',
        })),
      );
      // The preferred publisher answers last, so its copies join stories that exist and must take them over.
      feeds.route(`/race/${id}.xml`, (_req, res) => {
        setTimeout(() => res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(body), id === 'pub0' ? 500 : 0);
      });
    }
    raceDb = await newTestDb();
    raceApp = await openTestApp(
      `server: { baseUrl: "http://tidings.test" }
fetch: { allowPrivateNetworks: true, timeout: 5s }
dedup: { sourcePriority: [pub0] }
sources:
${ids.map((id) => `  - { name: ${id}, id: ${id}, url: "${feeds.url}/race/${id}.xml" }`).join('\n')}
`,
      raceDb,
    );
    const done = await pollFeeds(raceApp.ingest, { ignoreSchedule: true, concurrency: PUBLISHERS, perHost: PUBLISHERS, leaseSeconds: 60 });
    expect(done.map((s) => s.status)).toEqual(ids.map(() => 'ok'));
    const items = await raceApp.store.listItems({ limit: 500 });
    expect(items).toHaveLength(PUBLISHERS * EVENTS);
    const stories = await raceApp.store.storiesOf(items.map((i) => i.id));
    const byStory = new Map<number, Set<string>>();
    const pub0 = new Set(items.filter((i) => i.sourceId === 'pub0').map((i) => i.id));
    for (const it of items) {
      const s = stories.get(it.id);
      expect(s).toBeDefined();
      byStory.set(s!.id, (byStory.get(s!.id) ?? new Set()).add(it.sourceId));
      expect(pub0.has(s!.representativeItemId!)).toBe(true);
    }
    expect(byStory.size).toBe(EVENTS);
    for (const publishers of byStory.values()) expect(publishers.size).toBe(PUBLISHERS);
  });
});
