import { TidingsError } from '../shared/errors';

export type ParseErrorCode = 'not_a_feed' | 'malformed' | 'empty';

export class ParseError extends TidingsError {
  constructor(
    override readonly code: ParseErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}
