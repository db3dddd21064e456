import { Session } from 'node:inspector/promises';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * With TIDINGS_BENCH_PROFILE=dir, a CPU profile of one phase (the same
 * format as node --cpu-prof, for Chrome DevTools or speedscope); otherwise
 * it runs the phase as is.
 */
export async function profiled<T>(name: string, phase: () => Promise<T>): Promise<T> {
  const dir = process.env.TIDINGS_BENCH_PROFILE;
  if (!dir) return phase();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  try {
    return await phase();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, `${name}-${process.pid}.cpuprofile`), JSON.stringify(profile));
    session.disconnect();
  }
}
