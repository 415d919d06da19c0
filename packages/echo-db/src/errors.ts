import { EchoError } from '@echodb/feed-store'

/** Errors the database API throws at its callers: unknown party or item, bad arguments, writes not allowed. */
export class DatabaseError extends EchoError {}

/**
 * Why a message from a feed was not applied. Every rejection is counted per reason and reported through the
 * party's 'rejected' event; none changes state.
 */
export type RejectionReason =
  | 'UNDECODABLE_BLOCK'     // the block is not a FeedBlock
  | 'UNDECODABLE_MESSAGE'   // a message of the block is not an Envelope
  | 'EMPTY_ENVELOPE'        // an Envelope with neither credential nor item
  | 'CREDENTIAL_REJECTED'   // PartyState refused it (its own reason is in `detail`)
  | 'NOT_A_WRITER'          // item message from a feed whose owner may not write
  | 'INVALID_ITEM_ID'
  | 'DUPLICATE_ITEM'
  | 'UNKNOWN_ITEM'
  | 'INVALID_ITEM_MESSAGE'  // neither genesis nor mutation, or malformed fields
  | 'MUTATION_REJECTED'     // the item's model refused the mutation

export interface Rejection {
  reason: RejectionReason
  /** Human-readable detail, e.g. the model's or PartyState's own reason. */
  detail: string
  feedKey: string
  blockIndex: number
  /** -1 when the whole block was rejected. */
  indexInBlock: number
  itemId?: string
}
