// Invites and keys carry google.protobuf Timestamp and Duration fields (expire_time, expires_in):
// the conversions to and from Date and milliseconds, so a client needs no import of its own from
// @bufbuild/protobuf (which a strict package manager would not let it reach).
export {
  durationFromMs,
  durationMs,
  timestampDate,
  timestampFromDate,
  timestampFromMs,
  timestampMs,
  type Duration,
  type Timestamp,
} from '@bufbuild/protobuf/wkt';
