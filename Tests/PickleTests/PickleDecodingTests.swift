import Bytes
import Testing
@testable import Pickle

@Suite struct PickleDecodingTests {
    private func root(_ view: ByteView, options: PickleOptions = .init()) throws -> PickleValue {
        try PickleReader.read(view, options: options).root
    }

    @Test func scalars() throws {
        #expect(try root(pickle(Op.none)) == .none)
        #expect(try root(pickle(Op.newTrue)) == .bool(true))
        #expect(try root(pickle(Op.newFalse)) == .bool(false))
        #expect(try root(pickle(Op.int(-123_456)) ) == .int(-123_456))
        #expect(try root(pickle(Op.int1(255))) == .int(255))
        #expect(try root(pickle(Op.int2(65535))) == .int(65535))
        #expect(try root(pickle(Op.long1(-1))) == .int(-1))
        #expect(try root(pickle(Op.long1(Int.min))) == .int(Int.min))
        #expect(try root(pickle(Op.long1(raw: []))) == .int(0))
        #expect(try root(pickle(Op.float(-2.5e-8))) == .float(-2.5e-8))
    }

    @Test func integersBeyond64BitsKeepTheirDigits() throws {
        // 2**70 as Python writes it: LONG1 with 9 bytes.
        let twoTo70 = try root(pickle(Op.long1(raw: [0, 0, 0, 0, 0, 0, 0, 0, 0x40])))
        guard case let .bigInt(big) = twoTo70 else { Issue.record("expected a big int, got \(twoTo70)"); return }
        #expect(big.description == "1180591620717411303424")
        #expect(big.intValue == nil)
        // -(2**70) and LONG4.
        let negative = try root(pickle([0x8B, 9, 0, 0, 0] + [0, 0, 0, 0, 0, 0, 0, 0, 0xC0]))
        #expect((negative == .bigInt(PickleBigInt(littleEndianTwosComplement: [0, 0, 0, 0, 0, 0, 0, 0, 0xC0]))))
        if case let .bigInt(value) = negative { #expect(value.description == "-1180591620717411303424") }
        // 2**64 - 1 needs 9 bytes (a zero sign byte) and does not fit an Int.
        let max64 = try root(pickle(Op.long1(raw: [UInt8](repeating: 0xFF, count: 8) + [0])))
        if case let .bigInt(value) = max64 { #expect(value.description == "18446744073709551615") } else {
            Issue.record("expected a big int, got \(max64)")
        }
    }

    @Test func stringsAndBytes() throws {
        #expect(try root(pickle(Op.unicode("héllo ✓"))) == .string("héllo ✓"))
        #expect(try root(pickle(Op.shortUnicode("abc"))) == .string("abc"))
        #expect(try root(pickle(Op.unicode8("eight"))) == .string("eight"))
        // Python 2 str: torch reads it as latin1, one code point per byte.
        #expect(try root(pickle(Op.shortBinString([0x61, 0xE9]))) == .string("aé"))
        #expect(try root(pickle([0x54, 2, 0, 0, 0, 0x68, 0x69])) == .string("hi"))
        #expect(try root(pickle(Op.shortBinBytes([0, 255]))) == .bytes([0, 255]))
        #expect(try root(pickle(Op.binBytes([1, 2, 3]))) == .bytes([1, 2, 3]))
        #expect(try root(pickle([0x8E] + [2, 0, 0, 0, 0, 0, 0, 0] + [9, 8])) == .bytes([9, 8]))
    }

    @Test func tuplesListsDictsAndSets() throws {
        #expect(try root(pickle(Op.emptyTuple)) == .tuple([]))
        #expect(try root(pickle(Op.int1(1), Op.tuple1)) == .tuple([.int(1)]))
        #expect(try root(pickle(Op.int1(1), Op.int1(2), Op.tuple2)) == .tuple([.int(1), .int(2)]))
        #expect(try root(pickle(Op.int1(1), Op.int1(2), Op.int1(3), Op.tuple3)) == .tuple([.int(1), .int(2), .int(3)]))
        #expect(try root(pickle(Op.emptyList, Op.int1(1), Op.append, Op.mark, Op.int1(2), Op.int1(3), Op.appends))
                == .list([.int(1), .int(2), .int(3)]))
        #expect(try root(pickle(Op.mark, Op.none, Op.newTrue, Op.list)) == .list([.none, .bool(true)]))
        let dict = try root(pickle(Op.emptyDict, Op.unicode("a"), Op.int1(1), Op.setItem,
                                   Op.mark, Op.int1(7), Op.none, Op.emptyTuple, Op.unicode("t"), Op.setItems))
        #expect(dict == .dict(PickleDict(entries: [
            .init(key: .string("a"), value: .int(1)), .init(key: .int(7), value: .none),
            .init(key: .tuple([]), value: .string("t")),
        ])))
        #expect(try root(pickle(Op.mark, Op.unicode("k"), Op.int1(2), Op.dict))
                == .dict(PickleDict(entries: [.init(key: .string("k"), value: .int(2))])))
        #expect(try root(pickle(Op.emptySet, Op.mark, Op.int1(1), Op.int1(2), Op.addItems)) == .set([.int(1), .int(2)]))
        #expect(try root(pickle(Op.mark, Op.int1(4), Op.frozenSet)) == .frozenSet([.int(4)]))
    }

    @Test func stackManipulation() throws {
        #expect(try root(pickle(Op.int1(1), Op.int1(2), Op.pop)) == .int(1))
        #expect(try root(pickle(Op.int1(1), Op.mark, Op.int1(2), Op.int1(3), Op.popMark)) == .int(1))
        // POP on an empty segment discards the MARK, as Python does.
        #expect(try root(pickle(Op.int1(1), Op.mark, Op.pop)) == .int(1))
        #expect(try root(pickle(Op.int1(5), Op.dup, Op.tuple2)) == .tuple([.int(5), .int(5)]))
    }

    @Test func memoSharesMutableContainersLikePython() throws {
        // d = {}; memo[0] = d; outer = [d, d] with d filled after it was memoised.
        let value = try root(pickle(Op.emptyList, Op.put(1), Op.emptyDict, Op.put(0), Op.unicode("x"), Op.int1(1),
                                    Op.setItem, Op.append, Op.get(0), Op.append))
        let filled = PickleValue.dict(PickleDict(entries: [.init(key: .string("x"), value: .int(1))]))
        #expect(value == .list([filled, filled]))
        #expect(try root(pickle(Op.int1(9), Op.longPut(70_000), Op.pop, Op.longGet(70_000))) == .int(9))
        #expect(try root(pickle(Op.int1(3), Op.memoize, Op.pop, Op.get(0))) == .int(3))
    }

    @Test func protocol4FramesAndStackGlobal() throws {
        let view = rawPickle(Op.proto(4), Op.frame(30), Op.shortUnicode("collections"), Op.memoize,
                             Op.shortUnicode("OrderedDict"), Op.memoize, Op.stackGlobal, Op.memoize, Op.emptyTuple,
                             Op.reduce, Op.shortUnicode("k"), Op.int1(1), Op.setItem, Op.stop)
        let document = try PickleReader.read(view)
        #expect(document.protocolVersion == 4)
        #expect(document.endOffset == view.count)
        #expect(document.root == .dict(PickleDict(entries: [.init(key: .string("k"), value: .int(1))])))
    }

    @Test func consecutivePicklesAreReadFromTheirOffsets() throws {
        let first = Op.proto(2) + Op.int2(1001) + Op.stop
        let second = Op.proto(2) + Op.unicode("next") + Op.stop
        let view = ByteView(copying: first + second)
        let one = try PickleReader.read(view)
        #expect(one.root == .int(1001) && one.endOffset == first.count)
        let two = try PickleReader.read(view, at: one.endOffset)
        #expect(two.root == .string("next") && two.endOffset == view.count)
    }

    @Test func cyclesBecomeMarkersInsteadOfHanging() throws {
        // l = []; l.append(l)
        #expect(try root(pickle(Op.emptyList, Op.put(0), Op.get(0), Op.append)) == .list([.cycle]))
        // d = {}; d['self'] = d
        #expect(try root(pickle(Op.emptyDict, Op.put(0), Op.unicode("self"), Op.get(0), Op.setItem))
                == .dict(PickleDict(entries: [.init(key: .string("self"), value: .cycle)])))
        // a = []; b = [a]; a.append(b)
        #expect(try root(pickle(Op.emptyList, Op.put(0), Op.emptyList, Op.get(0), Op.append, Op.append))
                == .list([.list([.cycle])]))
    }

    @Test func opaqueObjectsRecordTheirConstruction() throws {
        // argparse.Namespace via NEWOBJ + BUILD, as Megatron writes `args`.
        let value = try root(pickle(Op.global("argparse", "Namespace"), Op.emptyTuple, Op.newObj,
                                    Op.emptyDict, Op.unicode("hidden_size"), Op.int2(1024), Op.setItem, Op.build))
        guard case let .object(object) = value else { Issue.record("expected an object, got \(value)"); return }
        #expect(object.symbol == PickleGlobal(module: "argparse", name: "Namespace"))
        #expect(object.construction == .newObject && object.args.isEmpty)
        #expect(object.state?.dictValue?["hidden_size"] == .int(1024))
        // NEWOBJ_EX keeps keyword arguments.
        let ex = try root(pickle(Op.global("pathlib", "PosixPath"), Op.unicode("/a"), Op.tuple1,
                                 Op.emptyDict, Op.unicode("k"), Op.none, Op.setItem, Op.newObjEx))
        guard case let .object(made) = ex else { Issue.record("expected an object, got \(ex)"); return }
        #expect(made.args == [.string("/a")] && made.kwargs?["k"] == PickleValue.none)
    }

    @Test func python2BuiltinNamesAreNormalised() throws {
        let value = try root(pickle(Op.global("__builtin__", "set"), Op.emptyList, Op.int1(1), Op.append, Op.tuple1,
                                    Op.reduce))
        #expect(value == .set([.int(1)]))
    }
}
