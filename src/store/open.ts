import { PGlite } from '@electric-sql/pglite';
import { CamelCasePlugin, Kysely, PostgresDialect, sql, type Transaction } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import pg from 'pg';
import { mkdirSync } from 'node:fs';
import type { Database } from './schema';

export type Backend = 'postgres' | 'pglite';
export type Executor = Kysely<Database> | Transaction<Database>;

export interface Db {
  readonly kysely: Kysely<Database>;
  readonly backend: Backend;
  /** Runs a multi-statement SQL script (a migration file) inside the given transaction. */
  execScript(trx: Transaction<Database>, script: string): Promise<void>;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** Postgres URL; null → embedded PGlite. */
  readonly url: string | null;
  /** PGlite data directory; undefined → in memory. */
  readonly dataDir?: string;
  /** Use (and create) this schema instead of public: tests isolate themselves this way. */
  readonly schema?: string;
  /** An already started PGlite to reuse (tests start one per file). It is not closed by close(). */
  readonly pglite?: PGlite;
  /** Pool size for Postgres. */
  readonly poolSize?: number;
}

const INT8_OID = 20;
// Ids and counts are int8; every value we store fits in a double.
const parseInt8 = (v: string) => Number(v);
const SCHEMA_NAME = /^[a-z_][a-z0-9_]*$/;

export async function openDb(opts: OpenOptions): Promise<Db> {
  if (opts.schema !== undefined && !SCHEMA_NAME.test(opts.schema)) throw new Error(`store: invalid schema name "${opts.schema}"`);
  return opts.url ? openPostgres(opts.url, opts) : openPglite(opts);
}

async function openPostgres(url: string, opts: OpenOptions): Promise<Db> {
  const types = {
    getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
      oid === INT8_OID ? parseInt8 : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
  };
  if (opts.schema) {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${opts.schema}`);
    } finally {
      await client.end();
    }
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.poolSize ?? 10,
    types,
    // JIT off for every session: Tidings runs short index-driven statements whose
    // estimated cost (the story lookup: one subplan per hit) can pass
    // jit_above_cost, and JIT compilation then takes ~0.5 s and never pays back.
    // A connection option rather than SET LOCAL per transaction: no round trip.
    options: ['-c jit=off', ...(opts.schema ? [`-c search_path=${opts.schema}`] : [])].join(' '),
  });
  // An idle client that loses its server must not crash the process.
  pool.on('error', () => undefined);
  const kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), plugins: [new CamelCasePlugin()] });
  return {
    kysely,
    backend: 'postgres',
    // With no parameters, pg uses the simple query protocol, which runs several statements.
    execScript: async (trx, script) => {
      await sql.raw(script).execute(trx);
    },
    close: () => kysely.destroy(),
  };
}

async function openPglite(opts: OpenOptions): Promise<Db> {
  const owned = !opts.pglite;
  if (opts.dataDir) mkdirSync(opts.dataDir, { recursive: true });
  const pglite =
    opts.pglite ?? (await PGlite.create({ ...(opts.dataDir ? { dataDir: opts.dataDir } : {}), parsers: { [INT8_OID]: parseInt8 } }));
  if (opts.schema) {
    // PGlite is a single session, so search_path set here holds for every query.
    await pglite.exec(`CREATE SCHEMA IF NOT EXISTS ${opts.schema}; SET search_path TO ${opts.schema}`);
  }
  const kysely = new Kysely<Database>({ dialect: new PGliteDialect(pglite), plugins: [new CamelCasePlugin()] });
  return {
    kysely,
    backend: 'pglite',
    // PGlite's query() uses the extended protocol (one statement); exec() runs a script.
    // It is one session, so the script runs inside the transaction that trx opened.
    execScript: async (_trx, script) => {
      await pglite.exec(script);
    },
    close: async () => {
      if (owned) await kysely.destroy();
    },
  };
}

/** Starts an in-memory PGlite with Tidings' type parsers (tests share one per file). */
export function startPglite(dataDir?: string): Promise<PGlite> {
  return PGlite.create({ ...(dataDir ? { dataDir } : {}), parsers: { [INT8_OID]: parseInt8 } });
}
