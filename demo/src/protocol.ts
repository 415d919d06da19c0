/** What the demo's conductor and its peer processes say to each other over the IPC channel. */

export type Command =
  | { cmd: 'open', directory: string, name: string, bootstrap?: Array<{ host: string, port: number }> }
  | { cmd: 'createParty', title: string }
  | { cmd: 'invite' }
  | { cmd: 'join', code: string, secret: string }
  | { cmd: 'createItem', props: Record<string, string | number | boolean> }
  | { cmd: 'set', itemId: string, key: string, value: string | number | boolean }
  | { cmd: 'burst', itemId: string, count: number, tag: string }
  | { cmd: 'waitFor', timeframe: Array<[string, number]> }
  | { cmd: 'state' }
  | { cmd: 'close' }

export interface Request { id: number, command: Command }
export type Response = { id: number, ok: true, result: unknown } | { id: number, ok: false, error: string }
/** Unsolicited: a peer reports sync progress while joining or catching up. */
export interface Progress { progress: { processed: number, known: number, peers: number } }

export interface PeerState {
  name: string
  members: string[]
  items: Array<{ id: string, props: Record<string, unknown> }>
  timeframe: Array<[string, number]>
  digest: string
}
