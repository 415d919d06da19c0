// The harness itself: it must catch a model that does not converge, save the shrunk counterexample as a fixture,
// and replay fixtures.
import { protobufCodec } from '@echodb/feed-store'
import { echo } from '@echodb/proto'
import fc from 'fast-check'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'fs'
import { tmpdir } from 'os'
import { join } from 'path'
import { defineModelType, Model, type ModelContext, type ModelType } from '../model'
import { compareOrder, type MutationMeta, type OrderStamp } from '../order'
import { decodeStamp, encodeStamp } from '../stamp-codec'
import { checkConvergence, loadFixtures, runScenario, saveFixture, type ConvergenceSpec } from './convergence'

type M = echo.models.IPriorityRegisterMutation
type S = echo.models.IPriorityRegisterSnapshot

/** A register where the last mutation *processed* wins: replicas that process in different orders disagree. */
class ArrivalRegister extends Model<M, S, string> {
  value = ''
  get state (): string { return this.value }
  async set (value: string): Promise<void> { return await this.write({ value }) }
  protected apply (mutation: M, _meta?: MutationMeta): boolean { this.value = mutation.value ?? ''; return true }
  protected takeSnapshot (): S { return { value: this.value } }
  protected loadSnapshot (snapshot: S): void { this.value = snapshot.value ?? '' }
}

/** The same register done right: the latest order stamp wins. */
class StampRegister extends ArrivalRegister {
  order: OrderStamp | undefined
  protected override apply (mutation: M, meta: MutationMeta): boolean {
    if (this.order !== undefined && compareOrder(meta.order, this.order) < 0) return false
    this.order = meta.order
    return super.apply(mutation)
  }

  protected override takeSnapshot (): S {
    return { value: this.value, hasValue: this.order !== undefined, order: this.order && encodeStamp(this.order) }
  }

  protected override loadSnapshot (snapshot: S): void {
    super.loadSnapshot(snapshot)
    this.order = snapshot.hasValue === true ? decodeStamp(snapshot.order, 'INVALID_SNAPSHOT') : undefined
  }
}

function spec (make: (type: ModelType<ArrivalRegister>, context: ModelContext) => ArrivalRegister): ConvergenceSpec<ArrivalRegister, { value: string }> {
  return {
    name: 'register',
    type: defineModelType<ArrivalRegister>({
      url: 'example.com/test/register',
      mutationCodec: protobufCodec<M>(echo.models.PriorityRegisterMutation),
      snapshotCodec: protobufCodec<S>(echo.models.PriorityRegisterSnapshot),
      create: make
    }),
    action: fc.record({ value: fc.constantFrom('x', 'y', 'z') }),
    perform: async (model, action) => await model.set(action.value),
    canonical: (model) => model.value
  }
}

const broken = spec((type, context) => new ArrivalRegister(type, context))
const right = spec((type, context) => new StampRegister(type, context))

describe('convergence harness', () => {
  let dir: string
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'echodb-models-fixtures-')) })
  afterEach(() => { rmSync(dir, { recursive: true, force: true }) })

  test('a model that does not converge fails, and its shrunk counterexample is saved and replays', async () => {
    const error = await checkConvergence(broken, { fixturesDir: dir, numRuns: 200, seed: 42 }).then(() => undefined, (err: Error) => err)
    expect(error?.message).toMatch(/counterexample saved to/)
    const fixtures = loadFixtures<{ value: string }>(dir, 'register')
    expect(fixtures).toHaveLength(1)
    expect(error?.message).toContain(fixtures[0].file)
    const saved = JSON.parse(readFileSync(fixtures[0].file, 'utf8')) as { model: string, seed: number, error: string }
    expect(saved).toMatchObject({ model: 'register', seed: 42, error: expect.stringMatching(/diverged/) })
    // Replaying the fixture fails the broken model again, and passes the correct one.
    await expect(runScenario(broken, fixtures[0].scenario)).rejects.toThrow(/diverged/)
    await expect(runScenario(right, fixtures[0].scenario)).resolves.toBeUndefined()
  })

  test('fixtures are named by content, so saving the same case twice keeps one file', () => {
    const scenario = { writers: 2, steps: [], orders: [[], [], []], cut: 0 }
    const a = saveFixture(dir, 'register', scenario, { seed: 1, error: 'x' })
    const b = saveFixture(dir, 'register', scenario, { seed: 2, error: 'y' })
    expect(a).toBe(b)
    expect(existsSync(a)).toBe(true)
    expect(loadFixtures(dir, 'register')).toHaveLength(1)
    expect(loadFixtures(join(dir, 'missing'), 'register')).toEqual([])
  })
})
