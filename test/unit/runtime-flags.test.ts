import { readFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');

// The bench measures Tidings with package.json's config.nodeFlags (bench/run.ts);
// npm start and the container must run with the same ones, or its figures are not theirs.
describe('node flags', () => {
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { config: { nodeFlags: string }; scripts: { start: string } };

  it('npm start passes config.nodeFlags to node', () => {
    expect(pkg.config.nodeFlags).toMatch(/^--\S/);
    expect(pkg.scripts.start).toMatch(/node \$npm_package_config_nodeFlags dist\/cli\.js serve/);
  });

  it('the Dockerfile sets the same flags as NODE_OPTIONS', () => {
    const dockerfile = readFileSync(path.join(root, 'Dockerfile'), 'utf8');
    const m = /NODE_OPTIONS=("([^"]*)"|(\S+))/.exec(dockerfile);
    expect(m).not.toBeNull();
    expect(m![2] ?? m![3]).toBe(pkg.config.nodeFlags);
  });
});
