import { execFile } from 'child_process'
import { existsSync } from 'fs'
import { join } from 'path'

// Runs the built demo (`npm test` builds first) as a person would: three peer processes and a local DHT.
const main = join(__dirname, '..', 'dist', 'src', 'main.js')

test('the demo runs three peers to convergence and says they agree', async () => {
  expect(existsSync(main)).toBe(true)
  const { code, stdout } = await new Promise<{ code: number | null, stdout: string }>((resolve) => {
    execFile(process.execPath, [main], { timeout: 120_000 }, (err, stdout) => {
      // For a non-zero exit, execFile's error carries the exit code as a number.
      const exit = (err as { code?: unknown } | null)?.code
      resolve({ code: err === null ? 0 : typeof exit === 'number' ? exit : 1, stdout })
    })
  })
  expect(stdout).toContain('alice created the party')
  expect(stdout).toContain('carol reconnects')
  expect(stdout).toMatch(/alice +state digest ([0-9a-f]{16})/)
  const digests = [...stdout.matchAll(/state digest ([0-9a-f]{16})/g)].map((m) => m[1])
  expect(digests).toHaveLength(3)
  expect(new Set(digests).size).toBe(1)
  expect(stdout).toContain('All three peers agree.')
  expect(code).toBe(0)
}, 150_000)
