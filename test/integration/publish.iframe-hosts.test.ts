import { request } from 'undici';
import type { App } from '../../src/app';
import { pollFeeds } from '../../src/ingest/poll';
import { newTestDb, type TestDb } from '../helpers/db';
import { startFeedServer, type FeedServer } from '../helpers/feed-server';
import { openTestApp, startHttp, closeAll } from '../helpers/app';

// content.iframeHosts must hold all the way to the reader: ingest keeps an
// allowed embed, and the output pass (sanitize-html) must keep it too.
const FEED = `<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Video desk</title><link>http://video.example/</link>
<item><title>Ankara briefing on video</title><link>http://video.example/1</link><guid>v-1</guid><pubDate>Mon, 01 Jun 2026 10:00:00 GMT</pubDate>
<description><![CDATA[<p>Watch:</p><iframe src="https://www.youtube-nocookie.com/embed/abc" width="560" height="315" allowfullscreen></iframe>
<iframe src="https://evil.test/frame"></iframe><p onclick="x()">End<script>alert(1)</script></p>]]></description></item>
</channel></rss>`;

let feeds: FeedServer;
let db: TestDb;
let app: App;
let http: Awaited<ReturnType<typeof startHttp>>;

beforeAll(async () => {
  feeds = await startFeedServer({ '/video.xml': { body: FEED, headers: { 'content-type': 'application/rss+xml' } } });
  db = await newTestDb();
  app = await openTestApp(
    `
server: { baseUrl: "http://tidings.test" }
fetch: { allowPrivateNetworks: true, timeout: 5s }
content: { iframeHosts: [www.youtube-nocookie.com] }
sources:
  - { name: Video Desk, id: video, url: "${feeds.url}/video.xml" }
topics:
  - { slug: ankara, title: Ankara, match: { any: [Ankara] } }
`,
    db,
  );
  await pollFeeds(app.ingest, { ignoreSchedule: true, concurrency: 2, leaseSeconds: 60 });
  http = await startHttp(app);
});

afterAll(() => closeAll({ http, app, db, feeds }));

describe('iframes from content.iframeHosts', () => {
  it('reach the topic feed in every format, and other iframes, scripts and handlers do not', async () => {
    for (const format of ['rss', 'atom', 'json']) {
      const res = await request(`${http.base}/topics/ankara.${format}`);
      expect(res.statusCode).toBe(200);
      const body = await res.body.text();
      // In RSS and Atom the HTML is escaped once; in JSON it is a JSON string.
      const html = format === 'json' ? (JSON.parse(body) as { items: { content_html: string }[] }).items[0]!.content_html : body.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&');
      expect(html).toContain('<iframe src="https://www.youtube-nocookie.com/embed/abc" width="560" height="315" allowfullscreen></iframe>');
      expect(html).not.toMatch(/evil\.test|<script|onclick/);
    }
  });
});
