import fc from 'fast-check'
import { join } from 'path'
import { CounterModel } from './counter-model'
import { checkConvergence, runScenario, type ConvergenceSpec } from './testing/convergence'
import { replaySavedCounterexamples } from './testing/replay-saved'
import { loopback } from './testing/loopback'
import { testMeta } from './testing/meta'

const FIXTURES = join(__dirname, '__fixtures__')
const codec = CounterModel.type.mutationCodec

describe('CounterModel', () => {
  test('increments and decrements by any integer; receipts resolve after processing', async () => {
    const { model, written } = loopback(CounterModel.type)
    expect(model.value).toBe(0)
    await model.increment()
    expect(model.value).toBe(1)
    await model.increment(41)
    await model.decrement(2)
    await model.decrement(-10)
    expect(model.value).toBe(50)
    expect(model.state).toBe(50)
    expect(written).toHaveLength(4)
  })

  test('the sum stays exact past Number.MAX_SAFE_INTEGER and past 64 bits', async () => {
    const { model } = loopback(CounterModel.type)
    const big = 2n ** 62n
    await model.increment(big)
    await model.increment(big)
    await model.increment(big)
    expect(model.exactValue).toBe(3n * big)
    await model.decrement(Number.MAX_SAFE_INTEGER)
    expect(model.exactValue).toBe(3n * big - BigInt(Number.MAX_SAFE_INTEGER))
    const restored = new CounterModel()
    restored.restoreEncoded(model.snapshotEncoded())
    expect(restored.exactValue).toBe(model.exactValue)
    // Back in the safe range the sum is a plain number again, so equal sums compare equal.
    await model.decrement(2n * big - 1n)
    await model.decrement(big + 1n - BigInt(Number.MAX_SAFE_INTEGER) + 5n)
    expect(model.exactValue).toBe(-5n)
    expect(model.value).toBe(-5)
  })

  test('bad steps reject with INVALID_ARGUMENT', async () => {
    const { model, written } = loopback(CounterModel.type)
    await expect(model.increment(0)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
    await expect(model.increment(1.5)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
    await expect(model.increment(Number.NaN)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
    await expect(model.increment(2n ** 63n)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
    await expect(model.decrement(-(2n ** 63n) - 1n)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
    expect(written).toHaveLength(0)
  })

  test('refused mutations and snapshots change nothing', () => {
    const model = new CounterModel()
    model.processEncoded(codec.encode({ delta: 7 }), testMeta(0, 0, 0, 0))
    for (const bytes of [new Uint8Array([0xff]), codec.encode({}), codec.encode({ delta: 0 })]) {
      expect(() => model.processEncoded(bytes, testMeta(0, 1, 0, 1))).toThrow(expect.objectContaining({ code: 'INVALID_MUTATION' }))
    }
    for (const sum of ['', '1.5', '01', 'abc', '--1']) {
      expect(() => model.restoreEncoded(CounterModel.type.snapshotCodec.encode({ sum }))).toThrow(expect.objectContaining({ code: 'INVALID_SNAPSHOT' }))
    }
    expect(model.value).toBe(7)
    expect(model.revision).toBe(1)
  })

  describe('convergence', () => {
    test('property: replicas converge to the sum in any causal order, from snapshots and from dormancy', async () => {
      await checkConvergence(counterSpec, { fixturesDir: FIXTURES, numRuns: Number(process.env.ECHO_FC_RUNS ?? 200) })
    })

    test('property: the value is the sum of every step', async () => {
      await fc.assert(fc.asyncProperty(fc.array(step, { maxLength: 20 }), async (steps) => {
        const { model } = loopback(CounterModel.type)
        for (const by of steps) await model.increment(BigInt(by))
        expect(model.exactValue).toBe(steps.reduce((sum, by) => sum + BigInt(by), 0n))
      }), { numRuns: 100 })
    })

  })
})

type CounterAction = { by: string }

// Steps as decimal strings (fixtures are JSON): mostly small, sometimes near the safe-integer or 64-bit edges,
// where a floating-point sum would depend on the order of additions.
const step = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: -1000, max: 1000 }).filter((n) => n !== 0).map(String) },
  { weight: 1, arbitrary: fc.maxSafeInteger().filter((n) => n !== 0).map(String) },
  { weight: 1, arbitrary: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).filter((n) => n !== 0n).map(String) }
)

const counterSpec: ConvergenceSpec<CounterModel, CounterAction> = {
  name: 'counter',
  type: CounterModel.type,
  action: fc.record({ by: step }),
  perform: async (model, action) => await model.increment(BigInt(action.by)),
  canonical: (model) => model.exactValue.toString()
}

// After the spec: the fixtures are declared as tests when the file is loaded.
describe('saved counterexamples', () => replaySavedCounterexamples(counterSpec, FIXTURES))
