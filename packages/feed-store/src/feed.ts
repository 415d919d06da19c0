import Hypercore from 'hypercore'
import { type FeedId, feedId } from './timeframe'

/** How many recently appended blocks a feed keeps for its reader. */
const RECENT_BLOCKS = 64

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
   * Blocks this process appended recently, by index: our own reader takes them from here instead of reading back
   * from storage what it has just written (an awaited write costs one append, not an append and a read).
   * Bounded; a block not taken in time is simply read from storage.
   */
  private readonly _appended = new Map<number, Uint8Array>()

  /** @internal FeedWriter: the encoded block about to be appended at `index`. */
  rememberAppended (index: number, block: Uint8Array): void {
    this._appended.set(index, block)
    if (this._appended.size > RECENT_BLOCKS) this._appended.delete(this._appended.keys().next().value as number)
  }

  /** @internal FeedWriter: the append failed; these blocks do not exist. */
  forgetAppended (from: number): void {
    for (const index of [...this._appended.keys()]) if (index >= from) this._appended.delete(index)
  }

  /** @internal FeedReader: the block at `index` if this process just appended it (taken once). */
  takeAppended (index: number): Uint8Array | undefined {
    const block = this._appended.get(index)
    if (block !== undefined) this._appended.delete(index)
    return block
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
