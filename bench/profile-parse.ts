import { Corpus } from './corpus';
import { benchParse } from './parse-ceiling';

/** `node --cpu-prof --import tsx bench/profile-parse.ts [feeds]`: section 1 alone, for a CPU profile. */
async function main(): Promise<void> {
  const feeds = Number(process.argv[2] ?? 100);
  const { figures } = await benchParse(new Corpus(feeds), feeds, 5);
  process.stdout.write(JSON.stringify(figures, null, 2) + '\n');
}

void main();
