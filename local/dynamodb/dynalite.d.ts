/**
 * dynalite ships no type declarations; this is the part of its API keyturn uses (dynalite 4: an
 * in-memory DynamoDB on memory-level unless `path` names a LevelDB directory).
 */
declare module 'dynalite' {
  import type { Server } from 'node:http';

  interface DynaliteOptions {
    /** A LevelDB directory; absent: in memory. */
    readonly path?: string;
    /** Milliseconds a table stays CREATING (dynalite's default 500). */
    readonly createTableMs?: number;
    /** Milliseconds a table stays DELETING (dynalite's default 500). */
    readonly deleteTableMs?: number;
    /** Milliseconds a table stays UPDATING (dynalite's default 500). */
    readonly updateTableMs?: number;
    /** The largest item, in KB (DynamoDB's 400). */
    readonly maxItemSizeKb?: number;
  }

  /** An HTTP server speaking DynamoDB's JSON protocol, not yet listening. */
  function dynalite(options?: DynaliteOptions): Server;
  export = dynalite;
}
