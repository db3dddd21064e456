import { readFileSync } from 'node:fs';
import path from 'node:path';
import { isScalar, LineCounter, parseDocument, visit, type Document } from 'yaml';
import type { z } from 'zod';
import type { SourceSpec } from '../domain/source';
import type { MatchRule, TopicSpec } from '../domain/topic';
import { TidingsError } from '../shared/errors';
import { configSchema, deriveSourceId, type RawMatchBlock } from './schema';

export interface Config {
  readonly file: string;
  readonly server: { readonly port: number; readonly host: string; readonly baseUrl: string };
  readonly database: { readonly url: string | null; readonly dataDir: string; readonly schema: string | null };
  readonly fetch: {
    readonly timeoutMs: number;
    readonly connectTimeoutMs: number;
    readonly headersTimeoutMs: number;
    readonly maxBytes: number;
    readonly maxRedirects: number;
    readonly userAgent: string;
    /** true: no guard; a list: these CIDRs are allowed even though private. */
    readonly allowPrivateNetworks: boolean | readonly string[];
    readonly concurrency: number;
    readonly perHost: number;
  };
  readonly schedule: {
    readonly tick: string;
    readonly defaultIntervalSeconds: number;
    readonly minIntervalSeconds: number;
    readonly maxIntervalSeconds: number;
    readonly backoffCeilingSeconds: number;
    readonly adaptive: boolean;
    readonly leaseSeconds: number;
    readonly shutdownGraceMs: number;
  };
  readonly publish: { readonly defaultLimit: number; readonly maxLimit: number; readonly hub: string | null };
  /** Reload the file when it changes. */
  readonly watch: boolean;
  readonly content: { readonly iframeHosts: readonly string[] };
  readonly dedup: {
    readonly stories: boolean;
    readonly windowMs: number;
    readonly threshold: number;
    readonly minWords: number;
    readonly sourcePriority: readonly string[];
    readonly neverRepresentative: readonly string[];
  };
  readonly sources: readonly SourceSpec[];
  readonly topics: readonly TopicSpec[];
}

export interface ConfigProblem {
  readonly file: string;
  readonly line: number;
  readonly col: number;
  /** Dotted key path, for example "sources[2].url". */
  readonly key: string;
  readonly message: string;
}

export class ConfigError extends TidingsError {
  constructor(readonly problems: readonly ConfigProblem[]) {
    super('config_invalid', problems.map(formatProblem).join('\n'));
  }
}

export function formatProblem(p: ConfigProblem): string {
  return `${p.file}:${p.line}:${p.col}: ${p.key || '(top level)'}: ${p.message}`;
}

export const DEFAULT_CONFIG_FILE = 'config/tidings.yaml';

/** --config wins, then TIDINGS_CONFIG, then config/tidings.yaml. */
export function resolveConfigPath(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return flag ?? (env.TIDINGS_CONFIG || DEFAULT_CONFIG_FILE);
}

export function loadConfigFile(file: string, env: NodeJS.ProcessEnv = process.env): Config {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError([{ file, line: 0, col: 0, key: '', message: `cannot read the file: ${(err as Error).message}` }]);
  }
  return parseConfig(text, file, env);
}

/** Parses YAML text, substitutes ${VAR}, validates; every problem at once, each with file:line:col. */
export function parseConfig(text: string, file: string, env: NodeJS.ProcessEnv = process.env): Config {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number) => lineCounter.linePos(offset);
  const problems: ConfigProblem[] = [];

  for (const e of [...doc.errors, ...doc.warnings]) {
    const { line, col } = at(e.pos[0]);
    problems.push({ file, line, col, key: '', message: e.message.split('\n')[0] ?? e.message });
  }
  if (doc.errors.length > 0) throw new ConfigError(problems);

  substituteEnv(doc, env, (offset, message) => {
    const { line, col } = at(offset);
    problems.push({ file, line, col, key: '', message });
  });

  const result = configSchema.safeParse(doc.toJS() ?? {}, { reportInput: true });
  if (!result.success) {
    for (const issue of result.error.issues) problems.push(locateIssue(doc, issue, file, at));
  }
  if (problems.length > 0 || !result.success) throw new ConfigError(problems.sort((a, b) => a.line - b.line || a.col - b.col));

  const raw = result.data;
  const version = packageVersion();
  const config: Config = {
    file,
    server: raw.server,
    database: {
      url: raw.database.url?.trim() ? raw.database.url.trim() : null,
      dataDir: path.resolve(raw.database.dataDir),
      schema: raw.database.schema ?? null,
    },
    fetch: {
      timeoutMs: raw.fetch.timeout,
      connectTimeoutMs: Math.min(raw.fetch.connectTimeout, raw.fetch.timeout),
      headersTimeoutMs: Math.min(raw.fetch.headersTimeout, raw.fetch.timeout),
      maxBytes: raw.fetch.maxBytes,
      maxRedirects: raw.fetch.maxRedirects,
      userAgent: raw.fetch.userAgent ?? `Tidings/${version} (+https://github.com/tidings-aggregator/tidings)`,
      allowPrivateNetworks: raw.fetch.allowPrivateNetworks,
      concurrency: raw.fetch.concurrency,
      perHost: raw.fetch.perHost,
    },
    schedule: {
      tick: raw.schedule.tick,
      defaultIntervalSeconds: Math.round(raw.schedule.defaultInterval / 1000),
      minIntervalSeconds: Math.max(1, Math.round(raw.schedule.minInterval / 1000)),
      maxIntervalSeconds: Math.max(Math.round(raw.schedule.minInterval / 1000), Math.round(raw.schedule.maxInterval / 1000)),
      backoffCeilingSeconds: Math.round(raw.schedule.backoffCeiling / 1000),
      adaptive: raw.schedule.adaptive,
      // Longer than the longest fetch, so a live worker never loses its claim mid-fetch.
      leaseSeconds: Math.ceil((raw.schedule.lease ?? raw.fetch.timeout * 3 + 60_000) / 1000),
      shutdownGraceMs: raw.schedule.shutdownGrace,
    },
    publish: { defaultLimit: raw.publish.defaultLimit, maxLimit: raw.publish.maxLimit, hub: raw.publish.hub ?? null },
    watch: raw.watch,
    content: raw.content,
    dedup: {
      stories: raw.dedup.stories,
      windowMs: raw.dedup.window,
      threshold: raw.dedup.threshold,
      minWords: raw.dedup.minWords,
      sourcePriority: raw.dedup.sourcePriority,
      neverRepresentative: raw.dedup.neverRepresentative,
    },
    sources: raw.sources.map((s) => ({
      id: s.id ?? deriveSourceId(s.name),
      name: s.name,
      feeds: s.feeds ?? (s.url ? [s.url] : []),
      intervalSeconds: Math.round((s.interval ?? raw.schedule.defaultInterval) / 1000),
      tags: s.tags,
      headers: s.headers,
      enabled: s.enabled,
    })).filter((s) => s.enabled).map(({ enabled: _enabled, ...s }) => s),
    topics: raw.topics.map((t) => ({
      slug: t.slug,
      title: t.title,
      description: t.description ?? null,
      diacriticSensitive: t.diacriticSensitive,
      match: t.match ? { ...toRule(t.match), maxAgeSeconds: t.match.maxAge === undefined ? null : Math.round(t.match.maxAge / 1000) } : null,
      include: t.include,
      token: t.token ?? null,
      collapse: t.collapse,
    })),
  };
  return deepFreeze(config);
}

function toRule(b: RawMatchBlock): MatchRule {
  return {
    any: b.any,
    all: b.all,
    none: b.none,
    regex: b.regex,
    fields: b.fields ?? null,
    categories: b.categories,
    sources: b.sources,
    sourceTags: b.sourceTags,
    languages: b.languages.map((l) => l.toLowerCase()),
    anyOf: b.anyOf.map(toRule),
    allOf: b.allOf.map(toRule),
    not: b.not ? toRule(b.not) : null,
  };
}

const ENV_REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/** ${VAR} and ${VAR:-default} inside string scalars; an unset VAR becomes "". */
function substituteEnv(doc: Document, env: NodeJS.ProcessEnv, report: (offset: number, msg: string) => void): void {
  visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value !== 'string' || !node.value.includes('${')) return;
      const replaced = node.value.replace(ENV_REF, (_m, name: string, fallback: string | undefined) => env[name] || fallback || '');
      if (replaced.includes('${')) report(node.range?.[0] ?? 0, `malformed environment reference in ${JSON.stringify(node.value)}`);
      node.value = replaced;
    },
  });
}

function locateIssue(
  doc: Document,
  issue: z.core.$ZodIssue,
  file: string,
  at: (offset: number) => { line: number; col: number },
): ConfigProblem {
  const keyPath = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
  // Walk down as far as the document goes; a missing key points at its parent.
  let offset = 0;
  for (let depth = keyPath.length; depth >= 0; depth--) {
    const node = depth === 0 ? doc.contents : doc.getIn(keyPath.slice(0, depth), true);
    if (node && typeof node === 'object' && 'range' in node && Array.isArray(node.range)) {
      offset = node.range[0] as number;
      // Point at the key when the value is a scalar inside a map: easier to read.
      if (isScalar(node) && depth === keyPath.length) offset = keyOffset(doc, keyPath) ?? offset;
      break;
    }
  }
  const { line, col } = at(offset);
  return { file, line, col, key: formatKey(keyPath), message: describe(issue) };
}

function keyOffset(doc: Document, keyPath: readonly (string | number)[]): number | null {
  const parent = keyPath.length > 1 ? doc.getIn(keyPath.slice(0, -1), true) : doc.contents;
  const last = keyPath[keyPath.length - 1];
  if (!parent || typeof parent !== 'object' || !('items' in parent) || typeof last !== 'string') return null;
  for (const pair of (parent as { items: unknown[] }).items) {
    const key = (pair as { key?: { value?: unknown; range?: number[] } }).key;
    if (key?.value === last && key.range) return key.range[0] ?? null;
  }
  return null;
}

function formatKey(keyPath: readonly (string | number)[]): string {
  return keyPath.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '');
}

function describe(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${issue.expected}${issue.input === undefined ? ', but it is missing' : `, got ${describeValue(issue.input)}`}`;
    case 'unrecognized_keys':
      return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    default:
      return issue.message;
  }
}

function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a map';
  return `${typeof v} ${JSON.stringify(v)}`;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

let cachedVersion: string | null = null;
export function packageVersion(): string {
  if (cachedVersion) return cachedVersion;
  try {
    // dist/config/load.js and src/config/load.ts are both two levels below package.json.
    const pkg = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version?: string };
    cachedVersion = pkg.version ?? '0.0.0';
  } catch {
    cachedVersion = '0.0.0';
  }
  return cachedVersion;
}
