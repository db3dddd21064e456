import { Corpus } from './corpus';
import { benchMatch, type MatchFigures } from './match-rate';
import { benchParse, type ParseFigures } from './parse-ceiling';

/**
 * Sections 1 and 5 (parse against raw rss-parser, topic matching) in a
 * process of their own: compiled JS under plain node with Tidings' node
 * flags, as the other measured processes and `npm start` run, rather than
 * in the orchestrator under tsx (whose module transform adds a getter to
 * every cross-module call: 3–5 % of the parse figure in a same-machine
 * comparison). Both sides of the parse ratio run in this one process.
 */
export interface ComputeArgs {
  readonly feeds: number;
  readonly parseFeeds: number;
  readonly parseRounds: number;
  readonly matchRounds: number;
}

export type ComputeMessage = { readonly type: 'result'; readonly parse: ParseFigures; readonly match: MatchFigures } | { readonly type: 'failed'; readonly error: string };

async function main(): Promise<void> {
  const args = JSON.parse(process.argv[2] ?? '{}') as ComputeArgs;
  const corpus = new Corpus(args.feeds);
  const parsed = await benchParse(corpus, args.parseFeeds, args.parseRounds);
  const match = benchMatch(corpus, parsed.normalized, args.matchRounds);
  process.send!({ type: 'result', parse: parsed.figures, match } satisfies ComputeMessage);
}

main().then(
  () => process.disconnect(),
  (err: unknown) => {
    process.send!({ type: 'failed', error: err instanceof Error ? (err.stack ?? err.message) : String(err) } satisfies ComputeMessage);
    process.exitCode = 1;
    process.disconnect();
  },
);
