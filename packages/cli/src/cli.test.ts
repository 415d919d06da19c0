import { access, readdir } from 'fs/promises'
import { join } from 'path'
import { ECHO } from '@echodb/echo-db'
import { PROFILE_FILE } from './profile'
import { cli, Homes } from './test-fixtures/harness'

const homes = new Homes()
afterEach(async () => await homes.cleanup())

/** A fresh profile named Ada; returns `echodb --home <it>`-style runner. */
async function profile (name = 'Ada'): Promise<(argv: string[], stdin?: string) => ReturnType<typeof cli>> {
  const home = await homes.make()
  const echodb = async (argv: string[], stdin?: string): ReturnType<typeof cli> => await cli([...argv, '--home', home], { stdin })
  expect((await echodb(['init', '--name', name])).code).toBe(0)
  return echodb
}

function oneErrorLine (stderr: string, pattern: RegExp): void {
  const lines = stderr.trimEnd().split('\n')
  expect(lines).toHaveLength(1)
  expect(lines[0]).toMatch(/^echodb: /)
  expect(lines[0]).toMatch(pattern)
}

describe('profile', () => {
  test('init creates the identity and name; whoami prints them; a second init keeps the identity', async () => {
    const home = await homes.make()
    const first = await cli(['init', '--name', 'Ada', '--home', home])
    expect(first).toMatchObject({ code: 0, stderr: '' })
    const key = /identity ([0-9a-f]{64})/.exec(first.stdout)?.[1]
    expect(key).toBeDefined()
    expect(first.stdout).toContain(`created profile ${home}`)

    const who = await cli(['whoami', '--home', home])
    expect(who.code).toBe(0)
    expect(who.stdout).toContain(`identity ${key as string}`)
    expect(who.stdout).toContain('name     Ada')

    const again = await cli(['init', '--name', 'Ada Lovelace', '--home', home, '--json'])
    expect(JSON.parse(again.stdout)).toEqual({ home, publicKey: key, displayName: 'Ada Lovelace', created: false })
  })

  test('the profile is --home, else ECHODB_HOME, else ~/.echodb', async () => {
    const home = await homes.make()
    expect((await cli(['init'], { env: { ECHODB_HOME: home } })).code).toBe(0)
    const who = await cli(['whoami', '--json'], { env: { ECHODB_HOME: home } })
    expect(JSON.parse(who.stdout)).toMatchObject({ home, displayName: null })
    const other = await homes.make()
    const missing = await cli(['whoami', '--home', join(other, 'nowhere')], { env: { ECHODB_HOME: home } })
    expect(missing.code).toBe(1)
    const fallback = await cli(['whoami'])
    expect(fallback.code).toBe(1)
    oneErrorLine(fallback.stderr, /no profile in \/nonexistent-home-for-tests\/\.echodb: run "echodb init" first/)
  })

  test('a missing profile is an error for every command that needs one, and nothing is created', async () => {
    const home = await homes.make()
    for (const argv of [['whoami'], ['party', 'list'], ['party', 'create'], ['list', 'ab'], ['get', 'ab', 'cd'], ['set', 'ab', 'cd', 'x=1']]) {
      const result = await cli([...argv, '--home', home])
      expect(result.code).toBe(1)
      oneErrorLine(result.stderr, /no profile in/)
    }
    expect(await readdir(home)).toEqual([])
  })

  test('bad names are refused', async () => {
    const home = await homes.make()
    oneErrorLine((await cli(['init', '--name', '', '--home', home])).stderr, /--name needs a name/)
    const result = await cli(['init', '--name', 'a\u0007b', '--home', home])
    expect(result.code).toBe(1)
    oneErrorLine(result.stderr, /control characters/)
  })

  test('a profile held by another process is reported as in use (exit 2)', async () => {
    const home = await homes.make()
    expect((await cli(['init', '--home', home])).code).toBe(0)
    const holder = await ECHO.create({ directory: home })
    try {
      const result = await cli(['party', 'list', '--home', home])
      expect(result.code).toBe(2)
      oneErrorLine(result.stderr, /profile .* is in use by another echodb process/)
    } finally {
      await holder.close()
    }
  })
})

describe('parties', () => {
  test('create, list and members', async () => {
    const echodb = await profile('Ada')
    const created = await echodb(['party', 'create', '--title', 'Groceries'])
    expect(created.code).toBe(0)
    const id = created.stdout.trim()
    expect(id).toMatch(/^[0-9a-f]{64}$/)
    const untitled = (await echodb(['party', 'create', '--json'])).stdout
    const other = JSON.parse(untitled) as { id: string, title: null }
    expect(other.title).toBeNull()

    const listed = await echodb(['party', 'list'])
    expect(listed.stdout).toContain(`${id.slice(0, 8)}  admin   1 member, 0 items  Groceries`)
    const json = JSON.parse((await echodb(['party', 'list', '--json'])).stdout)
    expect(json).toEqual(expect.arrayContaining([
      { id, title: 'Groceries', role: 'admin', members: 1, items: 0, open: true },
      { id: other.id, title: null, role: 'admin', members: 1, items: 0, open: true }
    ]))

    const members = await echodb(['party', 'members', id.slice(0, 10)])
    expect(members.code).toBe(0)
    expect(members.stdout).toMatch(/^[0-9a-f]{8} {2}admin {3}Ada \(you\)\n$/)
    const who = JSON.parse((await echodb(['whoami', '--json'])).stdout)
    expect(JSON.parse((await echodb(['party', 'members', id, '--json'])).stdout)).toEqual([
      { identityKey: who.publicKey, role: 'admin', displayName: 'Ada', removed: false, you: true }
    ])
  })

  test('an empty profile lists nothing and says how to start', async () => {
    const echodb = await profile()
    const listed = await echodb(['party', 'list'])
    expect(listed).toMatchObject({ code: 0, stdout: '' })
    expect(listed.stderr).toMatch(/no parties yet/)
    expect(JSON.parse((await echodb(['party', 'list', '--json'])).stdout)).toEqual([])
  })

  test('remove a member; yourself and non-members are refused', async () => {
    const ada = await profile('Ada')
    const bob = await profile('Bob')
    const bobKey = JSON.parse((await bob(['whoami', '--json'])).stdout).publicKey as string
    const adaKey = JSON.parse((await ada(['whoami', '--json'])).stdout).publicKey as string
    const id = (await ada(['party', 'create'])).stdout.trim()
    expect((await ada(['admit', id.slice(0, 8), bobKey])).code).toBe(0)

    const self = await ada(['party', 'remove', id.slice(0, 8), adaKey.slice(0, 8)])
    expect(self.code).toBe(1)
    oneErrorLine(self.stderr, /you cannot remove yourself/)
    const stranger = await ada(['party', 'remove', id.slice(0, 8), (bobKey[0] === 'f' ? '0' : 'f') + bobKey.slice(1, 8)])
    expect(stranger.code).toBe(1)
    oneErrorLine(stranger.stderr, /no member [0-9a-f]{8} in party/)

    const removed = await ada(['party', 'remove', id.slice(0, 8), bobKey.slice(0, 6), '--json'])
    expect(removed.code).toBe(0)
    expect(JSON.parse(removed.stdout)).toEqual({ party: id, removed: bobKey, displayName: null })
    const members = JSON.parse((await ada(['party', 'members', id, '--json'])).stdout) as Array<{ identityKey: string, removed: boolean }>
    expect(members.find((m) => m.identityKey === bobKey)?.removed).toBe(true)
    expect((await ada(['party', 'members', id])).stdout).toContain(`${bobKey.slice(0, 8)}  writer  (no name) (removed)`)
    expect((await ada(['party', 'list', '--json'])).stdout).toContain('"members":1')
    // A removed member is no longer one to remove.
    const again = await ada(['party', 'remove', id.slice(0, 8), bobKey.slice(0, 6)])
    expect(again.code).toBe(1)
    oneErrorLine(again.stderr, /no member [0-9a-f]{6} in party/)
  })

  test('close a party: listed as closed, not opened at start-up, opened again by a command that names it', async () => {
    const echodb = await profile()
    const id = (await echodb(['party', 'create', '--title', 'Old'])).stdout.trim()
    expect((await echodb(['party', 'close', id.slice(0, 8)])).stdout).toBe(`closed party ${id.slice(0, 8)}\n`)
    expect((await echodb(['party', 'list'])).stdout).toBe(`${id.slice(0, 8)}  closed \n`)
    expect(JSON.parse((await echodb(['party', 'close', id, '--json'])).stdout)).toEqual({ id, closed: true, wasOpen: false })
    expect((await echodb(['party', 'members', id.slice(0, 8)])).code).toBe(0)
    expect((await echodb(['party', 'list'])).stdout).toContain(`${id.slice(0, 8)}  admin   1 member, 0 items  Old`)
  })

  test('unknown and malformed party ids', async () => {
    const echodb = await profile()
    const id = (await echodb(['party', 'create'])).stdout.trim()
    const other = id[0] === 'f' ? '0' : 'f'
    const unknown = await echodb(['party', 'members', other + id.slice(1, 6)])
    expect(unknown.code).toBe(1)
    oneErrorLine(unknown.stderr, /no party [0-9a-f]{6} in this profile/)
    const malformed = await echodb(['list', 'not-hex'])
    expect(malformed.code).toBe(1)
    oneErrorLine(malformed.stderr, /"not-hex" is not a party id/)
  })
})

describe('items', () => {
  test('create with typed values, get, set, delete keys, list by type', async () => {
    const echodb = await profile()
    const party = (await echodb(['party', 'create', '--title', 'Home'])).stdout.trim()
    const p = party.slice(0, 6)
    const created = await echodb(['item', 'create', p, 'task', 'title=milk', 'n=3', 'ok=true', 'tags=["a"]', 'name=Ada', 'notes.when=today', 'quoted="3"'])
    expect(created.code).toBe(0)
    const id = created.stdout.trim()
    expect(id).toMatch(/^[0-9a-f]{32}$/)

    const got = await echodb(['get', p, id.slice(0, 6)])
    expect(got.code).toBe(0)
    expect(JSON.parse(got.stdout)).toEqual({ title: 'milk', n: 3, ok: true, tags: ['a'], name: 'Ada', notes: { when: 'today' }, quoted: '3' })
    expect(got.stdout).toContain('\n  "') // pretty-printed for people

    const updated = await echodb(['set', p, id.slice(0, 6), 'n=4', 'notes.who=Bob', 'list=[1,2]', '--delete', 'ok', '--delete', 'name'])
    expect(updated).toMatchObject({ code: 0, stdout: '', stderr: '' })
    const record = JSON.parse((await echodb(['get', p, id, '--json'])).stdout)
    expect(record).toEqual({
      id, type: 'task', model: 'echodb.org/model/object',
      properties: { title: 'milk', n: 4, tags: ['a'], notes: { when: 'today', who: 'Bob' }, quoted: '3', list: [1, 2] }
    })

    const note = (await echodb(['item', 'create', p, 'note', 'text=hello world'])).stdout.trim()
    const all = await echodb(['list', p])
    const lines = all.stdout.trim().split('\n')
    expect(lines).toHaveLength(2)
    // Oldest first; long content is cut at 80 characters.
    expect(lines[0]).toBe(`${id.slice(0, 8)}  task  ${JSON.stringify(record.properties).slice(0, 79)}…`)
    expect(lines[1]).toBe(`${note.slice(0, 8)}  note  {"text":"hello world"}`)
    const notes = JSON.parse((await echodb(['list', p, '--type', 'note', '--json'])).stdout)
    expect(notes).toEqual([{ id: note, type: 'note', model: 'echodb.org/model/object', properties: { text: 'hello world' } }])
    expect((await echodb(['list', p, '--type', 'nothing'])).stdout).toBe('')
  })

  test('ids prefixes: unknown and ambiguous items are refused with a clear line', async () => {
    const echodb = await profile()
    const p = (await echodb(['party', 'create'])).stdout.trim().slice(0, 8)
    // 17 items: two of them must share their first hex digit.
    const ids: string[] = []
    for (let i = 0; i < 17; i++) ids.push((await echodb(['item', 'create', p, 'thing', `i=${i}`])).stdout.trim())
    const byFirst = new Map<string, string[]>()
    for (const id of ids) byFirst.set(id[0], [...(byFirst.get(id[0]) ?? []), id])
    const [shared] = [...byFirst.entries()].find(([, group]) => group.length > 1)!
    const ambiguous = await echodb(['get', p, shared])
    expect(ambiguous.code).toBe(1)
    oneErrorLine(ambiguous.stderr, new RegExp(`item id ${shared} is ambiguous: it starts ${shared}[0-9a-f]{4}, ${shared}[0-9a-f]{4}`))
    const free = '0123456789abcdef'.split('').find((c) => !byFirst.has(c))
    if (free !== undefined) oneErrorLine((await echodb(['get', p, free])).stderr, new RegExp(`no item ${free} in party ${p}`))
    const unknown = await echodb(['set', p, 'ffffffffffffffffffffffffffffffff', 'x=1'])
    expect(unknown.code).toBe(1)
    oneErrorLine(unknown.stderr, /no item f{32} in party/)
    // A full id always works; so does the 8-character short id lists show, for items of one writer too.
    expect(JSON.parse((await echodb(['get', p, ids[16], '--json'])).stdout).properties).toEqual({ i: 16 })
    expect(new Set(ids.map((id) => id.slice(0, 8))).size).toBe(ids.length)
    expect(JSON.parse((await echodb(['get', p, ids[3].slice(0, 8), '--json'])).stdout).properties).toEqual({ i: 3 })
  })

  test('malformed key=value is refused before anything is written', async () => {
    const echodb = await profile()
    const p = (await echodb(['party', 'create'])).stdout.trim().slice(0, 8)
    const id = (await echodb(['item', 'create', p, 'task', 'a=1'])).stdout.trim()
    for (const [argv, pattern] of [
      [['set', p, id, 'novalue'], /"novalue" is not key=value/],
      [['set', p, id, '=3'], /"=3" has an empty key/],
      [['set', p, id, 'a..b=1'], /empty part/],
      [['set', p, id], /set needs at least one key=value/],
      [['item', 'create', p, 'task', 'x=1', 'oops'], /"oops" is not key=value/],
      [['item', 'create', p, 'task', 'a=1', 'a.b=2'], /a\.b is set below a, which is also given a value/],
      [['set', p, id, '--delete', 'a..b'], /empty part/]
    ] as Array<[string[], RegExp]>) {
      const result = await echodb(argv)
      expect(result.code).toBe(1)
      oneErrorLine(result.stderr, pattern)
    }
    expect(JSON.parse((await echodb(['list', p, '--json'])).stdout)).toEqual([{ id, type: 'task', model: 'echodb.org/model/object', properties: { a: 1 } }])
  })

  test('values ObjectModel refuses are errors, not silent', async () => {
    const echodb = await profile()
    const p = (await echodb(['party', 'create'])).stdout.trim().slice(0, 8)
    const result = await echodb(['item', 'create', p, 'task', 'big=1e999'])
    expect(result.code).toBe(1)
    oneErrorLine(result.stderr, /finite/)
  })
})

describe('usage', () => {
  test('help, version, unknown commands and options, argument counts', async () => {
    const helped = await cli(['help'])
    expect(helped.code).toBe(0)
    for (const word of ['init', 'whoami', 'party create', 'party list', 'party members', 'party remove', 'party close', 'invite', 'join', 'admit', 'item create', 'set', 'get', 'list', 'watch', 'dht']) {
      expect(helped.stdout).toContain(`  ${word} `)
    }
    expect((await cli(['--help'])).stdout).toBe(helped.stdout)
    const none = await cli([])
    expect(none.code).toBe(1)
    expect(none.stderr).toBe(helped.stdout)
    expect((await cli(['--version'])).stdout).toMatch(/^echodb \d+\.\d+\.\d+\n$/)
    expect((await cli(['set', '--help'])).stdout).toMatch(/^echodb set <party> <item> key=value/)
    expect((await cli(['help', 'party', 'list'])).stdout).toMatch(/^echodb party list\n/)

    for (const [argv, pattern] of [
      [['frobnicate'], /unknown command "frobnicate"/],
      [['party'], /party needs a subcommand: create, list, members/],
      [['party', 'delete'], /unknown command "party delete" \(party has create, list, members, remove, close\)/],
      [['whoami', '--bogus'], /unknown option --bogus/],
      [['whoami', '--title', 'x'], /whoami does not take --title/],
      [['get', 'ab'], /get: missing arguments \(usage: echodb get <party> <item>/],
      [['whoami', 'extra'], /whoami: unexpected argument "extra"/],
      [['party', 'create', '--title'], /--title needs a value/],
      [['invite', 'ab', '--role', 'owner'], /--role must be writer, reader or admin/],
      [['invite', 'ab', '--expires', 'soon'], /--expires "soon" is not a duration/],
      [['dht', '--port', 'x'], /--port "x" is not a port/]
    ] as Array<[string[], RegExp]>) {
      const result = await cli(argv)
      expect(result.code).toBe(1)
      oneErrorLine(result.stderr, pattern)
      expect(result.stdout).toBe('')
    }
  })

  test('errors show a stack only with DEBUG=echo:*', async () => {
    const plain = await cli(['whoami', '--home', '/nonexistent/echodb'])
    expect(plain.stderr.split('\n').filter((l) => l !== '')).toHaveLength(1)
    const debugged = await cli(['whoami', '--home', '/nonexistent/echodb'], { env: { DEBUG: 'echo:*' } })
    expect(debugged.stderr).toMatch(/^echodb: no profile[^\n]*\n(CliError|Error)[^\n]*\n\s+at /)
  })

  test('the profile file marks a profile', async () => {
    const home = await homes.make()
    await cli(['init', '--home', home])
    await expect(access(join(home, PROFILE_FILE))).resolves.toBeUndefined()
  })
})
