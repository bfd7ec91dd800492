/** Durable state in the agent's data dir: atomic files, snapshot, keyring, registrations. */
export {
  CorruptFileError,
  readJsonIfExists,
  writeFileAtomic,
  type AtomicWriteOptions,
  type ReadJsonOptions,
} from "./atomic-file.js";
export {
  SNAPSHOT_FILE,
  openSnapshot,
  type ClockKind,
  type PreviousPeer,
  type Snapshot,
  type SnapshotClocks,
  type SnapshotOptions,
} from "./snapshot.js";
export { loadKeyringFile, saveKeyringFile } from "./keyring-file.js";
export {
  REGISTRATIONS_FILE,
  openRegistrationsStore,
  type RegistrationsStore,
  type RegistrationsStoreOptions,
} from "./registrations-store.js";
