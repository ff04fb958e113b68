// `-f` is the spec before the command and follow after `logs` (as in `docker logs -f`).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { followAfterLogs } from '../../src/cli/main.js';

test('after `logs`, -f means --follow; before any command it stays the spec file', () => {
  const cases: [string[], string[]][] = [
    [['logs', '-f', 'web'], ['logs', '--follow', 'web']],
    [['-f', 'site.yaml', 'logs', '-f', '-n', '5', 'web'], ['-f', 'site.yaml', 'logs', '--follow', '-n', '5', 'web']],
    [['--state', 's.db', '--verbose', 'logs', 'web', '-f'], ['--state', 's.db', '--verbose', 'logs', 'web', '--follow']],
    [['-f', 'logs', 'deploy'], ['-f', 'logs', 'deploy']],
    [['deploy', '-f', 'site.yaml'], ['deploy', '-f', 'site.yaml']],
    [['-f', 'site.yaml', 'ps'], ['-f', 'site.yaml', 'ps']],
    [[], []],
  ];
  for (const [argv, want] of cases) assert.deepEqual(followAfterLogs(argv), want, argv.join(' '));
});
