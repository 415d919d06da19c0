import { execFile } from 'child_process'
import { readFileSync } from 'fs'
import { join } from 'path'
import { BIN, ensureBuilt, Homes, spawnCli } from './test-fixtures/harness'

const homes = new Homes()
beforeAll(() => ensureBuilt(), 120_000)
afterAll(async () => await homes.cleanup())

test('the built bin is a node script, and the committed launcher npm links runs it', async () => {
  expect(readFileSync(BIN, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true)
  const launcher = join(__dirname, '..', 'bin', 'echodb.js')
  expect(readFileSync(launcher, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true)
  const version = await new Promise<string>((resolve, reject) => {
    execFile(process.execPath, [launcher, '--version'], (err, stdout) => { if (err !== null) reject(err); else resolve(stdout) })
  })
  expect(version).toMatch(/^echodb \d+\.\d+\.\d+\n$/)
})

test('a person at a shell: init, create a party and an item, set, get; errors are one line and an exit code', async () => {
  const home = await homes.make()
  const env = { ECHODB_HOME: home }
  const init = await spawnCli(['init', '--name', 'Ada'], env)
  expect(init.code).toBe(0)
  expect(init.stdout).toContain('created profile')

  const party = (await spawnCli(['party', 'create', '--title', 'Shell'], env)).stdout.trim()
  expect(party).toMatch(/^[0-9a-f]{64}$/)
  const item = await spawnCli(['item', 'create', party.slice(0, 6), 'task', 'title=from the shell', 'n=1'], env)
  expect(item.code).toBe(0)
  const id = item.stdout.trim()
  expect((await spawnCli(['set', party.slice(0, 6), id.slice(0, 6), 'n=2', 'done=true'], env)).code).toBe(0)
  const got = await spawnCli(['get', party.slice(0, 6), id.slice(0, 6)], env)
  expect(got).toMatchObject({ code: 0, stderr: '' })
  expect(JSON.parse(got.stdout)).toEqual({ title: 'from the shell', n: 2, done: true })

  const bad = await spawnCli(['set', party.slice(0, 6), id.slice(0, 6), 'oops'], env)
  expect(bad.code).toBe(1)
  expect(bad.stderr).toBe('echodb: "oops" is not key=value\n')
  const unknown = await spawnCli(['get', party.slice(0, 6), 'abcdef0123'], env)
  expect(unknown.code).toBe(1)
  expect(unknown.stderr).toMatch(/^echodb: no item abcdef0123 in party [0-9a-f]{8}\n$/)

  const debugged = await spawnCli(['get', party.slice(0, 6), 'abcdef0123'], { ...env, DEBUG: 'echo:*' })
  expect(debugged.code).toBe(1)
  expect(debugged.stderr).toMatch(/\n\s+at /)
}, 60_000)
