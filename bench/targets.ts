import type { BackendFigures, RunFigures } from './run';

/** The issue's targets, checked on the median figures. Reported, never a pass/fail gate for CI. */
export interface TargetCheck {
  readonly target: string;
  readonly value: string;
  readonly met: boolean | null;
}

export function checkTargets(m: RunFigures, feeds: number): TargetCheck[] {
  const out: TargetCheck[] = [];
  const add = (target: string, value: number, digits: number, met: boolean | null, unit = '') =>
    out.push({ target, value: `${value.toFixed(digits)}${unit}`, met });
  add('decode + parse + normalize ≥ 0.6 × raw rss-parser', m.parse.ratio, 2, m.parse.ratio >= 0.6, ' ×');
  const pgRaw = m.backends.postgres;
  const pgFig = pgRaw && !('skipped' in pgRaw) ? (pgRaw as BackendFigures) : null;
  const at1000 = feeds >= 1000;
  if (pgFig) {
    add(`cold ingest on Postgres ≥ 5,000 items stored/s${at1000 ? '' : ` (measured with ${feeds} feeds, target is at 1,000)`}`, pgFig.cold.storedPerSec, 0, at1000 ? pgFig.cold.storedPerSec >= 5000 : null, ' /s');
    add('cold ingest ≥ 0.5 × plain-INSERT ceiling', pgFig.storageRatio, 2, pgFig.storageRatio >= 0.5, ' ×');
    if (pgFig.withoutStories) add('story clustering adds ≤ 20 % to cold ingest per item (issue 7)', pgFig.withoutStories.storyCost * 100, 0, pgFig.withoutStories.storyCost <= 0.2, ' %');
    add('304 re-poll ≥ 1,000 feeds/s', pgFig.repoll304.feedsPerSec, 0, pgFig.repoll304.feedsPerSec >= 1000, ' /s');
    for (const s of pgFig.serve) {
      const is304 = s.name.endsWith('304');
      add(`serving ${s.name} ≥ ${is304 ? '0.8' : '0.5'} × ceiling`, s.ratio, 2, s.ratio >= (is304 ? 0.8 : 0.5), ' ×');
      if (!is304) add(`serving ${s.name} p99 < 20 ms`, s.tidings.p99Ms, 0, s.tidings.p99Ms < 20, ' ms');
    }
    add(`peak RSS < 300 MB${at1000 ? '' : ` (measured with ${feeds} feeds, target is at 1,000)`}`, pgFig.memory.peakRssMb, 0, at1000 ? pgFig.memory.peakRssMb < 300 : null, ' MB');
  } else {
    out.push({ target: 'Postgres targets', value: pgRaw && 'skipped' in pgRaw ? pgRaw.skipped : 'not run', met: null });
  }
  return out;
}
