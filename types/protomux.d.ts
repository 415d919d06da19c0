// Typed shim for the parts of protomux 3.12.1 that ECHO uses (node_modules/protomux/index.js).
// Owner: credentials. Keep each signature true to the library source.
declare module 'protomux' {
  import type { Duplex } from 'streamx'

  namespace Protomux {
    /** A compact-encoding codec (`c.raw`, `c.buffer`, ...). */
    interface Encoding<T> {
      preencode (state: unknown, value: T): void
      encode (state: unknown, value: T): void
      decode (state: unknown): T
    }

    interface MessageOptions<T> {
      encoding?: Encoding<T>
      /** Called for every message of this type; a throw (or rejection) destroys the stream. */
      onmessage?: (message: T, channel: Channel) => void | Promise<void>
    }

    interface Message<T> {
      readonly type: number
      /** Queues the message; false if the channel is closed (or the stream needs draining). */
      send (message: T): boolean
      onmessage: (message: T, channel: Channel) => void | Promise<void>
    }

    interface ChannelOptions {
      /** Channels pair by protocol name and id. */
      protocol: string
      id?: Uint8Array | null
      /** false: allow several channels with the same protocol and id. */
      unique?: boolean
      userData?: unknown
      messages?: Array<MessageOptions<any>>
      /** The remote side opened the channel too. */
      onopen?: (handshake?: unknown) => void | Promise<void>
      /** Either side closed the channel, or the remote rejected it, or the stream ended. */
      onclose?: () => void | Promise<void>
      ondestroy?: () => void | Promise<void>
    }

    interface Channel {
      readonly protocol: string
      readonly id: Buffer | null
      readonly opened: boolean
      readonly closed: boolean
      readonly destroyed: boolean
      userData: unknown
      readonly messages: Array<Message<any>>
      /** Resolves true once both sides opened, false if it closed first. */
      fullyOpened (): Promise<boolean>
      fullyClosed (): Promise<void>
      open (handshake?: unknown): void
      addMessage<T> (opts: MessageOptions<T>): Message<T>
      close (): void
      cork (): void
      uncork (): void
    }
  }

  class Protomux {
    /** The muxer cached on `stream.userData` (shared with Hypercore/Corestore replication), or a new one. */
    static from (stream: Duplex | Protomux, opts?: { alloc?: (size: number) => Buffer }): Protomux
    static isProtomux (value: unknown): value is Protomux
    constructor (stream: Duplex, opts?: { alloc?: (size: number) => Buffer })
    readonly isProtomux: true
    readonly stream: Duplex
    /** A channel to open, or null when one with this protocol and id is already open (unique) or the stream is gone. */
    createChannel (opts: Protomux.ChannelOptions): Protomux.Channel | null
    /** `notify(id)` is called each time the remote opens a channel of this protocol that no local channel awaits. */
    pair (opts: { protocol: string, id?: Uint8Array | null }, notify: (id: Buffer | null) => void | Promise<void>): void
    unpair (opts: { protocol: string, id?: Uint8Array | null }): void
    opened (opts: { protocol: string, id?: Uint8Array | null }): boolean
    isIdle (): boolean
    cork (): void
    uncork (): void
    destroy (err?: Error): void
  }

  export = Protomux
}
