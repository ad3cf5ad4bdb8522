import type { Session } from './model';

export interface SnapshotThrottleOptions {
  /** At most one snapshot of the same session per this many ms (the recorder uses 1000). */
  throttleMs: number;
  /** The open session's snapshot, taken only when one is emitted. */
  current: () => Session | undefined;
  emit: (s: Session) => void;
  now?: () => number;
}

/**
 * How often a growing session is handed to the store: the first change at once, then at most once per
 * `throttleMs`, with a trailing snapshot when the window closes so the latest state always goes out. A different
 * session, or a final snapshot (idle, window closed), goes out at once. Shared by the VS Code recorder and the
 * CLI's `record` verb, so both drive the store at the same rate.
 */
export class SnapshotThrottle {
  private timer: NodeJS.Timeout | undefined;
  private last = { id: '', at: 0 };

  constructor(private readonly opts: SnapshotThrottleOptions) {}

  /** Session `id` changed. */
  changed(id: string): void {
    const now = this.now();
    if (id !== this.last.id || now - this.last.at >= this.opts.throttleMs) {
      this.cancel();
      const s = this.opts.current();
      if (s) this.emit(s, now);
    } else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        const latest = this.opts.current();
        if (latest) this.emit(latest, this.now());
      }, this.last.at + this.opts.throttleMs - now);
      this.timer.unref?.();
    }
  }

  /** A session's last snapshot: emitted at once, replacing any trailing one. */
  final(s: Session): void {
    this.cancel();
    this.emit(s, this.now());
  }

  cancel(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private emit(s: Session, now: number): void {
    this.last = { id: s.id, at: now };
    this.opts.emit(s);
  }

  private now(): number {
    return this.opts.now?.() ?? Date.now();
  }
}
