import { ECHO } from '@echodb/echo-db'
import { admitAndJoin, connect, converge } from '@echodb/echo-db/src/testing/temp-echo'
import { Capture, Child, cli, ensureBuilt, Homes, spawnCli, type Result } from './test-fixtures/harness'

const homes = new Homes()

/**
 * `echo dht` on loopback for one describe block (started before its tests, stopped after, exiting 0); returns the
 * network flags for the other commands, filled in once it runs.
 */
function localDht (): string[] {
  const dhtStop = new AbortController()
  let dht: Promise<Result>
  const net: string[] = []
  beforeAll(async () => {
    const stdout = new Capture()
    dht = cli(['dht', '--host', '127.0.0.1', '--port', '0'], { signal: dhtStop.signal, stdout })
    const [, address] = await stdout.waitFor(/^(127\.0\.0\.1:\d+)\n/)
    net.push('--bootstrap', address, '--host', '127.0.0.1')
  })
  afterAll(async () => {
    dhtStop.abort()
    expect((await dht).code).toBe(0)
    await homes.cleanup()
  })
  return net
}

describe('online data commands (members admitted through the echo-db API)', () => {
  const net = localDht()

  test('watch shows changes another member sends with --sync; get --sync catches up; sync reports', async () => {
    const adaHome = await homes.make()
    const bobHome = await homes.make()
    const ada = async (argv: string[], options: Parameters<typeof cli>[1] = {}): Promise<Result> => await cli([...argv, '--home', adaHome], options)
    const bob = async (argv: string[], options: Parameters<typeof cli>[1] = {}): Promise<Result> => await cli([...argv, '--home', bobHome], options)
    expect((await ada(['init', '--name', 'Ada'])).code).toBe(0)
    expect((await bob(['init', '--name', 'Bob'])).code).toBe(0)
    const party = (await ada(['party', 'create', '--title', 'Direct'])).stdout.trim()
    const p = party.slice(0, 8)
    const item = (await ada(['item', 'create', p, 'task', 'title=draft'])).stdout.trim()
    // Admit Bob without an invitation (both stores open in this process for a moment), then close both.
    const a = await ECHO.create({ directory: adaHome })
    const b = await ECHO.create({ directory: bobHome })
    try {
      await admitAndJoin(a.getParty(party)!, b)
    } finally {
      await a.close()
      await b.close()
    }
    // Bob has nothing of Ada's yet: reading offline shows no item, reading with --sync catches up.
    expect((await bob(['list', p])).stdout).toBe('')
    const serving = new AbortController()
    const adaOut = new Capture()
    const adaWatch = ada(['watch', p, ...net], { signal: serving.signal, stdout: adaOut })
    try {
      await adaOut.waitFor(/^watching party/m)
      const got = await bob(['get', p, item, '--sync', ...net])
      expect(got).toMatchObject({ code: 0, stderr: '' })
      expect(JSON.parse(got.stdout)).toEqual({ title: 'draft' })

      const set = await bob(['set', p, item.slice(0, 5), 'title=from Bob', '--sync', ...net])
      expect(set).toMatchObject({ code: 0, stderr: '' })
      await adaOut.waitFor(new RegExp(`^~ ${item.slice(0, 8)}  task  \\{"title":"from Bob"\\}$`, 'm'))

      const synced = await bob(['sync', p, '--json', ...net])
      expect(synced.code).toBe(0)
      expect(JSON.parse(synced.stdout)).toMatchObject({ id: party, caughtUp: true, pushed: true })

      // Two watchers stay connected: each says it is caught up with the other.
      const bobStop = new AbortController()
      const bobOut = new Capture()
      const bobWatch = bob(['watch', p, '--json', ...net], { signal: bobStop.signal, stdout: bobOut })
      try {
        const [line] = await bobOut.waitFor(/^\{"event":"caught-up".*\}$/m)
        expect(JSON.parse(line)).toMatchObject({ event: 'caught-up', peers: 1 })
        await adaOut.waitFor(/^caught up: \d+ blocks, 1 peer$/m)
      } finally {
        bobStop.abort()
        expect((await bobWatch).code).toBe(0)
      }
    } finally {
      serving.abort()
      expect((await adaWatch).code).toBe(0)
      if (process.env.CLI_TEST_SHOW === '1') console.log(adaOut.text)
    }
    expect(JSON.parse((await ada(['get', p, item])).stdout)).toEqual({ title: 'from Bob' })
    // With nobody online, --sync says so and goes on with the local copy.
    const alone = await bob(['get', p, item, '--sync', '--timeout', '1s', ...net])
    expect(alone.code).toBe(0)
    expect(alone.stderr).toMatch(/no peer of the party was reachable within 1s; using the local copy/)
    expect(JSON.parse(alone.stdout)).toEqual({ title: 'from Bob' })
  })

  test('watch follows a party that rebuilds itself: a removed member sees its late items dropped', async () => {
    const adaHome = await homes.make()
    const bobHome = await homes.make()
    expect((await cli(['init', '--name', 'Ada', '--home', adaHome])).code).toBe(0)
    expect((await cli(['init', '--name', 'Bob', '--home', bobHome])).code).toBe(0)
    const party = await (async () => {
      const a = await ECHO.create({ directory: adaHome })
      const b = await ECHO.create({ directory: bobHome })
      try {
        const partyA = await a.createParty({ properties: { title: 'Cut' } })
        const unpipe = connect(a, b)
        const partyB = await admitAndJoin(partyA, b)
        await converge([partyA, partyB])
        unpipe()
        // Offline, Bob writes an item Ada never sees before she removes him: it lies past his cut-off.
        await partyB.database.createItem({ type: 'note', props: { by: 'bob, late' } })
        await partyA.removeMember(b.identity.publicKey)
        return partyA.id
      } finally {
        await a.close()
        await b.close()
      }
    })()
    const p = party.slice(0, 8)
    const late = JSON.parse((await cli(['list', p, '--json', '--home', bobHome])).stdout)
    expect(late).toMatchObject([{ type: 'note', properties: { by: 'bob, late' } }])

    const stop = new AbortController()
    const serving = cli(['watch', p, ...net, '--home', adaHome], { signal: stop.signal })
    const bobOut = new Capture()
    const bobWatch = cli(['watch', p, '--json', ...net, '--home', bobHome], { signal: stop.signal, stdout: bobOut })
    try {
      // Bob learns of his removal, rebuilds without the late item, and his watch keeps following the party.
      const [dropped] = await bobOut.waitFor(/^\{"event":"item","change":"dropped".*\}$/m)
      expect(JSON.parse(dropped)).toEqual({ event: 'item', change: 'dropped', id: late[0].id })
      await bobOut.waitFor(/^\{"event":"member","change":"removed".*\}$/m)
      await bobOut.waitFor(/^\{"event":"caught-up".*\}$/m)
      // The replay's passing states (members without names yet) are not printed: only what the rebuild changed.
      expect(bobOut.text).not.toMatch(/"change":"(changed|joined)"/)
    } finally {
      stop.abort()
      expect((await bobWatch).code).toBe(0)
      expect((await serving).code).toBe(0)
    }
    expect(JSON.parse((await cli(['list', p, '--json', '--home', bobHome])).stdout)).toEqual([])
  })
})

describe('online, in-process, on a local DHT', () => {
  const leftovers: AbortController[] = []
  afterEach(() => { for (const controller of leftovers.splice(0)) controller.abort() })
  const net = localDht()

  async function person (name: string): Promise<(argv: string[], options?: Parameters<typeof cli>[1]) => Promise<Result>> {
    const home = await homes.make()
    const echodb = async (argv: string[], options: Parameters<typeof cli>[1] = {}): Promise<Result> => await cli([...argv, '--home', home], options)
    expect((await echodb(['init', '--name', name])).code).toBe(0)
    return echodb
  }

  /** Starts `invite` and returns its code and secret, and the running command. */
  async function startInvite (echodb: Awaited<ReturnType<typeof person>>, args: string[], signal?: AbortSignal): Promise<{ code: string, secret: string, running: Promise<Result>, stdout: Capture, stderr: Capture }> {
    const stdout = new Capture()
    const stderr = new Capture()
    // Every invite can be stopped, so that a failing test leaves nothing running.
    const controller = new AbortController()
    signal?.addEventListener('abort', () => controller.abort(), { once: true })
    leftovers.push(controller)
    const running = echodb(['invite', ...args, ...net], { stdout, stderr, signal: controller.signal })
    const race = await Promise.race([stdout.waitFor(/secret: +(.+)\n/), running])
    if (!Array.isArray(race)) throw new Error(`invite ended early: ${JSON.stringify(race)}`)
    const code = (await stdout.waitFor(/code: +(\S+)\n/))[1]
    return { code, secret: race[1], running, stdout, stderr }
  }

  test('invite and join; set on one, seen on the other through watch and get', async () => {
    const ada = await person('Ada')
    const bob = await person('Bob')
    const party = (await ada(['party', 'create', '--title', 'Shared'])).stdout.trim()
    const p = party.slice(0, 8)
    const item = (await ada(['item', 'create', p, 'task', 'title=draft'])).stdout.trim()

    const invitation = await startInvite(ada, [p])
    const joined = await bob(['join', invitation.code, '--secret', invitation.secret, ...net])
    expect(joined.stderr).toMatch(/sync: \d+\/\d+ blocks/)
    expect(joined).toMatchObject({ code: 0, stdout: `joined party ${p} "Shared" as writer: 1 item\n` })
    const invited = await invitation.running
    expect(invited.code).toBe(0)
    expect(invited.stdout).toMatch(new RegExp(`^Bob \\([0-9a-f]{8}\\) joined party ${p} as writer$`, 'm'))

    // Bob has the party offline now.
    expect(JSON.parse((await bob(['get', p, item.slice(0, 6), '--json'])).stdout).properties).toEqual({ title: 'draft' })
    expect((await bob(['party', 'members', p])).stdout).toMatch(/admin {3}Ada\n.*writer  Bob \(you\)\n|writer  Bob \(you\)\n.*admin {3}Ada\n/s)

    // Ada watches; Bob sets with --sync; the change shows in Ada's watch.
    const stop = new AbortController()
    const watchOut = new Capture()
    const watching = ada(['watch', p, ...net], { signal: stop.signal, stdout: watchOut })
    await watchOut.waitFor(/^watching party/m)
    const set = await bob(['set', p, item.slice(0, 6), 'title=from Bob', 'n=2', '--sync', ...net])
    expect(set).toMatchObject({ code: 0, stderr: '' })
    await watchOut.waitFor(new RegExp(`^~ ${item.slice(0, 8)}  task  \\{"n":2,"title":"from Bob"\\}$`, 'm'))
    stop.abort()
    expect((await watching).code).toBe(0)
    expect(JSON.parse((await ada(['get', p, item])).stdout)).toEqual({ title: 'from Bob', n: 2 })

    // And back: Ada writes offline, then stays online; Bob's get --sync catches up.
    expect((await ada(['set', p, item, 'done=true'])).code).toBe(0)
    const stop2 = new AbortController()
    // Started together: both look the party up before the other has announced it (they must find each other anyway).
    const serving = ada(['watch', p, '--json', ...net], { signal: stop2.signal })
    try {
      const got = await bob(['get', p, item, '--sync', ...net])
      expect(got).toMatchObject({ code: 0, stderr: '' })
      expect(JSON.parse(got.stdout)).toEqual({ title: 'from Bob', n: 2, done: true })
    } finally {
      stop2.abort()
      expect((await serving).code).toBe(0)
    }
  })

  test('a wrong secret is one line and exit 1; the invitation stays open for the right one', async () => {
    const ada = await person('Ada')
    const bob = await person('Bob')
    const p = (await ada(['party', 'create'])).stdout.trim().slice(0, 8)
    const invitation = await startInvite(ada, [p, '--role', 'reader'])
    const wrong = await bob(['join', invitation.code, ...net], { stdin: 'not-the-secret\n' })
    expect(wrong.code).toBe(1)
    expect(wrong.stderr.trimEnd().split('\n').pop()).toMatch(/^echodb: wrong secret/)
    await invitation.stderr.waitFor(/a join attempt was refused/)
    const right = await bob(['join', invitation.code, ...net], { stdin: invitation.secret + '\n' })
    expect(right.code).toBe(0)
    expect(right.stdout).toMatch(/as reader/)
    expect((await invitation.running).code).toBe(0)
    const write = await bob(['item', 'create', p, 'note', 'x=1'])
    expect(write.code).toBe(1)
    expect(write.stderr).toMatch(/^echodb: .*reader/)
  })

  test('three wrong secrets kill an invitation: invite exits 2, later joins are refused', async () => {
    const ada = await person('Ada')
    const bob = await person('Bob')
    const p = (await ada(['party', 'create'])).stdout.trim().slice(0, 8)
    const invitation = await startInvite(ada, [p, '--secret', 'correct horse battery'])
    expect(invitation.secret).toBe('correct horse battery')
    const lastLines: string[] = []
    for (let i = 0; i < 3; i++) {
      const wrong = await bob(['join', invitation.code, '--secret', `wrong guess ${i}`, ...net])
      expect(wrong.code).not.toBe(0)
      lastLines.push(wrong.stderr.trimEnd().split('\n').pop() ?? '')
    }
    expect(lastLines[0]).toBe('echodb: wrong secret (2 more tries before the invitation dies)')
    expect(lastLines[1]).toBe('echodb: wrong secret (1 more try before the invitation dies)')
    expect(lastLines[2]).toMatch(/^echodb: (wrong secret|too many wrong secrets)/)
    const invited = await invitation.running
    expect(invited.code).toBe(2)
    expect(invited.stderr.trimEnd().split('\n').pop()).toBe('echodb: the invitation died after too many wrong secrets: make a new one')
    const late = await bob(['join', invitation.code, '--secret', 'correct horse battery', '--timeout', '3s', ...net])
    expect(late.code).toBe(2)
    expect(late.stderr.trimEnd().split('\n').pop()).toMatch(/^echodb: /)
    expect((await bob(['party', 'list', '--json'])).stdout).toBe('[]\n')
  })

  test('offline invitation: admit a known key, the invitee joins without a secret through any online member', async () => {
    const ada = await person('Ada')
    const bob = await person('Bob')
    const p = (await ada(['party', 'create', '--title', 'Offline'])).stdout.trim().slice(0, 8)
    const bobKey = JSON.parse((await bob(['whoami', '--json'])).stdout).publicKey as string
    const admitted = await ada(['admit', p, bobKey, '--role', 'reader'])
    expect(admitted.code).toBe(0)
    const code = admitted.stdout.trim()
    expect(code).toMatch(/^echo1/)
    expect((await ada(['party', 'members', p])).stdout).toMatch(new RegExp(`^${bobKey.slice(0, 8)}  reader`, 'm'))

    const stop = new AbortController()
    const watchOut = new Capture()
    const watching = ada(['watch', p, ...net], { signal: stop.signal, stdout: watchOut })
    try {
      await watchOut.waitFor(/^watching party/m)
      const joined = await bob(['join', code, ...net]) // no secret, nothing read from stdin
      expect(joined).toMatchObject({ code: 0, stdout: `joined party ${p} "Offline" as reader: 0 items\n` })
      expect(joined.stderr).not.toMatch(/Secret/)
    } finally {
      stop.abort()
      expect((await watching).code).toBe(0)
    }
    expect((await ada(['admit', p, 'abc'])).stderr).toMatch(/^echodb: "abc" is not an identity key/)
  })

  test('an expired invitation ends invite with exit 2; Ctrl-C cancels one with 130', async () => {
    const ada = await person('Ada')
    const p = (await ada(['party', 'create'])).stdout.trim().slice(0, 8)
    const expiring = await startInvite(ada, [p, '--expires', '1s'])
    const expired = await expiring.running
    expect(expired.code).toBe(2)
    expect(expired.stderr).toMatch(/^echodb: .*expired/m)

    const stop = new AbortController()
    const cancelled = await startInvite(ada, [p], stop.signal)
    stop.abort()
    const result = await cancelled.running
    expect(result.code).toBe(130)
    expect(result.stderr).toMatch(/invitation cancelled/)
  })

  test('joining with a code nobody serves fails with a reason', async () => {
    const ada = await person('Ada')
    const bob = await person('Bob')
    const p = (await ada(['party', 'create'])).stdout.trim().slice(0, 8)
    const stop = new AbortController()
    const invitation = await startInvite(ada, [p], stop.signal)
    stop.abort()
    await invitation.running
    const late = await bob(['join', invitation.code, '--secret', invitation.secret, '--timeout', '3s', ...net])
    expect(late.code).toBe(2)
    expect(late.stderr.trimEnd().split('\n').pop()).toMatch(/^echodb: /)
    const garbage = await bob(['join', 'definitely-not-a-code', '--secret', '123456', '--timeout', '3s', ...net])
    expect(garbage.code).toBe(1)
    expect(garbage.stderr.trimEnd().split('\n').pop()).toMatch(/^echodb: not an invitation code \(invitation code: does not start with "echo1"\)/)
  })
})

describe('online, as separate processes', () => {
  beforeAll(() => ensureBuilt(), 120_000)
  afterAll(async () => await homes.cleanup())

  test('dht, invite, join, watch, set --sync, SIGTERM, get', async () => {
    const dht = new Child(['dht', '--host', '127.0.0.1', '--port', '0'])
    const children: Child[] = [dht]
    try {
      const [, address] = await dht.stdout.waitFor(/^(127\.0\.0\.1:\d+)\n/)
      const ada = { ECHODB_HOME: await homes.make(), ECHODB_BOOTSTRAP: address }
      const bob = { ECHODB_HOME: await homes.make(), ECHODB_BOOTSTRAP: address }
      expect((await spawnCli(['init', '--name', 'Ada'], ada)).code).toBe(0)
      expect((await spawnCli(['init', '--name', 'Bob'], bob)).code).toBe(0)
      const p = (await spawnCli(['party', 'create', '--title', 'Processes'], ada)).stdout.trim().slice(0, 8)

      const invite = new Child(['invite', p, '--host', '127.0.0.1'], ada)
      children.push(invite)
      const [, code] = await invite.stdout.waitFor(/code: +(\S+)\n/)
      const [, secret] = await invite.stdout.waitFor(/secret: +(\S+)\n/)
      const joined = await spawnCli(['join', code, '--host', '127.0.0.1'], bob, secret + '\n')
      expect(joined.code).toBe(0)
      expect((await invite.result()).code).toBe(0)

      const watch = new Child(['watch', p, '--host', '127.0.0.1'], bob)
      children.push(watch)
      await watch.stdout.waitFor(/^watching party/m)
      const id = (await spawnCli(['item', 'create', p, 'task', 'title=sent', '--sync', '--host', '127.0.0.1'], ada)).stdout.trim()
      expect(id).toMatch(/^[0-9a-f]{32}$/)
      await watch.stdout.waitFor(new RegExp(`^\\+ ${id.slice(0, 8)}  task  \\{"title":"sent"\\}$`, 'm'))
      watch.kill('SIGTERM')
      expect(await watch.exited).toBe(0)
      expect(JSON.parse((await spawnCli(['get', p, id], bob)).stdout)).toEqual({ title: 'sent' })
    } finally {
      for (const child of children) child.kill('SIGTERM')
      await Promise.all(children.map(async (child) => await child.exited))
    }
  }, 60_000)
})
