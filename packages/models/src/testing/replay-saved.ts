// Jest only: one test per saved counterexample, so a model without any shows a skipped test, not a vacuous pass.
import type { AnyModel } from '../model'
import { loadFixtures, runScenario, type ConvergenceSpec } from './convergence'

/** Declares `saved counterexample <file>` for every fixture of `spec` in `dir` (skipped when there is none). */
export function replaySavedCounterexamples<T extends AnyModel, A> (spec: ConvergenceSpec<T, A>, dir: string): void {
  const fixtures = loadFixtures<A>(dir, spec.name)
  if (fixtures.length === 0) {
    test.skip(`saved counterexamples replay (none saved for ${spec.name})`, () => {})
    return
  }
  for (const { file, scenario } of fixtures) {
    test(`saved counterexample ${file.slice(file.lastIndexOf('/') + 1)} replays`, async () => {
      await runScenario(spec, scenario)
    })
  }
}
