/**
 * The ids of sessions that differ from what the remote last received, kept in memory so that the status bar
 * and each auto-sync cycle cost what changed, not a join over the whole store. Built once by a query (at the
 * first ask, and again after a bulk change invalidates it), then kept up to date by the store's writes.
 */
export class PendingSet {
  private table: string | undefined;
  private readonly set = new Set<string>();

  /** The set for `table`; `build` lists the pending ids when the set must be (re)built. */
  ids(table: string, build: () => string[]): ReadonlySet<string> {
    if (this.table !== table) {
      this.set.clear();
      for (const id of build()) this.set.add(id);
      this.table = table;
    }
    return this.set;
  }

  /** A session changed: it is pending until a sync marks this exact content. */
  touched(id: string): void {
    if (this.table !== undefined) this.set.add(id);
  }

  /** The remote holds this session as it is now (or it left the store). */
  settled(id: string, table = this.table): void {
    if (table === this.table) this.set.delete(id);
  }

  /** After a write the set cannot follow (raw SQL on sessions or sync_status): rebuilt at the next ask. */
  invalidate(): void {
    this.table = undefined;
    this.set.clear();
  }
}
