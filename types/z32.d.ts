// Typed shim for z32 1.1.0 (z-base-32, node_modules/z32/index.js). Owner: credentials.
declare module 'z32' {
  const ALPHABET: string
  function encode (bytes: Uint8Array | string): string
  /** Decodes z-base-32. Throws on a character outside the alphabet. */
  function decode (text: string, out?: Uint8Array): Buffer
  export { ALPHABET, encode, decode }
}
