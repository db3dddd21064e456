import type { AddressInfo } from 'node:net';
import { openApp, type App } from '../../src/app';
import { buildServer } from '../../src/http/server';
import { parseConfig } from '../../src/config/load';
import { silentLogger } from '../../src/shared/logger';
import { closeSharedPglite, dropTestDb, type TestDb } from './db';

/** Opens a full Tidings app on a test database from YAML text. */
export async function openTestApp(yaml: string, db: TestDb): Promise<App> {
  const config = parseConfig(yaml, 'test.yaml', {});
  return openApp(config, {
    logger: silentLogger(),
    schema: db.schema,
    databaseUrl: db.url,
    ...(db.pglite ? { pglite: db.pglite } : {}),
  });
}

/** The sources and topics of the end-to-end fixtures, pointing at a feed server. */
export function fixtureConfig(base: string, extra = ''): string {
  return `
server: { baseUrl: "http://tidings.test" }
fetch: { allowPrivateNetworks: true, timeout: 5s }
sources:
  - name: Wire Daily
    id: wire
    feeds: ["${base}/wire/world.xml", "${base}/wire/turkey.xml"]
  - name: Levant Observer
    url: ${base}/levant.atom
  - name: Kommersant
    url: ${base}/kommersant.xml
  - name: Hurriyet
    url: ${base}/hurriyet.xml
  - name: Desk
    url: ${base}/desk.json
topics:
  - slug: turkey
    title: Turkey
    match:
      any: [Turkey, Turkish, Türkiye, Ankara, Erdoğan, Турци*]
      none: [Thanksgiving]
  - slug: syria
    title: Syria
    match:
      any: [Syria, Syrian, Idlib, Aleppo, Damascus, Идлиб*, İdlib*]
  - slug: russia
    title: Russia
    match:
      any: [Russia, Moscow, Putin, Росси*, Rusya]
${extra}`;
}

/** Routes for fixtureConfig; the ISO-8859-9 feed is declared only by its HTTP header. */
export function fixtureRoutes(fixture: (name: string) => Buffer) {
  return {
    '/wire/world.xml': { body: fixture('wire-world.xml'), headers: { 'content-type': 'application/rss+xml; charset=utf-8' } },
    '/wire/turkey.xml': { body: fixture('wire-turkey.xml') },
    '/levant.atom': { body: fixture('levant.atom'), headers: { 'content-type': 'application/atom+xml' } },
    '/kommersant.xml': { body: fixture('kommersant-1251.xml'), headers: { 'content-type': 'text/xml' } },
    '/hurriyet.xml': { body: fixture('hurriyet-8859-9.xml'), headers: { 'content-type': 'text/xml; charset=ISO-8859-9' } },
    '/desk.json': { body: fixture('desk.json'), headers: { 'content-type': 'application/feed+json' } },
  };
}

/** Tidings' own HTTP server for an app, on a random port of 127.0.0.1. */
export async function startHttp(app: App): Promise<{ readonly base: string; close(): Promise<void> }> {
  const http = buildServer({ store: app.store, publisher: app.publisher, logger: silentLogger(), maxAgeSeconds: 60 });
  await http.listen({ port: 0, host: '127.0.0.1' });
  return { base: `http://127.0.0.1:${(http.server.address() as AddressInfo).port}`, close: () => http.close() };
}

/**
 * Tears a test file's world down in dependency order: our HTTP server, the
 * app, its schema, the feed server, then the file's PGlite. Any part may be
 * missing (a beforeAll that failed half-way).
 */
export async function closeAll(parts: {
  http?: { close(): Promise<void> } | undefined;
  app?: App | undefined;
  db?: TestDb | undefined;
  feeds?: { close(): Promise<void> } | undefined;
}): Promise<void> {
  await parts.http?.close();
  await parts.app?.close();
  if (parts.db) await dropTestDb(parts.db);
  await parts.feeds?.close();
  await closeSharedPglite();
}
