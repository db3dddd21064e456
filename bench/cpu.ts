import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU time of this process and of the local PostgreSQL server's processes
 * (from /proc: every process whose command is "postgres"), so a phase can be
 * reported as CPU per item on each side, not only as wall time. On two
 * shared cores, where node and Postgres compete, the CPU each side spends
 * says more than the wall time about where a change helps. Postgres CPU is
 * null where /proc cannot be read or shows no postgres process (another
 * machine, PGlite).
 */
export interface CpuMark {
  readonly nodeMs: number;
  readonly postgresMs: number | null;
}

export function cpuMark(): CpuMark {
  const u = process.cpuUsage();
  return { nodeMs: (u.user + u.system) / 1000, postgresMs: postgresCpuMs() };
}

export function cpuSince(start: CpuMark): CpuMark {
  const now = cpuMark();
  return { nodeMs: now.nodeMs - start.nodeMs, postgresMs: now.postgresMs !== null && start.postgresMs !== null ? now.postgresMs - start.postgresMs : null };
}

const TICK_MS = 10; // USER_HZ is 100 on Linux

function postgresCpuMs(): number | null {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return null;
  }
  let ticks = 0;
  let seen = false;
  for (const pid of entries) {
    if (!/^\d+$/.test(pid)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    const close = stat.lastIndexOf(')');
    if (stat.slice(stat.indexOf('(') + 1, close) !== 'postgres') continue;
    // Fields after the command: state is field 3, utime 14, stime 15 (proc(5)).
    const fields = stat.slice(close + 2).split(' ');
    ticks += Number(fields[11]) + Number(fields[12]);
    seen = true;
  }
  return seen ? ticks * TICK_MS : null;
}
