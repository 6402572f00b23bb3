/// Integers wider than 64 bits, kept as pickle wrote them (little-endian two's complement).
///
/// Nothing in a checkpoint computes with them; they only need to compare equal and print in decimal.
public struct PickleBigInt: Sendable, Hashable, CustomStringConvertible {
    /// Little-endian two's complement with redundant sign bytes removed.
    public let bytes: [UInt8]

    public init(littleEndianTwosComplement raw: [UInt8]) {
        var trimmed = raw
        while trimmed.count > 1 {
            let last = trimmed[trimmed.count - 1], previous = trimmed[trimmed.count - 2]
            let redundant = (last == 0x00 && previous & 0x80 == 0) || (last == 0xFF && previous & 0x80 != 0)
            guard redundant else { break }
            trimmed.removeLast()
        }
        bytes = trimmed
    }

    public var isNegative: Bool { (bytes.last ?? 0) & 0x80 != 0 }

    /// The value as an Int when it fits in 64 bits.
    public var intValue: Int? {
        guard bytes.count <= 8 else { return nil }
        var value: UInt64 = isNegative ? ~0 : 0
        for (i, byte) in bytes.enumerated() {
            value &= ~(UInt64(0xFF) << (8 * UInt64(i)))
            value |= UInt64(byte) << (8 * UInt64(i))
        }
        return Int(Int64(bitPattern: value))
    }

    /// Decimal digits, computed by repeated division of the magnitude by 10^9.
    public var description: String {
        var magnitude = bytes
        if isNegative {
            // Two's complement negation: invert and add one.
            var carry = 1
            for i in magnitude.indices {
                let sum = Int(~magnitude[i]) + carry
                magnitude[i] = UInt8(truncatingIfNeeded: sum)
                carry = sum >> 8
            }
        }
        // Big-endian 32-bit limbs (most significant first) for schoolbook long division.
        while magnitude.count % 4 != 0 { magnitude.append(0) }
        var limbs: [UInt32] = []
        for base in stride(from: magnitude.count - 4, through: 0, by: -4) {
            var limb: UInt32 = 0
            for index in stride(from: base + 3, through: base, by: -1) { limb = limb << 8 | UInt32(magnitude[index]) }
            limbs.append(limb)
        }
        var chunks: [UInt32] = []
        while limbs.contains(where: { $0 != 0 }) {
            var remainder: UInt64 = 0
            for k in limbs.indices {
                let current = remainder << 32 | UInt64(limbs[k])
                limbs[k] = UInt32(current / 1_000_000_000)
                remainder = current % 1_000_000_000
            }
            chunks.append(UInt32(remainder))
        }
        guard let top = chunks.last else { return "0" }
        var text = (isNegative ? "-" : "") + String(top)
        for chunk in chunks.dropLast().reversed() {
            let digits = String(chunk)
            text += String(repeating: "0", count: 9 - digits.count) + digits
        }
        return text
    }
}
