import debug from 'debug'
import { Level } from 'level'
import type { AbstractLevel, AbstractSublevel } from 'abstract-level'
import { CredentialsError, KeyExistsError, KeyNotFoundError } from './errors'
import {
  type KeyPair, type Signer, assertKeyPair, assertPublicKey, generateKeyPair, hexToKey, keyPairSigner, keyToHex
} from './keys'

const log = debug('echo:credentials:key-store')

/** What a key is for. Identity: a person across parties. Device: one ECHO instance (its network key). */
export type KeyKind = 'identity' | 'device' | 'party' | 'feed'

export const KEY_KINDS: readonly KeyKind[] = ['identity', 'device', 'party', 'feed']

/** A stored key, without its secret. */
export interface KeyInfo {
  readonly publicKey: Buffer
  readonly kind: KeyKind
  /** Free text chosen by the caller (e.g. a party key's label), or null. */
  readonly label: string | null
  /** Milliseconds since the epoch. */
  readonly createdAt: number
  /** False for keys stored as public keys only (e.g. a party key whose secret was discarded). */
  readonly hasSecretKey: boolean
}

interface StoredKey {
  kind: KeyKind
  label: string | null
  createdAt: number
  secretKey: string | null
}

// Any abstract-level database or sublevel; the store keeps its records in a sublevel of it.
type AnyLevel = AbstractLevel<any, any, any>

function isKind (kind: unknown): kind is KeyKind {
  return typeof kind === 'string' && (KEY_KINDS as readonly string[]).includes(kind)
}

/**
 * Ed25519 keys kept in level. Secret keys never leave it except through `export`; `signer` signs without handing
 * the secret key out.
 *
 *     const keys = await KeyStore.open(dir)            // or new KeyStore(db.sublevel('echo-keys')) on an open level db
 *     const identity = await keys.ensure('identity')   // created on first use
 *     const signer = await keys.signer(identity.publicKey)
 */
export class KeyStore {
  private readonly records: AbstractSublevel<AnyLevel, any, string, StoredKey>
  private readonly owned: Level<string, string> | null

  /** A KeyStore inside `db` (a level database or sublevel the caller opens and closes). */
  constructor (db: AnyLevel, opts: { owned?: Level<string, string> } = {}) {
    this.records = db.sublevel<string, StoredKey>('echo-keys', { valueEncoding: 'json' })
    this.owned = opts.owned ?? null
  }

  /** A KeyStore in its own level database in `directory`; `close()` closes it. */
  static async open (directory: string): Promise<KeyStore> {
    const db = new Level<string, string>(directory)
    await db.open()
    return new KeyStore(db, { owned: db })
  }

  async close (): Promise<void> {
    if (this.owned !== null) await this.owned.close()
  }

  /** Generates a key pair of `kind` and stores it. */
  async create (kind: KeyKind, opts: { label?: string } = {}): Promise<KeyInfo> {
    const keyPair = generateKeyPair()
    return await this.add(kind, keyPair, opts)
  }

  /**
   * The first key of `kind` with `label` (null: any label), created when there is none. What an instance calls on
   * every start for its identity and device keys.
   */
  async ensure (kind: KeyKind, label: string | null = null): Promise<KeyInfo> {
    const existing = (await this.list({ kind })).find((k) => label === null || k.label === label)
    return existing ?? await this.create(kind, { label: label ?? undefined })
  }

  /**
   * Stores a key: a full key pair, or a public key alone (`secretKey` omitted). Adding the same key again with the
   * same kind is a no-op (and adds the secret key if it was missing); another kind or another secret key throws
   * KeyExistsError.
   */
  async add (kind: KeyKind, key: { publicKey: Uint8Array, secretKey?: Uint8Array | null }, opts: { label?: string } = {}): Promise<KeyInfo> {
    if (!isKind(kind)) throw new CredentialsError('INVALID_KIND', `unknown key kind ${String(kind)}`)
    if (key.secretKey != null) assertKeyPair({ publicKey: key.publicKey, secretKey: key.secretKey })
    else assertPublicKey(key.publicKey)
    const id = keyToHex(key.publicKey)
    const secretKey = key.secretKey == null ? null : keyToHex(key.secretKey)
    const existing = await this.records.get(id)
    if (existing !== undefined) {
      if (existing.kind !== kind) throw new KeyExistsError(id, `stored as a ${existing.kind} key`)
      if (existing.secretKey !== null && secretKey !== null && existing.secretKey !== secretKey) {
        throw new KeyExistsError(id, 'stored with another secret key')
      }
      if (existing.secretKey === null && secretKey !== null) {
        await this.records.put(id, { ...existing, secretKey })
        return toInfo(id, { ...existing, secretKey })
      }
      return toInfo(id, existing)
    }
    const record: StoredKey = { kind, label: opts.label ?? null, createdAt: Date.now(), secretKey }
    await this.records.put(id, record)
    log('stored %s key %s', kind, id.slice(0, 8))
    return toInfo(id, record)
  }

  async get (publicKey: Uint8Array): Promise<KeyInfo | undefined> {
    const id = keyToHex(publicKey)
    const record = await this.records.get(id)
    return record === undefined ? undefined : toInfo(id, record)
  }

  async has (publicKey: Uint8Array): Promise<boolean> {
    return (await this.get(publicKey)) !== undefined
  }

  /** Every stored key (of `kind`), oldest first. */
  async list (filter: { kind?: KeyKind } = {}): Promise<KeyInfo[]> {
    const out: KeyInfo[] = []
    for await (const [id, record] of this.records.iterator()) {
      if (filter.kind === undefined || record.kind === filter.kind) out.push(toInfo(id, record))
    }
    return out.sort((a, b) => a.createdAt - b.createdAt || Buffer.compare(a.publicKey, b.publicKey))
  }

  /** Deletes a key; false when it was not stored. */
  async remove (publicKey: Uint8Array): Promise<boolean> {
    const id = keyToHex(publicKey)
    if ((await this.records.get(id)) === undefined) return false
    await this.records.del(id)
    log('removed key %s', id.slice(0, 8))
    return true
  }

  /** Signs with a stored key; the secret key stays inside the Signer. */
  async signer (publicKey: Uint8Array): Promise<Signer> {
    return keyPairSigner(await this.secret(publicKey))
  }

  /** The key pair with its secret key: the one explicit way a secret key leaves the store. */
  async export (publicKey: Uint8Array): Promise<KeyPair> {
    const pair = await this.secret(publicKey)
    log('exported the secret key of %s', keyToHex(publicKey).slice(0, 8))
    return pair
  }

  private async secret (publicKey: Uint8Array): Promise<KeyPair> {
    const id = keyToHex(publicKey)
    const record = await this.records.get(id)
    if (record === undefined) throw new KeyNotFoundError(id)
    if (record.secretKey === null) throw new KeyNotFoundError(id, 'stored without its secret key')
    return { publicKey: hexToKey(id), secretKey: Buffer.from(record.secretKey, 'hex') }
  }
}

function toInfo (id: string, record: StoredKey): KeyInfo {
  return {
    publicKey: hexToKey(id),
    kind: record.kind,
    label: record.label,
    createdAt: record.createdAt,
    hasSecretKey: record.secretKey !== null
  }
}
