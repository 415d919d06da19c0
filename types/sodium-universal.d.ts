// Typed shim for the parts of sodium-universal 5.0.1 (sodium-native 5) that ECHO uses.
// Owner: credentials. Outputs are written into the first (Buffer/Uint8Array) argument, as in libsodium.
declare module 'sodium-universal' {
  const crypto_sign_BYTES: number
  const crypto_sign_PUBLICKEYBYTES: number
  const crypto_sign_SECRETKEYBYTES: number
  function crypto_sign_detached (signature: Uint8Array, message: Uint8Array, secretKey: Uint8Array): void
  function crypto_sign_verify_detached (signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean

  const crypto_generichash_BYTES: number
  const crypto_generichash_KEYBYTES_MIN: number
  const crypto_generichash_KEYBYTES_MAX: number
  /** BLAKE2b of `input` (optionally keyed), `output.byteLength` bytes long. */
  function crypto_generichash (output: Uint8Array, input: Uint8Array, key?: Uint8Array): void
  /** BLAKE2b of the concatenation of `inputs`. */
  function crypto_generichash_batch (output: Uint8Array, inputs: Uint8Array[], key?: Uint8Array): void

  const crypto_pwhash_scryptsalsa208sha256_SALTBYTES: number
  const crypto_pwhash_scryptsalsa208sha256_OPSLIMIT_MIN: number
  const crypto_pwhash_scryptsalsa208sha256_OPSLIMIT_INTERACTIVE: number
  const crypto_pwhash_scryptsalsa208sha256_OPSLIMIT_SENSITIVE: number
  const crypto_pwhash_scryptsalsa208sha256_MEMLIMIT_MIN: number
  const crypto_pwhash_scryptsalsa208sha256_MEMLIMIT_INTERACTIVE: number
  const crypto_pwhash_scryptsalsa208sha256_MEMLIMIT_SENSITIVE: number
  /** scrypt (libsodium's crypto_pwhash_scryptsalsa208sha256) run on the thread pool; resolves when `output` is filled. */
  function crypto_pwhash_scryptsalsa208sha256_async (
    output: Uint8Array, password: Uint8Array, salt: Uint8Array, opslimit: number, memlimit: number
  ): Promise<void>

  function randombytes_buf (buffer: Uint8Array): void
  /** Uniformly random integer in 0 .. upperBound-1. */
  function randombytes_uniform (upperBound: number): number
  /** Constant-time equality of two buffers of the same length (throws on different lengths). */
  function sodium_memcmp (a: Uint8Array, b: Uint8Array): boolean
  function sodium_memzero (buffer: Uint8Array): void
}
