import { join } from 'path'
import { setFlagsFromString } from 'v8'
import { runInNewContext } from 'vm'
import debug from 'debug'
import { CounterModel, type ObjectModel } from '@echodb/models'
import type { Item } from '../item'
import type { Party } from '../party'
import type { PeerNetwork } from './network'
import { defaultSeed, Rng } from './rng'
import { partyDigest } from './state-digest'
import { runInHarness } from './harness-run'

const log = debug('echo:echo-db:reliability:soak')

export interface SoakOptions {
  network: PeerNetwork
  /** How long the peers write while their connections come and go. */
  durationMs: number
  /** Peers (default 3). */
  peers?: number
  seed?: number
  tmp?: string
  /** Heap sampling period (default durationMs / 30, at least 100 ms). */
  sampleEveryMs?: number
  /** Items each peer creates at the start; the working set stays bounded so that heap growth means a leak. */
  itemsPerPeer?: number
  /** Keys each item's writes cycle through. */
  keysPerItem?: number
  /** Longest time a peer stays offline (default 1,500 ms); it also waits up to this long between outages. */
  maxOutageMs?: number
  /** How long the peers may take to converge once everything is back online (default 60 s). */
  convergeTimeoutMs?: number
  onSample?: (sample: HeapSample) => void
}

export interface HeapSample {
  atMs: number
  /** JS heap in use after a forced collection, MB. */
  heapMB: number
  rssMB: number
  writes: number
}

export interface SoakReport {
  seed: number
  network: string
  durationMs: number
  peers: number
  /** Mutations written and acknowledged, all peers together. */
  writes: number
  /** Times a peer went offline (each followed by coming back). */
  outages: number
  samples: HeapSample[]
  /** Mean heap of the samples taken in the second fifth of the run, and in the last fifth; MB. */
  heapEarlyMB: number
  heapLateMB: number
  heapGrowthMB: number
  /** All peers reached the same timeframe and identical state after the last reconnect. */
  converged: boolean
  convergeMs: number
  /** Messages any peer rejected (there is no hostile input here: must be empty). */
  rejections: Array<Record<string, number>>
  errors: string[]
}

let collect: (() => void) | undefined

/** A full garbage collection: `global.gc` under --expose-gc, else the same function obtained at run time. */
export function forceGc (): void {
  if (collect === undefined) {
    const exposed = (globalThis as { gc?: () => void }).gc
    if (exposed !== undefined) {
      collect = exposed
    } else {
      setFlagsFromString('--expose-gc')
      collect = runInNewContext('gc') as () => void
    }
  }
  collect()
  collect()
}

function sampleHeap (atMs: number, writes: number): HeapSample {
  forceGc()
  const usage = process.memoryUsage()
  return { atMs, heapMB: usage.heapUsed / 2 ** 20, rssMB: usage.rss / 2 ** 20, writes }
}

const sleep = async (ms: number): Promise<void> => await new Promise((resolve) => setTimeout(resolve, ms))

function mean (values: number[]): number {
  return values.length === 0 ? NaN : values.reduce((a, b) => a + b, 0) / values.length
}

/** Waits until every party has processed everything every other one has; false on timeout. */
async function converge (parties: Party[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  const wait = async (party: Party, target: Party): Promise<void> => {
    let timer: NodeJS.Timeout | undefined
    try {
      await Promise.race([
        party.waitForTimeframe(target.timeframe.clone()),
        new Promise<never>((_resolve, reject) => { timer = setTimeout(() => reject(new Error('timeout')), Math.max(0, deadline - Date.now())) })
      ])
    } finally {
      clearTimeout(timer)
    }
  }
  try {
    for (let round = 0; round < 2; round++) {
      for (const p of parties) for (const q of parties) if (p !== q) await wait(p, q)
    }
    return parties.every((p) => parties.every((q) => p.timeframe.equals(q.timeframe)))
  } catch {
    return false
  }
}

/**
 * The soak: peers share a party and write continuously (awaited sets over a bounded set of keys, counter
 * increments, small bursts) while, at random, one of them drops off the network for a while and comes back.
 * The heap (after a forced GC) is sampled throughout; at the end everything comes back online and the peers must
 * converge to identical state.
 */
export async function runSoak (options: SoakOptions): Promise<SoakReport> {
  const seed = options.seed ?? defaultSeed()
  const rng = new Rng(seed)
  const network = options.network
  const peerCount = options.peers ?? 3
  const itemsPerPeer = options.itemsPerPeer ?? 4
  const keysPerItem = options.keysPerItem ?? 32
  const maxOutage = options.maxOutageMs ?? 1_500
  const sampleEvery = options.sampleEveryMs ?? Math.max(100, Math.floor(options.durationMs / 30))
  const report: SoakReport = {
    seed, network: network.kind, durationMs: options.durationMs, peers: peerCount, writes: 0, outages: 0, samples: [],
    heapEarlyMB: NaN, heapLateMB: NaN, heapGrowthMB: NaN, converged: false, convergeMs: 0, rejections: [], errors: []
  }
  return await runInHarness({ prefix: 'echodb-soak-', tmp: options.tmp, network, errors: report.errors }, async (root, echos) => {
    for (let i = 0; i < peerCount; i++) echos.push(await network.createPeer(join(root, `peer-${i}`)))
    const first = await echos[0].createParty({ properties: { title: 'soak' } })
    const parties = [first]
    for (const peer of echos.slice(1)) parties.push(await network.join(first, peer, 'writer'))
    const counter = await first.database.createItem<CounterModel>({ model: CounterModel.type, type: 'soak-counter' })
    for (const party of parties) {
      for (let i = 0; i < itemsPerPeer; i++) await party.database.createItem({ type: 'soak', props: { created: i } })
    }
    if (!await converge(parties, options.convergeTimeoutMs ?? 60_000)) throw new Error('the peers did not converge after set-up')

    const started = Date.now()
    let stopping = false
    const writer = async (party: Party): Promise<void> => {
      const wrote = (): void => { report.writes++ }
      const items = party.database.select<ObjectModel>({ type: 'soak' }).value
      while (!stopping) {
        const r = rng.next()
        try {
          if (r < 0.1) {
            await party.database.getItem<CounterModel>(counter.id)!.model.increment(1).then(wrote)
          } else if (r < 0.15) {
            const burst: Array<Promise<void>> = []
            for (let i = rng.int(5, 50); i > 0; i--) {
              burst.push(rng.pick(items).model.set(`k${rng.int(0, keysPerItem - 1)}`, rng.int(0, 1e9)).then(wrote))
            }
            await Promise.all(burst)
          } else {
            const item: Item<ObjectModel> = rng.pick(items)
            await item.model.set(`k${rng.int(0, keysPerItem - 1)}`, `${rng.int(0, 1e9)}`).then(wrote)
          }
        } catch (err) {
          report.errors.push(`write failed: ${(err as Error)?.message ?? String(err)}`)
          await sleep(10)
        }
      }
    }
    const churn = async (): Promise<void> => {
      while (!stopping) {
        await sleep(rng.int(50, maxOutage))
        if (stopping) break
        const peer = rng.pick(echos)
        await network.setOnline(peer, false)
        report.outages++
        await sleep(rng.int(50, maxOutage))
        await network.setOnline(peer, true)
      }
    }
    const sampler = async (): Promise<void> => {
      while (!stopping) {
        await sleep(sampleEvery)
        const sample = sampleHeap(Date.now() - started, report.writes)
        report.samples.push(sample)
        options.onSample?.(sample)
      }
    }
    const tasks = [...parties.map(writer), churn(), sampler()]
    await sleep(options.durationMs)
    stopping = true
    await Promise.all(tasks)
    for (const peer of echos) await network.setOnline(peer, true)

    const span = options.durationMs
    report.heapEarlyMB = mean(report.samples.filter((s) => s.atMs >= span * 0.2 && s.atMs < span * 0.4).map((s) => s.heapMB))
    report.heapLateMB = mean(report.samples.filter((s) => s.atMs >= span * 0.8).map((s) => s.heapMB))
    report.heapGrowthMB = report.heapLateMB - report.heapEarlyMB

    const convergeStart = Date.now()
    report.converged = await converge(parties, options.convergeTimeoutMs ?? 60_000)
    report.convergeMs = Date.now() - convergeStart
    if (report.converged) {
      const digests = parties.map(partyDigest)
      report.converged = digests.every((d) => d === digests[0])
    }
    report.rejections = parties.map((p) => ({ ...p.rejections }) as Record<string, number>)
    log('soak: %d writes, %d outages, heap %d -> %d MB, converged %s', report.writes, report.outages, report.heapEarlyMB, report.heapLateMB, report.converged)
    return report
  })
}
