import { mkdtemp, rm } from 'fs/promises'
import { tmpdir } from 'os'
import { join } from 'path'
import { ECHO, type EchoOptions } from '../echo'
import type { Party } from '../party'

/** Temporary directories for tests, removed by `cleanup()`. */
export class TempDirs {
  private readonly dirs: string[] = []
  async make (prefix = 'echodb-test-'): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), prefix))
    this.dirs.push(dir)
    return dir
  }

  async cleanup (): Promise<void> {
    await Promise.all(this.dirs.splice(0).map(async (dir) => await rm(dir, { recursive: true, force: true })))
  }
}

/** Pipes the two instances' FeedStores together (in-process replication). Returns a function that unpipes. */
export function connect (a: ECHO, b: ECHO): () => void {
  const sa = a.feedStore.replicate(true)
  const sb = b.feedStore.replicate(false)
  sa.pipe(sb).pipe(sa)
  return () => { sa.destroy(); sb.destroy() }
}

/** Admits `invitee` to `party` (held by `greeter`, an admin) and opens it on the invitee. */
export async function admitAndJoin (greeterParty: Party, invitee: ECHO, role: 'admin' | 'writer' | 'reader' = 'writer'): Promise<Party> {
  const request = await invitee.requestAdmission(greeterParty.key)
  await greeterParty.admit(request, role)
  return await invitee.addJoinedParty({
    partyKey: greeterParty.key,
    genesisFeedKey: greeterParty.partyState.genesis!.feedKey,
    feedKeys: greeterParty.partyState.listFeeds().map((f) => f.feedKey),
    ownFeedKey: request.feedKey
  })
}

export async function openEcho (dirs: TempDirs, options: Partial<EchoOptions> = {}): Promise<ECHO> {
  return await ECHO.create({ directory: await dirs.make(), ...options })
}

/** Waits until every party has processed everything every other has (their timeframes are equal). */
export async function converge (parties: Party[]): Promise<void> {
  for (let round = 0; round < 2; round++) {
    for (const p of parties) for (const q of parties) if (p !== q) await p.waitForTimeframe(q.timeframe.clone())
  }
}
