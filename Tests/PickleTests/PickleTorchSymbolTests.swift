import Bytes
import Testing
@testable import Pickle

@Suite struct PickleTorchSymbolTests {
    private func root(_ view: ByteView, options: PickleOptions = .init()) throws -> PickleValue {
        try PickleReader.read(view, options: options).root
    }

    @Test func rebuildTensorV2BecomesALazyTensorReference() throws {
        let value = try root(pickle(Op.tensor(storage: Op.storage(numel: 12), offset: 4, shape: [2, 3], strides: [1, 2])))
        let expected = TorchTensorRef(
            storage: TorchStorageRef(key: "0", dtype: .float32, location: "cpu", numel: 12),
            storageOffset: 4, shape: [2, 3], strides: [1, 2], dtype: .float32)
        #expect(value == .tensor(expected))
        #expect(expected.byteCount == 24)
    }

    @Test func everyTypedStorageClassNamesItsDtype() throws {
        let table: [(String, TorchDType)] = [
            ("DoubleStorage", .float64), ("FloatStorage", .float32), ("HalfStorage", .float16),
            ("BFloat16Storage", .bfloat16), ("LongStorage", .int64), ("IntStorage", .int32), ("ShortStorage", .int16),
            ("CharStorage", .int8), ("ByteStorage", .uint8), ("BoolStorage", .bool),
        ]
        for (name, dtype) in table {
            let value = try root(pickle(Op.storage(name, numel: 3)))
            #expect(value == .storage(TorchStorageRef(key: "0", dtype: dtype, location: "cpu", numel: 3)), "\(name)")
        }
        // Tensors saved from a GPU name `torch.cuda.<X>Storage`.
        #expect(try root(pickle(Op.storage("HalfStorage", module: "torch.cuda", numel: 1)))
                == .storage(TorchStorageRef(key: "0", dtype: .float16, location: "cpu", numel: 1)))
    }

    @Test func rebuildTensorV3UsesTheTrailingDtypeOverAnUntypedStorage() throws {
        let v3 = Op.global("torch._utils", "_rebuild_tensor_v3")
            + Op.tupleOf([Op.storage("UntypedStorage", module: "torch.storage", numel: 4), Op.int1(0), Op.ints([2]),
                          Op.ints([1]), Op.newFalse, Op.global("collections", "OrderedDict") + Op.emptyTuple + Op.reduce,
                          Op.global("torch", "uint16")]) + Op.reduce
        let value = try root(pickle(v3))
        guard case let .tensor(tensor) = value else { Issue.record("expected a tensor, got \(value)"); return }
        #expect(tensor.dtype == .uint16 && tensor.storage.dtype == .uint8 && tensor.storage.isUntyped)
        #expect(tensor.storage.byteCount == 4 && tensor.byteCount == 4)
    }

    @Test func parametersAndTensorSubclassesUnwrapToTheirTensor() throws {
        let inner = Op.tensor(storage: Op.storage(numel: 4), shape: [2, 2], strides: [2, 1])
        let hooks = Op.global("collections", "OrderedDict") + Op.emptyTuple + Op.reduce
        let parameter = try root(pickle(Op.global("torch._utils", "_rebuild_parameter")
                                        + Op.tupleOf([inner, Op.newTrue, hooks]) + Op.reduce))
        #expect(parameter.tensorValue?.isParameter == true && parameter.tensorValue?.requiresGrad == true)
        #expect(parameter.tensorValue?.shape == [2, 2])

        let fromType = try root(pickle(Op.global("torch._tensor", "_rebuild_from_type_v2")
            + Op.tupleOf([Op.global("torch._utils", "_rebuild_tensor_v2"), Op.global("torch", "Tensor"),
                          Op.tupleOf([Op.storage(numel: 4), Op.int1(0), Op.ints([4]), Op.ints([1]), Op.newFalse, hooks]),
                          Op.emptyDict]) + Op.reduce))
        #expect(fromType.tensorValue?.shape == [4] && fromType.tensorValue?.isParameter == false)
    }

    @Test func orderedDictKeepsOrderAndItsBuildState() throws {
        // torch state_dict(): OrderedDict() + SETITEMS + BUILD({'_metadata': …}).
        let value = try root(pickle(Op.global("collections", "OrderedDict"), Op.emptyTuple, Op.reduce,
                                    Op.mark, Op.unicode("b"), Op.int1(2), Op.unicode("a"), Op.int1(1), Op.setItems,
                                    Op.emptyDict, Op.unicode("_metadata"), Op.emptyDict, Op.setItem, Op.build))
        guard case let .dict(dict) = value else { Issue.record("expected a dict, got \(value)"); return }
        #expect(dict.entries.map(\.key) == [.string("b"), .string("a")])
        #expect(dict.state?.dictValue?["_metadata"] == .dict(PickleDict()))
    }

    @Test func bytesSizesDevicesAndDtypes() throws {
        #expect(try root(pickle(Op.global("_codecs", "encode"), Op.unicode("\u{0}\u{FF}a"), Op.unicode("latin1"),
                                Op.tuple2, Op.reduce)) == .bytes([0, 255, 0x61]))
        #expect(try root(pickle(Op.global("torch", "Size"), Op.ints([2, 3]), Op.tuple1, Op.reduce)) == .size([2, 3]))
        #expect(try root(pickle(Op.global("torch", "device"), Op.unicode("cuda"), Op.int1(1), Op.tuple2, Op.reduce))
                == .device("cuda:1"))
        #expect(try root(pickle(Op.global("torch", "device"), Op.unicode("cpu"), Op.tuple1, Op.reduce)) == .device("cpu"))
        #expect(try root(pickle(Op.global("torch", "bfloat16"))) == .dtype(.bfloat16))
        #expect(try root(pickle(Op.global("torch", "half"))) == .dtype(.float16))
    }

    @Test func legacyViewMetadataIsKept() throws {
        let id = Op.tupleOf([Op.unicode("storage"), Op.global("torch", "FloatStorage"), Op.unicode("140"),
                             Op.unicode("cpu"), Op.int1(12), Op.tupleOf([Op.unicode("141"), Op.int1(4), Op.int1(6)])])
        let value = try root(pickle(id, Op.binPersID))
        #expect(value == .storage(TorchStorageRef(key: "140", dtype: .float32, location: "cpu", numel: 12,
                                                  view: .init(key: "141", offset: 4, numel: 6))))
    }

    @Test func otherPersistentIDsGoToTheResolverOrStayInert() throws {
        let view = pickle(Op.emptyDict, Op.unicode("w"), Op.unicode("1"), Op.binPersID, Op.setItem)
        #expect(try root(view).dictValue?["w"] == .persistentID(.string("1")))
        let resolved = try PickleReader.read(view) { id in id == .string("1") ? .int(42) : nil }
        #expect(resolved.root.dictValue?["w"] == .int(42))
    }

    @Test func malformedTensorArgumentsAreNamed() throws {
        let negative = pickle(Op.tensor(storage: Op.storage(numel: 4), shape: [2, -3], strides: [1, 1]))
        #expect {
            try root(negative)
        } throws: { error in
            guard case let .invalidArguments(callee, reason, _, _) = error as? PickleError else { return false }
            return callee == "torch._utils._rebuild_tensor_v2" && reason.contains("negative size")
        }
        let overflow = pickle(Op.tensor(storage: Op.storage(numel: 4), shape: [1 << 62, 4], strides: [4, 1]))
        #expect {
            try root(overflow)
        } throws: { error in
            guard case let .invalidArguments(_, reason, _, _) = error as? PickleError else { return false }
            return reason.contains("overflows")
        }
        let call = Op.global("torch._utils", "_rebuild_tensor_v2")
            + Op.tupleOf([Op.none, Op.int1(0), Op.ints([1]), Op.ints([1]), Op.newFalse, Op.none]) + Op.reduce
        // The error points at the REDUCE that made the call: PROTO is 2 bytes, REDUCE is the last byte of `call`.
        #expect(throws: PickleError.invalidArguments(callee: "torch._utils._rebuild_tensor_v2",
                                                     reason: "argument 0 is a None, not a storage",
                                                     offset: 2 + call.count - 1, path: "")) {
            try root(pickle(call))
        }
        let badStorage = pickle(Op.tupleOf([Op.unicode("storage"), Op.global("torch", "FloatStorage"), Op.unicode("0"),
                                            Op.unicode("cpu"), Op.long1(-1)]), Op.binPersID)
        #expect {
            try root(badStorage)
        } throws: { error in
            guard case let .invalidPersistentID(reason, _, _) = error as? PickleError else { return false }
            return reason.contains("numel")
        }
    }

    @Test func keyPathsLocateErrorsInsideTheTree() throws {
        let view = pickle(Op.emptyDict, Op.unicode("state_dict"), Op.emptyDict, Op.unicode("bad"),
                          Op.global("torch", "Size"), Op.unicode("x"), Op.tuple1, Op.reduce, Op.setItem, Op.setItem)
        #expect {
            try root(view)
        } throws: { error in
            guard case let .invalidArguments(callee, _, _, path) = error as? PickleError else { return false }
            return callee == "torch.Size" && path == "state_dict.bad"
        }
    }
}
