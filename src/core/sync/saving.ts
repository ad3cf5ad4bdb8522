// How much a run saved, as the user sees it (history page, status bar, notifications, CLI). A run is compared with
// what the naive approach would have sent for the same records, and the set-up it paid once (remote schema,
// compression dictionary) is shown apart: counted against the records, a first sync of one small session read
// "Saving -678%" (2.7 KB sent for 355 B of JSON, the set-up included).

export interface SavingInput {
  strategy: string;
  sent: number;
  bytesSent: number;
  setupBytes: number;
  naiveBytes: number | null;
}

export interface Saving {
  /** Share of naive's bytes not sent (0-1), the set-up left out; null when there is nothing to compare. */
  share: number | null;
  /** What to show: "93%", "12% more than naive", "baseline" or "-". */
  label: string;
}

const NOTHING: Saving = { share: null, label: '-' };

export function savingOf(r: SavingInput): Saving {
  if (r.strategy === 'naive') return { share: null, label: 'baseline' };
  // Runs recorded before the comparison existed, and runs that committed no record, have nothing to compare.
  if (r.naiveBytes === null || r.naiveBytes <= 0 || r.sent === 0) return NOTHING;
  const records = Math.max(0, r.bytesSent - r.setupBytes);
  const ratio = records / r.naiveBytes;
  if (ratio > 1) return { share: 0, label: `${Math.round((ratio - 1) * 100)}% more than naive` };
  // Rounded down, so a run that sent anything never reads 100%.
  return { share: 1 - ratio, label: `${Math.floor((1 - ratio) * 100)}%` };
}

/** One line for notifications and the CLI: "sent 1.2 KB (+2.3 KB set-up), 93% less than naive's 15.0 KB". */
export function savingSentence(r: SavingInput, formatBytes: (n: number) => string): string {
  const records = Math.max(0, r.bytesSent - r.setupBytes);
  const setup = r.setupBytes > 0 ? ` (+${formatBytes(r.setupBytes)} set-up)` : '';
  const s = savingOf(r);
  if (s.share === null || r.naiveBytes === null) return `sent ${formatBytes(records)}${setup}`;
  const versus = s.label.endsWith('naive') ? s.label : `${s.label} less than naive`;
  return `sent ${formatBytes(records)}${setup}, ${versus}'s ${formatBytes(r.naiveBytes)}`;
}
