import { EchoError } from './errors'

/** A message (or a `writeAll` set) does not fit in one block. Nothing else of its batch is affected. */
export class MessageTooLargeError extends EchoError {
  constructor (readonly size: number, readonly bound: number, what = 'message') {
    super('MESSAGE_TOO_LARGE', `${what} needs ${size} bytes in a block but the block bound is ${bound} bytes`)
  }
}

/** The writes of one append were rejected because hypercore failed to append their blocks. */
export class AppendFailedError extends EchoError {
  constructor (feedKey: Uint8Array, cause: unknown) {
    super('APPEND_FAILED', `append to feed ${hex(feedKey)} failed: ${reason(cause)}`, { cause })
  }
}

/** Writing to a feed we do not hold the secret key of. */
export class FeedNotWritableError extends EchoError {
  constructor (feedKey: Uint8Array) {
    super('FEED_NOT_WRITABLE', `feed ${hex(feedKey)} is not writable here`)
  }
}

/** A write after `FeedWriter.close()`. */
export class WriterClosedError extends EchoError {
  constructor (feedKey: Uint8Array) {
    super('WRITER_CLOSED', `writer of feed ${hex(feedKey)} is closed`)
  }
}

/**
 * A FeedWriter for a feed that already has an open one. A feed has one writer at a time (until its `close()`
 * resolves): two would interleave blocks that each believes ordered.
 */
export class WriterExistsError extends EchoError {
  constructor (readonly feedKey: Uint8Array) {
    super('WRITER_EXISTS', `feed ${hex(feedKey)} already has an open FeedWriter; close it before creating another`)
  }
}

/** A call on a FeedReader after `close()` that cannot be ignored. */
export class ReaderClosedError extends EchoError {
  constructor () {
    super('READER_CLOSED', 'feed reader is closed')
  }
}

/** A call on a FeedStore after `close()`. */
export class FeedStoreClosedError extends EchoError {
  constructor () {
    super('FEED_STORE_CLOSED', 'feed store is closed')
  }
}

/** A feed key that is not 32 bytes. */
export class InvalidFeedKeyError extends EchoError {
  constructor (key: unknown) {
    super('INVALID_FEED_KEY', `feed key must be 32 bytes, got ${describe(key)}`)
  }
}

/** `addFeed` for a feed the reader already reads. */
export class FeedAlreadyAddedError extends EchoError {
  constructor (feedKey: Uint8Array) {
    super('FEED_ALREADY_ADDED', `feed ${hex(feedKey)} is already being read`)
  }
}

/** A timeframe that breaks the wire rules (keys of 32 bytes, sorted bytewise, unique). */
export class InvalidTimeframeError extends EchoError {
  constructor (detail: string) {
    super('INVALID_TIMEFRAME', `invalid timeframe: ${detail}`)
  }
}

/** Bytes that are not a valid FeedBlock. */
export class BlockDecodeError extends EchoError {
  constructor (detail: string, options?: { cause?: unknown }) {
    super('BLOCK_DECODE_FAILED', `undecodable feed block: ${detail}`, options)
  }
}

/** An option out of its allowed range. */
export class InvalidOptionError extends EchoError {
  constructor (name: string, value: unknown, rule: string) {
    super('INVALID_OPTION', `option ${name} = ${String(value)}: ${rule}`)
  }
}

export function hex (key: Uint8Array): string {
  return Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('hex')
}

export function reason (err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

function describe (value: unknown): string {
  if (value instanceof Uint8Array) return `${value.byteLength} bytes`
  return value === null ? 'null' : typeof value
}
