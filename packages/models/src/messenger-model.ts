import { protobufCodec } from '@echodb/feed-store'
import { echo } from '@echodb/proto'
import { ModelError } from './errors'
import { defineModelType, Model, type ModelContext, type ModelType } from './model'
import { compareOrder, type MutationMeta, type OrderStamp } from './order'
import { decodeStamp, encodeStamp } from './stamp-codec'

type MessengerMutation = echo.models.IMessengerMutation
type MessengerSnapshot = echo.models.IMessengerSnapshot

/** One chat message. `time` is the author's clock (display only); the list is ordered by `order`. */
export interface ChatMessage {
  /** The author's identity key, as the mutation's metadata gave it. */
  readonly author: Uint8Array
  readonly text: string
  readonly time: number
  readonly order: OrderStamp
}

const EMPTY: readonly ChatMessage[] = Object.freeze([])

/**
 * Chat messages (author, text, time) ordered by order stamp: every replica lists the same messages in the same
 * order, concurrent sends included (the stamp breaks ties by feed key, block and index).
 */
export class MessengerModel extends Model<MessengerMutation, MessengerSnapshot, readonly ChatMessage[]> {
  static readonly type: ModelType<MessengerModel> = defineModelType<MessengerModel>({
    url: 'echodb.org/model/messenger',
    version: 1,
    mutationCodec: protobufCodec<MessengerMutation>(echo.models.MessengerMutation),
    snapshotCodec: protobufCodec<MessengerSnapshot>(echo.models.MessengerSnapshot),
    create: (type, context) => new MessengerModel(type, context)
  })

  private list: ChatMessage[] | undefined = undefined

  constructor (type: ModelType<MessengerModel> = MessengerModel.type, context: ModelContext = {}) {
    super(type, context)
  }

  /** The messages in order (do not modify the array). */
  get messages (): readonly ChatMessage[] {
    return this.list ?? EMPTY
  }

  get state (): readonly ChatMessage[] {
    return this.messages
  }

  /** Sends a message; `time` defaults to now (ms since the epoch). */
  async send (text: string, options: { time?: number } = {}): Promise<void> {
    if (typeof text !== 'string' || text.length === 0) throw new ModelError('INVALID_ARGUMENT', 'a message needs non-empty text')
    const time = options.time ?? Date.now()
    if (!Number.isFinite(time)) throw new ModelError('INVALID_ARGUMENT', `message time must be finite, got ${String(time)}`)
    return await this.write({ text, time })
  }

  protected apply (mutation: MessengerMutation, meta: MutationMeta): boolean {
    const text = mutation.text ?? ''
    const time = mutation.time ?? 0
    if (text.length === 0) throw new ModelError('INVALID_MUTATION', 'message without text')
    if (!Number.isFinite(time)) throw new ModelError('INVALID_MUTATION', `message time ${String(time)} is not finite`)
    const list = this.list ??= []
    const message: ChatMessage = Object.freeze({ author: meta.identityKey, text, time, order: meta.order })
    // Most messages arrive in order: search from the end.
    let at = list.length
    while (at > 0) {
      const c = compareOrder(list[at - 1].order, message.order)
      if (c === 0) return false // the same mutation again
      if (c < 0) break
      at--
    }
    if (at === list.length) list.push(message)
    else list.splice(at, 0, message)
    return true
  }

  protected takeSnapshot (): MessengerSnapshot {
    return {
      messages: this.messages.map((m) => ({ author: m.author, text: m.text, time: m.time, order: encodeStamp(m.order) }))
    }
  }

  protected loadSnapshot (snapshot: MessengerSnapshot): void {
    const list: ChatMessage[] = []
    for (const m of snapshot.messages ?? []) {
      const order = decodeStamp(m.order, 'INVALID_SNAPSHOT')
      const text = m.text ?? ''
      const time = m.time ?? 0
      if (text.length === 0 || !Number.isFinite(time) || m.author === null || m.author === undefined || m.author.length === 0) {
        throw new ModelError('INVALID_SNAPSHOT', 'message without author or text, or with a non-finite time')
      }
      if (list.length > 0 && compareOrder(list[list.length - 1].order, order) >= 0) {
        throw new ModelError('INVALID_SNAPSHOT', 'messages not in order')
      }
      list.push(Object.freeze({ author: Uint8Array.prototype.slice.call(m.author), text, time, order }))
    }
    this.list = list.length === 0 ? undefined : list
  }
}
