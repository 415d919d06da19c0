// Typed shim for the parts of hypercore 11.37.1 that ECHO uses (node_modules/hypercore/index.js).
// Owner: feed-store. Keep each signature true to the library source.
declare module 'hypercore' {
  import { EventEmitter } from 'events'
  import type { Duplex } from 'streamx'

  namespace Hypercore {
    interface KeyPair {
      publicKey: Buffer
      secretKey: Buffer
    }

    /** Options of `core.get(index, opts)`. */
    interface GetOptions {
      /** Wait for the block to be replicated when it is not local (default: the session's `wait`, true). */
      wait?: boolean
      /** Milliseconds before a waiting get fails with REQUEST_TIMEOUT (0 = never). */
      timeout?: number
      /** Return the raw stored bytes (skip value encoding and decryption). */
      raw?: boolean
    }

    /** `core.download(range)`: `end: -1` keeps downloading every block appended later ("live"). */
    interface DownloadRange {
      start?: number
      end?: number
      length?: number
      blocks?: number[]
      linear?: boolean
    }

    /** Handle returned by `core.download()`. */
    interface Download {
      ready (): Promise<void>
      /** Resolves when a bounded range is fully downloaded; rejects if the range is destroyed. */
      done (): Promise<void>
      destroy (): void
    }

    interface UpdateOptions {
      /** Wait for peers to report a longer length (only while peers are being found). */
      wait?: boolean
      /** Also update writable cores. */
      force?: boolean
    }

    /** The parts of a manifest ECHO sets; hypercore fills in the defaults (blake2b, ed25519, quorum 1). */
    interface ManifestInput {
      version?: number
      signers: Array<{ publicKey: Uint8Array, namespace?: Uint8Array }>
    }

    interface AppendResult {
      /** Length of the core after the append (the first appended block has index `length - blocks.length`). */
      length: number
      byteLength: number
    }

    interface Peer {
      remotePublicKey: Buffer
      remoteLength: number
      remoteContiguousLength: number
    }

    interface Info {
      key: Buffer
      discoveryKey: Buffer
      length: number
      contiguousLength: number
      byteLength: number
      fork: number
      padding: number
    }
  }

  interface HypercoreEvents {
    ready: []
    close: []
    /** The length grew: a local append, or a peer proved a longer length. */
    append: []
    /** The core was truncated to `length` (a fork). */
    truncate: [length: number, fork: number]
    /** Block `index` was downloaded from a peer and stored. */
    download: [index: number, byteLength: number, from: Hypercore.Peer]
    upload: [index: number, byteLength: number, from: Hypercore.Peer]
    'peer-add': [peer: Hypercore.Peer]
    'peer-remove': [peer: Hypercore.Peer]
  }

  class Hypercore extends EventEmitter<HypercoreEvents> {
    /** Largest block hypercore accepts in `append` (15 MiB). */
    static readonly MAX_SUGGESTED_BLOCK_SIZE: number
    static discoveryKey (key: Uint8Array): Buffer
    /**
     * The core key a manifest hashes to. Corestore 7 cores are not "compat" cores: their key is this hash of
     * `{ version: 1, signers: [{ publicKey }] }`, not the signer's public key.
     */
    static key (manifest: Hypercore.ManifestInput, opts?: { compat?: boolean, version?: number }): Buffer

    readonly key: Buffer | null
    readonly discoveryKey: Buffer | null
    /** Set for cores we hold the secret key of (`secretKey` null for read-only cores that know the public key). */
    readonly keyPair: Hypercore.KeyPair | null
    readonly writable: boolean
    readonly readable: boolean
    readonly opened: boolean
    readonly closed: boolean
    readonly closing: Promise<void> | null
    /** Number of blocks this core knows exist (local appends, or lengths proved by peers). */
    readonly length: number
    /** Number of blocks from 0 that are stored locally without a gap. */
    readonly contiguousLength: number
    readonly remoteContiguousLength: number
    readonly fork: number
    readonly peers: Hypercore.Peer[]

    ready (): Promise<void>
    close (): Promise<void>
    append (blocks: Uint8Array | Uint8Array[]): Promise<Hypercore.AppendResult>
    /** The block at `index`, or null when it is not local and `wait` is false. */
    get (index: number, opts?: Hypercore.GetOptions): Promise<Buffer | null>
    has (start: number, end?: number): Promise<boolean>
    update (opts?: Hypercore.UpdateOptions): Promise<boolean>
    download (range?: Hypercore.DownloadRange): Hypercore.Download
    /** Cuts the core to `newLength` blocks, starting a new fork (writable cores only). */
    truncate (newLength?: number, opts?: number | { fork?: number }): Promise<void>
    /** Marks the core as still looking for peers; call the returned function when discovery is done. */
    findingPeers (): () => void
    info (): Promise<Hypercore.Info>
    replicate (isInitiatorOrStream: boolean | Duplex, opts?: Record<string, unknown>): Duplex
  }

  export = Hypercore
}
