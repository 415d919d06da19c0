import { causalSelector, defaultSelector, type HeadCandidate } from './selector'
import { Timeframe } from './timeframe'

const A = 'aa'.repeat(32)
const B = 'bb'.repeat(32)
const C = 'cc'.repeat(32)

function head (feedId: string, blockIndex: number, timeframe: Array<[string, number]> = []): HeadCandidate {
  return { feedId, feedKey: Buffer.from(feedId, 'hex'), blockIndex, timeframe: new Timeframe(timeframe) }
}

describe('selectors', () => {
  test('the default selector takes the lowest order stamp: timeframe sum, then feed, then block', () => {
    expect(defaultSelector([head(B, 0, [[A, 2]]), head(A, 3, [[B, 1]])])?.feedId).toBe(A)
    expect(defaultSelector([head(B, 0), head(A, 0)])?.feedId).toBe(A)
    expect(defaultSelector([])).toBeUndefined()
  })

  test('the causal selector takes only heads whose timeframe is processed, then the eligible ones', () => {
    const processed = new Timeframe([[A, 1]])
    const select = causalSelector(() => processed, (c) => c.feedId !== C)
    // B's head needs A:2, which is not processed yet; C's head is not eligible.
    expect(select([head(B, 0, [[A, 2]]), head(C, 0)])).toBeUndefined()
    processed.set(A, 2)
    expect(select([head(B, 0, [[A, 2]]), head(C, 0)])?.feedId).toBe(B)
  })

  test('unordered heads are taken whatever their timeframe, still only if eligible', () => {
    const processed = new Timeframe()
    const waitsForC = head(B, 4, [[C, 7]])
    expect(causalSelector(() => processed)([waitsForC])).toBeUndefined()
    expect(causalSelector(() => processed, undefined, (c) => c.feedId === B)([waitsForC])).toBe(waitsForC)
    expect(causalSelector(() => processed, () => false, () => true)([waitsForC])).toBeUndefined()
    // Among takeable heads the order stamp still decides.
    const select = causalSelector(() => processed, undefined, (c) => c.feedId === B)
    expect(select([waitsForC, head(A, 0)])?.feedId).toBe(A)
  })
})
