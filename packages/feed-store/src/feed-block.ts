import { echo } from '@echodb/proto'
import { BlockDecodeError, InvalidTimeframeError, reason } from './feed-errors'
import { Timeframe } from './timeframe'

/** A FeedBlock as read back: the writer's timeframe and the still-encoded messages (views into the block). */
export interface DecodedFeedBlock {
  timeframe: Timeframe
  messages: Uint8Array[]
}

/** Bytes a varint takes for a non-negative integer below 2^53. */
export function varintSize (value: number): number {
  let size = 1
  while (value >= 0x80) {
    value = Math.floor(value / 0x80)
    size++
  }
  return size
}

/**
 * Bytes a length-delimited field of `byteLength` payload bytes takes in a FeedBlock: one tag byte (field numbers
 * 1 and 2), the length varint, the payload. A FeedBlock's size is exactly the sum of its fields' framed sizes.
 */
export function framedSize (byteLength: number): number {
  return 1 + varintSize(byteLength) + byteLength
}

/** Encodes one block. `timeframe` is the wire form (Timeframe.toProto()), so a writer converts it once per seal. */
export function encodeFeedBlock (timeframe: echo.Timeframe.$Properties, messages: Uint8Array[]): Uint8Array {
  return echo.FeedBlock.encode({ timeframe, messages }).finish()
}

/** Decodes one block; throws BlockDecodeError (with the reason) for anything that is not a valid FeedBlock. */
export function decodeFeedBlock (bytes: Uint8Array): DecodedFeedBlock {
  let block: echo.FeedBlock
  try {
    block = echo.FeedBlock.decode(bytes)
  } catch (err) {
    throw new BlockDecodeError(reason(err), { cause: err })
  }
  let timeframe: Timeframe
  try {
    timeframe = Timeframe.fromProto(block.timeframe)
  } catch (err) {
    if (err instanceof InvalidTimeframeError) throw new BlockDecodeError(err.message, { cause: err })
    throw err
  }
  return { timeframe, messages: block.messages ?? [] }
}
