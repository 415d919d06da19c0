// Typed shim for the parts of hypercore-crypto 3.7.0 that ECHO uses (node_modules/hypercore-crypto/index.js).
// Owner: credentials. Keep each signature true to the library source.
declare module 'hypercore-crypto' {
  interface KeyPair {
    publicKey: Buffer
    secretKey: Buffer
  }

  /** A fresh Ed25519 key pair (32-byte public key, 64-byte libsodium secret key), or one derived from a 32-byte seed. */
  function keyPair (seed?: Uint8Array): KeyPair
  /** True when `secretKey` belongs to `publicKey`. */
  function validateKeyPair (keyPair: { publicKey: Uint8Array, secretKey: Uint8Array }): boolean
  /** Detached Ed25519 signature (64 bytes). */
  function sign (message: Uint8Array, secretKey: Uint8Array): Buffer
  /** False (never throws) for a wrong signature or a signature/key of the wrong length. */
  function verify (message: Uint8Array, signature: Uint8Array, publicKey: Uint8Array): boolean
  /** BLAKE2b-256 keyed with "hypercore": the topic under which a key's data is announced. Throws unless 32 bytes. */
  function discoveryKey (publicKey: Uint8Array): Buffer
  /** Unkeyed BLAKE2b-256 of the concatenation of `data`. */
  function hash (data: Uint8Array | Uint8Array[], out?: Uint8Array): Buffer
  function randomBytes (n: number): Buffer

  export { KeyPair, keyPair, validateKeyPair, sign, verify, discoveryKey, hash, randomBytes }
}
