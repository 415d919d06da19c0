import fc from 'fast-check'
import { PartyState } from './party-state'
import { type Op, PartySim, Replica, rng } from './test-fixtures/party-sim'
import { summary } from './test-fixtures/party-world'

const opArb: fc.Arbitrary<Op> = fc.record({
  op: fc.nat(5),
  a: fc.nat(20),
  b: fc.nat(20),
  c: fc.nat(20)
})

/** Scenarios that open with a few admissions, so that most runs have several admins and writers acting. */
const scenarioArb = fc.tuple(fc.integer(), fc.array(opArb, { minLength: 5, maxLength: 45 })).map(([seed, ops]) => {
  const warmup: Op[] = [
    { op: 0, a: 0, b: 1, c: 0 }, { op: 0, a: 0, b: 2, c: 1 }, { op: 3, a: 1, b: 5, c: 0 }, { op: 3, a: 2, b: 5, c: 0 }
  ]
  return { seed, ops: [...warmup, ...ops] }
})

/** More runs: ECHO_PROPERTY_RUNS=1000 npx jest party-state.property */
const RUNS = Number(process.env.ECHO_PROPERTY_RUNS ?? 1)

function hexSnapshot (replica: Replica): string {
  return Buffer.from(replica.state.snapshot()).toString('hex')
}

describe('PartyState properties', () => {
  test('any causally consistent reading order of the same messages gives the same state', () => {
    fc.assert(fc.property(scenarioArb, ({ seed, ops }) => {
      const sim = new PartySim(seed)
      sim.run(ops)
      sim.settle()
      const reference = sim.replay(seed ^ 0x5bd1e995)
      const expected = hexSnapshot(reference)
      for (let k = 0; k < 3; k++) {
        const replica = sim.replay(seed + k + 1)
        expect(summary(replica.state)).toEqual(summary(reference.state))
        expect(replica.state.size).toBe(reference.state.size)
        expect(hexSnapshot(replica) === expected).toBe(true)
      }
      // The peers that wrote the blocks, once they have read everything, agree too.
      for (const replica of sim.actorReplicas) {
        expect(summary(replica.state)).toEqual(summary(reference.state))
        expect(hexSnapshot(replica) === expected).toBe(true)
      }
      // Restoring the snapshot gives the same state.
      const restored = PartyState.restore(reference.state.snapshot())
      expect(Buffer.from(restored.snapshot()).toString('hex')).toBe(expected)
      expect(summary(restored)).toEqual(summary(reference.state))
    }), { numRuns: 60 * RUNS })
  })

  test('a snapshot taken part-way, restored and fed the rest, equals reading everything', () => {
    fc.assert(fc.property(scenarioArb, fc.nat(40), ({ seed, ops }, cut) => {
      const sim = new PartySim(seed)
      sim.run(ops)
      const expected = hexSnapshot(sim.replay(seed))

      const first = sim.newReplica()
      const random = rng(seed + 7)
      first.readAll(sim.blocks, random, cut)
      const resumed = new Replica(PartyState.restore(first.state.snapshot(), { trusted: true }), first.genesisFeedId)
      for (const [feed, length] of first.processed) resumed.processed.set(feed, length)
      resumed.readAll(sim.blocks, random)
      expect(hexSnapshot(resumed)).toBe(expected)
    }), { numRuns: 40 * RUNS })
  })

  test('a rejected message leaves the snapshot byte-identical', () => {
    fc.assert(fc.property(scenarioArb, ({ seed, ops }) => {
      const sim = new PartySim(seed)
      sim.run([...ops, { op: 4, a: 1, b: 3, c: 4 }, { op: 4, a: 2, b: 1, c: 9 }])
      const replica = sim.newReplica()
      let rejections = 0
      const process = replica.state.process.bind(replica.state)
      replica.state.process = (signed, source) => {
        const before = Buffer.from(replica.state.snapshot())
        const result = process(signed, source)
        if (result.status === 'rejected') {
          rejections++
          expect(Buffer.from(replica.state.snapshot()).equals(before)).toBe(true)
        }
        return result
      }
      replica.readAll(sim.blocks, rng(seed))
      expect(rejections).toBe(replica.state.stats.rejected)
    }), { numRuns: 40 * RUNS })
  })
})
