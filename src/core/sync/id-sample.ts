/** Records that went wrong in a run: how many, the first few ids, and the first one's reason (for one line). */
export interface IdSample {
  count: number;
  ids: string[];
  first: string | null;
}

const SAMPLE_IDS = 10;

export const newIdSample = (): IdSample => ({ count: 0, ids: [], first: null });

/** A callback that counts records into `sample`. */
export function sampleInto(sample: IdSample): (id: string, reason: string) => void {
  return (id, reason) => {
    sample.count++;
    if (sample.ids.length < SAMPLE_IDS) sample.ids.push(id);
    sample.first ??= reason;
  };
}

/** "a, b, c, …" */
export function sampleIds(sample: IdSample): string {
  return `${sample.ids.join(', ')}${sample.count > sample.ids.length ? ', …' : ''}`;
}
