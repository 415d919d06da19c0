// Typed shim for the parts of corestore 7.12.5 that ECHO uses (node_modules/corestore/index.js).
// Owner: feed-store. Keep each signature true to the library source.
declare module 'corestore' {
  import { EventEmitter } from 'events'
  import type { Duplex } from 'streamx'
  import Hypercore = require('hypercore')

  namespace Corestore {
    interface Options {
      /** Open the storage read-only. */
      readOnly?: boolean
      /** false: every core opened from this store is read-only. */
      writable?: boolean
    }

    /** `store.get(opts)`: exactly one of `key`, `name`, `keyPair` or `discoveryKey` identifies the core. */
    interface GetOptions {
      /** Public key of the core (32 bytes, or its z32/hex encoding). */
      key?: Uint8Array | string
      /** Local name: the key pair is derived from the store's primary key and persisted with an alias. */
      name?: string
      keyPair?: Hypercore.KeyPair
      /** Open a core already in storage by discovery key; fails with STORAGE_EMPTY if it is not there. */
      discoveryKey?: Uint8Array
      /** false: fail instead of creating the core in storage when it is missing. */
      createIfMissing?: boolean
      writable?: boolean
      /** Default for `get`: wait for blocks that are not local. */
      wait?: boolean
      timeout?: number
      /** false: this session does not keep the core replicating. */
      active?: boolean
    }
  }

  class Corestore extends EventEmitter {
    /** `storage` is a directory: Corestore 7 keeps every core in one RocksDB there. */
    constructor (storage: string, opts?: Corestore.Options)

    readonly opened: boolean
    readonly closed: boolean
    readonly closing: Promise<void> | null
    /** The 32-byte seed name-derived key pairs come from (persisted in storage); set once the store is ready. */
    readonly primaryKey: Buffer | null

    ready (): Promise<void>
    close (): Promise<void>
    /** The key pair `get({ name })` gives the core of that name (derived from the primary key; nothing is stored). */
    createKeyPair (name: string, ns?: Uint8Array): Promise<Hypercore.KeyPair>
    /** A new session of a core; creates it in storage (atomically, with its key pair if any) unless told not to. */
    get (opts: Corestore.GetOptions | Uint8Array): Hypercore
    /** Discovery keys of every core held in storage (a readable stream). */
    list (namespace?: Uint8Array): AsyncIterable<Buffer>
    /**
     * A replication stream over every core this store has open (and any a remote asks for that is in storage).
     * Pass a boolean (is initiator) to get a new encrypted stream to pipe to the remote's, or an existing
     * Noise stream (e.g. a Hyperswarm connection) to replicate over it.
     */
    replicate (isInitiatorOrStream: boolean | Duplex, opts?: Record<string, unknown>): Duplex
    /** A session of this store whose name-derived keys live in their own namespace. */
    namespace (name: string | Uint8Array): Corestore
    session (opts?: Corestore.Options): Corestore
    /** Derives the key pair `get({ name })` would use. */
    createKeyPair (name: string, ns?: Uint8Array): Promise<Hypercore.KeyPair>
    /** Marks every core as still looking for peers; call the returned function when discovery is done. */
    findingPeers (): () => void
  }

  export = Corestore
}
