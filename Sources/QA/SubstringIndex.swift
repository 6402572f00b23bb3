/// Answers "where does this pattern first occur in the text?" in O(pattern × log text) after an O(n log n) build.
///
/// A suffix array (prefix doubling with counting sorts, so memory stays a few `Int32`s per scalar) finds the
/// block of suffixes that start with the pattern; a minimum segment tree over that array gives the earliest
/// of them. `FinalTextProjector` uses it when many answer candidates search the same very long word, where a
/// scan per candidate would be quadratic.
struct SubstringIndex {
    let text: [Unicode.Scalar]
    /// Segment tree over the suffix array: leaves `minima[n + rank]` are suffix starts, inner nodes their minimum.
    private let minima: [Int32]

    init(_ text: [Unicode.Scalar]) {
        self.text = text
        let suffixes = Self.suffixArray(text)
        let n = suffixes.count
        var minima = [Int32](repeating: 0, count: 2 * n)
        for rank in 0..<n { minima[n + rank] = suffixes[rank] }
        if n > 1 {
            for node in stride(from: n - 1, through: 1, by: -1) { minima[node] = min(minima[2 * node], minima[2 * node + 1]) }
        }
        self.minima = minima
    }

    /// The smallest `i` with `text[i..<(i + pattern.count)] == pattern`, or nil; 0 for an empty pattern.
    func firstOccurrence(of pattern: [Unicode.Scalar]) -> Int? {
        let n = text.count
        if pattern.isEmpty { return 0 }
        // Suffixes are sorted, so those starting with `pattern` form one block [lower, upper).
        let lower = partitionPoint { compare(suffix: $0, with: pattern) >= 0 }
        let upper = partitionPoint { compare(suffix: $0, with: pattern) > 0 }
        guard lower < upper else { return nil }
        var earliest = Int32.max
        var left = lower + n
        var right = upper + n
        while left < right {
            if left & 1 == 1 { earliest = min(earliest, minima[left]); left += 1 }
            if right & 1 == 1 { right -= 1; earliest = min(earliest, minima[right]) }
            left >>= 1
            right >>= 1
        }
        return Int(earliest)
    }

    /// The first suffix rank for which `predicate` holds (it must be false then true along the ranks).
    private func partitionPoint(_ predicate: (Int) -> Bool) -> Int {
        let n = text.count
        var low = 0
        var high = n
        while low < high {
            let middle = (low + high) / 2
            if predicate(Int(minima[n + middle])) { high = middle } else { low = middle + 1 }
        }
        return low
    }

    /// The order of the suffix at `start`, cut to the pattern's length, against the pattern (a shorter suffix
    /// that is a prefix of the pattern sorts first, as in the suffix array).
    private func compare(suffix start: Int, with pattern: [Unicode.Scalar]) -> Int {
        for offset in 0..<pattern.count {
            guard start + offset < text.count else { return -1 }
            let a = text[start + offset].value
            let b = pattern[offset].value
            if a != b { return a < b ? -1 : 1 }
        }
        return 0
    }

    /// Suffix starts sorted by scalar value, a suffix before its extensions: ranks of prefixes of length k are
    /// doubled to 2k by a stable counting sort on (rank of the first half, rank of the second half).
    static func suffixArray(_ text: [Unicode.Scalar]) -> [Int32] {
        let n = text.count
        guard n > 0 else { return [] }
        let alphabet = Set(text.map(\.value)).sorted()
        var code: [UInt32: Int32] = [:]
        for (index, value) in alphabet.enumerated() { code[value] = Int32(index) }
        var rank = text.map { code[$0.value]! }
        var classes = alphabet.count
        var counts = [Int32](repeating: 0, count: max(classes, n) + 1)
        var suffixes = [Int32](repeating: 0, count: n)
        var scratch = [Int32](repeating: 0, count: n)

        func sortByRank(_ order: [Int32], into result: inout [Int32]) {
            for i in 0..<classes { counts[i] = 0 }
            for i in 0..<n { counts[Int(rank[i])] += 1 }
            var total: Int32 = 0
            for i in 0..<classes { let count = counts[i]; counts[i] = total; total += count }
            for suffix in order {
                let r = Int(rank[Int(suffix)])
                result[Int(counts[r])] = suffix
                counts[r] += 1
            }
        }

        sortByRank(Array(0..<Int32(n)), into: &suffixes)
        var length = 1
        while classes < n {
            // Order by the second half's rank: suffixes without a second half first, then the rest in the
            // current order of their second halves.
            var secondHalf = [Int32]()
            secondHalf.reserveCapacity(n)
            for start in max(0, n - length)..<n { secondHalf.append(Int32(start)) }
            for suffix in suffixes where Int(suffix) >= length { secondHalf.append(suffix - Int32(length)) }
            sortByRank(secondHalf, into: &suffixes)

            func secondRank(_ start: Int) -> Int32 { start + length < n ? rank[start + length] : -1 }
            scratch[Int(suffixes[0])] = 0
            classes = 1
            for index in 1..<n {
                let previous = Int(suffixes[index - 1])
                let current = Int(suffixes[index])
                if rank[previous] != rank[current] || secondRank(previous) != secondRank(current) { classes += 1 }
                scratch[current] = Int32(classes - 1)
            }
            swap(&rank, &scratch)
            length *= 2
        }
        return suffixes
    }
}
