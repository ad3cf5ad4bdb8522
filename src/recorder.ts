// Thin VS Code adapter: turns editor events into SessionBuilder activities and emits session snapshots.
// All session logic lives in src/core/session-builder.ts; this file only translates events and manages timers.
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Session } from './core/model';
import {
  type Activity, applyDetailPrivacy, applyPathPrivacy, isWorkspaceExcluded, type PathPrivacyMode, SessionBuilder,
} from './core/session-builder';
import { SnapshotThrottle } from './core/snapshot-throttle';

export interface RecorderSettings {
  pathPrivacy: PathPrivacyMode;
  excludedWorkspaces: string[];
}

/** Builds the builder for a workspace; the recorder supplies the workspace name and its branch reader. */
export type BuilderFactory = (ctx: { workspace: string; branch: () => string | null }) => SessionBuilder;

export interface RecorderOptions {
  /** A builder, or a factory called once per workspace name (default: 15 min idle timeout, UUID ids). */
  builder?: SessionBuilder | BuilderFactory;
  /** Receives session snapshots: throttled while recording, the final one immediately on end. */
  onSession: (s: Session) => void;
  /** Read on every activity, so setting changes apply at once. */
  settings: () => RecorderSettings;
  log?: (message: string) => void;
  /** Minimum time between two emissions of the same session. Default 1000 ms. */
  throttleMs?: number;
  /** The user's secret for `hashed` privacy (secrets.ts), so hashed names cannot be looked up in a list. */
  hashKey: Uint8Array;
}

const BRANCH_TTL_MS = 30_000;
/** Documents that are not the user's files: output channels, git views, settings UIs, notebooks' internals. */
const RECORDED_SCHEMES = new Set(['file', 'untitled']);

/** The subset of the built-in git extension's API that we read. */
interface GitApi {
  repositories: { rootUri: vscode.Uri; state: { HEAD?: { name?: string } } }[];
}
interface GitExtension {
  enabled: boolean;
  getAPI(version: 1): GitApi;
}

export class Recorder implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private builder: SessionBuilder | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private readonly throttle: SnapshotThrottle;
  private branchCache = { value: null as string | null, at: -Infinity };
  private excludedCache = { key: '', value: false };

  constructor(private readonly opts: RecorderOptions) {
    this.throttle = new SnapshotThrottle({
      throttleMs: opts.throttleMs ?? 1000,
      current: () => this.builder?.current(),
      emit: (s) => this.emit(s),
    });
    const w = vscode.workspace;
    this.disposables.push(
      w.onDidOpenTextDocument((d) => this.onDocument('open', d)),
      w.onDidSaveTextDocument((d) => this.onDocument('save', d)),
      w.onDidChangeTextDocument((e) => this.onChange(e)),
      vscode.window.onDidChangeWindowState((s) => this.record({ kind: s.focused ? 'focus' : 'blur' })),
      vscode.debug.onDidStartDebugSession((s) => this.record({ kind: 'debug', detail: this.detail(s.configuration.name) })),
      vscode.tasks.onDidStartTask((e) => this.record({ kind: 'task', detail: this.detail(e.execution.task.name) })),
      vscode.window.onDidOpenTerminal((t) => this.record({ kind: 'terminal', detail: this.detail(t.name) })),
    );
  }

  /** The "Add Note" command. Returns false when nothing can be recorded (no workspace, or excluded). */
  addNote(text: string): boolean {
    const b = this.activeBuilder();
    if (!b) return false;
    const now = Date.now();
    this.expire(b, now);
    const id = b.apply({ kind: 'note', detail: text }, now);
    if (id) this.changed(id);
    return id !== undefined;
  }

  current(): Session | undefined {
    return this.builder?.current();
  }

  /** The id of the session being recorded, if one is open. */
  currentId(): string | undefined {
    return this.builder?.openId();
  }

  /** Applies a new idle timeout to the open session and re-arms its timer (later builders get it from settings). */
  setIdleTimeout(ms: number): void {
    this.builder?.setIdleTimeout(ms);
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    this.armIdleTimer();
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
    this.disposables.length = 0;
    clearTimeout(this.idleTimer);
    this.endSession();
  }

  /**
   * Untitled documents and files inside a workspace folder belong to the session; anything else (the user's
   * settings.json, a file from another project) is not this workspace's work and is not recorded.
   */
  private isRecorded(uri: vscode.Uri): boolean {
    if (!RECORDED_SCHEMES.has(uri.scheme)) return false;
    return uri.scheme === 'untitled' || vscode.workspace.getWorkspaceFolder(uri) !== undefined;
  }

  private onDocument(kind: 'open' | 'save', doc: vscode.TextDocument): void {
    if (!this.isRecorded(doc.uri)) return;
    this.record({ kind, file: this.filePath(doc.uri), language: doc.languageId });
  }

  private onChange(e: vscode.TextDocumentChangeEvent): void {
    // Dirty-state-only notifications come with no content changes.
    if (!this.isRecorded(e.document.uri) || e.contentChanges.length === 0) return;
    let added = 0;
    let removed = 0;
    for (const c of e.contentChanges) {
      added += c.text.length;
      removed += c.rangeLength;
    }
    this.record({ kind: 'edit', file: this.filePath(e.document.uri), language: e.document.languageId, added, removed });
  }

  private record(activity: Activity): void {
    const b = this.activeBuilder();
    if (!b) return;
    const now = Date.now();
    this.expire(b, now);
    const id = b.apply(activity, now);
    if (id) this.changed(id);
  }

  /** The builder for the open workspace, or undefined when there is none or the user excluded it. */
  private activeBuilder(): SessionBuilder | undefined {
    const name = vscode.workspace.name;
    const root = this.root();
    if (name === undefined || this.isExcluded(name, root?.fsPath ?? '')) return undefined;
    const given = this.opts.builder;
    if (given instanceof SessionBuilder) return (this.builder = given);
    if (this.builder?.workspace !== name) {
      this.endSession(); // the workspace was renamed or replaced: its session ends here
      const branch = (): string | null => this.branch();
      this.builder = given
        ? given({ workspace: name, branch })
        : new SessionBuilder({ workspace: name, branch, newId: randomUUID });
    }
    return this.builder;
  }

  private isExcluded(name: string, fsPath: string): boolean {
    const globs = this.opts.settings().excludedWorkspaces;
    const key = JSON.stringify([name, fsPath, globs]);
    if (key !== this.excludedCache.key) {
      this.excludedCache = { key, value: isWorkspaceExcluded(name, fsPath, globs) };
    }
    return this.excludedCache.value;
  }

  private filePath(uri: vscode.Uri): string | undefined {
    const mode = this.opts.settings().pathPrivacy;
    const key = this.opts.hashKey;
    // An untitled document has only a name ("Untitled-1"); root it at "/" so it is never resolved against cwd.
    if (uri.scheme === 'untitled') return applyPathPrivacy('/' + path.posix.basename(uri.path), '/', mode, key);
    const root = vscode.workspace.getWorkspaceFolder(uri)?.uri ?? this.root();
    return applyPathPrivacy(uri.fsPath, root?.fsPath ?? path.dirname(uri.fsPath), mode, key);
  }

  /** Task, debug and terminal names can name a client or a project: they follow the file path setting. */
  private detail(name: string): string | undefined {
    return applyDetailPrivacy(name, this.opts.settings().pathPrivacy, this.opts.hashKey);
  }

  private root(): vscode.Uri | undefined {
    return vscode.workspace.workspaceFolders?.[0]?.uri;
  }

  private expire(b: SessionBuilder, now: number): void {
    const final = b.expire(now);
    if (final) this.emitFinal(final);
  }

  private endSession(): void {
    const final = this.builder?.end(Date.now());
    if (final) this.emitFinal(final);
  }

  private changed(id: string): void {
    this.armIdleTimer();
    this.throttle.changed(id);
  }

  /** One timer at a time: when it fires early (activity moved the deadline) it re-arms for the new deadline. */
  private armIdleTimer(): void {
    if (this.idleTimer) return;
    const deadline = this.builder?.idleDeadline();
    if (deadline === undefined) return;
    this.idleTimer = unref(setTimeout(() => {
      this.idleTimer = undefined;
      if (this.builder) this.expire(this.builder, Date.now());
      this.armIdleTimer();
    }, Math.max(0, deadline - Date.now())));
  }

  private emitFinal(s: Session): void {
    this.throttle.final(s);
  }

  private emit(s: Session): void {
    try {
      this.opts.onSession(s);
    } catch (err) {
      this.opts.log?.(`session-sync: saving session ${s.id} failed: ${String(err)}`);
    }
  }

  /** Current branch, cached for 30 s: the git extension when active, else .git/HEAD of the first folder. */
  private branch(): string | null {
    const now = Date.now();
    if (now - this.branchCache.at < BRANCH_TTL_MS) return this.branchCache.value;
    const value = this.branchFromGitExtension() ?? this.branchFromHead();
    this.branchCache = { value, at: now };
    return value;
  }

  private branchFromGitExtension(): string | null {
    const ext = vscode.extensions.getExtension<GitExtension>('vscode.git');
    if (!ext?.isActive || !ext.exports?.enabled) return null; // never force-activate git just for a name
    try {
      const repos = ext.exports.getAPI(1).repositories;
      const root = this.root()?.toString();
      const repo = repos.find((r) => r.rootUri.toString() === root) ?? repos[0];
      return repo?.state.HEAD?.name ?? null;
    } catch (err) {
      this.opts.log?.(`session-sync: git extension API unavailable: ${String(err)}`);
      return null;
    }
  }

  private branchFromHead(): string | null {
    const root = this.root();
    if (root?.scheme !== 'file') return null;
    try {
      return parseHeadRef(fs.readFileSync(gitHeadPath(root.fsPath), 'utf8'));
    } catch {
      return null; // not a git repository, or unreadable: the session simply has no branch
    }
  }
}

/** `.git` is a directory, or (worktrees, submodules) a file containing `gitdir: <path>`. */
function gitHeadPath(folder: string): string {
  const dotGit = path.join(folder, '.git');
  if (fs.statSync(dotGit).isDirectory()) return path.join(dotGit, 'HEAD');
  const gitdir = /^gitdir:\s*(.+)$/m.exec(fs.readFileSync(dotGit, 'utf8'))?.[1]?.trim();
  if (!gitdir) throw new Error('no gitdir');
  return path.join(path.resolve(folder, gitdir), 'HEAD');
}

/** "ref: refs/heads/feature/x" -> "feature/x"; a detached HEAD (a bare commit id) has no branch. */
function parseHeadRef(head: string): string | null {
  return /^ref:\s*refs\/heads\/(.+)$/m.exec(head)?.[1]?.trim() ?? null;
}

/** Timers must never keep the extension host alive. */
function unref(t: NodeJS.Timeout): NodeJS.Timeout {
  t.unref();
  return t;
}
