/**
 * The ECHO demo (`npm run demo`): a DHT on 127.0.0.1 and three peers, each a separate process with its own
 * ECHO instance and directory. Alice creates a party and invites Bob and Carol; all three edit concurrently;
 * Carol is cut off while the others keep writing (and writes offline herself); she reconnects and catches up;
 * then the demo prints the converged state and checks that all three peers agree. Nothing outside the machine is
 * contacted, and everything is removed afterwards.
 */
import { fork, type ChildProcess } from 'child_process'
import { mkdtemp, rm } from 'fs/promises'
import { tmpdir } from 'os'
import { join } from 'path'
import { startBootstrapNode, type BootstrapNode } from '@echodb/echo-db'
import type { Command, PeerState, Progress, Response } from './protocol'

const started = Date.now()
function say (text: string): void {
  const seconds = ((Date.now() - started) / 1000).toFixed(1).padStart(5)
  console.log(`[${seconds}s] ${text}`)
}

/** A peer process and the calls the conductor makes to it. */
class Peer {
  private nextId = 0
  private readonly pending = new Map<number, { resolve: (value: unknown) => void, reject: (err: Error) => void }>()
  private lastProgress = 0

  constructor (readonly name: string, readonly directory: string, private readonly child: ChildProcess) {
    child.on('message', (message: Response | Progress) => {
      if ('progress' in message) return this.onProgress(message.progress)
      const waiter = this.pending.get(message.id)
      if (waiter === undefined) return
      this.pending.delete(message.id)
      if (message.ok) waiter.resolve(message.result)
      else waiter.reject(new Error(`${this.name}: ${message.error}`))
    })
    child.on('exit', (code) => {
      for (const waiter of this.pending.values()) waiter.reject(new Error(`${this.name} exited (${String(code)})`))
      this.pending.clear()
    })
  }

  async call<T = unknown> (command: Command): Promise<T> {
    const id = this.nextId++
    return await new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject })
      this.child.send({ id, command })
    })
  }

  private onProgress (progress: Progress['progress']): void {
    const now = Date.now()
    if (now - this.lastProgress < 250 && progress.processed < progress.known) return
    this.lastProgress = now
    say(`  ${this.name} syncing: ${progress.processed}/${progress.known} blocks processed, ${progress.peers} peer(s)`)
  }

  stop (): void {
    if (this.child.connected) this.child.disconnect()
  }
}

async function converge (peers: Peer[]): Promise<PeerState[]> {
  for (let round = 0; round < 2; round++) {
    const states = await Promise.all(peers.map(async (p) => await p.call<PeerState>({ cmd: 'state' })))
    for (const peer of peers) {
      for (const other of states) if (other.name !== peer.name) await peer.call({ cmd: 'waitFor', timeframe: other.timeframe })
    }
  }
  return await Promise.all(peers.map(async (p) => await p.call<PeerState>({ cmd: 'state' })))
}

function printState (states: PeerState[]): boolean {
  const [first] = states
  console.log()
  console.log(`Members: ${first.members.join(', ')}`)
  console.log('Cards:')
  for (const item of first.items) console.log(`  ${item.id.slice(0, 8)}  ${JSON.stringify(item.props)}`)
  console.log()
  for (const state of states) console.log(`  ${state.name.padEnd(6)} state digest ${state.digest}  (${state.items.length} cards, ${state.members.length} members)`)
  const agree = states.every((s) => s.digest === first.digest && JSON.stringify(s.items) === JSON.stringify(first.items))
  console.log()
  console.log(agree ? 'All three peers agree.' : 'MISMATCH: the peers do not agree.')
  return agree
}

async function main (): Promise<number> {
  const root = await mkdtemp(join(tmpdir(), 'echodb-demo-'))
  let dht: BootstrapNode | undefined
  const peers: Peer[] = []
  try {
    dht = await startBootstrapNode({ host: '127.0.0.1' })
    const bootstrap = [{ host: dht.host, port: dht.port }]
    say(`DHT bootstrap node on ${dht.host}:${dht.port} (loopback only)`)

    for (const name of ['alice', 'bob', 'carol']) {
      const directory = join(root, name)
      const child = fork(join(__dirname, 'peer.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
      const peer = new Peer(name, directory, child)
      peers.push(peer)
      await peer.call({ cmd: 'open', directory, name, bootstrap })
      say(`${name} started (process ${String(child.pid)}, profile ${directory})`)
    }
    const [alice, bob, carol] = peers

    await alice.call({ cmd: 'createParty', title: 'Demo board' })
    say('alice created the party "Demo board"')
    for (const invitee of [bob, carol]) {
      const { code, secret } = await alice.call<{ code: string, secret: string }>({ cmd: 'invite' })
      say(`alice invites ${invitee.name}: code ${code.slice(0, 24)}..., secret ${secret} (given by another route)`)
      await invitee.call({ cmd: 'join', code, secret })
      say(`${invitee.name} joined and is caught up`)
    }

    const { itemId: shared } = await alice.call<{ itemId: string }>({ cmd: 'createItem', props: { title: 'Shared card', votes: 0 } })
    await converge(peers)
    say('concurrent edits: each peer adds a card and all three retitle the shared card at once')
    await Promise.all(peers.map(async (peer) => await Promise.all([
      peer.call({ cmd: 'createItem', props: { title: `${peer.name}'s card` } }),
      peer.call({ cmd: 'set', itemId: shared, key: 'title', value: `retitled by ${peer.name}` }),
      peer.call({ cmd: 'burst', itemId: shared, count: 200, tag: peer.name })
    ])))
    await converge(peers)
    say('converged after the concurrent edits')

    say('carol goes offline (her process keeps running, without a network)')
    await carol.call({ cmd: 'close' })
    await carol.call({ cmd: 'open', directory: carol.directory, name: 'carol' })
    await Promise.all([
      alice.call({ cmd: 'burst', itemId: shared, count: 2000, tag: 'alice-while-carol-away' }),
      bob.call({ cmd: 'createItem', props: { title: 'written while carol was away' } }),
      bob.call({ cmd: 'burst', itemId: shared, count: 2000, tag: 'bob-while-carol-away' }),
      carol.call({ cmd: 'createItem', props: { title: 'written by carol offline' } }),
      carol.call({ cmd: 'set', itemId: shared, key: 'offline-note', value: 'carol was here' })
    ])
    say('alice and bob wrote 4,000 mutations; carol wrote offline')

    say('carol reconnects')
    await carol.call({ cmd: 'close' })
    await carol.call({ cmd: 'open', directory: carol.directory, name: 'carol', bootstrap })
    const states = await converge(peers)
    say('converged')
    return printState(states) ? 0 : 1
  } finally {
    await Promise.all(peers.map(async (peer) => await peer.call({ cmd: 'close' }).catch(() => {})))
    for (const peer of peers) peer.stop()
    await dht?.close()
    await rm(root, { recursive: true, force: true })
  }
}

main().then((code) => { process.exitCode = code }, (err: unknown) => {
  console.error('demo failed:', err instanceof Error ? err.message : err)
  process.exitCode = 2
})
