/// What can be wrong with a gzip stream.
import Bytes

public enum GzipError: DecantError, Equatable {
    /// The input ended inside a gzip member (a partial download or copy).
    case truncated(compressedBytes: Int)
    /// zlib rejected the bytes: a bad header, a bad deflate block, or a CRC-32/length trailer mismatch.
    case corrupt(reason: String, compressedOffset: Int)
    /// The stream inflates past `InflationLimit`: `inflated` bytes out of the first `compressed` bytes (a bomb).
    case inflationLimitExceeded(inflated: Int, compressed: Int, limit: InflationLimit)
    /// zlib failed for a reason that is not the input's fault (out of memory, bad parameters).
    case zlibFailure(operation: String, code: Int32)

    public var description: String {
        switch self {
        case let .truncated(compressedBytes):
            return "truncated gzip stream: it ends inside a member after \(compressedBytes) compressed bytes"
        case let .corrupt(reason, compressedOffset):
            return "corrupt gzip stream near compressed byte \(compressedOffset): \(reason)"
        case let .inflationLimitExceeded(inflated, compressed, limit):
            return "gzip stream inflates to \(inflated) bytes from its first \(compressed) compressed bytes, past the limit of "
                + "\(limit.ratio) × compressed + \(limit.allowance) = \(limit.maximumOutput(compressed: compressed)) bytes "
                + "(InflationLimit): refused as a decompression bomb"
        case let .zlibFailure(operation, code):
            return "zlib \(operation) failed with code \(code)"
        }
    }
}
