import { notModified, NotModifiedCache, type NotModifiedEntry } from '../../src/http/not-modified-cache';

const lastModified = new Date(Date.UTC(2026, 0, 2, 3, 4, 5));
let generation = 0;
const entry = (etag: string, trustedUntil = Date.now() + 60_000, gen = generation): NotModifiedEntry => ({
  etag,
  lastModified,
  headers: { etag },
  trustedUntil,
  generation: gen,
});

test('holds at most its bound, dropping the entry remembered longest ago', () => {
  const cache = new NotModifiedCache(() => generation, 3);
  for (const url of ['/a', '/b', '/c']) cache.remember(url, entry(`"${url}"`));
  // Remembering /a again makes it the newest, so /b is the oldest.
  cache.remember('/a', entry('"a2"'));
  cache.remember('/d', entry('"d"'));
  expect(cache.size).toBe(3);
  expect(cache.lookup('/b')).toBeUndefined();
  expect(cache.lookup('/a')?.etag).toBe('"a2"');
  expect(cache.lookup('/c')?.etag).toBe('"/c"');
  expect(cache.lookup('/d')?.etag).toBe('"d"');
});

test('an entry past its trusted time, or of an older generation, is not used and is dropped', () => {
  const cache = new NotModifiedCache(() => generation);
  cache.remember('/expired', entry('"x"', Date.now() - 1));
  expect(cache.size).toBe(0);
  cache.remember('/soon', entry('"s"', Date.now() + 60_000));
  cache.remember('/other', entry('"o"'));
  expect(cache.lookup('/soon')?.etag).toBe('"s"');
  generation++;
  expect(cache.lookup('/soon')).toBeUndefined();
  expect(cache.size).toBe(1);
  cache.remember('/old', entry('"old"', Date.now() + 60_000, generation - 1));
  expect(cache.lookup('/old')).toBeUndefined();
});

test('long URLs are not remembered, and a closed cache remembers nothing', () => {
  const cache = new NotModifiedCache(() => generation);
  cache.remember(`/topics/a.rss?x=${'y'.repeat(3000)}`, entry('"a"'));
  expect(cache.size).toBe(0);
  cache.remember('/a', entry('"a"'));
  cache.close();
  expect(cache.lookup('/a')).toBeUndefined();
  cache.remember('/b', entry('"b"'));
  expect(cache.size).toBe(0);
});

test('notModified: If-None-Match (weak, lists, *, encoded variants) wins over If-Modified-Since', () => {
  const tag = '"abc"';
  expect(notModified(tag, undefined, tag, lastModified)).toBe(tag);
  expect(notModified(`W/${tag}`, undefined, tag, lastModified)).toBe(tag);
  expect(notModified(`"x", "abc-gzip"`, undefined, tag, lastModified)).toBe('"abc-gzip"');
  expect(notModified('"abc-br"', undefined, tag, lastModified)).toBe('"abc-br"');
  expect(notModified('"abc-deflate"', undefined, tag, lastModified)).toBe(false);
  expect(notModified('*', undefined, tag, lastModified)).toBe(true);
  expect(notModified('"x"', lastModified.toUTCString(), tag, lastModified)).toBe(false);
  expect(notModified(undefined, lastModified.toUTCString(), tag, lastModified)).toBe(true);
  expect(notModified(undefined, new Date(lastModified.getTime() - 1000).toUTCString(), tag, lastModified)).toBe(false);
  expect(notModified(undefined, 'yesterday', tag, lastModified)).toBe(false);
  expect(notModified(undefined, undefined, tag, lastModified)).toBe(false);
});
