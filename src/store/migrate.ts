import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import type { Db } from './open';

/** sql/ at the package root, from both src/store and dist/store. */
export const MIGRATIONS_DIR = path.join(__dirname, '..', '..', 'sql');

// Any constant works; it only has to be the same in every Tidings process.
const MIGRATION_LOCK = 7_144_901;

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly script: string;
}

export function readMigrations(dir: string = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d+_[\w-]+\.sql$/.test(f))
    .map((f) => ({ version: Number(f.split('_')[0]), name: f, script: readFileSync(path.join(dir, f), 'utf8') }))
    .sort((a, b) => a.version - b.version);
}

/**
 * Applies pending migrations in order, each in its own transaction. Each
 * transaction takes a transaction-scoped advisory lock first, then checks the
 * version again, so two processes starting at once apply each file once.
 * Returns the names applied by this call.
 */
export async function migrate(db: Db, migrations: readonly Migration[] = readMigrations()): Promise<string[]> {
  await db.kysely.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`.execute(trx);
    await sql`CREATE TABLE IF NOT EXISTS tidings_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`.execute(trx);
  });
  const applied: string[] = [];
  for (const m of migrations) {
    const did = await db.kysely.transaction().execute(async (trx) => {
      await sql`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`.execute(trx);
      const done = await sql<{ n: number }>`SELECT count(*) AS n FROM tidings_migrations WHERE version = ${m.version}`.execute(trx);
      if (Number(done.rows[0]?.n) > 0) return false;
      // The row goes in first, so a concurrent migrator that got past the lock would fail on the key.
      await sql`INSERT INTO tidings_migrations (version, name) VALUES (${m.version}, ${m.name})`.execute(trx);
      await db.execScript(trx, m.script);
      return true;
    });
    if (did) applied.push(m.name);
  }
  return applied;
}
