import * as sodium from 'sodium-universal'
import { InvitationError } from './errors'

/**
 * Cost of the key derivation of invitation secrets (libsodium's crypto_pwhash_scryptsalsa208sha256). The default,
 * libsodium's "interactive" level (opslimit 524288, memlimit 16 MiB), takes ~60 ms here: once when an invitation
 * is created, once per attempt on the invitee. Greeters choose; invitees accept at most LIMITS.
 */
export interface KdfParams {
  opsLimit: number
  memLimit: number
}

export const DEFAULT_KDF: KdfParams = {
  opsLimit: sodium.crypto_pwhash_scryptsalsa208sha256_OPSLIMIT_INTERACTIVE,
  memLimit: sodium.crypto_pwhash_scryptsalsa208sha256_MEMLIMIT_INTERACTIVE
}

/** The cheapest parameters libsodium allows (~2 ms): for tests only. */
export const TEST_KDF: KdfParams = {
  opsLimit: sodium.crypto_pwhash_scryptsalsa208sha256_OPSLIMIT_MIN,
  memLimit: sodium.crypto_pwhash_scryptsalsa208sha256_MEMLIMIT_MIN
}

/** What an invitee accepts from a greeter's challenge (a hostile greeter must not make it burn a gigabyte). */
export const KDF_LIMITS = {
  opsLimit: { min: sodium.crypto_pwhash_scryptsalsa208sha256_OPSLIMIT_MIN, max: sodium.crypto_pwhash_scryptsalsa208sha256_OPSLIMIT_SENSITIVE },
  memLimit: { min: sodium.crypto_pwhash_scryptsalsa208sha256_MEMLIMIT_MIN, max: 256 * 1024 * 1024 }
}

export const SALT_BYTES = sodium.crypto_pwhash_scryptsalsa208sha256_SALTBYTES
/** Digits of a generated PIN. */
export const PIN_DIGITS = 6
/** Shortest secret accepted: 6 digits, or 6 characters of a passphrase. */
export const MIN_SECRET_LENGTH = 6

/**
 * The form of a secret that is hashed: NFKC-normalised and trimmed; a PIN typed in groups ("123 456", "123-456")
 * loses its spaces and dashes.
 */
export function normalizeSecret (secret: string): string {
  const text = secret.normalize('NFKC').trim()
  return /^[\d\s-]+$/.test(text) ? text.replace(/[\s-]/g, '') : text
}

/** Throws InvitationError INVALID_SECRET unless the secret is long enough once normalised. */
export function checkSecret (secret: string): string {
  if (typeof secret !== 'string') throw new InvitationError('INVALID_SECRET', 'the secret must be a string')
  const normalized = normalizeSecret(secret)
  if ([...normalized].length < MIN_SECRET_LENGTH) {
    throw new InvitationError('INVALID_SECRET', `the secret must have at least ${MIN_SECRET_LENGTH} digits or characters`)
  }
  return normalized
}

/** A random PIN of PIN_DIGITS digits (leading zeros kept). */
export function generatePin (digits = PIN_DIGITS): string {
  let pin = ''
  for (let i = 0; i < digits; i++) pin += String(sodium.randombytes_uniform(10))
  return pin
}

export function withinLimits (params: KdfParams): boolean {
  return Number.isSafeInteger(params.opsLimit) && Number.isSafeInteger(params.memLimit) &&
    params.opsLimit >= KDF_LIMITS.opsLimit.min && params.opsLimit <= KDF_LIMITS.opsLimit.max &&
    params.memLimit >= KDF_LIMITS.memLimit.min && params.memLimit <= KDF_LIMITS.memLimit.max
}

/** K = scrypt(normalised secret, salt): the 32-byte key both sides prove knowledge of. Runs off the event loop. */
export async function deriveSecretKey (secret: string, salt: Uint8Array, params: KdfParams): Promise<Buffer> {
  const out = Buffer.alloc(32)
  await sodium.crypto_pwhash_scryptsalsa208sha256_async(out, Buffer.from(normalizeSecret(secret), 'utf8'), salt, params.opsLimit, params.memLimit)
  return out
}
