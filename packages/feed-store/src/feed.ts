import Hypercore from 'hypercore'
import { WriterExistsError } from './feed-errors'
import { type FeedId, feedId } from './timeframe'

/**
 * Most bytes of recently appended blocks a feed keeps for the readers of this process (four blocks of the default
 * 64 KiB bound). Only the awaited-write path needs them, and its blocks are small and taken at once; a reader that
 * falls behind reads the older blocks from storage instead.
 */
export const RECENT_APPENDED_BYTES = 256 * 1024

/** An Ed25519 key pair (libsodium layout: 32-byte public key, 64-byte secret key). */
export interface KeyPair {
  publicKey: Buffer
  secretKey: Buffer
}

/**
 * One hypercore held by a FeedStore. Writable feeds are ours (we hold the secret key); the others are read-only
 * replicas that download every block, live, from whichever peer has it.
 */
export class Feed {
  /** The feed's public key (32 bytes). */
  readonly key: Buffer
  /** Hash of the key: what peers announce on the wire, so that the key itself is never sent in clear. */
  readonly discoveryKey: Buffer
  /** Hex of the key, for maps. */
  readonly id: FeedId

  /** @internal Created by FeedStore only, after `core.ready()`. */
  constructor (
    /** The underlying hypercore session, for advanced use (events, `get`, `update`, `findingPeers`). */
    readonly core: Hypercore
  ) {
    if (core.key === null || core.discoveryKey === null) throw new Error('Feed needs an opened hypercore')
    this.key = core.key
    this.discoveryKey = core.discoveryKey
    this.id = feedId(core.key)
    // Registered before any reader's listener, so a reader woken by the truncation finds no stale entry.
    core.on('truncate', (length: number) => this.dropAppended(length))
  }

  /** True when we hold the secret key and can append. */
  get writable (): boolean {
    return this.core.writable
  }

  /** Blocks known to exist: appended here, or proved by a peer (they may not be downloaded yet). */
  get length (): number {
    return this.core.length
  }

  /** Blocks from 0 stored locally without a gap. */
  get downloaded (): number {
    return this.core.contiguousLength
  }

  /**
   * The feed's signing key pair, for our writable feeds only (null otherwise). A FeedAdmit credential must be
   * signed by the feed itself, so echo-db signs with this secret key. NOTE: `keyPair.publicKey` is NOT `key`:
   * a Corestore 7 feed key is the hash of the feed's manifest; `feedKeyFromSigner(keyPair.publicKey)` gives `key`.
   */
  get keyPair (): KeyPair | null {
    const pair = this.core.keyPair
    if (pair === null || !this.core.writable || pair.secretKey == null) return null
    return { publicKey: pair.publicKey, secretKey: pair.secretKey }
  }

  /**
   * Blocks our FeedWriter appended recently, by index: a reader of this process takes them from here instead of
   * reading back from storage what was just written (an awaited write costs one append, not an append and a read).
   * An entry is only made once hypercore has stored the block at that very index (see FeedWriter), a truncation
   * drops the entries it cuts, and nothing is kept while no reader reads the feed. Bounded by
   * RECENT_APPENDED_BYTES: the oldest entries go first; a block not taken in time is read from storage.
   */
  private readonly _appended = new Map<number, Uint8Array>()
  private _appendedBytes = 0
  private _readers = 0
  private _writer: object | null = null

  /** @internal Bytes held for local readers (tests check the bound). */
  get appendedBytes (): number {
    return this._appendedBytes
  }

  /** @internal FeedWriter: becomes the feed's only writer, or throws WriterExistsError. */
  claimWriter (writer: object): void {
    if (this._writer !== null && this._writer !== writer) throw new WriterExistsError(this.key)
    this._writer = writer
  }

  /** @internal FeedWriter: closed; the feed may take another writer. */
  releaseWriter (writer: object): void {
    if (this._writer === writer) this._writer = null
  }

  /** @internal FeedReader: one more reader reads this feed (blocks are kept for readers only). */
  attachReader (): void {
    this._readers++
  }

  /** @internal FeedReader: a reader stopped reading this feed. */
  detachReader (): void {
    if (this._readers > 0) this._readers--
    if (this._readers === 0) this.dropAppended(0)
  }

  /** @internal FeedWriter: `block` is stored at `index` (called under hypercore's append lock, so it is certain). */
  rememberAppended (index: number, block: Uint8Array): void {
    if (this._readers === 0 || block.byteLength > RECENT_APPENDED_BYTES) return
    const old = this._appended.get(index)
    if (old !== undefined) this._appendedBytes -= old.byteLength
    this._appended.set(index, block)
    this._appendedBytes += block.byteLength
    // Entries are made in index order (appends are, and a truncation removes the tail), so the first is the oldest.
    for (const [first, bytes] of this._appended) {
      if (this._appendedBytes <= RECENT_APPENDED_BYTES) break
      this._appended.delete(first)
      this._appendedBytes -= bytes.byteLength
    }
  }

  /** @internal FeedReader: the block at `index` if our writer just appended it. Taken once, with every older one. */
  takeAppended (index: number): Uint8Array | undefined {
    if (this._appendedBytes === 0) return undefined
    const block = this._appended.get(index)
    if (block === undefined) return undefined
    // Readers read in index order: what lies below the index taken is behind them.
    for (const [at, bytes] of this._appended) {
      if (at > index) break
      this._appended.delete(at)
      this._appendedBytes -= bytes.byteLength
    }
    return block
  }

  /** Drops the entries at `from` and above (the feed was truncated to `from` blocks, or nobody reads it). */
  private dropAppended (from: number): void {
    if (this._appendedBytes === 0) return
    for (const [at, bytes] of this._appended) {
      if (at < from) continue
      this._appended.delete(at)
      this._appendedBytes -= bytes.byteLength
    }
  }

  toString (): string {
    return `Feed(${this.id.slice(0, 8)}${this.writable ? ', writable' : ''}, length ${this.length})`
  }
}

/**
 * The feed key of the feed whose blocks `signerPublicKey` signs (Corestore 7 feeds: the hash of the manifest
 * `{ version: 1, signers: [{ publicKey }] }`). A verifier of "signed by the feed itself" checks the signature
 * with `signerPublicKey` AND that `feedKeyFromSigner(signerPublicKey)` equals the feed key.
 */
export function feedKeyFromSigner (signerPublicKey: Uint8Array): Buffer {
  return Hypercore.key({ version: 1, signers: [{ publicKey: signerPublicKey }] })
}
