export { EchoError } from './errors'
export { type Codec, type ProtobufType, protobufCodec } from './codec'
export {
  AppendFailedError, BlockDecodeError, FeedAlreadyAddedError, FeedNotWritableError, FeedStoreClosedError,
  InvalidFeedKeyError, InvalidOptionError, InvalidTimeframeError, MessageTooLargeError, ReaderClosedError,
  WriterClosedError, WriterExistsError
} from './feed-errors'
export { FEED_KEY_BYTES, type FeedId, type FeedKeyLike, MAX_TIMEFRAME_LENGTH, Timeframe, feedId } from './timeframe'
export { type DecodedFeedBlock, decodeFeedBlock, encodeFeedBlock, framedSize, varintSize } from './feed-block'
export { Feed, type KeyPair, RECENT_APPENDED_BYTES, feedKeyFromSigner } from './feed'
export { FeedStore, type FeedReservation, type FeedStoreEvents } from './feed-store'
export {
  DEFAULT_MAX_BLOCK_BYTES, FeedWriter, type FeedWriterOptions, MIN_MAX_BLOCK_BYTES, type Position
} from './feed-writer'
export { type HeadCandidate, type Selector, causalSelector, compareCandidates, defaultSelector } from './selector'
export {
  type AddFeedOptions, type DecodeErrorEvent, type FeedProgress, FeedReader, type FeedReaderEvents,
  type FeedReaderOptions, type ReadBlock, type ReadErrorEvent, type ReadMessage, type RejectedMessage
} from './feed-reader'
