import * as crypto from 'hypercore-crypto'
import * as sodium from 'sodium-universal'
import { InvalidKeyError } from './errors'

/** Bytes of an Ed25519 public key (identity, device, party and feed signer keys; feed keys are 32 bytes too). */
export const PUBLIC_KEY_BYTES = 32
/** Bytes of a libsodium Ed25519 secret key (seed + public key). */
export const SECRET_KEY_BYTES = 64
/** Bytes of an Ed25519 signature. */
export const SIGNATURE_BYTES = 64

/** An Ed25519 key pair in libsodium layout (the same shape hypercore and hyperswarm use). */
export interface KeyPair {
  publicKey: Buffer
  secretKey: Buffer
}

/**
 * Something that signs with one key. A Signer from `KeyStore.signer()` keeps its secret key private: this is how
 * credentials get signed without the secret key leaving the KeyStore.
 */
export interface Signer {
  readonly publicKey: Buffer
  /** Detached Ed25519 signature of `message`. */
  sign (message: Uint8Array): Buffer
}

/** A Signer, or a raw key pair (e.g. a feed's key pair from feed-store). */
export type SignerLike = Signer | KeyPair

/** A fresh random key pair, or the one derived from a 32-byte seed. */
export function generateKeyPair (seed?: Uint8Array): KeyPair {
  if (seed !== undefined && seed.byteLength !== 32) throw new InvalidKeyError('seed', `expected 32 bytes, got ${seed.byteLength}`)
  return crypto.keyPair(seed)
}

/** Throws InvalidKeyError unless `key` is a 32-byte key. */
export function assertPublicKey (key: Uint8Array, what = 'public key'): void {
  if (!(key instanceof Uint8Array) || key.byteLength !== PUBLIC_KEY_BYTES) {
    throw new InvalidKeyError(what, `expected ${PUBLIC_KEY_BYTES} bytes, got ${key instanceof Uint8Array ? key.byteLength : typeof key}`)
  }
}

/** Throws InvalidKeyError unless the secret key is 64 bytes and belongs to the public key. */
export function assertKeyPair (keyPair: { publicKey: Uint8Array, secretKey: Uint8Array }, what = 'key pair'): void {
  assertPublicKey(keyPair.publicKey, `${what} public key`)
  if (!(keyPair.secretKey instanceof Uint8Array) || keyPair.secretKey.byteLength !== SECRET_KEY_BYTES) {
    throw new InvalidKeyError(what, `secret key must be ${SECRET_KEY_BYTES} bytes`)
  }
  if (!crypto.validateKeyPair(keyPair)) throw new InvalidKeyError(what, 'secret key does not belong to the public key')
}

/** Detached Ed25519 signature. */
export function sign (message: Uint8Array, secretKey: Uint8Array): Buffer {
  return crypto.sign(message, secretKey)
}

/** Never throws: false for a bad signature or a signature/key of the wrong size. */
export function verify (message: Uint8Array, signature: Uint8Array, publicKey: Uint8Array): boolean {
  return crypto.verify(message, signature, publicKey)
}

/**
 * The swarm topic for a key: a hash of it (hypercore's discovery key), so that announcing the topic does not
 * reveal the key itself. A party's topic is `discoveryKey(partyKey)`.
 */
export function discoveryKey (publicKey: Uint8Array): Buffer {
  assertPublicKey(publicKey)
  return crypto.discoveryKey(publicKey)
}

export function randomBytes (n: number): Buffer {
  return crypto.randomBytes(n)
}

/** A Signer over a key pair held in memory. The key pair is checked once, here. */
export function keyPairSigner (keyPair: KeyPair): Signer {
  assertKeyPair(keyPair)
  const { publicKey, secretKey } = keyPair
  return {
    publicKey,
    sign: (message) => crypto.sign(message, secretKey)
  }
}

function isSigner (value: SignerLike): value is Signer {
  return typeof (value as Signer).sign === 'function'
}

/** Accepts a Signer or a key pair. */
export function toSigner (value: SignerLike): Signer {
  return isSigner(value) ? value : keyPairSigner(value)
}

/** BLAKE2b-256 of the concatenation of `parts`, keyed when `key` is given. */
export function hash (parts: Uint8Array[], key?: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(32)
  if (key === undefined) sodium.crypto_generichash_batch(out, parts)
  else sodium.crypto_generichash_batch(out, parts, key)
  return out
}

/** Constant-time comparison; false (not a throw) for different lengths. */
export function equalSecret (a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && sodium.sodium_memcmp(a, b)
}

/** Lowercase hex of a key: the form ECHO uses for map keys, logs and text. */
export function keyToHex (key: Uint8Array): string {
  return Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('hex')
}

const HEX_KEY = /^[0-9a-f]{64}$/

/** Parses 64 lowercase hex characters into a 32-byte key. */
export function hexToKey (hex: string): Buffer {
  if (!HEX_KEY.test(hex)) throw new InvalidKeyError('hex key', `expected 64 lowercase hex characters, got "${hex.slice(0, 80)}"`)
  return Buffer.from(hex, 'hex')
}
