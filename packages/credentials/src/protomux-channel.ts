import debug from 'debug'
import Protomux from 'protomux'
import * as c from 'compact-encoding'
import type { Duplex } from 'streamx'
import { BufferedChannel, type MessageChannel } from './channel'
import { InvitationError } from './errors'

const log = debug('echo:credentials:protomux-channel')

/** The protomux protocol name of the invitation handshake. */
export const INVITATION_PROTOCOL = 'echo/invitation/v1'

/**
 * A Noise-encrypted, authenticated stream: a Hyperswarm connection (@hyperswarm/secret-stream), or the stream
 * `corestore.replicate()` returns. Only what the adapter needs.
 */
export interface SecretStream extends Duplex {
  readonly publicKey: Uint8Array | null
  readonly remotePublicKey: Uint8Array | null
  /** The connection's Protomux once one exists (hypercore replication stores its muxer here too). */
  userData: unknown
  readonly opened: Promise<boolean>
}

/**
 * The muxer of a stream, shared with Corestore replication: both look for it in `stream.userData` and create it
 * there if missing, so the handshake channel and the hypercore channels ride the same connection.
 */
function muxerOf (stream: SecretStream): Protomux {
  return Protomux.from(stream)
}

class ProtomuxChannel extends BufferedChannel {
  private readonly message: Protomux.Message<Uint8Array>

  constructor (private readonly channel: Protomux.Channel, localKey: Uint8Array, remoteKey: Uint8Array) {
    super(localKey, remoteKey)
    this.message = channel.messages[0] as Protomux.Message<Uint8Array>
  }

  receive (message: Uint8Array): void {
    this.deliver(message)
  }

  remoteClosed (): void {
    this.closedByRemote()
  }

  protected transmit (message: Uint8Array): void {
    this.message.send(message)
  }

  protected shutdown (): void {
    this.channel.close()
  }
}

/** Creates (but does not open) the protomux channel and its MessageChannel wrapper. Null if the stream is gone. */
function createChannel (stream: SecretStream, id: Uint8Array | null): { channel: Protomux.Channel, wrapper: () => ProtomuxChannel } | null {
  if (stream.publicKey === null || stream.remotePublicKey === null) {
    throw new InvitationError('CHANNEL_CLOSED', 'the stream is not authenticated yet (await stream.opened)')
  }
  const localKey = stream.publicKey
  const remoteKey = stream.remotePublicKey
  let wrapper: ProtomuxChannel | null = null
  const early: Uint8Array[] = []
  let closedEarly = false
  const channel = muxerOf(stream).createChannel({
    protocol: INVITATION_PROTOCOL,
    id,
    // Several handshakes on one connection (a retry after a wrong secret) each get their own channel.
    unique: false,
    messages: [{
      encoding: c.raw,
      onmessage: (message: Uint8Array) => {
        if (wrapper !== null) wrapper.receive(Buffer.from(message))
        else early.push(Buffer.from(message))
      }
    }],
    onclose: () => {
      if (wrapper !== null) wrapper.remoteClosed()
      else closedEarly = true
    }
  })
  if (channel === null) return null
  return {
    channel,
    wrapper: () => {
      wrapper = new ProtomuxChannel(channel, localKey, remoteKey)
      for (const message of early) wrapper.receive(message)
      if (closedEarly) wrapper.remoteClosed()
      return wrapper
    }
  }
}

/**
 * Opens the invitation channel `id` on a connection (the invitee's side; see `invitationChannelId(code)`).
 * Resolves once the remote side opened it too; rejects with InvitationError CHANNEL_CLOSED when the remote
 * refuses it or the connection ends, and TIMEOUT after `timeout` ms.
 */
export async function openInvitationChannel (stream: SecretStream, opts: { id: Uint8Array, timeout?: number }): Promise<MessageChannel> {
  if (!(await stream.opened)) throw new InvitationError('CHANNEL_CLOSED', 'the connection closed before it opened')
  const created = createChannel(stream, opts.id)
  if (created === null) throw new InvitationError('CHANNEL_CLOSED', 'the connection is closed')
  created.channel.open()
  const timeout = opts.timeout ?? 30_000
  let timer: NodeJS.Timeout | undefined
  const opened = await Promise.race([
    created.channel.fullyOpened(),
    new Promise<'timeout'>((resolve) => { timer = setTimeout(() => resolve('timeout'), timeout) })
  ])
  clearTimeout(timer)
  if (opened === 'timeout') {
    created.channel.close()
    throw new InvitationError('TIMEOUT', `the peer did not open the invitation channel within ${timeout} ms`)
  }
  if (!opened) throw new InvitationError('CHANNEL_CLOSED', 'the peer does not serve this invitation')
  return created.wrapper()
}

/**
 * The greeter's side: every time the remote opens an invitation channel, `route(id)` picks who serves it (e.g.
 * `(id) => greeters.find((g) => g.handles(id))?.serve`); returning null refuses the channel. Returns a function that
 * stops listening on this connection.
 */
export function listenForInvitations (
  stream: SecretStream,
  route: (id: Buffer | null) => ((channel: MessageChannel) => unknown) | null
): () => void {
  const mux = muxerOf(stream)
  mux.pair({ protocol: INVITATION_PROTOCOL }, (id) => {
    const serve = route(id)
    if (serve === null) {
      log('no greeter for invitation channel %s', id?.toString('hex') ?? 'null')
      return
    }
    const created = createChannel(stream, id)
    if (created === null) return
    created.channel.open()
    void Promise.resolve(serve(created.wrapper())).catch((err: unknown) => log('invitation handler failed: %O', err))
  })
  return () => mux.unpair({ protocol: INVITATION_PROTOCOL })
}
