/** Base class: every error Tidings raises on purpose has a stable `code`. */
export class TidingsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Turns any thrown value into an Error, once, keeping the original as `cause`. */
export function toError(value: unknown): Error {
  if (value instanceof Error) return value;
  return new Error(typeof value === 'string' ? value : JSON.stringify(value), { cause: value });
}

export function errorMessage(value: unknown): string {
  return toError(value).message;
}
