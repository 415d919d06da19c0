/**
 * Issue 8's stress run (`npm run stress`), over the harnesses in packages/echo-db/src/reliability:
 *   stress.crash.trials        SIGKILLs of a writing child process, each followed by a reopen and a check
 *                              (100 while it writes to a party, 20 while it creates parties)
 *   stress.crash.acknowledged  mutations (and parties) the child acknowledged before it was killed
 *   stress.crash.lost          acknowledged ones missing (or wrong) after a reopen               must be 0
 *   stress.hostile.tried       hostile inputs sent by a hostile member, over piped streams and over Hyperswarm
 *   stress.hostile.accepted    hostile inputs that changed an honest peer's state             must be 0
 *   stress.soak.heap-growth    heap growth (after GC) between the second and the last fifth of the soak, MB
 * and checks as figures: stress.crash.half-created-parties (parties listed without a genesis after a kill during
 * createParty; must be 0), stress.hostile.unreported (must be 0), stress.soak.converged (must be 1).
 *
 * ECHO_SEED repeats a run; ECHO_STRESS_CRASH_TRIALS and ECHO_STRESS_SOAK_MS shorten or lengthen it.
 */
import { runCrashTrials, type CrashReport, type CrashTrial } from '@echodb/echo-db/dist/src/reliability/crash'
import { runHostileHarness, type HostileReport } from '@echodb/echo-db/dist/src/reliability/hostile'
import { pipedNetwork, swarmNetwork } from '@echodb/echo-db/dist/src/reliability/network'
import { defaultSeed } from '@echodb/echo-db/dist/src/reliability/rng'
import { runSoak } from '@echodb/echo-db/dist/src/reliability/soak'
import type { Report, Suite } from './figure'

const CRASH_TRIALS = Number(process.env.ECHO_STRESS_CRASH_TRIALS ?? 100)
const PARTY_CRASH_TRIALS = Math.ceil(CRASH_TRIALS / 5)
const SOAK_MS = Number(process.env.ECHO_STRESS_SOAK_MS ?? 60_000)
/** Heap growth the soak may show before it counts as unbounded (the working set is fixed: growth means a leak). */
const SOAK_HEAP_GROWTH_MAX_MB = 16

const summary: string[] = []

async function crash (report: Report, seed: number): Promise<void> {
  const progress = (total: number, what: string) => (t: CrashTrial): void => {
    if ((t.trial + 1) % 10 === 0 || t.lost > 0) console.error(`    crash (${what}) ${t.trial + 1}/${total}: ${t.acknowledged} acknowledged, ${t.lost} lost, reopen ${t.reopenMs} ms`)
  }
  const writes = await runCrashTrials({ trials: CRASH_TRIALS, trialsPerDirectory: 10, seed, onTrial: progress(CRASH_TRIALS, 'writes') })
  const parties = await runCrashTrials({ trials: PARTY_CRASH_TRIALS, trialsPerDirectory: 5, seed: seed + 1, mode: 'parties', onTrial: progress(PARTY_CRASH_TRIALS, 'createParty') })
  const runs = [writes, parties]
  const sum = (f: (r: CrashReport) => number): number => runs.reduce((n, r) => n + f(r), 0)
  report({ name: 'stress.crash.trials', value: sum((r) => r.trials), unit: 'kills', better: 'higher', target: { min: CRASH_TRIALS } })
  report({ name: 'stress.crash.acknowledged', value: sum((r) => r.acknowledged), unit: 'mutations', better: 'higher' })
  report({ name: 'stress.crash.lost', value: sum((r) => r.lost), unit: 'mutations', better: 'lower', target: { max: 0 } })
  report({ name: 'stress.crash.half-created-parties', value: parties.halfCreatedParties, unit: 'parties', better: 'lower', target: { max: 0 } })
  summary.push(`crash while writing: ${writes.trials} kills (seed ${writes.seed}), ${writes.acknowledged} mutations acknowledged, ${writes.lost} lost, ` +
    `${writes.unacknowledged} cut short by the kill, ${writes.failedReopens} failed reopens`)
  summary.push(`crash while creating parties: ${parties.trials} kills (seed ${parties.seed}), ${parties.acknowledged} parties acknowledged, ` +
    `${parties.lost} lost, ${parties.halfCreatedParties} listed half created (no genesis) after the reopen, ${parties.failedReopens} failed reopens`)
  for (const problem of [...writes.problems, ...parties.problems].filter((p) => !p.includes('half-created')).slice(0, 20)) summary.push(`  PROBLEM ${problem}`)
}

async function hostile (report: Report, seed: number): Promise<void> {
  const runs: HostileReport[] = [
    await runHostileHarness({ network: pipedNetwork(), honestPeers: 3, barrageRounds: 200, seed }),
    await runHostileHarness({ network: await swarmNetwork(), honestPeers: 3, barrageRounds: 200, seed: seed + 1 })
  ]
  const sum = (f: (r: HostileReport) => number): number => runs.reduce((n, r) => n + f(r), 0)
  report({ name: 'stress.hostile.tried', value: sum((r) => r.tried), unit: 'inputs', better: 'higher' })
  report({ name: 'stress.hostile.accepted', value: sum((r) => r.accepted), unit: 'inputs', better: 'lower', target: { max: 0 } })
  report({ name: 'stress.hostile.unreported', value: sum((r) => r.unreported), unit: 'inputs', better: 'lower', target: { max: 0 } })
  for (const r of runs) {
    summary.push(`hostile over ${r.network} (seed ${r.seed}): ${r.tried} tried, ${r.accepted} accepted, ${r.unreported} unreported, ` +
      `${r.attacks.length} kinds of attack, ${r.honestWrites} honest writes, honest peers ${r.honestConverged ? 'converged' : 'DID NOT CONVERGE'}`)
    for (const a of r.attacks.filter((x) => x.accepted || x.unreported || x.stalled)) summary.push(`  PROBLEM ${a.name}: ${a.reported.join('; ')}`)
    for (const e of r.errors.slice(0, 10)) summary.push(`  ERROR ${e.split('\n')[0]}`)
  }
}

async function soak (report: Report, seed: number): Promise<void> {
  const result = await runSoak({ network: await swarmNetwork(), durationMs: SOAK_MS, seed, sampleEveryMs: Math.max(250, SOAK_MS / 60) })
  report({ name: 'stress.soak.heap-growth', value: result.heapGrowthMB, unit: 'MB', better: 'lower', target: { max: SOAK_HEAP_GROWTH_MAX_MB } })
  report({ name: 'stress.soak.converged', value: result.converged ? 1 : 0, unit: 'yes=1', better: 'higher', target: { min: 1 } })
  const peak = Math.max(...result.samples.map((s) => s.heapMB))
  const rss = result.samples.length === 0 ? NaN : result.samples[result.samples.length - 1].rssMB
  summary.push(`soak over ${result.network} (seed ${result.seed}): ${(result.durationMs / 1000).toFixed(0)} s, ${result.peers} peers, ` +
    `${result.writes} writes, ${result.outages} outages; heap ${result.heapEarlyMB.toFixed(1)} -> ${result.heapLateMB.toFixed(1)} MB ` +
    `(peak ${peak.toFixed(1)} MB, rss at the end ${rss.toFixed(0)} MB); ${result.converged ? 'converged' : 'DID NOT CONVERGE'} ` +
    `${result.convergeMs} ms after the last reconnect`)
  for (const e of result.errors.slice(0, 10)) summary.push(`  ERROR ${e.split('\n')[0]}`)
}

export const suite: Suite = {
  name: 'reliability (issue 8): crash, hostile peers, soak',
  async run (report) {
    const seed = defaultSeed()
    console.error(`  seed ${seed} (ECHO_SEED=${seed} repeats this run)`)
    await crash(report, seed)
    await hostile(report, seed)
    await soak(report, seed)
    console.log('\nreliability summary')
    for (const line of summary) console.log(`  ${line}`)
  }
}
