import { request } from 'undici';
import { errorMessage } from '../shared/errors';
import type { Logger } from '../shared/logger';
import type { Store } from '../store';

/**
 * WebSub publisher side (https://www.w3.org/TR/websub/#publishing): when a
 * topic gains items, POST hub.mode=publish for each of its feed URLs to the
 * configured hub. check() compares each topic's newest member with what it
 * saw last time; the first check only records.
 */
export class HubPinger {
  private seen: Map<string, number> | null = null;

  constructor(
    private readonly store: Store,
    private readonly hub: string,
    private readonly topicUrls: (slug: string) => readonly string[] | null,
    private readonly logger: Logger,
  ) {}

  /** Returns the topics pinged. */
  async check(): Promise<string[]> {
    const stats = await this.store.topicStats();
    const now = new Map(stats.map((s) => [s.slug, s.count * 1e13 + (s.latest?.getTime() ?? 0)]));
    const before = this.seen;
    this.seen = now;
    if (!before) return [];
    const grew = stats.filter((s) => (before.get(s.slug) ?? -1) !== now.get(s.slug) && s.count > 0).map((s) => s.slug);
    const pinged: string[] = [];
    for (const slug of grew) {
      const urls = this.topicUrls(slug);
      if (!urls) continue;
      try {
        const body = new URLSearchParams([['hub.mode', 'publish'], ...urls.map((u) => ['hub.url', u] as [string, string])]).toString();
        const res = await request(this.hub, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body, headersTimeout: 10_000, bodyTimeout: 10_000 });
        await res.body.dump();
        if (res.statusCode >= 300) this.logger.warn({ hub: this.hub, topic: slug, status: res.statusCode }, 'WebSub hub refused the ping');
        else pinged.push(slug);
      } catch (err) {
        this.logger.warn({ hub: this.hub, topic: slug, err: errorMessage(err) }, 'WebSub hub ping failed');
      }
    }
    return pinged;
  }
}
