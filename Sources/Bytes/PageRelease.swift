#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Owners of read-only file mappings, whose resident pages can be dropped at any time: touched again, they are
/// re-read from the file. Streaming a mapped model through RSS-bounded work (conversion, dequantization)
/// releases each range once consumed. Heap owners never conform — dropping their pages would zero the data.
public protocol PageReleasable: AnyObject {
    /// Drops the resident pages that `bytes` (a range inside this mapping) covers.
    func releasePages(_ bytes: UnsafeRawBufferPointer)
}

extension ByteView {
    /// Drops the resident pages of `bytes` (a range inside this view) when the view's owner is a read-only
    /// file mapping; does nothing for heap memory.
    public func releasePages(_ bytes: UnsafeRawBufferPointer) {
        (owner as? PageReleasable)?.releasePages(bytes)
    }
}

/// For `PageReleasable` owners: `madvise(MADV_DONTNEED)` on the pages of `bytes` clamped to `mapping`. Partial pages at either end are
/// included: on a read-only file mapping a dropped neighbour is simply re-read.
public func dropResidentPages(_ bytes: UnsafeRawBufferPointer, of mapping: UnsafeRawBufferPointer) {
    #if canImport(Glibc)
    guard let start = bytes.baseAddress, let base = mapping.baseAddress, !bytes.isEmpty else { return }
    let lower = max(start, base)
    let upper = min(start + bytes.count, base + mapping.count)
    guard upper > lower else { return }
    let page = Int(sysconf(Int32(_SC_PAGESIZE)))
    let alignedLower = Int(bitPattern: lower) / page * page
    guard let pointer = UnsafeMutableRawPointer(bitPattern: alignedLower) else { return }
    _ = madvise(pointer, Int(bitPattern: upper) - alignedLower, MADV_DONTNEED)
    #endif
}
