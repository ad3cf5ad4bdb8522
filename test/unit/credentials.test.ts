// Credentials in a database URL (user info, a fragment, credential-like parameters) never reach an error message,
// sync_runs, the checkpoint or the history; and a URL carrying one is refused, so it is never saved to settings.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SessionStore } from '../../src/core/store/session-store';
import { Remote, redactUrl } from '../../src/core/remote/connect';
import { resolveRemoteTarget, RemoteUrlError } from '../../src/core/remote/target';
import { runSync } from '../../src/core/sync/engine';
import { listRuns } from '../../src/core/store/run-history';
import { checkpointPath } from '../../src/core/sync/checkpoint';
import { generateSessions } from '../../src/lab/generator';

const SECRETS = ['hunter2', 'jwt-abc123', 'pw-456', 'frag-789', 'key-000', 'alice'];
const URLS = [
  'http://alice:hunter2@db.example.com/',
  'libsql://db.example.com/?jwt=jwt-abc123',
  'https://db.example.com/?password=pw-456',
  'https://db.example.com/#authToken=frag-789',
  'https://db.example.com/?api_key=key-000&tls=1',
];
const cleanups: (() => Promise<void> | void)[] = [];

after(async () => {
  for (const c of cleanups.reverse()) await c();
});

function assertNoSecret(text: string, where: string): void {
  for (const s of SECRETS) assert.ok(!text.includes(s), `${where} shows "${s}": ${text}`);
}

describe('redactUrl', () => {
  test('removes user info, fragments and every credential-like parameter, and keeps the rest', () => {
    for (const url of URLS) assertNoSecret(redactUrl(url), url);
    assert.equal(redactUrl('https://db.example.com/?api_key=key-000&tls=1'), 'https://db.example.com/?api_key=***&tls=1');
    assert.equal(redactUrl('http://alice:hunter2@db.example.com/'), 'http://***:***@db.example.com/');
    assertNoSecret(redactUrl('not a url //alice:hunter2@x #frag-789 ?jwt=jwt-abc123'), 'unparseable');
  });
});

describe('a URL that carries a credential', () => {
  test('is refused (Configure Remote validates with this), and the refusal does not repeat the secret', () => {
    for (const url of URLS) {
      assert.throws(() => resolveRemoteTarget('/tmp', url, undefined), (err: Error) => {
        assert.ok(err instanceof RemoteUrlError);
        assert.match(err.message, /carries a credential.*Configure Remote/);
        assertNoSecret(err.message, url);
        return true;
      });
    }
  });

  test('used anyway, never reaches the error, sync_runs or the checkpoint', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'credentials-test-'));
    const { store } = await SessionStore.open(dir);
    cleanups.push(async () => {
      await store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    });
    store.upsertMany(generateSessions({ count: 5, seed: 'credentials' }));
    // Port 9 (discard) refuses connections on loopback: the sync fails after its retries.
    const remote = new Remote({ url: 'http://alice:hunter2@127.0.0.1:9/?jwt=jwt-abc123&password=pw-456#authToken=frag-789' });
    cleanups.push(() => remote.close());
    const report = await runSync(store, remote, { retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 } });
    assert.equal(report.result, 'failed');
    assertNoSecret(JSON.stringify(report), 'the report');
    assertNoSecret(JSON.stringify(listRuns(store)), 'sync_runs');
    assertNoSecret(fs.readFileSync(checkpointPath(dir), 'utf8'), 'the checkpoint');
  });
});
