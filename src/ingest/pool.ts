/**
 * Runs tasks with a global concurrency limit and a per-key limit (the feed's
 * host), so 200 feeds on one host never hit it at once while other hosts'
 * feeds keep going.
 */
export async function runPooled<T, R>(
  tasks: readonly T[],
  opts: { concurrency: number; perKey: number; key: (t: T) => string },
  run: (t: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(tasks.length);
  const active = new Map<string, number>();
  const pending = tasks.map((t, i) => ({ t, i }));
  let running = 0;
  return new Promise<R[]>((resolve, reject) => {
    const pump = () => {
      if (pending.length === 0 && running === 0) return resolve(results);
      for (let j = 0; j < pending.length && running < opts.concurrency; ) {
        const { t, i } = pending[j]!;
        const k = opts.key(t);
        if ((active.get(k) ?? 0) >= opts.perKey) {
          j++;
          continue;
        }
        pending.splice(j, 1);
        active.set(k, (active.get(k) ?? 0) + 1);
        running++;
        run(t).then(
          (r) => {
            results[i] = r;
            active.set(k, (active.get(k) ?? 1) - 1);
            running--;
            pump();
          },
          reject,
        );
      }
    };
    pump();
  });
}

export function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
