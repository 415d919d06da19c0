import { LookAgain } from './look-again'

beforeEach(() => { jest.useFakeTimers() })
afterEach(() => { jest.useRealTimers() })

function session (): { refresh: jest.Mock<Promise<void>, []>, times: number[] } {
  const times: number[] = []
  const refresh = jest.fn(async () => { times.push(Date.now()) })
  return { refresh, times }
}

test('looks again while alone, backing off from the first wait to the longest', async () => {
  const s = session()
  const start = Date.now()
  const look = new LookAgain(s, () => true, { firstMs: 1000, maxMs: 8000 })
  await jest.advanceTimersByTimeAsync(1000 + 2000 + 4000 + 8000 + 8000)
  expect(s.times.map((t) => t - start)).toEqual([1000, 3000, 7000, 15000, 23000])
  expect(look.refreshes).toBe(5)
  look.stop()
})

test('does not look again while a peer is there, and starts from the first wait when it leaves', async () => {
  const s = session()
  let alone = true
  const start = Date.now()
  const look = new LookAgain(s, () => alone, { firstMs: 1000, maxMs: 30_000 })
  await jest.advanceTimersByTimeAsync(3000) // refreshes at 1 s and 3 s; the next look is due at 7 s
  alone = false
  await jest.advanceTimersByTimeAsync(20_000)
  expect(s.refresh).toHaveBeenCalledTimes(2)
  alone = true
  await jest.advanceTimersByTimeAsync(2000)
  expect(s.times.map((t) => t - start)).toEqual([1000, 3000, 24000])
  look.stop()
})

test('a failed look-up is logged and the next one still comes', async () => {
  const refresh = jest.fn(async () => { throw new Error('dht down') })
  const look = new LookAgain({ refresh }, () => true, { firstMs: 100, maxMs: 100 })
  await jest.advanceTimersByTimeAsync(350)
  expect(refresh).toHaveBeenCalledTimes(3)
  look.stop()
})

test('stop() ends it', async () => {
  const s = session()
  const look = new LookAgain(s, () => true, { firstMs: 100 })
  look.stop()
  await jest.advanceTimersByTimeAsync(10_000)
  expect(s.refresh).not.toHaveBeenCalled()
})
