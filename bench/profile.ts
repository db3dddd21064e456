import { Session } from 'node:inspector/promises';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * With TIDINGS_BENCH_PROFILE=dir, a CPU profile of one phase (the same
 * format as node --cpu-prof, for Chrome DevTools or speedscope); with
 * TIDINGS_BENCH_ALLOCATIONS=dir, a sampling heap profile of everything the
 * phase allocated, collected or not (.heapprofile, for DevTools' memory
 * tab): where the garbage collector's work comes from. Otherwise it runs
 * the phase as is.
 */
export async function profiled<T>(name: string, phase: () => Promise<T>): Promise<T> {
  const allocations = process.env.TIDINGS_BENCH_ALLOCATIONS;
  if (allocations) return sampledAllocations(name, allocations, phase);
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

async function sampledAllocations<T>(name: string, dir: string, phase: () => Promise<T>): Promise<T> {
  const session = new Session();
  session.connect();
  await session.post('HeapProfiler.enable');
  await session.post('HeapProfiler.startSampling', { samplingInterval: 64 * 1024, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  try {
    return await phase();
  } finally {
    const { profile } = await session.post('HeapProfiler.stopSampling');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, `${name}-${process.pid}.heapprofile`), JSON.stringify(profile));
    session.disconnect();
  }
}
