import type { Party } from '../party'

/** Members and items of a party, in an order that does not depend on processing order (for comparisons). */
export function stateOf (party: Party): unknown {
  return {
    members: party.members.value.map((m) => `${m.identityKey.toString('hex')}:${m.role}`).sort(),
    items: party.database.items
      .map((item) => ({ id: item.id, type: item.type, parent: item.parentId, deleted: item.deleted, state: item.model.state }))
      .sort((x, y) => x.id < y.id ? -1 : x.id > y.id ? 1 : 0)
  }
}

/** What a party has read: per feed, blocks known locally, and how many it processed. Null while it is busy. */
function progressOf (party: Party): Map<string, { length: number, delivered: number }> | null {
  if (!party.isOpen || !party.processor.isIdle) return null
  const out = new Map<string, { length: number, delivered: number }>()
  for (const p of party.processor.progress()) out.set(p.feedId, { length: p.length, delivered: p.delivered })
  return out
}

/**
 * Waits until the parties (replicating with each other) are quiet: all open (no rebuild running), every block
 * each has stored processed, every feed two of them read equally long on both, and nothing changed for `quietMs`.
 * Throws after `timeoutMs`, naming what is still moving.
 */
export async function settle (parties: Party[], { quietMs = 300, timeoutMs = 30_000 } = {}): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let last = ''
  let quietSince = Date.now()
  let why = ''
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 25))
    const progress = parties.map(progressOf)
    why = ''
    for (const [i, p] of progress.entries()) {
      if (p === null) { why = `party ${i} is busy`; break }
      for (const [feedId, f] of p) {
        if (f.delivered < f.length) why = `party ${i} has processed ${f.delivered} of ${f.length} blocks of ${feedId.slice(0, 8)}`
        for (const [j, q] of progress.entries()) {
          const g = q?.get(feedId)
          if (g !== undefined && g.length !== f.length) why = `parties ${i} and ${j} hold ${f.length} and ${g.length} blocks of ${feedId.slice(0, 8)}`
        }
      }
    }
    const signature = why !== '' ? why : JSON.stringify(progress.map((p) => [...(p ?? [])]))
    if (why !== '' || signature !== last) {
      last = signature
      quietSince = Date.now()
      continue
    }
    if (Date.now() - quietSince >= quietMs) return
  }
  throw new Error(`parties did not settle in ${timeoutMs} ms: ${why === '' ? 'still changing' : why}`)
}
