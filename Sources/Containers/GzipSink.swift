/// Streaming gzip compression as a `ByteSink`, with a level that can change between members.
import Bytes
import CZlib

/// Compresses what is written to it into `downstream` as one gzip member; call `finish()` at the end.
///
/// The level can change mid-stream (`setLevel`): EFF writers store ciphertext with level 0, because
/// deflate cannot shrink random bytes and spends most of its time trying (gzip -9 takes over a minute on
/// a 1.3 GB ciphertext for a 0.0 % gain), while the small clear members still get compressed.
public final class GzipSink: ByteSink {
    /// Fast and still useful on text; the default for clear data.
    public static let defaultLevel: Int32 = 6
    /// Stored blocks: about 5 bytes per 64 KiB of overhead, memcpy speed. For incompressible data.
    public static let storedLevel: Int32 = 0

    private let downstream: ByteSink
    private let stream: UnsafeMutablePointer<z_stream>
    private let output: UnsafeMutableRawBufferPointer
    private var finished = false

    public init(downstream: ByteSink, level: Int32 = GzipSink.defaultLevel, outputChunkSize: Int = 1 << 20) throws(GzipError) {
        self.downstream = downstream
        output = .allocate(byteCount: outputChunkSize, alignment: 64)
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let code = deflateInit2_(stream, level, Z_DEFLATED, 16 + 15, 8, Z_DEFAULT_STRATEGY, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard code == Z_OK else {
            output.deallocate()
            stream.deallocate()
            throw .zlibFailure(operation: "deflateInit2", code: code)
        }
    }

    deinit {
        deflateEnd(stream)
        stream.deallocate()
        output.deallocate()
    }

    /// Runs deflate until it has consumed the pending input (or, for `Z_FINISH`, written the trailer).
    private func drive(flush: Int32) throws {
        while true {
            stream.pointee.next_out = output.baseAddress!.assumingMemoryBound(to: Bytef.self)
            stream.pointee.avail_out = uInt(output.count)
            let code = deflate(stream, flush)
            guard code == Z_OK || code == Z_STREAM_END || code == Z_BUF_ERROR else {
                throw GzipError.zlibFailure(operation: "deflate", code: code)
            }
            let produced = output.count - Int(stream.pointee.avail_out)
            if produced > 0 { try downstream.write(UnsafeRawBufferPointer(rebasing: output[..<produced])) }
            if flush == Z_FINISH ? code == Z_STREAM_END : (stream.pointee.avail_in == 0 && stream.pointee.avail_out > 0) {
                return
            }
        }
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        precondition(!finished, "GzipSink written after finish()")
        var rest = bytes
        while !rest.isEmpty {
            let step = min(rest.count, Int(UInt32.max >> 1))
            stream.pointee.next_in = UnsafeMutablePointer(mutating: rest.baseAddress!.assumingMemoryBound(to: Bytef.self))
            stream.pointee.avail_in = uInt(step)
            try drive(flush: Z_NO_FLUSH)
            rest = UnsafeRawBufferPointer(rebasing: rest[step...])
        }
    }

    /// Switches the compression level for what is written next (already written data keeps its level).
    public func setLevel(_ level: Int32) throws {
        while true {
            stream.pointee.next_out = output.baseAddress!.assumingMemoryBound(to: Bytef.self)
            stream.pointee.avail_out = uInt(output.count)
            let code = deflateParams(stream, level, Z_DEFAULT_STRATEGY)
            let produced = output.count - Int(stream.pointee.avail_out)
            if produced > 0 { try downstream.write(UnsafeRawBufferPointer(rebasing: output[..<produced])) }
            if code == Z_OK { return }
            // Z_BUF_ERROR: the pending block did not fit; retry with fresh output space (if any was used).
            guard code == Z_BUF_ERROR, produced > 0 else { throw GzipError.zlibFailure(operation: "deflateParams", code: code) }
        }
    }

    /// Writes the last block and the CRC-32/length trailer.
    public func finish() throws {
        guard !finished else { return }
        stream.pointee.next_in = nil
        stream.pointee.avail_in = 0
        try drive(flush: Z_FINISH)
        finished = true
    }
}
