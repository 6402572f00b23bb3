/// Streaming gzip decompression as a `ByteSource`: inflates straight into the reader's buffer.
import Bytes
import CZlib

/// How far one gzip input may inflate: at every point of the stream, the bytes out may be at most `ratio` times the
/// compressed bytes consumed so far, plus `allowance`.
///
/// Deflate can expand 1 byte into 1,032, so without a rule a 3 MB tar.gz of zeros costs a pass over 3 GB however its
/// members are skipped. Real inputs are far from the ratio: checkpoint weights deflate about 1.1:1 and text 3–4:1, so
/// the 1.34 GB Megatron-BERT 345M `.nemo.tar.gz` (≈ 1.24 GB compressed) may inflate to ≈ 41 GB, 30 times its size.
/// The allowance covers small or zero-heavy streams and the start of any stream (a fully zeroed 345M checkpoint
/// still fits within 1 GiB + 32 × its ≈ 1.3 MB of deflate), and costs a bomb about a second of inflating at most.
/// The rule holds for every prefix, so it is checked as the bytes arrive, without knowing the input's size.
public struct InflationLimit: Sendable, Equatable {
    /// Bytes out per compressed byte consumed.
    public var ratio: Int
    /// Bytes out on top of `ratio` × the compressed bytes.
    public var allowance: Int

    public init(ratio: Int = 32, allowance: Int = 1 << 30) {
        self.ratio = ratio
        self.allowance = allowance
    }

    /// The most bytes `compressed` compressed bytes may inflate to (saturating).
    public func maximumOutput(compressed: Int) -> Int {
        let (scaled, o1) = max(compressed, 0).multipliedReportingOverflow(by: ratio)
        let (total, o2) = scaled.addingReportingOverflow(allowance)
        return o1 || o2 ? Int.max : total
    }
}

/// Yields the decompressed bytes of a gzip stream, member after member (`cat a.gz b.gz` is one valid stream).
///
/// Truncation and corruption (including a CRC-32 or length mismatch in a member trailer) raise `GzipError`
/// at the read where they are found, so a consumer never silently sees a short stream.
///
/// `verifiesChecksum: false` skips the CRC-32 and length trailers (zlib's `inflateValidate`), for a pass that
/// only looks for headers and is followed by a checked one: the CRC is most of the cost of inflating stored
/// blocks. Broken deflate data still throws.
public final class GunzipSource: ByteSource {
    private let upstream: ByteSource
    private let stream: UnsafeMutablePointer<z_stream>
    private let input: UnsafeMutableRawBufferPointer
    private var upstreamEnded = false
    private var memberEnded = false
    /// Compressed bytes handed to zlib so far (for error positions).
    public private(set) var compressedCount = 0
    /// Decompressed bytes returned so far.
    public private(set) var inflatedCount = 0
    public let limit: InflationLimit

    public init(upstream: ByteSource, inputChunkSize: Int = 1 << 20, verifiesChecksum: Bool = true,
                limit: InflationLimit = InflationLimit()) throws(GzipError) {
        self.upstream = upstream
        self.limit = limit
        input = .allocate(byteCount: inputChunkSize, alignment: 64)
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        // 16 + 15: a gzip wrapper and the largest window.
        let code = inflateInit2_(stream, 16 + 15, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard code == Z_OK else {
            input.deallocate()
            stream.deallocate()
            throw .zlibFailure(operation: "inflateInit2", code: code)
        }
        if !verifiesChecksum {
            let code = inflateValidate(stream, 0)
            guard code == Z_OK else {
                inflateEnd(stream)
                input.deallocate()
                stream.deallocate()
                throw .zlibFailure(operation: "inflateValidate", code: code)
            }
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deallocate()
        input.deallocate()
    }

    /// Where the next unconsumed compressed byte sits in the input.
    private var compressedOffset: Int { compressedCount - Int(stream.pointee.avail_in) }

    private func refill() throws {
        guard stream.pointee.avail_in == 0, !upstreamEnded else { return }
        let n = try upstream.read(into: input)
        if n == 0 {
            upstreamEnded = true
            return
        }
        compressedCount += n
        stream.pointee.next_in = input.baseAddress!.assumingMemoryBound(to: Bytef.self)
        stream.pointee.avail_in = uInt(n)
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        // zlib counts in 32 bits; a short read is fine for a source.
        let capacity = min(buffer.count, Int(UInt32.max >> 1))
        while true {
            try refill()
            if memberEnded {
                // Another member may follow; only the end of the input ends the stream.
                if stream.pointee.avail_in == 0 && upstreamEnded { return 0 }
                let code = inflateReset(stream)
                guard code == Z_OK else { throw GzipError.zlibFailure(operation: "inflateReset", code: code) }
                memberEnded = false
                continue
            }
            if stream.pointee.avail_in == 0 && upstreamEnded { throw GzipError.truncated(compressedBytes: compressedCount) }
            stream.pointee.next_out = base.assumingMemoryBound(to: Bytef.self)
            stream.pointee.avail_out = uInt(capacity)
            let code = inflate(stream, Z_NO_FLUSH)
            let produced = capacity - Int(stream.pointee.avail_out)
            switch code {
            case Z_STREAM_END:
                memberEnded = true
            case Z_OK, Z_BUF_ERROR:
                break
            case Z_DATA_ERROR, Z_NEED_DICT:
                let reason = stream.pointee.msg.map { String(cString: $0) } ?? "invalid deflate data"
                throw GzipError.corrupt(reason: reason, compressedOffset: compressedOffset)
            default:
                throw GzipError.zlibFailure(operation: "inflate", code: code)
            }
            if produced > 0 {
                inflatedCount += produced
                guard inflatedCount <= limit.maximumOutput(compressed: compressedOffset) else {
                    throw GzipError.inflationLimitExceeded(inflated: inflatedCount, compressed: compressedOffset, limit: limit)
                }
                return produced
            }
        }
    }
}
