import { InvitationError } from './errors'
import { assertPublicKey } from './keys'

/**
 * An authenticated, ordered, message-oriented channel between two peers: what the invitation handshake runs
 * over. Both public keys are the ones the transport authenticated (on Hyperswarm: the Noise static keys), so a
 * peer knows who is at the other end before it sends anything.
 */
export interface MessageChannel {
  readonly localPublicKey: Uint8Array
  readonly remotePublicKey: Uint8Array
  readonly closed: boolean
  /** Sends one message; ignored once closed. */
  send (message: Uint8Array): void
  /** Set by the protocol. Messages arriving before it is set are kept and delivered when it is. */
  onmessage: ((message: Uint8Array) => void) | null
  /** Called once, when either side closes the channel or the transport goes away. */
  onclose: (() => void) | null
  close (): void
}

/**
 * The shared part of a channel: a queue for messages that arrive before `onmessage` is set, and close handling.
 * Transports call `deliver` and `closedByRemote`.
 */
export abstract class BufferedChannel implements MessageChannel {
  private pending: Uint8Array[] = []
  private handler: ((message: Uint8Array) => void) | null = null
  private closeHandler: (() => void) | null = null
  private isClosed = false
  private closeNotified = false

  constructor (readonly localPublicKey: Uint8Array, readonly remotePublicKey: Uint8Array) {
    assertPublicKey(localPublicKey, 'local channel key')
    assertPublicKey(remotePublicKey, 'remote channel key')
  }

  get closed (): boolean {
    return this.isClosed
  }

  get onmessage (): ((message: Uint8Array) => void) | null {
    return this.handler
  }

  set onmessage (handler: ((message: Uint8Array) => void) | null) {
    this.handler = handler
    if (handler === null) return
    const queued = this.pending
    this.pending = []
    for (const message of queued) handler(message)
  }

  get onclose (): (() => void) | null {
    return this.closeHandler
  }

  set onclose (handler: (() => void) | null) {
    this.closeHandler = handler
    if (handler !== null && this.isClosed) this.notifyClose()
  }

  send (message: Uint8Array): void {
    if (!this.isClosed) this.transmit(message)
  }

  close (): void {
    if (this.isClosed) return
    this.isClosed = true
    this.shutdown()
    this.notifyClose()
  }

  protected abstract transmit (message: Uint8Array): void
  protected abstract shutdown (): void

  protected deliver (message: Uint8Array): void {
    if (this.isClosed) return
    if (this.handler === null) this.pending.push(message)
    else this.handler(message)
  }

  protected closedByRemote (): void {
    if (this.isClosed) return
    this.isClosed = true
    this.notifyClose()
  }

  private notifyClose (): void {
    if (this.closeNotified || this.closeHandler === null) return
    this.closeNotified = true
    this.closeHandler()
  }
}

class MemoryChannel extends BufferedChannel {
  peer: MemoryChannel | null = null

  protected transmit (message: Uint8Array): void {
    const peer = this.peer
    const copy = Uint8Array.from(message)
    // Asynchronous like a network, and in order with the close below.
    setImmediate(() => peer?.deliver(copy))
  }

  protected shutdown (): void {
    const peer = this.peer
    setImmediate(() => peer?.closedByRemote())
  }
}

/**
 * Two connected in-memory channels, authenticated as `aKey` and `bKey` (tests, and peers in one process). Messages
 * arrive asynchronously and in order; closing one side closes the other after what was already sent.
 */
export function createChannelPair (aKey: Uint8Array, bKey: Uint8Array): [MessageChannel, MessageChannel] {
  const a = new MemoryChannel(aKey, bKey)
  const b = new MemoryChannel(bKey, aKey)
  a.peer = b
  b.peer = a
  return [a, b]
}

/** Largest handshake message accepted (a Welcome naming a few thousand feeds fits). */
export const MAX_HANDSHAKE_MESSAGE = 1024 * 1024

/** Reads a channel message by message, with a timeout per message. */
export class ChannelReader {
  private readonly queue: Uint8Array[] = []
  private waiter: { resolve: (m: Uint8Array) => void, reject: (e: Error) => void } | null = null
  private ended = false

  constructor (private readonly channel: MessageChannel) {
    channel.onmessage = (message) => {
      if (this.waiter !== null) {
        const { resolve } = this.waiter
        this.waiter = null
        resolve(message)
      } else {
        this.queue.push(message)
      }
    }
    channel.onclose = () => {
      this.ended = true
      if (this.waiter !== null) {
        const { reject } = this.waiter
        this.waiter = null
        reject(new InvitationError('CHANNEL_CLOSED', 'the channel closed before the handshake ended'))
      }
    }
  }

  /** The next message; rejects with InvitationError TIMEOUT or CHANNEL_CLOSED. */
  async next (timeoutMs: number): Promise<Uint8Array> {
    const queued = this.queue.shift()
    if (queued !== undefined) return queued
    if (this.ended || this.channel.closed) throw new InvitationError('CHANNEL_CLOSED', 'the channel closed before the handshake ended')
    return await new Promise<Uint8Array>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = null
        reject(new InvitationError('TIMEOUT', `no answer within ${timeoutMs} ms`))
      }, timeoutMs)
      this.waiter = {
        resolve: (m) => { clearTimeout(timer); resolve(m) },
        reject: (e) => { clearTimeout(timer); reject(e) }
      }
    })
  }
}
