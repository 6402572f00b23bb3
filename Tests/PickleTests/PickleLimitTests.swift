import Bytes
import Testing
@testable import Pickle

/// Malformed and hostile pickles: each fails with its own typed error, promptly, without crashing.
@Suite struct PickleLimitTests {
    private func read(_ view: ByteView, _ options: PickleOptions = .init()) throws -> PickleValue {
        try PickleReader.read(view, options: options).root
    }

    private func limit(_ view: ByteView, _ options: PickleOptions = .init()) -> PickleLimit? {
        do {
            _ = try read(view, options)
            return nil
        } catch let PickleError.limitExceeded(limit, _, _) {
            return limit
        } catch {
            return nil
        }
    }

    @Test func deepListNestingHitsTheNestingLimit() {
        // 100k EMPTY_LISTs, then 100k APPENDs fold them into one 100k-deep list.
        let depth = 100_000
        let view = pickle([UInt8](repeating: 0x5D, count: depth), [UInt8](repeating: 0x61, count: depth - 1))
        #expect(limit(view) == .nestingDepth)
    }

    @Test func deepMarkNestingHitsTheMarkLimit() {
        let view = pickle([UInt8](repeating: 0x28, count: 100_000), [UInt8](repeating: 0x6C, count: 100_000))
        #expect(limit(view) == .markDepth)
    }

    @Test func nestingJustUnderTheLimitIsFine() throws {
        let depth = PickleOptions().maxNestingDepth
        let view = pickle([UInt8](repeating: 0x5D, count: depth), [UInt8](repeating: 0x61, count: depth - 1))
        var value = try read(view)
        var levels = 1
        while case let .list(items) = value, let first = items.first { value = first; levels += 1 }
        #expect(levels == depth)
    }

    @Test func dupBombHitsTheStackLimit() {
        let view = pickle(Op.none, [UInt8](repeating: 0x32, count: 1_100_000))
        #expect(limit(view) == .stackDepth)
    }

    @Test func hugeMemoIndicesAreFineButManySlotsHitTheMemoLimit() throws {
        #expect(try read(pickle(Op.int1(1), Op.longPut(0xFFFF_FFFF), Op.pop, Op.longGet(0xFFFF_FFFF))) == .int(1))
        var body = Op.none
        for index in 0..<100 { body += Op.longPut(UInt32(index) * 1_000_003) }
        #expect(limit(pickle(body), PickleOptions(maxMemoEntries: 50)) == .memoEntries)
    }

    @Test func sharedSubtreeBombHitsTheTreeLimit() {
        // x = []; then 64 times x = [x, x]: 2**64 values when expanded, 130 opcodes when shared.
        var body = Op.emptyList
        for _ in 0..<64 { body += Op.put(0) + Op.get(0) + Op.tuple2 }
        #expect(limit(pickle(body)) == .treeValues)
    }

    @Test func forgedLengthsHitTheStringLimitBeforeAnyRead() {
        // BINUNICODE claiming 4 GB in a 10-byte file.
        #expect(limit(pickle([0x58, 0xFF, 0xFF, 0xFF, 0xFF]), .init()) == .stringBytes)
        #expect(limit(pickle([0x8E] + [UInt8](repeating: 0xFF, count: 8))) == .stringBytes)
        #expect(limit(pickle(Op.binBytes([1, 2, 3])), PickleOptions(maxStringBytes: 2)) == .stringBytes)
        #expect(limit(pickle([0x8B, 0, 0, 0, 1])) == .integerBytes)
    }

    @Test func operationAndTensorByteLimits() {
        #expect(limit(pickle([UInt8](repeating: 0x4E, count: 100)), PickleOptions(maxOperations: 50)) == .operations)
        let tensor = Op.tensor(storage: Op.storage(numel: 1 << 20), shape: [1 << 20], strides: [1])
        #expect(limit(pickle(tensor), PickleOptions(maxTotalTensorBytes: 1 << 21)) == .totalTensorBytes)
    }

    @Test func lengthsBeyondTheDataAreTruncations() {
        #expect {
            try read(pickle([0x58, 100, 0, 0, 0, 0x61]))
        } throws: { error in
            guard case let .truncated(inner) = error as? PickleError else { return false }
            return inner.needed == 100
        }
        // No STOP.
        #expect {
            try read(rawPickle(Op.proto(2), Op.none))
        } throws: { error in
            if case .truncated = error as? PickleError { return true }
            return false
        }
        #expect(throws: PickleError.negativeLength(opcode: "BINSTRING", length: -1, offset: 2)) {
            try read(pickle([0x54, 0xFF, 0xFF, 0xFF, 0xFF]))
        }
    }

    @Test func unknownAndUnsupportedOpcodes() {
        #expect(throws: PickleError.unknownOpcode(opcode: 0xFF, offset: 2)) { try read(pickle([0xFF])) }
        #expect(throws: PickleError.unsupportedOpcode(name: "INT", offset: 2)) { try read(pickle(Array("I1\n".utf8))) }
        #expect(throws: PickleError.unsupportedOpcode(name: "EXT1", offset: 2)) { try read(pickle([0x82, 1])) }
        #expect(throws: PickleError.unsupportedOpcode(name: "NEXT_BUFFER", offset: 2)) { try read(pickle([0x97])) }
        #expect(throws: PickleError.unsupportedOpcode(name: "INST", offset: 2)) { try read(pickle(Array("ios\nsystem\n".utf8))) }
        #expect(throws: PickleError.unsupportedProtocol(version: 6, offset: 0)) { try read(rawPickle(Op.proto(6), Op.none, Op.stop)) }
    }

    @Test func structuralErrorsNameTheOpcode() {
        #expect(throws: PickleError.stackUnderflow(opcode: "APPEND", offset: 2)) { try read(pickle(Op.append)) }
        #expect(throws: PickleError.stackUnderflow(opcode: "STOP", offset: 2)) { try read(pickle()) }
        #expect(throws: PickleError.missingMark(opcode: "TUPLE", offset: 3)) { try read(pickle(Op.none, Op.tuple)) }
        #expect(throws: PickleError.missingMemo(index: 7, offset: 2)) { try read(pickle(Op.get(7))) }
        #expect(throws: PickleError.wrongOperand(opcode: "APPEND", expected: "a list, set or object", found: "dict",
                                                 offset: 4)) {
            try read(pickle(Op.emptyDict, Op.none, Op.append))
        }
        #expect(throws: PickleError.wrongOperand(opcode: "SETITEMS", expected: "key/value pairs", found: "1 values",
                                                 offset: 5)) {
            try read(pickle(Op.emptyDict, Op.mark, Op.none, Op.setItems))
        }
        #expect(throws: PickleError.wrongOperand(opcode: "STACK_GLOBAL", expected: "two strings", found: "int and int",
                                                 offset: 6)) {
            try read(pickle(Op.int1(1), Op.int1(2), Op.stackGlobal))
        }
        #expect(throws: PickleError.wrongOperand(opcode: "REDUCE", expected: "an argument tuple", found: "None",
                                                 offset: 28)) {
            try read(pickle(Op.global("collections", "OrderedDict"), Op.none, Op.reduce))
        }
        #expect(throws: PickleError.invalidUTF8(opcode: "SHORT_BINUNICODE", offset: 2)) {
            try read(pickle([0x8C, 1, 0xFF]))
        }
        #expect(throws: PickleError.invalidGlobalName(offset: 2)) { try read(pickle([0x63, 0x01, 0x0A, 0x61, 0x0A])) }
    }

    @Test func everyTruncationOfARealPickleFailsCleanly() {
        let full = Op.proto(2) + Op.global("collections", "OrderedDict") + Op.emptyTuple + Op.reduce + Op.mark
            + Op.unicode("w") + Op.tensor(storage: Op.storage(numel: 6), shape: [2, 3], strides: [3, 1])
            + Op.setItems + Op.stop
        for cut in 0..<full.count {
            #expect(throws: PickleError.self) { try read(ByteView(copying: full[..<cut])) }
        }
        #expect((try? read(ByteView(copying: full))) != nil)
    }
}
