import * as vscode from 'vscode';
import type { PathPrivacyMode } from './core/session-builder';

/** Every setting the extension reads, validated: a malformed value falls back to its default with a warning. */
export interface Settings {
  remoteUrl: string;
  autoSync: boolean;
  intervalSeconds: number;
  batchSize: number;
  concurrency: number;
  idleTimeoutMinutes: number;
  pathPrivacy: PathPrivacyMode;
  excludedWorkspaces: string[];
  archiveOlderThanDays: number;
  archiveSchedule: 'daily' | 'manual';
  archiveDeleteFromRemote: boolean;
}

export const SECTION = 'sessionSync';

type Check<T> = (v: unknown) => v is T;
const intIn = (min: number, max: number): Check<number> =>
  (v): v is number => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
const bool: Check<boolean> = (v): v is boolean => typeof v === 'boolean';
const str: Check<string> = (v): v is string => typeof v === 'string';
const oneOf = <T extends string>(...values: T[]): Check<T> => (v): v is T => values.includes(v as T);
const strings: Check<string[]> = (v): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

const SPEC: { [K in keyof Settings]: [key: string, check: Check<Settings[K]>, fallback: Settings[K], rule: string] } = {
  remoteUrl: ['remote.url', str, '', 'a URL string'],
  autoSync: ['sync.auto', bool, true, 'true or false'],
  intervalSeconds: ['sync.intervalSeconds', intIn(5, 86_400), 30, 'a whole number of seconds from 5 to 86400'],
  batchSize: ['sync.batchSize', intIn(1, 1000), 100, 'a whole number from 1 to 1000'],
  concurrency: ['sync.concurrency', intIn(1, 16), 4, 'a whole number from 1 to 16'],
  idleTimeoutMinutes: ['recorder.idleTimeoutMinutes', intIn(1, 24 * 60), 15, 'a whole number of minutes from 1 to 1440'],
  pathPrivacy: ['privacy.filePaths', oneOf('relative', 'hashed', 'none'), 'relative', '"relative", "hashed" or "none"'],
  excludedWorkspaces: ['privacy.excludedWorkspaces', strings, [], 'a list of glob patterns'],
  archiveOlderThanDays: ['archive.olderThanDays', intIn(0, 36_500), 90, 'a whole number of days (0 turns archiving off)'],
  archiveSchedule: ['archive.schedule', oneOf('daily', 'manual'), 'daily', '"daily" or "manual"'],
  archiveDeleteFromRemote: ['archive.deleteFromRemote', bool, false, 'true or false'],
};

/** Reads the settings; `warn` receives one message per malformed value. */
export function readSettings(warn: (message: string) => void): Settings {
  const config = vscode.workspace.getConfiguration(SECTION);
  const out: Record<string, unknown> = {};
  for (const [name, [key, check, fallback, rule]] of Object.entries(SPEC)) {
    const value = config.get(key, fallback);
    if ((check as Check<unknown>)(value)) {
      out[name] = value;
    } else {
      out[name] = fallback;
      warn(`Setting "${SECTION}.${key}" must be ${rule}; using the default (${JSON.stringify(fallback)}).`);
    }
  }
  return out as unknown as Settings;
}

export function affectsSettings(e: vscode.ConfigurationChangeEvent): boolean {
  return e.affectsConfiguration(SECTION);
}

export async function updateSetting(key: string, value: unknown): Promise<void> {
  await vscode.workspace.getConfiguration(SECTION).update(key, value, vscode.ConfigurationTarget.Global);
}

/** A settings change, as the parts that react to one see it: which keys (without the section) it touched. */
export interface SettingsChange {
  affects(key: string): boolean;
}

/**
 * The settings as they are now, re-read (and validated, `warn` receiving what is malformed) whenever one of ours
 * changes; listeners hear of a change after the new values are in place, so they never read stale ones.
 */
export class LiveSettings implements vscode.Disposable {
  private value: Settings;
  private readonly changed = new vscode.EventEmitter<SettingsChange>();
  readonly onDidChange = this.changed.event;
  private readonly subscription: vscode.Disposable;

  constructor(warn: (message: string) => void) {
    this.value = readSettings(warn);
    this.subscription = vscode.workspace.onDidChangeConfiguration((e) => {
      if (!affectsSettings(e)) return;
      this.value = readSettings(warn);
      this.changed.fire({ affects: (key) => e.affectsConfiguration(`${SECTION}.${key}`) });
    });
  }

  get current(): Settings {
    return this.value;
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
