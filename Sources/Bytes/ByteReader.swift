/// A cursor over a `ByteView` that checks every read against the end.
public struct ByteReader: Sendable {
    public let view: ByteView
    public private(set) var offset: Int
    /// Named in truncation errors, e.g. "legacy torch stream".
    public var context: String

    public init(_ view: ByteView, offset: Int = 0, context: String = "data") {
        self.view = view
        self.offset = offset
        self.context = context
    }

    public var remaining: Int { view.count - offset }
    public var isAtEnd: Bool { offset >= view.count }

    @inline(__always)
    private mutating func advance(_ n: Int, _ what: String) throws(TruncatedError) -> Int {
        guard n >= 0, n <= view.count - offset else {
            throw TruncatedError(context: "\(context) \(what)", offset: offset, needed: n, available: max(0, view.count - offset))
        }
        let start = offset
        offset += n
        return start
    }

    public mutating func seek(to position: Int) throws(TruncatedError) {
        guard position >= 0, position <= view.count else {
            throw TruncatedError(context: "\(context) seek", offset: position, needed: 0, available: 0)
        }
        offset = position
    }

    public mutating func skip(_ n: Int, _ what: String = "bytes") throws(TruncatedError) {
        _ = try advance(n, what)
    }

    public mutating func bytes(_ n: Int, _ what: String = "bytes") throws(TruncatedError) -> ByteView {
        let start = try advance(n, what)
        return try view.slice(offset: start, length: n, context: "\(context) \(what)")
    }

    public mutating func u8(_ what: String = "u8") throws(TruncatedError) -> UInt8 {
        view[try advance(1, what)]
    }

    public mutating func u16(_ what: String = "u16") throws(TruncatedError) -> UInt16 {
        UInt16(littleEndian: load(try advance(2, what)))
    }

    public mutating func u32(_ what: String = "u32") throws(TruncatedError) -> UInt32 {
        UInt32(littleEndian: load(try advance(4, what)))
    }

    public mutating func u64(_ what: String = "u64") throws(TruncatedError) -> UInt64 {
        UInt64(littleEndian: load(try advance(8, what)))
    }

    public mutating func i32(_ what: String = "i32") throws(TruncatedError) -> Int32 {
        Int32(bitPattern: try u32(what))
    }

    public mutating func i64(_ what: String = "i64") throws(TruncatedError) -> Int64 {
        Int64(bitPattern: try u64(what))
    }

    /// A big-endian IEEE double (pickle's BINFLOAT).
    public mutating func f64BigEndian(_ what: String = "f64") throws(TruncatedError) -> Double {
        Double(bitPattern: UInt64(bigEndian: load(try advance(8, what))))
    }

    @inline(__always)
    private func load<T: FixedWidthInteger>(_ at: Int) -> T {
        view.buffer.loadUnaligned(fromByteOffset: at, as: T.self)
    }
}
