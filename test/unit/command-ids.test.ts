// The command ids the extension registers (src/command-ids.ts, all registered by src/commands.ts) are the ones
// package.json contributes: a command missing from either side is one the palette shows and nothing answers, or one
// registered that no menu or keybinding can reach.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { COMMAND } from '../../src/command-ids';

test('every contributed command has an id in command-ids.ts, and every id there is contributed', () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
    contributes: { commands: { command: string }[] };
  };
  const contributed = manifest.contributes.commands.map((c) => c.command).sort();
  assert.deepEqual(Object.values(COMMAND).sort(), contributed);
});
