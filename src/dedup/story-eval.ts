import { decideStory, storyFeatures, type StoryCandidate, type StoryLayer, type StoryOptions } from './story-match';

/** One labelled headline, in the column layout of news-clusters.tsv. */
export interface LabelledRow {
  readonly id: string;
  readonly title: string;
  readonly publisher: string;
  readonly url: string | null;
  /** The label: rows with the same story id report the same story. */
  readonly storyId: string;
  readonly publishedAt: Date;
}

export interface PairScores {
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  /** Pairs of different publishers: labelled together, predicted together, both. */
  readonly pairs: { readonly gold: number; readonly predicted: number; readonly correct: number };
  readonly byLayer: Readonly<Record<StoryLayer, number>>;
}

const COLUMNS = ['id', 'title', 'publisher', 'url', 'story_id', 'hostname', 'category', 'timestamp_ms', 'timestamp_utc'] as const;

export class LabelledFileError extends Error {}

/** Parses the TSV text; a bad line is an error naming the file and line. */
export function parseLabelledTsv(text: string, file: string): LabelledRow[] {
  const lines = text.split(/\r?\n/);
  const header = (lines[0] ?? '').split('\t');
  const col = (name: (typeof COLUMNS)[number]) => header.indexOf(name);
  for (const name of ['title', 'publisher', 'story_id', 'timestamp_ms'] as const) {
    if (col(name) < 0) throw new LabelledFileError(`${file}:1: missing column "${name}" (expected ${COLUMNS.join(', ')})`);
  }
  const rows: LabelledRow[] = [];
  for (let n = 1; n < lines.length; n++) {
    const line = lines[n]!;
    if (line.trim() === '' || line.startsWith('#')) continue;
    const f = line.split('\t');
    const get = (name: (typeof COLUMNS)[number]) => (col(name) >= 0 ? (f[col(name)] ?? '').trim() : '');
    const ms = Number(get('timestamp_ms'));
    // A few real rows have no publisher name; their hostname names the publisher then.
    const publisher = get('publisher') || get('hostname');
    if (!get('title') || !publisher || !get('story_id') || !Number.isFinite(ms)) {
      throw new LabelledFileError(`${file}:${n + 1}: expected a title, a publisher, a story_id and a numeric timestamp_ms`);
    }
    rows.push({ id: get('id') || String(n), title: get('title'), publisher, url: get('url') || null, storyId: get('story_id'), publishedAt: new Date(ms) });
  }
  return rows;
}

/**
 * Clusters the rows in publication order with the real layers: the same
 * keys, the same candidate lookup by key within the window, the same
 * decision as ingest. Returns the predicted story of each row and the layer
 * that put it there.
 */
export function clusterRows(rows: readonly LabelledRow[], opts: StoryOptions): { story: number[]; layer: (StoryLayer | null)[] } {
  const order = rows.map((_, i) => i).sort((a, b) => rows[a]!.publishedAt.getTime() - rows[b]!.publishedAt.getTime() || a - b);
  const index = new Map<string, StoryCandidate[]>();
  const sources = new Map<number, Set<string>>();
  const story = new Array<number>(rows.length).fill(-1);
  const layer = new Array<StoryLayer | null>(rows.length).fill(null);
  let nextStory = 1;
  for (const i of order) {
    const r = rows[i]!;
    const canonicalUrl = r.url ? r.url.replace(/[?#].*$/, '') : null;
    const features = storyFeatures({ title: r.title, text: null, canonicalUrl });
    const seen = new Set<number>();
    const candidates: StoryCandidate[] = [];
    for (const k of features.keys) {
      for (const c of index.get(k) ?? []) {
        if (!seen.has(c.itemId)) {
          seen.add(c.itemId);
          candidates.push(c);
        }
      }
    }
    const match = decideStory({ sourceId: r.publisher, publishedAt: r.publishedAt, features }, candidates, (s) => sources.get(s) ?? new Set(), opts);
    const storyId = match ? match.storyId : nextStory++;
    story[i] = storyId;
    layer[i] = match ? match.layer : null;
    const set = sources.get(storyId) ?? new Set<string>();
    set.add(r.publisher);
    sources.set(storyId, set);
    const cand: StoryCandidate = { itemId: i, storyId, sourceId: r.publisher, urlKey: features.urlKey, titleKey: features.titleKey, shingles: features.shingles, publishedAt: r.publishedAt };
    for (const k of features.keys) {
      const list = index.get(k);
      if (list) list.push(cand);
      else index.set(k, [cand]);
    }
  }
  return { story, layer };
}

const pairsOf = (n: number) => (n * (n - 1)) / 2;

/**
 * Pairwise scores over pairs of DIFFERENT publishers: same-publisher pairs
 * are out of scope by design (never merged on similarity), so they count
 * neither for nor against.
 */
export function scorePairs(rows: readonly LabelledRow[], opts: StoryOptions): PairScores {
  const { story, layer } = clusterRows(rows, opts);
  let gold = 0;
  const byLabel = new Map<string, Map<string, number>>();
  rows.forEach((r) => {
    const pubs = byLabel.get(r.storyId) ?? new Map<string, number>();
    pubs.set(r.publisher, (pubs.get(r.publisher) ?? 0) + 1);
    byLabel.set(r.storyId, pubs);
  });
  for (const pubs of byLabel.values()) {
    let n = 0;
    let same = 0;
    for (const c of pubs.values()) {
      n += c;
      same += pairsOf(c);
    }
    gold += pairsOf(n) - same;
  }
  const clusters = new Map<number, Map<string, number>>();
  rows.forEach((r, i) => {
    const labels = clusters.get(story[i]!) ?? new Map<string, number>();
    labels.set(r.storyId, (labels.get(r.storyId) ?? 0) + 1);
    clusters.set(story[i]!, labels);
  });
  let predicted = 0;
  let correct = 0;
  for (const labels of clusters.values()) {
    let n = 0;
    for (const c of labels.values()) {
      n += c;
      correct += pairsOf(c);
    }
    predicted += pairsOf(n);
  }
  const byLayer: Record<StoryLayer, number> = { url: 0, title: 0, minhash: 0 };
  for (const l of layer) if (l) byLayer[l]++;
  const precision = predicted === 0 ? 1 : correct / predicted;
  const recall = gold === 0 ? 1 : correct / gold;
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { precision, recall, f1, pairs: { gold, predicted, correct }, byLayer };
}

export const SWEEP_THRESHOLDS = [0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.9, 1.0] as const;

export function sweep(rows: readonly LabelledRow[], opts: StoryOptions): { threshold: number; precision: number; recall: number; f1: number }[] {
  return SWEEP_THRESHOLDS.map((threshold) => {
    const s = scorePairs(rows, { ...opts, threshold });
    return { threshold, precision: s.precision, recall: s.recall, f1: s.f1 };
  });
}
