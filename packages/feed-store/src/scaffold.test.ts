import { echo } from '@echodb/proto'

test('generated protobuf code round-trips a FeedBlock', () => {
  const key = Buffer.alloc(32, 7)
  const bytes = echo.FeedBlock.encode({ timeframe: { entries: [{ feedKey: key, length: 3 }] }, messages: [Buffer.from('a')] }).finish()
  const back = echo.FeedBlock.decode(bytes)
  expect(back.timeframe?.entries?.[0].length).toBe(3)
  expect(Buffer.from(back.messages[0]).toString()).toBe('a')
})
