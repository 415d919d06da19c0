import { pipedNetwork, swarmNetwork } from './network'
import { runSoak, type SoakReport } from './soak'

function expectHealthy (report: SoakReport): void {
  expect(report.errors).toEqual([])
  expect(report.converged).toBe(true)
  expect(report.rejections).toEqual(report.rejections.map(() => ({})))
  expect(report.outages).toBeGreaterThan(0)
  expect(report.writes).toBeGreaterThan(100)
  expect(report.samples.length).toBeGreaterThan(5)
  expect(Number.isFinite(report.heapGrowthMB)).toBe(true) // measured here; bounded in `npm run stress`
}

test('three peers writing while their piped connections drop and return converge to identical state', async () => {
  expectHealthy(await runSoak({ network: pipedNetwork(), durationMs: 2500, maxOutageMs: 300, sampleEveryMs: 100 }))
})

test('three peers over Hyperswarm (local testnet) going offline and back converge to identical state', async () => {
  expectHealthy(await runSoak({ network: await swarmNetwork(), durationMs: 2500, maxOutageMs: 300, sampleEveryMs: 100 }))
})
