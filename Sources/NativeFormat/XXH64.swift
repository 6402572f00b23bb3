import CKernels

/// XXH64 (seed 0 unless given): the checksum of .decant headers and tensors — ~10× faster than SHA-256 and
/// strong enough for corruption detection (it is not a defence against deliberate tampering; provenance uses
/// SHA-256 in the metadata).
public struct XXH64: Sendable {
    private var state = decant_xxh64_state()

    public init(seed: UInt64 = 0) { decant_xxh64_reset(&state, seed) }

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress else { return }
        decant_xxh64_update(&state, base, bytes.count)
    }

    public func digest() -> UInt64 {
        var copy = state
        return decant_xxh64_digest(&copy)
    }

    public static func hash(_ bytes: UnsafeRawBufferPointer, seed: UInt64 = 0) -> UInt64 {
        decant_xxh64(bytes.baseAddress, bytes.count, seed)
    }
}
