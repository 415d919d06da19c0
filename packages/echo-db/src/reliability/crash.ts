import { spawn } from 'child_process'
import { existsSync } from 'fs'
import { mkdtemp, readFile, rm } from 'fs/promises'
import { tmpdir } from 'os'
import { join, resolve } from 'path'
import { createInterface } from 'readline'
import debug from 'debug'
import { CounterModel, type ObjectModel } from '@echodb/models'
import { ECHO } from '../echo'
import type { Party } from '../party'
import { CRASH_COUNTER_TYPE, CRASH_ITEM_TYPE, setValue, type CrashChildArgs } from './crash-child'
import { defaultSeed, Rng } from './rng'

const log = debug('echo:echo-db:reliability:crash')

export interface CrashOptions {
  /** Kills (each followed by a reopen and a check). */
  trials: number
  /** Trials that share one directory before a fresh one is used (default 10): later kills hit grown data. */
  trialsPerDirectory?: number
  seed?: number
  /** Longest time the child writes after it is ready before it is killed (default 600 ms). */
  maxRunMs?: number
  /** Share of kills aimed at a random moment of start-up instead (opening, recovering; default 0.15). */
  startupKillShare?: number
  /** Where the temporary directories go (default the OS temp directory). */
  tmp?: string
  /** The compiled child script (default: crash-child.js of the built echo-db package). */
  childScript?: string
  /** 'mutations' (default): the child writes to one party. 'parties': the child creates parties. */
  mode?: 'mutations' | 'parties'
  onTrial?: (trial: CrashTrial) => void
}

export interface CrashTrial {
  trial: number
  /** Mutations acknowledged by the child in this trial. */
  acknowledged: number
  /** Acknowledged mutations (of this trial or earlier ones in the same directory) missing after the reopen. */
  lost: number
  /** Parties newly found half created (mode 'parties'). */
  halfCreated: number
  /** Whether the child was killed before it reported ready. */
  killedInStartup: boolean
  reopenMs: number
}

export interface CrashReport {
  seed: number
  trials: number
  acknowledged: number
  lost: number
  /** Writes that were issued but not acknowledged before the kill (they may or may not have survived). */
  unacknowledged: number
  /** Reopens that failed (each also counts its directory's acknowledged mutations as lost). */
  failedReopens: number
  /** Parties found listed without a genesis after a reopen (mode 'parties'): what a crash mid-creation left. */
  halfCreatedParties: number
  /** Everything that went wrong, one line each: lost values, corrupt values, failed reopens, children that died. */
  problems: string[]
}

/** What a directory's children said they wrote, and what they acknowledged. */
export class CrashLedger {
  readonly items = new Map<number, string>()             // acknowledged creations: seq -> item id
  readonly parties = new Map<number, string>()           // acknowledged party creations: seq -> party id
  /** Parties found without their genesis after a reopen (half created), by id. */
  readonly halfCreated = new Set<string>()
  readonly sets = new Map<number, { itemId: string, acked: boolean }>()
  readonly last = new Map<string, { issued: Set<number>, maxAcked: number, ackedSeqs: number[] }>()
  readonly pending = new Map<number, { kind: string, itemId: string }>()
  incIssued = 0
  incAcked = 0
  acknowledged = 0
  unacknowledged = 0
  /** Acknowledged mutations already found missing (counted once). */
  readonly lost = new Set<string>()
  readonly protocolErrors: string[] = []

  intent (seq: number, kind: string, itemId: string): void {
    this.pending.set(seq, { kind, itemId })
    if (kind === 'set') this.sets.set(seq, { itemId, acked: false })
    if (kind === 'last') this.lastOf(itemId).issued.add(seq)
    if (kind === 'inc') this.incIssued++
  }

  ack (seq: number, newItemId: string | undefined): void {
    const intent = this.pending.get(seq)
    if (intent === undefined) {
      this.protocolErrors.push(`the child acknowledged ${seq} without announcing it`)
      return
    }
    this.pending.delete(seq)
    this.acknowledged++
    switch (intent.kind) {
      case 'item': this.items.set(seq, newItemId as string); break
      case 'party': this.parties.set(seq, newItemId as string); break
      case 'set': (this.sets.get(seq) as { acked: boolean }).acked = true; break
      case 'last': {
        const last = this.lastOf(intent.itemId)
        last.maxAcked = Math.max(last.maxAcked, seq)
        last.ackedSeqs.push(seq)
        break
      }
      case 'inc': this.incAcked++; break
    }
  }

  /** The writes the kill cut short. */
  endRun (): number {
    const n = this.pending.size
    this.unacknowledged += n
    this.pending.clear()
    return n
  }

  /**
   * Checks the reopened instance's parties: every acknowledged one is there, complete (genesis processed, we are
   * its admin, its properties written); any party without a genesis is a half-created one.
   */
  verifyParties (echo: ECHO): string[] {
    const problems: string[] = []
    for (const [seq, id] of this.parties) {
      const party = echo.getParty(id)
      const complete = party !== undefined && party.isOpen && party.partyState.hasGenesis && party.role === 'admin' && party.properties.get('seq') === seq
      if (!complete && !this.lost.has(`party ${seq}`)) {
        this.lost.add(`party ${seq}`)
        problems.push(`lost: acknowledged party ${id} (seq ${seq}) is ${party === undefined ? 'missing' : 'incomplete'}`)
      }
    }
    for (const party of echo.parties.value) {
      if (party.isOpen && !party.partyState.hasGenesis && !this.halfCreated.has(party.id)) {
        this.halfCreated.add(party.id)
        problems.push(`half-created: party ${party.id} is listed but has no genesis (our role: ${String(party.role)})`)
      }
    }
    return problems
  }

  /** After a failed reopen: every acknowledged mutation of the directory is out of reach. */
  loseAll (): void {
    for (const seq of this.parties.keys()) this.lost.add(`party ${seq}`)
    for (const seq of this.items.keys()) this.lost.add(`item ${seq}`)
    for (const [seq, set] of this.sets) if (set.acked) this.lost.add(`set ${seq}`)
    for (const last of this.last.values()) for (const seq of last.ackedSeqs) this.lost.add(`last ${seq}`)
    if (this.incAcked > 0) this.lost.add(`inc ${this.incAcked}`)
  }

  private lastOf (itemId: string): { issued: Set<number>, maxAcked: number, ackedSeqs: number[] } {
    let last = this.last.get(itemId)
    if (last === undefined) this.last.set(itemId, last = { issued: new Set(), maxAcked: -1, ackedSeqs: [] })
    return last
  }

  /** Checks the reopened party against everything acknowledged so far; returns problems, records losses. */
  verify (party: Party, counterId: string): string[] {
    const problems: string[] = []
    const lose = (key: string, why: string): void => {
      if (!this.lost.has(key)) { this.lost.add(key); problems.push(`lost: ${why}`) }
    }
    const db = party.database
    const objectOf = (id: string): ObjectModel | undefined => db.getItem<ObjectModel>(id)?.model
    for (const [seq, id] of this.items) {
      const model = objectOf(id)
      if (model === undefined || db.getItem(id)?.type !== CRASH_ITEM_TYPE) lose(`item ${seq}`, `item ${id} (seq ${seq}) is missing`)
      else if (model.get('seq') !== seq || model.get('born') !== setValue(seq)) lose(`item ${seq}`, `item ${id} (seq ${seq}) lost its initial properties`)
    }
    for (const [seq, { itemId, acked }] of this.sets) {
      const value = objectOf(itemId)?.get(`m${seq}`)
      if (acked && value !== setValue(seq)) lose(`set ${seq}`, `m${seq} of ${itemId} is ${JSON.stringify(value)}`)
      if (!acked && value !== undefined && value !== setValue(seq)) problems.push(`corrupt: unacknowledged m${seq} of ${itemId} is ${JSON.stringify(value)}`)
    }
    for (const [itemId, last] of this.last) {
      const value = objectOf(itemId)?.get('last')
      const issued = typeof value === 'number' && last.issued.has(value)
      if (last.maxAcked >= 0 && (!issued || (value as number) < last.maxAcked)) {
        for (const seq of last.ackedSeqs) if (!(typeof value === 'number' && value >= seq)) lose(`last ${seq}`, `'last' of ${itemId} is ${JSON.stringify(value)}, acknowledged ${seq}`)
      } else if (value !== undefined && !issued) {
        problems.push(`corrupt: 'last' of ${itemId} is ${JSON.stringify(value)}, never written`)
      }
    }
    const count = db.getItem<CounterModel>(counterId)?.model.value
    if (count === undefined || count < this.incAcked) {
      lose(`inc ${this.incAcked}`, `counter is ${String(count)}, ${this.incAcked} increments acknowledged`)
    } else if (count > this.incIssued) {
      problems.push(`corrupt: counter is ${count}, only ${this.incIssued} increments were issued`)
    }
    const rejections = party.rejections
    if (Object.keys(rejections).length > 0) problems.push(`corrupt: the reopened party rejected its own messages: ${JSON.stringify(rejections)}`)
    return problems
  }
}

/** The child script: crash-child.js next to this file when running built, or in the package's dist from sources. */
export function defaultChildScript (): string {
  return __filename.endsWith('.ts')
    ? resolve(__dirname, '..', '..', 'dist', 'src', 'reliability', 'crash-child.js')
    : join(__dirname, 'crash-child.js')
}

interface RunResult {
  ready: boolean
  killedInStartup: boolean
  exit: { code: number | null, signal: NodeJS.Signals | null }
  stderr: string
}

/** Runs the child once, SIGKILLs it at a random moment, then feeds its log to the ledger. */
async function runChild (script: string, args: CrashChildArgs, ledger: CrashLedger, rng: Rng, options: Required<Pick<CrashOptions, 'maxRunMs' | 'startupKillShare'>>): Promise<RunResult> {
  const child = spawn(process.execPath, [script, JSON.stringify(args)], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DEBUG: '' } })
  let stderr = ''
  child.stderr.setEncoding('utf8')
  child.stderr.on('data', (chunk: string) => { if (stderr.length < 10_000) stderr += chunk })
  let ready = false
  let killTimer: NodeJS.Timeout | undefined
  const kill = (): void => { child.kill('SIGKILL') }
  const killedInStartup = rng.chance(options.startupKillShare)
  const runFor = rng.int(5, options.maxRunMs)
  if (killedInStartup) killTimer = setTimeout(kill, rng.int(0, 400))
  // stdout only times the kill; what was written and acknowledged is in the log file.
  const lines = createInterface({ input: child.stdout })
  lines.on('line', (line) => {
    if (line === 'ready' && !ready) {
      ready = true
      if (!killedInStartup) killTimer = setTimeout(kill, runFor)
    }
  })
  const exit = await new Promise<RunResult['exit']>((resolve) => {
    child.once('close', (code, signal) => resolve({ code, signal }))
  })
  clearTimeout(killTimer)
  lines.close()
  const log = await readFile(args.log, 'utf8').catch(() => '')
  // Lines are written whole (one write each); a line cut short would have no newline and is left out.
  const complete = log.slice(0, log.lastIndexOf('\n') + 1)
  for (const line of complete.split('\n')) {
    const [tag, a, b, c] = line.split(' ')
    if (tag === 'i') ledger.intent(Number(a), b, c)
    else if (tag === 'a') ledger.ack(Number(a), b)
  }
  return { ready, killedInStartup, exit, stderr }
}

/** Sets up a directory: an instance with one party and the counter item the child increments. */
async function prepare (directory: string): Promise<{ partyId: string, counterId: string }> {
  const echo = await ECHO.create({ directory })
  try {
    const party = await echo.createParty({ properties: { title: 'crash test' } })
    const counter = await party.database.createItem({ model: CounterModel.type, type: CRASH_COUNTER_TYPE })
    return { partyId: party.id, counterId: counter.id }
  } finally {
    await echo.close()
  }
}

/**
 * The crash test: a child process writes and acknowledges mutations; it is SIGKILLed at a random moment; the
 * directory is reopened here and must hold every acknowledged mutation with its value. Repeated `trials` times,
 * `trialsPerDirectory` kills per directory.
 */
export async function runCrashTrials (options: CrashOptions): Promise<CrashReport> {
  const seed = options.seed ?? defaultSeed()
  const rng = new Rng(seed)
  const perDirectory = options.trialsPerDirectory ?? 10
  const run = { maxRunMs: options.maxRunMs ?? 600, startupKillShare: options.startupKillShare ?? 0.15 }
  const script = options.childScript ?? defaultChildScript()
  if (!existsSync(script)) throw new Error(`crash child ${script} is missing: build first (npm run build)`)
  const report: CrashReport = { seed, trials: 0, acknowledged: 0, lost: 0, unacknowledged: 0, failedReopens: 0, halfCreatedParties: 0, problems: [] }
  log('crash trials: %d, seed %d', options.trials, seed)

  for (let first = 0; first < options.trials; first += perDirectory) {
    const root = await mkdtemp(join(options.tmp ?? tmpdir(), 'echodb-crash-'))
    const directory = join(root, 'echo')
    try {
      const mode = options.mode ?? 'mutations'
      const { partyId, counterId } = mode === 'parties' ? { partyId: '', counterId: '' } : await prepare(directory)
      const ledger = new CrashLedger()
      for (let t = first; t < Math.min(options.trials, first + perDirectory); t++) {
        const before = { acknowledged: ledger.acknowledged, lost: ledger.lost.size, halfCreated: ledger.halfCreated.size }
        const args: CrashChildArgs = { directory, log: join(root, `trial-${t}.log`), partyId, seed: rng.int(0, 2 ** 31), firstSeq: (t + 1) * 10_000_000, snapshotInterval: rng.int(5, 500), mode }
        const result = await runChild(script, args, ledger, rng, run)
        ledger.endRun()
        if (result.exit.signal !== 'SIGKILL') {
          report.problems.push(`trial ${t}: the child ended by itself (code ${String(result.exit.code)}): ${result.stderr.trim()}`)
        }
        const started = Date.now()
        let problems: string[]
        try {
          const echo = await ECHO.create({ directory })
          try {
            if (mode === 'parties') {
              problems = ledger.verifyParties(echo)
            } else {
              const party = echo.getParty(partyId)
              if (party === undefined) throw new Error(`party ${partyId} is gone`)
              problems = ledger.verify(party, counterId)
            }
          } finally {
            await echo.close()
          }
        } catch (err) {
          report.failedReopens++
          problems = [`reopen failed: ${(err as Error)?.stack ?? String(err)}`]
          ledger.loseAll()
        }
        const trial: CrashTrial = {
          trial: t,
          acknowledged: ledger.acknowledged - before.acknowledged,
          lost: ledger.lost.size - before.lost,
          halfCreated: ledger.halfCreated.size - before.halfCreated,
          killedInStartup: !result.ready,
          reopenMs: Date.now() - started
        }
        report.trials++
        problems.push(...ledger.protocolErrors.splice(0))
        report.problems.push(...problems.map((p) => `trial ${t}: ${p}`))
        log('trial %d: %d acknowledged, %d lost, killed %s', t, trial.acknowledged, trial.lost, result.ready ? 'while writing' : 'in start-up')
        options.onTrial?.(trial)
      }
      report.acknowledged += ledger.acknowledged
      report.unacknowledged += ledger.unacknowledged
      report.lost += ledger.lost.size
      report.halfCreatedParties += ledger.halfCreated.size
    } finally {
      await rm(root, { recursive: true, force: true })
    }
  }
  return report
}
