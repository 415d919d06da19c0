export { EchoError } from './errors'
export { type Codec, type ProtobufType, protobufCodec } from './codec'
