/** Turns typed messages into bytes and back. Every codec in ECHO has this shape. */
export interface Codec<T> {
  encode (message: T): Uint8Array
  /** Throws on bytes that are not a valid encoding; callers catch, count and report. */
  decode (bytes: Uint8Array): T
}

/** The static encode/decode pair that protobufjs generates for every message type. */
export interface ProtobufType<T> {
  encode (message: T): { finish (): Uint8Array }
  decode (bytes: Uint8Array): T
}

/** A Codec over a generated protobufjs message type, e.g. `protobufCodec(echo.Envelope)`. */
export function protobufCodec<T> (type: ProtobufType<T>): Codec<T> {
  return {
    encode: (message) => type.encode(message).finish(),
    decode: (bytes) => type.decode(bytes)
  }
}
