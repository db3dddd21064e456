/**
 * Captures what the CLI writes to stdout and stderr during each test of the
 * enclosing describe block (registers beforeEach/afterEach).
 */
export function captureOutput(): { stdout(): string; stderr(): string } {
  let out: jest.SpyInstance;
  let err: jest.SpyInstance;
  beforeEach(() => {
    err = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    out = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  });
  afterEach(() => {
    err.mockRestore();
    out.mockRestore();
  });
  const text = (spy: jest.SpyInstance) => spy.mock.calls.map((c) => String(c[0])).join('');
  return { stdout: () => text(out), stderr: () => text(err) };
}
