import fc from 'fast-check'
import { readFileSync } from 'fs'
import { join } from 'path'
import { createModelFactory, DormantModel, type MutationMeta } from '../index'
import { checkConvergence, runScenario, type ConvergenceSpec } from '../testing/convergence'
import { replaySavedCounterexamples } from '../testing/replay-saved'
import { testMeta, toHex } from '../testing/meta'
import { priorityRegisterType, type PriorityRegister } from './priority-register'

const FIXTURES = join(__dirname, '..', '__fixtures__')

// Desks of a live sports meet, each an ECHO identity. Writers 0..2 of the test helpers.
const FINISH_LINE = 0 // photo finish: its results stand
const TIMING_TOWER = 1
const ANNOUNCER = 2
const desks = new Map([
  [toHex(testMeta(FINISH_LINE, 0, 0, 0).identityKey), 3],
  [toHex(testMeta(TIMING_TOWER, 0, 0, 0).identityKey), 2],
  [toHex(testMeta(ANNOUNCER, 0, 0, 0).identityKey), 1]
])
const resultType = priorityRegisterType('example.com/meet/result', desks)

describe('worked example: a result register resolved by desk priority', () => {
  test('the higher desk wins a conflict in any order; equal desks resolve by order stamp', () => {
    const factory = createModelFactory().register(resultType)
    const codec = resultType.mutationCodec
    // What each desk writes about the 100 m final, with where it lands in the party's order.
    const announcer: [Uint8Array, MutationMeta] = [codec.encode({ value: 'Ada 10.91' }), testMeta(ANNOUNCER, 0, 0, 0)]
    const photo: [Uint8Array, MutationMeta] = [codec.encode({ value: 'Bea 10.89' }), testMeta(FINISH_LINE, 0, 0, 0)]
    const tower: [Uint8Array, MutationMeta] = [codec.encode({ value: 'Bea 10.90' }), testMeta(TIMING_TOWER, 0, 0, 1)]

    const orders = [[announcer, photo, tower], [tower, photo, announcer], [photo, announcer, tower]]
    const screens = orders.map((order) => {
      const screen = factory.create(resultType)
      for (const [mutation, meta] of order) screen.processEncoded(mutation, meta)
      return screen
    })
    for (const screen of screens) expect(screen.value).toBe('Bea 10.89')

    // The announcer repeats its result after seeing the photo finish: still lower priority, still loses.
    const repeat = testMeta(ANNOUNCER, 1, 0, 5)
    // The finish line corrects itself later: same priority, later stamp, wins.
    const correction = testMeta(FINISH_LINE, 1, 0, 6)
    for (const screen of screens) {
      screen.processEncoded(codec.encode({ value: 'Ada 10.91' }), repeat)
      expect(screen.value).toBe('Bea 10.89')
      screen.processEncoded(codec.encode({ value: 'Bea 10.88' }), correction)
      expect(screen.value).toBe('Bea 10.88')
    }
  })

  test('a peer that registers the type late revives the item to the same value', () => {
    const late = createModelFactory()
    const dormant = late.open(resultType.url, 1) as DormantModel
    expect(dormant).toBeInstanceOf(DormantModel)
    dormant.processEncoded(resultType.mutationCodec.encode({ value: 'Ada 10.91' }), testMeta(ANNOUNCER, 0, 0, 0))
    dormant.processEncoded(resultType.mutationCodec.encode({ value: 'Bea 10.89' }), testMeta(FINISH_LINE, 0, 0, 0))
    late.onRegister(() => {
      const { model } = late.revive(dormant)
      expect((model as PriorityRegister).value).toBe('Bea 10.89')
    })
    late.register(resultType)
    expect.assertions(2)
  })

  test('a desk awaits its write and reads it back', async () => {
    let block = 0
    const register: PriorityRegister = resultType.create(resultType, {
      writer: async (mutation) => { register.processEncoded(mutation, testMeta(TIMING_TOWER, block, 0, block++)) }
    })
    await register.set('Cleo 11.02')
    expect(register.value).toBe('Cleo 11.02')
  })

  test('property: replicas converge (four writers, two of them equal in priority)', async () => {
    await checkConvergence(registerSpec, { fixturesDir: FIXTURES, numRuns: Number(process.env.ECHO_FC_RUNS ?? 150) })
  })


  test('the README shows this very code', () => {
    const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8')
    const source = readFileSync(join(__dirname, 'priority-register.ts'), 'utf8')
    expect(readme).toContain(source.replace("from '../index'", "from '@echodb/models'"))
  })
})

type RegisterAction = { value: string }

// The convergence run uses four writers: add a fourth desk with the timing tower's priority, so ties occur.
const convergenceDesks = new Map(desks)
convergenceDesks.set(toHex(testMeta(3, 0, 0, 0).identityKey), 2) // the same priority as the timing tower
const convergenceType = priorityRegisterType('example.com/meet/result', convergenceDesks)

const registerSpec: ConvergenceSpec<PriorityRegister, RegisterAction> = {
  name: 'priority-register',
  type: convergenceType,
  action: fc.record({ value: fc.string({ maxLength: 3 }) }),
  perform: async (model, action) => await model.set(action.value),
  canonical: (model) => model.value ?? null
}

// After the spec: the fixtures are declared as tests when the file is loaded.
describe('saved counterexamples', () => replaySavedCounterexamples(registerSpec, FIXTURES))
