import type { BackendFigures, BenchReport } from './run';

/** The human-readable table on stdout. */
export function printTable(r: BenchReport): void {
  const m = r.median;
  const lines: string[] = [];
  const runs = r.options.runs > 1 ? `, medians of ${r.options.runs} runs` : '';
  lines.push(`Tidings bench · ${r.machine.cpu} × ${r.machine.cores} cores · Node ${r.machine.node} · ${r.git.commit?.slice(0, 10) ?? 'no git'}${r.git.dirty ? ' (dirty)' : ''}${r.nodeFlags?.length ? ` · node ${r.nodeFlags.join(' ')}` : ''}`);
  lines.push(`${r.options.feeds} feeds × 50 items${r.options.quick ? ' (--quick)' : ''}${runs}`);
  lines.push('');
  lines.push(row(['1. Parse', 'items/s', 'ceiling', 'ratio']));
  lines.push(row([`decode+parse+normalize (${m.parse.items} items)`, n(m.parse.tidingsItemsPerSec), n(m.parse.rawItemsPerSec), x(m.parse.ratio)]));
  lines.push(row(['5. Topic matching (50 × 10 keywords)', n(m.match.itemsPerSec), '', `${m.match.matchesPerItem.toFixed(1)} topics/item`]));
  for (const [name, b] of Object.entries(m.backends)) {
    lines.push('');
    if ('skipped' in b) {
      lines.push(`${name}: skipped: ${b.skipped}`);
      continue;
    }
    lines.push(...backendRows(name, b as BackendFigures));
  }
  lines.push('');
  lines.push('Targets');
  for (const t of r.targets) lines.push(`  ${t.met === null ? '  –  ' : t.met ? ' met ' : 'MISSED'}  ${t.target}: ${t.value}`);
  process.stdout.write(lines.join('\n') + '\n');
}

function backendRows(name: string, b: BackendFigures): string[] {
  const out: string[] = [];
  out.push(row([`2. Cold ingest · ${name}`, 'value', 'ceiling', 'ratio']));
  out.push(row(['wall time', `${(b.cold.wallMs / 1000).toFixed(1)} s`, '', '']));
  out.push(row(['items processed/s', n(b.cold.itemsPerSec), '', '']));
  out.push(row(['CPU per item: Tidings / Postgres', cpuPerItem(b.cold), '', '']));
  if (b.cold.linker) out.push(row(['story linker busy / ingest waiting for it', linkerShare(b.cold), '', '']));
  out.push(row([`items stored/s (${b.cold.inserted} stored, ${b.cold.duplicates} dup, ${b.cold.errors} err)`, n(b.cold.storedPerSec), n(b.ceiling.rowsPerSec), x(b.storageRatio)]));
  if (b.withoutStories) {
    const off = b.withoutStories;
    out.push(row([`   stories off: items stored/s (${(off.cold.wallMs / 1000).toFixed(1)} s)`, n(off.cold.storedPerSec), '', '']));
    out.push(row(['   CPU per item: Tidings / Postgres', cpuPerItem(off.cold), '', '']));
    out.push(row(['   story clustering adds, per item', `${off.storyCost >= 0 ? '+' : ''}${(off.storyCost * 100).toFixed(0)} %`, '', '']));
  }
  out.push(row(['peak RSS / heap', `${b.memory.peakRssMb.toFixed(0)} MB`, `${b.memory.peakHeapMb.toFixed(0)} MB heap`, '']));
  if (b.memory.pgliteWasmMb !== null) out.push(row(['PGlite WASM memory (in the RSS)', `${b.memory.pgliteWasmMb.toFixed(0)} MB`, '', '']));
  out.push(row(['3. Re-poll, all 304', `${n(b.repoll304.feedsPerSec)} feeds/s`, '', `${b.repoll304.notModified}/${b.repoll304.feeds} 304`]));
  out.push(row(['   Re-poll, all 200, nothing new', `${n(b.repoll200.itemsPerSec)} items/s`, '', `${b.repoll200.inserted} new`]));
  out.push(row([`4. Serving ${b.serveTopic.slug} (${b.serveTopic.topicItems} items)`, 'req/s p50/p99', 'ceiling', 'ratio']));
  for (const s of b.serve) {
    const bad = s.tidings.errors + s.tidings.unexpected + s.ceiling.errors + s.ceiling.unexpected;
    out.push(
      row([
        `   ${s.name}${s.bytes ? ` (${(s.bytes / 1024).toFixed(0)} KB)` : ''}${bad ? ` [${bad} errors]` : ''}`,
        `${n(s.tidings.reqPerSec)} ${s.tidings.p50Ms}/${s.tidings.p99Ms} ms`,
        `${n(s.ceiling.reqPerSec)} ${s.ceiling.p50Ms}/${s.ceiling.p99Ms} ms`,
        x(s.ratio),
      ]),
    );
  }
  return out;
}

/**
 * The story linker's share of the cold-ingest wall time (one linker runs at a
 * time: near 100 % means it is the critical path), and the time feeds stood
 * ready in room() behind it, summed over the concurrent feeds.
 */
export function linkerShare(c: BackendFigures['cold']): string {
  if (!c.linker) return '–';
  return `${((c.linker.busyMs / c.wallMs) * 100).toFixed(0)} % / ${(c.linker.roomWaitMs / 1000).toFixed(1)} s`;
}

/** µs of CPU per item processed, each side; "–" where Postgres's CPU is not known (PGlite, a remote server). */
function cpuPerItem(c: BackendFigures['cold']): string {
  const items = c.inserted + c.duplicates;
  if (!c.cpu || items === 0) return '–';
  const us = (ms: number | null) => (ms === null ? '–' : `${Math.round((ms * 1000) / items)}`);
  return `${us(c.cpu.nodeMs)} / ${us(c.cpu.postgresMs)} µs`;
}

const WIDTHS = [52, 22, 22, 16];
function row(cells: readonly string[]): string {
  return cells.map((c, i) => (i === 0 ? c.padEnd(WIDTHS[i]!) : c.padStart(WIDTHS[i]!))).join('').trimEnd();
}

function n(v: number): string {
  return Math.round(v).toLocaleString('en-US');
}

function x(v: number): string {
  return `${v.toFixed(2)} ×`;
}
