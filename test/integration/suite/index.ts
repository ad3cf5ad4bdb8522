// Entry point the extension host loads through `extensionTestsPath` (bundled by esbuild into
// out/test/index.js, with mocha left external). The test files are bundled in, so they are listed
// here rather than globbed; each is imported only after mocha has installed its tdd globals
// (suite/test/...), which is why the imports are dynamic. Add new *.test.ts files to TEST_FILES.
import Mocha from 'mocha';

const TEST_FILES: Record<string, () => Promise<unknown>> = {
  // First: it needs the fresh profile, before anything was synced.
  'first-hour.test.ts': () => import('./first-hour.test.js'),
  'smoke.test.ts': () => import('./smoke.test.js'),
  'recording.test.ts': () => import('./recording.test.js'),
  'webview.test.ts': () => import('./webview.test.js'),
  // Last: it adds sessions months old, which the webview tests' dry run must not see.
  'archive.test.ts': () => import('./archive.test.js'),
  // After archive: it points the extension at a server of its own, then back at the embedded default.
  'configure-remote.test.ts': () => import('./configure-remote.test.js'),
  // On the embedded default, after the archive tests (its own sessions are recent); restores every setting it sets.
  'settings-applied.test.ts': () => import('./settings-applied.test.js'),
  // A server of its own that it stops, restarts and re-keys; back at the embedded default when done.
  'status-states.test.ts': () => import('./status-states.test.js'),
  // A server of its own behind a relay that holds batches; back at the embedded default when done.
  'long-sync.test.ts': () => import('./long-sync.test.js'),
  // Last: it deactivates the extension during a sync and starts it again; restores every setting it sets.
  'shutdown.test.ts': () => import('./shutdown.test.js'),
};

// Reports through console.log only: the extension host forwards console output to the launcher
// (codeAutomationLog), whereas mocha's stock reporters also write to process.stdout, which is lost.
class ConsoleReporter extends Mocha.reporters.Base {
  constructor(runner: Mocha.Runner, options?: Mocha.MochaOptions) {
    super(runner, options);
    const { EVENT_TEST_PASS, EVENT_TEST_FAIL, EVENT_TEST_PENDING, EVENT_RUN_END } = Mocha.Runner.constants;
    runner.on(EVENT_TEST_PASS, (test) => console.log(`  ok   ${test.fullTitle()} (${test.duration ?? 0} ms)`));
    runner.on(EVENT_TEST_PENDING, (test) => console.log(`  skip ${test.fullTitle()}`));
    runner.on(EVENT_TEST_FAIL, (test, err: Error) => {
      console.log(`  FAIL ${test.fullTitle()}\n${err.stack ?? err.message}`);
    });
    runner.once(EVENT_RUN_END, () => {
      // The launcher parses this exact line for its summary.
      console.log(`RESULT passed=${this.stats.passes} failed=${this.stats.failures} skipped=${this.stats.pending}`);
    });
  }
}

async function loadTests(mocha: Mocha): Promise<void> {
  const { EVENT_FILE_PRE_REQUIRE, EVENT_FILE_REQUIRE, EVENT_FILE_POST_REQUIRE } = Mocha.Suite.constants;
  for (const [name, load] of Object.entries(TEST_FILES)) {
    mocha.suite.emit(EVENT_FILE_PRE_REQUIRE, globalThis, name, mocha);
    const mod = await load();
    mocha.suite.emit(EVENT_FILE_REQUIRE, mod, name, mocha);
    mocha.suite.emit(EVENT_FILE_POST_REQUIRE, globalThis, name, mocha);
  }
}

export async function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'tdd', color: false, timeout: 60_000, reporter: ConsoleReporter });
  const grep = process.env.SESSION_SYNC_IT_GREP;
  if (grep) mocha.grep(grep);
  await loadTests(mocha);
  const failures = await new Promise<number>((resolve) => mocha.run(resolve));
  if (failures > 0) throw new Error(`${failures} integration test(s) failed`);
}
