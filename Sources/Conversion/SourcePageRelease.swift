#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Tensors

/// Drops the resident pages of source tensors once every canonical tensor made from them is written, so that
/// converting a memory-mapped checkpoint keeps RSS near one tensor's worth instead of growing to the model's size.
///
/// `madvise(MADV_DONTNEED)` is only harmless on read-only file-backed mappings (the pages are re-read from the
/// file if touched again); on heap memory it would zero the data. The source's views may live in a mapped
/// file, in Checkpoint's mapped spool file, or in heap copies, so each range is looked up in
/// `/proc/self/maps` and released only when it lies inside a read-only mapping of a file.
struct SourcePageRelease {
    private struct Mapping {
        let start: UInt
        let end: UInt
    }

    /// Read-only file-backed mappings, sorted by start.
    private let mappings: [Mapping]
    /// For each plan index, the source tensors whose last use it is.
    private let releasedAfter: [Int: [TensorView]]

    init(plan: ConversionPlan) {
        var lastUse: [String: Int] = [:]
        for (index, tensor) in plan.tensors.enumerated() {
            for name in tensor.sourceNames { lastUse[name] = index }
        }
        var releasedAfter: [Int: [TensorView]] = [:]
        for (name, index) in lastUse {
            if let view = plan.sources[name] { releasedAfter[index, default: []].append(view) }
        }
        self.releasedAfter = releasedAfter
        mappings = SourcePageRelease.readOnlyFileMappings()
    }

    /// Releases the sources whose last canonical tensor was plan entry `index`.
    func release(after index: Int) {
        for view in releasedAfter[index] ?? [] {
            guard view.count > 0, let base = view.storage.buffer.baseAddress else { continue }
            var reach = 1
            for (size, stride) in zip(view.shape, view.strides) { reach += (size - 1) * stride }
            release(UnsafeRawBufferPointer(start: base + view.storageOffset * view.dtype.size, count: reach * view.dtype.size))
        }
    }

    /// Releases the whole pages inside `bytes` if they belong to a read-only file mapping.
    func release(_ bytes: UnsafeRawBufferPointer) {
        #if os(Linux)
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        let start = UInt(bitPattern: base)
        let end = start + UInt(bytes.count)
        guard mappings.contains(where: { $0.start <= start && end <= $0.end }) else { return }
        // Inward to whole pages: a partial page may still hold the neighbouring tensor's bytes.
        let page = UInt(sysconf(Int32(_SC_PAGESIZE)))
        let (alignedStart, alignedEnd) = ((start + page - 1) / page * page, end / page * page)
        guard alignedEnd > alignedStart else { return }
        _ = madvise(UnsafeMutableRawPointer(bitPattern: alignedStart), Int(alignedEnd - alignedStart), MADV_DONTNEED)
        #endif
    }

    /// Lines of `/proc/self/maps` look like `7f12a000-7f12b000 r--s 00000000 fd:01 1234   /path`; a non-zero inode
    /// and no `w` mean a read-only mapping of a file.
    private static func readOnlyFileMappings() -> [Mapping] {
        #if os(Linux)
        guard let text = try? String(contentsOfFile: "/proc/self/maps", encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 5, !fields[1].contains("w"), fields[4] != "0" else { return nil }
            let bounds = fields[0].split(separator: "-")
            guard bounds.count == 2, let start = UInt(bounds[0], radix: 16), let end = UInt(bounds[1], radix: 16) else { return nil }
            return Mapping(start: start, end: end)
        }
        #else
        return []
        #endif
    }
}
