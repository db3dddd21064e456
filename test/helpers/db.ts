import { randomBytes } from 'node:crypto';
import type { PGlite } from '@electric-sql/pglite';
import { startPglite, Store } from '../../src/store';

/**
 * Tests run on PGlite by default, and on a real Postgres when
 * TIDINGS_TEST_DATABASE_URL is set (CI sets it to the server on 127.0.0.1).
 * Each test gets a schema of its own; a PGlite is started once per file.
 */
export const TEST_DATABASE_URL = process.env.TIDINGS_TEST_DATABASE_URL || null;
export const BACKEND = TEST_DATABASE_URL ? 'postgres' : 'pglite';

let pglite: Promise<PGlite> | null = null;

export function sharedPglite(): Promise<PGlite> | undefined {
  if (TEST_DATABASE_URL) return undefined;
  pglite ??= startPglite();
  return pglite;
}

export function freshSchema(): string {
  return `t_${randomBytes(6).toString('hex')}`;
}

export interface TestDb {
  readonly schema: string;
  readonly pglite: PGlite | undefined;
  readonly url: string | null;
}

/** A new schema on the test backend; drop it with dropTestDb. */
export async function newTestDb(): Promise<TestDb> {
  return { schema: freshSchema(), pglite: await sharedPglite(), url: TEST_DATABASE_URL };
}

export async function openTestStore(db: TestDb): Promise<Store> {
  return Store.open({ url: db.url, schema: db.schema, ...(db.pglite ? { pglite: db.pglite } : {}) });
}

export async function dropTestDb(db: TestDb): Promise<void> {
  if (db.pglite) {
    await db.pglite.exec(`DROP SCHEMA IF EXISTS ${db.schema} CASCADE; SET search_path TO public`);
    return;
  }
  const pg = await import('pg');
  const client = new pg.default.Client({ connectionString: db.url! });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${db.schema} CASCADE`);
  } finally {
    await client.end();
  }
}

/** Closes the file's PGlite (afterAll). */
export async function closeSharedPglite(): Promise<void> {
  if (pglite) {
    const p = await pglite;
    pglite = null;
    await p.close();
  }
}
