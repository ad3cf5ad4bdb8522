// `privacy.filePaths: hashed` as a keyed hash: a list of common paths hashed by anyone else matches nothing, the
// names are long enough not to collide, and event details (task, debug, terminal names) follow the same setting.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { applyDetailPrivacy, applyPathPrivacy } from '../../src/core/session-builder';

const KEY = randomBytes(32);
const OTHER_KEY = randomBytes(32);

describe('hashed file paths', () => {
  test('stable for the same user and file, wherever the workspace lives; extension kept', () => {
    const a = applyPathPrivacy('/home/ann/proj/src/a.ts', '/home/ann/proj', 'hashed', KEY);
    assert.equal(applyPathPrivacy('/srv/build/proj/src/a.ts', '/srv/build/proj', 'hashed', KEY), a);
    assert.notEqual(applyPathPrivacy('/home/ann/proj/src/b.ts', '/home/ann/proj', 'hashed', KEY), a);
    assert.match(a ?? '', /^[0-9a-f]{24}\.ts$/);
    assert.match(applyPathPrivacy('/home/ann/proj/Makefile', '/home/ann/proj', 'hashed', KEY) ?? '', /^[0-9a-f]{24}$/);
  });

  test('cannot be reversed with a list of common paths: the plain SHA-256 of the path does not match', () => {
    const name = applyPathPrivacy('/p/src/index.ts', '/p', 'hashed', KEY) ?? '';
    const dictionaryGuess = createHash('sha256').update('src/index.ts').digest('hex');
    assert.ok(!dictionaryGuess.startsWith(name.slice(0, 8)), 'an unkeyed hash of the path gives the name away');
    assert.notEqual(applyPathPrivacy('/p/src/index.ts', '/p', 'hashed', OTHER_KEY), name, 'another key, another name');
  });

  test('refuses to hash without a key rather than fall back to an unkeyed hash', () => {
    assert.throws(() => applyPathPrivacy('/p/a.ts', '/p', 'hashed'), /privacy key/);
  });

  test('no collisions among 20,000 distinct paths', () => {
    const names = new Set<string>();
    for (let i = 0; i < 20_000; i++) names.add(applyPathPrivacy(`/p/src/f${i}.ts`, '/p', 'hashed', KEY)!);
    assert.equal(names.size, 20_000);
  });
});

describe('event details follow the path setting', () => {
  test('relative keeps the name, hashed keys it, none drops it', () => {
    assert.equal(applyDetailPrivacy('deploy acme-corp', 'relative', KEY), 'deploy acme-corp');
    const hashed = applyDetailPrivacy('deploy acme-corp', 'hashed', KEY) ?? '';
    assert.match(hashed, /^[0-9a-f]{24}$/);
    assert.ok(!hashed.includes('acme'));
    assert.equal(applyDetailPrivacy('deploy acme-corp', 'none', KEY), undefined);
  });
});
