// The convergence property every model must have, as a reusable test harness (tests only; not built).
//
// Several writers act on their own replicas; each burst of writes becomes a block stamped with the writer's
// timeframe (how many blocks of each feed it had processed), exactly as echo-db writes them. Writers sync with
// each other part-way, which creates causal dependencies. At the end every block is delivered to fresh replicas
// in random causally consistent orders, to a replica restored from a snapshot taken part-way, and to a dormant
// item revived part-way. All of them must end in the same state as the writers.
//
// When the property fails, fast-check's shrunk counterexample is written as a JSON fixture; the model's test
// replays every fixture on each run.
import { createHash } from 'crypto'
import fc from 'fast-check'
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'fs'
import { join } from 'path'
import { DormantModel } from '../dormant-model'
import type { AnyModel, EncodedModel, ModelType } from '../model'
import { testKey, testMeta } from './meta'

export interface ConvergenceSpec<T extends AnyModel, A> {
  /** Names the fixtures: `<name>-<hash>.json`. */
  name: string
  type: ModelType<T>
  /** One app-level action; must be plain JSON (it is saved in fixtures). */
  action: fc.Arbitrary<A>
  /** Performs `action` on a writer's replica through its write methods; returns the write's receipt. */
  perform: (model: T, action: A) => Promise<void>
  /** The state as plain JSON; replicas are equal when these stringify equally. */
  canonical: (model: T) => unknown
}

export type Step<A> =
  | { kind: 'write', writer: number, actions: A[] }
  | { kind: 'sync', writer: number, from: number, count: number }

export interface Scenario<A> {
  writers: number
  steps: Array<Step<A>>
  /** Random choices that pick each observer's delivery order (one list per observer). */
  orders: number[][]
  /** Where (percent of all blocks) the snapshot and dormant replicas switch over. */
  cut: number
}

interface Block {
  writer: number
  index: number
  /** Per writer: blocks of its feed processed when this block was written (own entry = this block's index). */
  timeframe: number[]
  mutations: Uint8Array[]
}

class Replica {
  readonly processed: number[]
  constructor (readonly model: EncodedModel, writers: number) {
    this.processed = new Array<number>(writers).fill(0)
  }
}

function seqOf (block: Block): number {
  let seq = 0
  for (const n of block.timeframe) seq += n
  return seq
}

function processBlock (replica: Replica, block: Block): void {
  const seq = seqOf(block)
  for (let i = 0; i < block.mutations.length; i++) {
    replica.model.processEncoded(block.mutations[i], testMeta(block.writer, block.index, i, seq))
  }
  replica.processed[block.writer]++
}

/** Processes feed `feed` up to `length` blocks, each after everything its timeframe names. */
function deliverUpTo (replica: Replica, feeds: Block[][], feed: number, length: number): void {
  while (replica.processed[feed] < length) {
    const block = feeds[feed][replica.processed[feed]]
    for (let v = 0; v < feeds.length; v++) {
      if (v !== feed) deliverUpTo(replica, feeds, v, block.timeframe[v])
    }
    processBlock(replica, block)
  }
}

/** A random causally consistent order of every block, driven by `choices`. */
function causalOrder (feeds: Block[][], choices: number[]): Block[] {
  const next = new Array<number>(feeds.length).fill(0)
  const order: Block[] = []
  for (let k = 0; ; k++) {
    const eligible: Block[] = []
    for (let v = 0; v < feeds.length; v++) {
      const block = feeds[v][next[v]]
      if (block !== undefined && block.timeframe.every((n, u) => u === v || next[u] >= n)) eligible.push(block)
    }
    if (eligible.length === 0) break
    const choice = choices.length === 0 ? 0 : choices[k % choices.length]
    const block = eligible[choice % eligible.length]
    order.push(block)
    next[block.writer]++
  }
  return order
}

function fresh<T extends AnyModel> (type: ModelType<T>): T {
  return type.create(type, {})
}

/** Runs one scenario; throws (with a description) when any replica's state differs from writer 0's. */
export async function runScenario<T extends AnyModel, A> (spec: ConvergenceSpec<T, A>, scenario: Scenario<A>): Promise<void> {
  const writers = scenario.writers
  const feeds: Block[][] = Array.from({ length: writers }, () => [])
  const outboxes: Uint8Array[][] = Array.from({ length: writers }, () => [])
  const waiting: Array<Array<() => void>> = Array.from({ length: writers }, () => [])
  const replicas = Array.from({ length: writers }, (_, w) => new Replica(spec.type.create(spec.type, {
    feedKey: testKey(w, 'feed'),
    writer: async (mutation) => {
      outboxes[w].push(mutation)
      return await new Promise<void>((resolve) => waiting[w].push(resolve))
    }
  }), writers))

  for (const step of scenario.steps) {
    const w = step.writer % writers
    const replica = replicas[w]
    if (step.kind === 'sync') {
      const from = step.from % writers
      deliverUpTo(replica, feeds, from, Math.min(feeds[from].length, replica.processed[from] + step.count))
      continue
    }
    const receipts = step.actions.map(async (action) => await spec.perform(replica.model as T, action))
    const mutations = outboxes[w].splice(0)
    const resolvers = waiting[w].splice(0)
    if (mutations.length > 0) {
      const block: Block = { writer: w, index: feeds[w].length, timeframe: replica.processed.slice(), mutations }
      feeds[w].push(block)
      processBlock(replica, block)
    }
    for (const resolve of resolvers) resolve()
    // Every receipt must resolve once its block is processed (read-your-writes), and none may fail.
    await Promise.all(receipts)
  }

  for (const replica of replicas) {
    for (let v = 0; v < writers; v++) deliverUpTo(replica, feeds, v, feeds[v].length)
  }
  const all = feeds.flat()
  const expected = JSON.stringify(stateOf(spec, replicas[0].model))
  const check = (label: string, model: EncodedModel): void => {
    const actual = JSON.stringify(stateOf(spec, model))
    if (actual !== expected) {
      throw new Error(`${label} diverged from writer 0\n  expected ${expected}\n  actual   ${actual}`)
    }
  }

  replicas.forEach((replica, w) => check(`writer ${w}`, replica.model))

  scenario.orders.forEach((choices, r) => {
    const observer = new Replica(fresh(spec.type), writers)
    for (const block of causalOrder(feeds, choices)) processBlock(observer, block)
    check(`observer ${r}`, observer.model)
  })

  const cut = Math.floor(all.length * Math.min(100, scenario.cut) / 100)

  // Snapshot part-way, restore into a fresh replica, feed it the rest.
  const order = causalOrder(feeds, scenario.orders[0] ?? [])
  const before = new Replica(fresh(spec.type), writers)
  order.slice(0, cut).forEach((block) => processBlock(before, block))
  const restored = new Replica(fresh(spec.type), writers)
  restored.model.restoreEncoded(before.model.snapshotEncoded())
  order.slice(cut).forEach((block) => processBlock(restored, block))
  check(`replica restored from a snapshot after ${cut} of ${all.length} blocks`, restored.model)

  // Dormant part-way (snapshotted and restored while dormant), revived, then fed the rest.
  const dormantOrder = causalOrder(feeds, scenario.orders[1] ?? [])
  const dormant = new DormantModel(spec.type.url, spec.type.version, 'UNKNOWN_MODEL')
  const asleep = new Replica(dormant, writers)
  dormantOrder.slice(0, cut).forEach((block) => processBlock(asleep, block))
  const reloaded = new DormantModel(spec.type.url, spec.type.version, 'UNKNOWN_MODEL')
  reloaded.restoreEncoded(dormant.snapshotEncoded())
  const { model, rejected } = reloaded.revive(spec.type)
  if (rejected.length > 0) throw new Error(`revive rejected ${rejected.length} mutations: ${rejected[0].error.message}`)
  const revived = new Replica(model, writers)
  dormantOrder.slice(cut).forEach((block) => processBlock(revived, block))
  check(`dormant item revived after ${cut} of ${all.length} blocks`, revived.model)
}

function stateOf<T extends AnyModel, A> (spec: ConvergenceSpec<T, A>, model: EncodedModel): unknown {
  return spec.canonical(model as T)
}

export function scenarioArbitrary<A> (action: fc.Arbitrary<A>, options: { maxSteps?: number } = {}): fc.Arbitrary<Scenario<A>> {
  const writer = fc.nat({ max: 3 })
  const step: fc.Arbitrary<Step<A>> = fc.oneof(
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('write' as const), writer, actions: fc.array(action, { minLength: 1, maxLength: 3 }) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('sync' as const), writer, from: writer, count: fc.integer({ min: 1, max: 4 }) }) }
  )
  return fc.record({
    writers: fc.integer({ min: 2, max: 4 }),
    steps: fc.array(step, { minLength: 1, maxLength: options.maxSteps ?? 24 }),
    orders: fc.array(fc.array(fc.nat({ max: 1000 }), { maxLength: 40 }), { minLength: 3, maxLength: 3 }),
    cut: fc.nat({ max: 100 })
  })
}

export interface Fixture<A> {
  file: string
  scenario: Scenario<A>
}

/** Writes a counterexample as `<dir>/<name>-<hash>.json` and returns the path. */
export function saveFixture<A> (dir: string, name: string, scenario: Scenario<A>, info: { seed: number, error: string }): string {
  mkdirSync(dir, { recursive: true })
  const json = JSON.stringify(scenario)
  const hash = createHash('sha256').update(json).digest('hex').slice(0, 12)
  const file = join(dir, `${name}-${hash}.json`)
  const fixture = { model: name, seed: info.seed, error: info.error.split('\n')[0], scenario }
  writeFileSync(file, JSON.stringify(fixture, null, 2) + '\n')
  return file
}

/** Every saved counterexample of `name` in `dir`. */
export function loadFixtures<A> (dir: string, name: string): Array<Fixture<A>> {
  let files: string[]
  try {
    files = readdirSync(dir)
  } catch {
    return []
  }
  return files
    .filter((f) => f.startsWith(`${name}-`) && f.endsWith('.json'))
    .sort()
    .map((f) => {
      const file = join(dir, f)
      return { file, scenario: (JSON.parse(readFileSync(file, 'utf8')) as { scenario: Scenario<A> }).scenario }
    })
}

/**
 * Checks the convergence property with fast-check. On failure the shrunk counterexample is saved in
 * `fixturesDir` and the error names the file. `numRuns` defaults to ECHO_FC_RUNS or 60.
 */
export async function checkConvergence<T extends AnyModel, A> (
  spec: ConvergenceSpec<T, A>,
  options: { fixturesDir: string, numRuns?: number, seed?: number, maxSteps?: number }
): Promise<void> {
  const numRuns = options.numRuns ?? Number(process.env.ECHO_FC_RUNS ?? 60)
  const property = fc.asyncProperty(scenarioArbitrary(spec.action, options), async (scenario) => {
    await runScenario(spec, scenario)
  })
  const details = await fc.check(property, { numRuns, seed: options.seed })
  if (!details.failed) return
  const counterexample = details.counterexample?.[0]
  if (counterexample === undefined) throw new Error(fc.defaultReportMessage(details))
  const error = String((details.errorInstance as Error | undefined)?.message ?? details.errorInstance)
  const file = saveFixture(options.fixturesDir, spec.name, counterexample, { seed: details.seed, error })
  throw new Error(`${fc.defaultReportMessage(details)}\ncounterexample saved to ${file}`)
}
