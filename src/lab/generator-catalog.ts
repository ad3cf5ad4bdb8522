// The generator's catalog: stacks, projects, words for file names, languages, note templates.
// Plain data, kept apart so generator.ts reads as the logic that uses it.

export type Stack = 'ts-web' | 'node-api' | 'python' | 'go' | 'rust' | 'docs' | 'shell';

export interface StackSpec {
  fixed: readonly string[];
  /** `{P}` PascalCase, `{c}` camelCase, `{s}` snake_case, `{k}` kebab-case, `{pkg}` project as identifier. */
  patterns: readonly string[];
  tasks: readonly string[];
  debug: readonly string[];
  terminals: readonly string[];
}

export const STACKS: Record<Stack, StackSpec> = {
  'ts-web': {
    fixed: ['package.json', 'README.md', 'tsconfig.json', 'vite.config.ts', '.gitignore', 'index.html',
      '.github/workflows/ci.yml', 'src/main.tsx', 'src/App.tsx'],
    patterns: ['src/components/{P}.tsx', 'src/components/{P}.module.css', 'src/hooks/use{P}.ts', 'src/lib/{c}.ts',
      'src/pages/{c}.tsx', 'test/unit/{c}.test.ts', 'src/components/{P}.test.tsx', 'src/styles/{k}.scss'],
    tasks: ['npm: test', 'npm: build', 'npm: lint', 'npm: dev', 'tsc: watch - tsconfig.json', 'npm: storybook'],
    debug: ['Launch Chrome against localhost', 'Vitest: current file', 'Attach to Chrome'],
    terminals: ['zsh', 'npm: dev', 'node', 'bash', 'git'],
  },
  'node-api': {
    fixed: ['package.json', 'README.md', 'tsconfig.json', '.env.example', 'Dockerfile', 'docker-compose.yml',
      '.gitignore', 'src/index.ts', 'src/server.ts'],
    patterns: ['src/routes/{c}.ts', 'src/services/{c}Service.ts', 'src/db/migrations/{s}.sql', 'src/middleware/{c}.ts',
      'src/lib/{c}.ts', 'test/unit/{c}.test.ts', 'test/integration/{c}.test.ts', 'src/types/{c}.d.ts'],
    tasks: ['npm: test', 'npm: build', 'npm: lint', 'npm: start', 'docker: compose up', 'npm: migrate'],
    debug: ['Launch Program', 'Attach to Node', 'Mocha: current file', 'Debug integration tests'],
    terminals: ['zsh', 'bash', 'node', 'psql', 'docker'],
  },
  python: {
    fixed: ['pyproject.toml', 'README.md', 'requirements.txt', '.gitignore', 'Makefile', '{pkg}/__init__.py',
      'setup.cfg'],
    patterns: ['{pkg}/{s}.py', '{pkg}/api/{s}.py', '{pkg}/models/{s}.py', 'tests/test_{s}.py', 'scripts/{k}.sh',
      'notebooks/{s}.ipynb', 'config/{k}.yaml'],
    tasks: ['pytest', 'ruff check', 'mypy', 'make test', 'python: run module', 'black --check .'],
    debug: ['Python: Current File', 'Python: Module', 'Python: pytest', 'Python: Attach'],
    terminals: ['zsh', 'Python', 'bash', 'ipython'],
  },
  go: {
    fixed: ['go.mod', 'go.sum', 'README.md', 'Makefile', '.gitignore', 'Dockerfile', 'cmd/{pkg}/main.go'],
    patterns: ['internal/{s}/{s}.go', 'internal/{s}/{s}_test.go', 'pkg/{s}/{s}.go', 'api/{s}.proto',
      'deploy/{k}.yaml'],
    tasks: ['go: test ./...', 'go: build', 'go vet', 'golangci-lint run', 'make generate'],
    debug: ['Launch Package', 'Debug Test', 'Attach to Process', 'Connect to server'],
    terminals: ['zsh', 'bash', 'kubectl', 'go'],
  },
  rust: {
    fixed: ['Cargo.toml', 'Cargo.lock', 'README.md', '.gitignore', 'src/main.rs', 'src/lib.rs'],
    patterns: ['src/{s}.rs', 'src/{s}/mod.rs', 'tests/{s}.rs', 'benches/{s}.rs', 'examples/{s}.rs'],
    tasks: ['cargo build', 'cargo test', 'cargo clippy', 'cargo fmt', 'cargo bench', 'rust: cargo run'],
    debug: ["Debug executable '{pkg}'", "Debug unit tests in library '{pkg}'", 'Debug benchmark'],
    terminals: ['zsh', 'bash', 'cargo'],
  },
  docs: {
    fixed: ['README.md', 'mkdocs.yml', 'docs/index.md', '.gitignore', 'CONTRIBUTING.md', 'CHANGELOG.md'],
    patterns: ['docs/guide/{k}.md', 'docs/api/{k}.md', 'docs/how-to/{k}.md', 'blog/{k}.md', 'docs/assets/{k}.css'],
    tasks: ['mkdocs serve', 'mkdocs build', 'markdownlint', 'npm: spellcheck'],
    debug: ['Launch Chrome against localhost'],
    terminals: ['zsh', 'bash', 'mkdocs serve'],
  },
  shell: {
    fixed: ['.zshrc', '.bashrc', '.gitconfig', 'install.sh', 'README.md', 'Brewfile', '.tmux.conf'],
    patterns: ['bin/{k}.sh', 'scripts/{k}.sh', 'config/nvim/lua/{s}.lua', 'config/{k}.toml', 'ansible/{k}.yml'],
    tasks: ['shellcheck', 'install.sh', 'make lint', 'ansible-playbook site.yml'],
    debug: ['Bash-Debug (simplest configuration)'],
    terminals: ['zsh', 'bash', 'ssh prod-1', 'fish'],
  },
};

export const PROJECTS: readonly (readonly [string, Stack])[] = [
  ['acme-dashboard', 'ts-web'], ['portfolio-site', 'ts-web'], ['design-system', 'ts-web'], ['chat-client', 'ts-web'],
  ['billing-service', 'node-api'], ['api-gateway', 'node-api'], ['auth-server', 'node-api'],
  ['session-sync', 'node-api'], ['webhooks-relay', 'node-api'],
  ['ml-experiments', 'python'], ['data-pipeline', 'python'], ['invoice-parser', 'python'], ['scraper', 'python'],
  ['k8s-operator', 'go'], ['log-shipper', 'go'], ['url-shortener', 'go'],
  ['raytracer', 'rust'], ['cli-tools', 'rust'], ['wasm-image', 'rust'],
  ['team-handbook', 'docs'], ['blog', 'docs'], ['api-docs', 'docs'],
  ['dotfiles', 'shell'], ['infra-scripts', 'shell'],
];

/** Base words for file names, written as word lists so every case style can be produced from them. */
export const WORDS: readonly string[][] = [
  ['button'], ['modal'], ['sidebar'], ['header'], ['footer'], ['user', 'profile'], ['settings', 'panel'],
  ['dashboard'], ['chart'], ['data', 'table'], ['login', 'form'], ['search', 'bar'], ['avatar'], ['toast'],
  ['dropdown'], ['nav', 'menu'], ['project', 'list'], ['activity', 'feed'], ['file', 'tree'], ['status', 'bar'],
  ['store'], ['api'], ['auth'], ['session'], ['cache'], ['utils'], ['format'], ['config'], ['router'], ['logger'],
  ['db'], ['queue'], ['parser'], ['schema'], ['validate'], ['http', 'client'], ['events'], ['metrics'], ['retry'],
  ['sync'], ['storage'], ['crypto'], ['paths'], ['time'], ['diff'], ['hash'], ['compress'], ['migrate'], ['billing'],
  ['invoice'], ['search', 'index'], ['plugin'], ['telemetry'], ['rate', 'limit'], ['webhook'], ['user', 'service'],
  ['feature', 'flags'], ['error', 'boundary'], ['theme'], ['i18n'], ['permissions'], ['export'], ['import'],
];

export const TOPICS: readonly string[] = ['login-redirect', 'dark-mode', 'retry-backoff', 'csv-export', 'rate-limits',
  'pagination', 'search-index', 'oauth-refresh', 'upload-progress', 'cache-invalidation', 'flaky-tests', 'deps',
  'memory-leak', 'timezone-bug', 'onboarding', 'billing-v2', 'audit-log', 'sync-conflicts', 'perf', 'a11y'];

export const PEOPLE = ['Alex', 'Sam', 'Priya', 'Jonas', 'Mei', 'Carlos', 'Fatima', 'Ola', 'Dmitri', 'Grace'];

export const LANGUAGE_BY_EXT: Record<string, string> = {
  ts: 'typescript', tsx: 'typescriptreact', js: 'javascript', jsx: 'javascriptreact', json: 'json', md: 'markdown',
  css: 'css', scss: 'scss', html: 'html', yml: 'yaml', yaml: 'yaml', py: 'python', ipynb: 'jupyter', go: 'go',
  mod: 'go.mod', sum: 'go.sum', rs: 'rust', toml: 'toml', lock: 'toml', sql: 'sql', sh: 'shellscript', lua: 'lua',
  proto: 'proto3', cfg: 'ini', txt: 'pip-requirements', gitignore: 'ignore', zshrc: 'shellscript',
  bashrc: 'shellscript', gitconfig: 'properties', example: 'dotenv', conf: 'plaintext',
};
export const LANGUAGE_BY_NAME: Record<string, string> = {
  Dockerfile: 'dockerfile', Makefile: 'makefile', Brewfile: 'ruby', 'docker-compose.yml': 'dockercompose',
};

/** VS Code language id for a relative path, from its file name or extension. */
export function languageOf(path: string): string {
  const name = path.slice(path.lastIndexOf('/') + 1);
  if (LANGUAGE_BY_NAME[name]) return LANGUAGE_BY_NAME[name];
  const dot = name.lastIndexOf('.');
  return (dot >= 0 && LANGUAGE_BY_EXT[name.slice(dot + 1)]) || 'plaintext';
}

// ---------------------------------------------------------------------------------------------------------------
// Notes: a few English templates combined; some long, some with code or markup characters.

export const NOTE_OPENERS = [
  'Picked up {branch} again.', 'Started looking at {file}.', 'Back on {topic} after the standup.',
  'Pairing with {person} on {topic}.', 'Quick session before lunch.', 'Continuing where I left off yesterday.',
  'Reviewing {person}\'s PR for {topic}.',
];
export const NOTE_BODIES = [
  'The {fn} in {file} was swallowing errors; now it rethrows with the original cause.',
  'Tests in {test} are flaky when the clock crosses midnight, probably a timezone issue.',
  'Need to check why {fn}() returns null when the cache is cold.',
  'Benchmarks: {fn} went from {n} ms to {m} ms after batching the writes.',
  'Refactored {fn} into smaller pieces, still need to update {file}.',
  'Turns out the retry loop never backed off, so we hammered the API {n} times in a row.',
  'Moved the validation out of {file} so the CLI can reuse it.',
  'Renamed {fn} to make the intent clearer; callers in {test} updated.',
  '{person} suggested we drop the custom parser & use the standard one instead.',
  'Edge case: an empty list is "valid" but breaks the summary view.',
];
export const NOTE_CLOSERS = [
  'Ship it after review.', 'Open question: should {fn} throw or return null?',
  'Remember to bump the version before the release.', 'TODO: add a test for the empty case.',
  'Next: clean up the logging and open the PR.', 'Blocked until {person} answers about {topic}.',
];
export const NOTE_SNIPPETS = [
  '```ts\nconst result = await {fn}(input, { retries: {n} });\nif (!result.ok) throw new Error("{fn} failed");\n```',
  'Use `{fn}(a, b) && done()`; careful with <T> generics & "quoted" keys.',
  '<div class="panel">{topic} &amp; more</div> renders twice in dev mode.',
  "SELECT id, updated_at FROM sessions WHERE updated_at > ? AND workspace = '{topic}';",
  '- [x] reproduce {topic}\n- [ ] write a failing test in {test}\n- [ ] fix {fn}',
  'Stack trace:\n  at {fn} ({file}:{n}:{m})\n  at process.processTicksAndRejections (node:internal/process/task_queues:95:5)',
];
