import { EchoError } from '@echodb/feed-store'

/** Base of the errors this package throws: bad keys, bad arguments, KeyStore misuse. */
export class CredentialsError extends EchoError {}

/** A key of the wrong length or a key pair whose halves do not match. */
export class InvalidKeyError extends CredentialsError {
  constructor (what: string, detail: string) {
    super('INVALID_KEY', `${what}: ${detail}`)
  }
}

/** KeyStore: no key with this public key (or no secret key for it). */
export class KeyNotFoundError extends CredentialsError {
  constructor (publicKeyHex: string, detail = 'not in the KeyStore') {
    super('KEY_NOT_FOUND', `key ${publicKeyHex}: ${detail}`)
  }
}

/** KeyStore: the public key is already stored with another kind or another secret key. */
export class KeyExistsError extends CredentialsError {
  constructor (publicKeyHex: string, detail: string) {
    super('KEY_EXISTS', `key ${publicKeyHex}: ${detail}`)
  }
}
