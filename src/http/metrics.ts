import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { Store } from '../store';

/**
 * Prometheus metrics, read from the store at scrape time, so every replica
 * reports the same truth and the ingest path carries no metric code:
 * per feed, its consecutive errors, seconds since its last success, and its
 * last status; per source, its stored items.
 */
export function createMetrics(store: Store): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'tidings_' });

  // Every gauge's collect() shares one store read per scrape.
  let refreshing: Promise<void> | null = null;
  const refresh = () => {
    refreshing ??= fill().finally(() => setTimeout(() => (refreshing = null), 500).unref());
    return refreshing;
  };
  const gauge = (name: string, help: string, labelNames: string[]) =>
    new Gauge({ name, help, labelNames, registers: [registry], collect: refresh });

  const items = gauge('tidings_source_items', 'Items stored for a source', ['source']);
  const errors = gauge('tidings_feed_consecutive_errors', 'Consecutive failed fetches of a feed (0 after a success)', ['source', 'feed']);
  const sinceSuccess = gauge('tidings_feed_seconds_since_success', 'Seconds since the last successful fetch (200 or 304)', ['source', 'feed']);
  const status = gauge('tidings_feed_last_status', '1 for the last fetch status and error code of a feed', ['source', 'feed', 'status', 'code']);
  const enabled = gauge('tidings_feed_enabled', '1 when a feed is polled', ['source', 'feed']);

  async function fill(): Promise<void> {
    const sources = await store.listSources();
    for (const g of [items, errors, sinceSuccess, status, enabled]) g.reset();
    const now = Date.now();
    for (const s of sources) {
      items.set({ source: s.id }, s.itemCount);
      for (const f of s.feeds) {
        const labels = { source: s.id, feed: f.url };
        errors.set(labels, f.errorCount);
        enabled.set(labels, f.enabled ? 1 : 0);
        if (f.lastSuccessAt) sinceSuccess.set(labels, (now - f.lastSuccessAt.getTime()) / 1000);
        if (f.lastStatus) status.set({ ...labels, status: f.lastStatus, code: f.lastErrorCode ?? '' }, 1);
      }
    }
  }
  return registry;
}
