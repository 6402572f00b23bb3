/// A read-only window on bytes that some owner keeps alive (a mapped file, an array, a buffer).
///
/// Views are how tensors stay zero-copy: slicing a view checks bounds and shares the owner.
public struct ByteView: @unchecked Sendable {
    /// Keeps the memory behind `buffer` alive.
    public let owner: AnyObject?
    public let buffer: UnsafeRawBufferPointer

    public init(owner: AnyObject?, buffer: UnsafeRawBufferPointer) {
        self.owner = owner
        self.buffer = buffer
    }

    /// Copies `bytes` into storage owned by the view.
    public init(copying bytes: some Collection<UInt8>) {
        let storage = ByteStorage(count: bytes.count)
        _ = UnsafeMutableRawBufferPointer(start: storage.pointer, count: bytes.count).initializeMemory(as: UInt8.self, from: bytes)
        self.owner = storage
        self.buffer = UnsafeRawBufferPointer(start: storage.pointer, count: bytes.count)
    }

    public static let empty = ByteView(owner: nil, buffer: UnsafeRawBufferPointer(start: nil, count: 0))

    public var count: Int { buffer.count }
    public var isEmpty: Bool { buffer.isEmpty }

    @inline(__always)
    public subscript(index: Int) -> UInt8 { buffer[index] }

    /// A sub-view; throws when `offset..<offset+length` leaves the view.
    public func slice(offset: Int, length: Int, context: @autoclosure () -> String = "slice") throws(TruncatedError) -> ByteView {
        guard offset >= 0, length >= 0, offset <= count, length <= count - offset else {
            throw TruncatedError(context: context(), offset: offset, needed: length, available: max(0, count - max(0, offset)))
        }
        guard length > 0 else { return ByteView(owner: owner, buffer: UnsafeRawBufferPointer(start: nil, count: 0)) }
        return ByteView(owner: owner, buffer: UnsafeRawBufferPointer(rebasing: buffer[offset..<(offset + length)]))
    }

    /// The bytes as an array (a copy: use for small things only).
    public var array: [UInt8] { [UInt8](buffer) }

    /// Whether the view starts with `prefix` at `offset`.
    public func matches(_ prefix: [UInt8], at offset: Int = 0) -> Bool {
        guard offset >= 0, offset + prefix.count <= count else { return false }
        for (i, byte) in prefix.enumerated() where buffer[offset + i] != byte { return false }
        return true
    }
}

/// Heap bytes with a stable address, the owner of copied views.
public final class ByteStorage: @unchecked Sendable {
    public let pointer: UnsafeMutableRawPointer
    public let count: Int

    public init(count: Int, alignment: Int = 64) {
        self.count = count
        self.pointer = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1), alignment: alignment)
    }

    deinit { pointer.deallocate() }

    public var view: ByteView {
        ByteView(owner: self, buffer: UnsafeRawBufferPointer(start: pointer, count: count))
    }

    public var mutableBuffer: UnsafeMutableRawBufferPointer {
        UnsafeMutableRawBufferPointer(start: pointer, count: count)
    }
}
