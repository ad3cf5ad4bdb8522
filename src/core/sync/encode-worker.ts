// Worker thread entry: turns stored session bodies into remote writes (inflate, parse, delta, compress) off
// the main thread, so a large sync neither stalls the editor's extension host nor leaves a second core idle.
import { parentPort } from 'node:worker_threads';
import { encodeRecords, EncodeTask, transferables } from './encode-task';

parentPort?.on('message', (task: EncodeTask) => {
  try {
    const writes = encodeRecords(task);
    parentPort!.postMessage({ id: task.id, writes }, transferables(writes));
  } catch (err) {
    parentPort!.postMessage({ id: task.id, error: (err as Error).message });
  }
});
