import type { echo } from '@echodb/proto'
import { internHex } from './feed-hex'
import { ModelError, type ModelErrorCode } from './errors'
import { isOrderStamp, type OrderStamp } from './order'

/** The wire form of an order stamp (echo.models.OrderStamp). */
export function encodeStamp (stamp: OrderStamp): echo.models.IOrderStamp {
  return { seq: stamp.seq, feed: stamp.feed, block: stamp.block, index: stamp.index }
}

/** Reads a stamp back, refusing a malformed one with ModelError `code`. */
export function decodeStamp (stamp: echo.models.IOrderStamp | null | undefined, code: ModelErrorCode): OrderStamp {
  if (stamp === null || stamp === undefined) throw new ModelError(code, 'order stamp missing')
  const decoded: OrderStamp = {
    seq: stamp.seq ?? 0,
    feed: internHex(stamp.feed ?? ''),
    block: stamp.block ?? 0,
    index: stamp.index ?? 0
  }
  if (!isOrderStamp(decoded)) throw new ModelError(code, `malformed order stamp ${JSON.stringify(decoded)}`)
  return decoded
}
