/**
 * Every command the extension registers (src/commands.ts registers them all). package.json contributes the same
 * ids with their titles; test/unit/command-ids.test.ts keeps the two lists equal. No `vscode` import: the test
 * reads it outside the editor.
 */
export const COMMAND = {
  syncNow: 'sessionSync.syncNow',
  pauseAutoSync: 'sessionSync.pauseAutoSync',
  resumeAutoSync: 'sessionSync.resumeAutoSync',
  addNote: 'sessionSync.addNote',
  configureRemote: 'sessionSync.configureRemote',
  useLocalDatabase: 'sessionSync.useLocalDatabase',
  verify: 'sessionSync.verify',
  showLog: 'sessionSync.showLog',
  showHistory: 'sessionSync.showHistory',
  previewNextSync: 'sessionSync.previewNextSync',
  archiveOldSessions: 'sessionSync.archiveOldSessions',
  restoreArchivedSessions: 'sessionSync.restoreArchivedSessions',
} as const;
